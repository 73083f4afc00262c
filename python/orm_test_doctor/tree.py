"""`collected` messages for pytest's collection tree: file, class, function, parametrized case.

Parametrized tests get a synthetic "function" node (nodeid without the [id] part) so the
editor can group cases; pytest accepts that nodeid to run all cases.
"""

import inspect
import os

_KINDS = (("Module", "file"), ("Class", "class"))


def _kind(node):
    for cls in type(node).__mro__:
        for name, kind in _KINDS:
            if cls.__name__ == name:
                return kind
    return None


def _path(node):
    path = getattr(node, "path", None) or getattr(node, "fspath", None)
    return os.path.abspath(str(path)) if path is not None else ""


def _source_range(obj, first_line=None):
    try:
        lines, start = inspect.getsourcelines(inspect.unwrap(obj))
    except Exception:
        return {"line": first_line} if first_line is not None else None
    line = start - 1 if first_line is None else first_line
    return {"line": line, "endLine": start - 1 + len(lines) - 1}


def _markers(item):
    names = []
    try:
        for mark in item.iter_markers():
            if mark.name not in names and mark.name != "parametrize":
                names.append(mark.name)
    except Exception:
        pass
    return names


def collected_messages(items):
    """Yield dicts (fields of `collected` messages), parents before children, no duplicates."""
    seen = set()
    for item in items:
        parent = None
        for node in item.listchain()[1:-1]:
            kind = _kind(node)
            if kind is None:
                continue  # Session, Package, Dir: the editor builds folders from paths
            if node.nodeid not in seen:
                seen.add(node.nodeid)
                msg = {"nodeid": node.nodeid, "kind": kind, "name": node.name, "file": _path(node)}
                if kind == "file":
                    msg["range"] = {"line": 0}
                else:
                    rng = _source_range(getattr(node, "obj", None))
                    if rng:
                        msg["range"] = rng
                if parent is not None:
                    msg["parent"] = parent
                yield msg
            parent = node.nodeid
        yield from _item_messages(item, parent, seen)


def _item_messages(item, parent, seen):
    location = getattr(item, "location", None) or (None, None, None)
    first_line = location[1] if isinstance(location[1], int) else None
    rng = _source_range(getattr(item, "obj", None), first_line)
    base = {"file": _path(item)}
    if rng:
        base["range"] = rng
    name = item.name
    original = getattr(item, "originalname", None) or name.split("[")[0]
    suffix = name[len(original):] if name.startswith(original) else ""
    if getattr(item, "callspec", None) is not None and suffix.startswith("[") and item.nodeid.endswith(suffix):
        group = item.nodeid[: len(item.nodeid) - len(suffix)]
        if group not in seen:
            seen.add(group)
            msg = dict(base, nodeid=group, kind="function", name=original)
            if parent is not None:
                msg["parent"] = parent
            yield msg
        parent = group
        kind = "case"
    else:
        kind = "function"
    if item.nodeid in seen:
        return
    seen.add(item.nodeid)
    msg = dict(base, nodeid=item.nodeid, kind=kind, name=item.name)
    if parent is not None:
        msg["parent"] = parent
    markers = _markers(item)
    if markers:
        msg["markers"] = markers
    yield msg


def tree_from_ids(ids):
    """`collected` fields from bare node ids (xdist controller): "file::Class::test[case]".
    Middle parts are taken as classes; "file" paths stay relative (the caller makes them absolute)."""
    for nodeid in ids:
        head, bracket, _ = nodeid.partition("[")  # ids inside [...] may hold "::"
        parts = head.split("::")
        file = parts[0]
        yield {"nodeid": file, "kind": "file", "name": os.path.basename(file), "file": file, "range": {"line": 0}}
        parent = file
        for i in range(1, len(parts) - 1):
            nid = "::".join(parts[: i + 1])
            yield {"nodeid": nid, "kind": "class", "name": parts[i], "file": file, "parent": parent}
            parent = nid
        if bracket:
            yield {"nodeid": head, "kind": "function", "name": parts[-1], "file": file, "parent": parent}
            yield {"nodeid": nodeid, "kind": "case", "name": nodeid[len(head) - len(parts[-1]):], "file": file, "parent": head}
        elif len(parts) > 1:
            yield {"nodeid": nodeid, "kind": "function", "name": parts[-1], "file": file, "parent": parent}
