"""Turn arbitrary Python values (SQL parameters) into bounded JSON-able data.

Only dict/list/str/int/float/bool/None come out, so the result also survives
pytest-xdist's execnet serialization.
"""

import math

MAX_STR = 500
MAX_ITEMS = 50
MAX_DEPTH = 4


def _repr(value, limit=MAX_STR):
    try:
        text = repr(value)
    except Exception as exc:
        text = "<unrepresentable %s: %s>" % (type(value).__name__, exc)
    return cut(text, limit)


def cut(text, limit=MAX_STR):
    return text if len(text) <= limit else text[:limit] + "…"


def to_json(value, budget=8000):
    """`budget` bounds the total characters of strings and reprs emitted."""
    left = [budget]

    def conv(v, depth):
        if left[0] <= 0:
            return "…"
        if v is None or isinstance(v, bool):
            return v
        if isinstance(v, int):
            return v if abs(v) < 2 ** 53 else str(v)
        if isinstance(v, float):
            return v if math.isfinite(v) else repr(v)
        if isinstance(v, str):
            s = cut(v, min(MAX_STR, left[0]))
            left[0] -= len(s)
            return s
        if depth >= MAX_DEPTH:
            s = _repr(v, min(MAX_STR, left[0]))
            left[0] -= len(s)
            return s
        if isinstance(v, (list, tuple)):
            out = [conv(x, depth + 1) for x in v[:MAX_ITEMS]]
            if len(v) > MAX_ITEMS:
                out.append("… %d more" % (len(v) - MAX_ITEMS))
            return out
        if isinstance(v, dict):
            out = {}
            for i, (k, x) in enumerate(v.items()):
                if i >= MAX_ITEMS:
                    out["…"] = "%d more" % (len(v) - MAX_ITEMS)
                    break
                out[k if isinstance(k, str) else _repr(k, 100)] = conv(x, depth + 1)
            return out
        s = _repr(v, min(MAX_STR, left[0]))
        left[0] -= len(s)
        return s

    return conv(value, 0)


def is_plain(value, depth=0):
    """True when value is already JSON-able without conversion (small, plain types only)."""
    if depth > MAX_DEPTH:
        return False
    if value is None or isinstance(value, (bool, int, float, str)):
        return not isinstance(value, float) or math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return len(value) <= MAX_ITEMS and all(is_plain(x, depth + 1) for x in value)
    return False
