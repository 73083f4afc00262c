"""`collected` messages for pytest's collection tree: file, class, function, parametrized case.

Parametrized tests get a synthetic "function" node (nodeid without the [id] part) so the
editor can group cases; pytest accepts that nodeid to run all cases.
"""

import ast
import inspect
import linecache
import operator
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


def _source_range(obj, first_line=None, ends=None):
    """What inspect.getsourcelines says (0-based), but for functions the end of the block comes
    from one AST parse per file (`ends`, a _DefEnds) instead of tokenizing every function."""
    try:
        obj = inspect.unwrap(obj)
        # with `ends` (discovery's one-parse mode) a class's range comes from one parse of its file too
        known = class_range(obj) if ends is not None and isinstance(obj, type) else None
        if known is not None:
            start, end = known
            return {"line": start if first_line is None else first_line, "endLine": end}
        lines, start = inspect.findsource(obj)
        end = ends.end(obj, lines, start) if ends is not None else None
        if end is None:
            end = start + len(inspect.getblock(lines[start:])) - 1
    except Exception:
        return {"line": first_line} if first_line is not None else None
    line = start if first_line is None else first_line
    return {"line": line, "endLine": end}


# inspect.getblock ends a block at its last statement, plus (Python 3.10+) any following
# comment lines indented at least as deep as the block's body.
_COMMENTS_IN_BLOCK = "body_col0" in vars(inspect.BlockFinder())


class _DefEnds:
    """0-based last line of each def block, as inspect.getblock finds it: for every file, one
    ast.parse of the lines inspect.findsource returned. Misses (None) fall back to getblock."""

    def __init__(self):
        self._files = {}  # co_filename -> (lines, {start: end})

    def end(self, obj, lines, start):
        code = getattr(getattr(obj, "__func__", obj), "__code__", None)
        if code is None:
            return None  # classes: inspect finds those by qualname
        end = _code_end(code, lines, start)
        if end is not None:
            return end
        entry = self._files.get(code.co_filename)
        if entry is None or entry[0] is not lines:
            entry = self._files[code.co_filename] = (lines, _def_ends(lines))
        return entry[1].get(start)


_CLASSES = {}  # source file -> (its lines as linecache holds them, {qualname: (start, end)})


def class_range(cls, file=None):
    """(start, end), 0-based, of a class as inspect.findsource and getblock give them, from one
    parse of its file for all its classes: findsource parses the whole module again for each
    class (Python < 3.13), 6 ms a class of a 1,300-line test module here. None: ask inspect.
    A file linecache reads again (inspect's checkcache saw it change) is parsed again."""
    file = file or inspect.getsourcefile(cls)
    if not file:
        return None
    lines = linecache.getlines(file)
    entry = _CLASSES.get(file)
    if entry is None or entry[0] is not lines:
        entry = _CLASSES[file] = (lines, class_ranges(lines))
    return entry[1].get(cls.__qualname__)


_END_LINE = operator.itemgetter(1)


def _last_line(code):
    """1-based last source line any instruction of code (or of code nested in it) covers."""
    last = max(filter(None, map(_END_LINE, code.co_positions())), default=0)
    for const in code.co_consts:
        if isinstance(const, type(code)):
            last = max(last, _last_line(const))
    return last


def _indent(line):
    return len(line) - len(line.lstrip())


def _code_end(code, lines, start):
    """The block end without parsing (Python 3.11+: instruction positions), when it is sure: some
    body line is covered, and the first code line after the last covered one is dedented to the
    def's own level. A comment there, or body lines without instructions (a docstring-only body,
    a closing `pass`), or a one-line def, mean None: the AST decides."""
    if not hasattr(code, "co_positions") or start >= len(lines) or not lines[start].lstrip().startswith(("def ", "async ", "@")):
        return None
    end = _last_line(code) - 1
    if end <= code.co_firstlineno - 1 or end < start or end >= len(lines):
        return None  # only the prologue (at the first decorator or def line) is covered
    level = _indent(lines[start])
    for i in range(end + 1, len(lines)):
        text = lines[i].strip()
        if not text:
            continue
        if text.startswith("#"):
            return None  # getblock's trailing-comment rule: leave it to the AST
        return end if _indent(lines[i]) <= level else None
    return end


_DEF = (ast.FunctionDef, ast.AsyncFunctionDef)
_BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")  # statement lists


def _defs(body):
    """Every def in a statement list, nested ones included (only statements are visited: a
    def cannot hide inside an expression)."""
    todo = [body]
    while todo:
        for node in todo.pop():
            if isinstance(node, _DEF) and node.body:
                yield node
            for field in _BLOCK_FIELDS:
                sub = getattr(node, field, None)
                if sub and isinstance(sub, list):
                    todo.append(sub)


def _def_ends(lines):
    try:
        tree = ast.parse("".join(lines))
    except Exception:
        return {}
    ends = {}
    for node in _defs(tree.body):
        start, end = _block_range(node, lines)
        ends[start] = None if start in ends else end  # two defs on one line: let inspect decide
    return ends


def _block_range(node, lines):
    """0-based first line (its first decorator's) and last line of a def or class, as getblock
    ends it: its last statement, then comment lines indented at least as deep as its body."""
    start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
    end = node.end_lineno - 1
    body = node.body[0]
    col = body.col_offset
    if _COMMENTS_IN_BLOCK and body.lineno - 1 < len(lines) and not lines[body.lineno - 1][:col].strip():
        for i in range(end + 1, len(lines)):
            text = lines[i].strip()
            if not text:
                continue
            if not text.startswith("#"):
                break
            if len(lines[i]) - len(lines[i].lstrip()) >= col:
                end = i
    return start, end


def class_ranges(lines):
    """qualname -> _block_range for every class of a file; the first of a qualname wins, as
    inspect's search finds it; a def's classes are "f.<locals>.C", as Python names them."""
    try:
        tree = ast.parse("".join(lines))
    except Exception:
        return {}
    out = {}
    _add_classes(tree.body, "", lines, out)
    return out


def _add_classes(body, prefix, lines, out):
    """The classes of a statement list into `out`, in source order, nested ones included."""
    for node in body:
        if isinstance(node, ast.ClassDef):
            out.setdefault(prefix + node.name, _block_range(node, lines))
            _add_classes(node.body, f"{prefix}{node.name}.", lines, out)
        elif isinstance(node, _DEF):
            _add_classes(node.body, f"{prefix}{node.name}.<locals>.", lines, out)
        else:
            for field in _BLOCK_FIELDS:
                sub = getattr(node, field, None)
                if sub and isinstance(sub, list):
                    _add_classes(sub, prefix, lines, out)


def _markers(item):
    names = []
    try:
        for mark in item.iter_markers():
            if mark.name not in names and mark.name != "parametrize":
                names.append(mark.name)
    except Exception:
        pass
    return names


def collected_messages(items, ranges=True):
    """Yield dicts (fields of `collected` messages), parents before children, no duplicates.

    ranges=False (a run, not discovery): only ranges pytest already knows (a file's line 0, an
    item's first line from item.location): no source lookups, no class ranges, no endLine, as
    under xdist. Runs do not use the tree; discovery (--collect-only) gets full ranges."""
    seen = set()
    ends = _DefEnds() if ranges else None
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
                    rng = _source_range(getattr(node, "obj", None), None, ends) if ranges else None
                    if rng:
                        msg["range"] = rng
                if parent is not None:
                    msg["parent"] = parent
                yield msg
            parent = node.nodeid
        yield from _item_messages(item, parent, seen, ends)


def _group(item):
    """(nodeid of the synthetic function node of a parametrized case, its name), or (None, None)."""
    name = item.name
    original = getattr(item, "originalname", None) or name.split("[")[0]
    suffix = name[len(original):] if name.startswith(original) else ""
    if getattr(item, "callspec", None) is not None and suffix.startswith("[") and item.nodeid.endswith(suffix):
        return item.nodeid[: len(item.nodeid) - len(suffix)], original
    return None, None


def _item_messages(item, parent, seen, ends=None):
    location = getattr(item, "location", None) or (None, None, None)
    first_line = location[1] if isinstance(location[1], int) else None
    if ends is not None:
        rng = _source_range(getattr(item, "obj", None), first_line, ends)
    else:
        rng = {"line": first_line} if first_line is not None else None
    base = {"file": _path(item)}
    if rng:
        base["range"] = rng
    group, original = _group(item)
    if group is not None:
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


def run_lines(items, encode, quote, version):
    """collected_messages(items, ranges=False) as JSON lines (`encode` a dict, `quote` a str),
    cheaper: a run sends one per test (#9). Items of one parent share its chain, file and marker
    work, and items are formatted, not built as dicts; an item of another shape goes the dict way."""
    seen = set()
    head = '{"v": %d, "type": "collected", "nodeid": ' % version
    last_parent = parent = None
    last_path = file = None
    parent_marks = ()
    for item in items:
        if item.parent is not last_parent or last_parent is None:  # the parent's chain, once
            last_parent = item.parent
            parent = None
            for node in item.listchain()[1:-1]:
                if _kind(node) is None:
                    continue
                if node.nodeid not in seen:
                    seen.add(node.nodeid)
                    yield encode(_parent_message(node, parent, version)) + "\n"
                parent = node.nodeid
            parent_marks = _chain_marker_names(last_parent)
        location = getattr(item, "location", None) or (None, None, None)
        line = location[1]
        path = getattr(item, "path", None)
        if type(line) is not int or path is None or not isinstance(item.nodeid, str) or not isinstance(item.name, str):
            for msg in _item_messages(item, parent, seen):
                yield encode(dict(msg, v=version, type="collected")) + "\n"
            continue
        if path is not last_path:
            last_path, file = path, quote(_path(item))
        tail = ', "file": %s, "range": {"line": %d}' % (file, line)
        item_parent = parent
        group, original = _group(item)
        if group is not None:
            if group not in seen:
                seen.add(group)
                up = ', "parent": %s' % quote(parent) if parent is not None else ""
                yield '%s%s, "kind": "function", "name": %s%s%s}\n' % (head, quote(group), quote(original), tail, up)
            item_parent = group
        if item.nodeid in seen:
            continue
        seen.add(item.nodeid)
        kind = "case" if group is not None else "function"
        up = ', "parent": %s' % quote(item_parent) if item_parent is not None else ""
        marks = _item_marker_names(item, parent_marks)
        if marks:
            up += ', "markers": [%s]' % ", ".join(map(quote, marks))
        yield '%s%s, "kind": "%s", "name": %s%s%s}\n' % (head, quote(item.nodeid), kind, quote(item.name), tail, up)


def _parent_message(node, parent, version):
    """A file's or class's message as collected_messages makes it with ranges=False."""
    kind = _kind(node)
    msg = {"v": version, "type": "collected", "nodeid": node.nodeid, "kind": kind, "name": node.name, "file": _path(node)}
    if kind == "file":
        msg["range"] = {"line": 0}
    if parent is not None:
        msg["parent"] = parent
    return msg


def _chain_marker_names(node):
    """Marker names of node and its parents, in iter_markers' order (the node first)."""
    names = []
    while node is not None:
        for mark in getattr(node, "own_markers", ()):
            if mark.name not in names and mark.name != "parametrize":
                names.append(mark.name)
        node = getattr(node, "parent", None)
    return names


def _item_marker_names(item, parent_marks):
    """_markers(item) with its parents' names known: iter_markers goes item first, then up."""
    own = getattr(item, "own_markers", None)
    if not own:
        return parent_marks
    names = []
    for mark in own:
        if mark.name not in names and mark.name != "parametrize":
            names.append(mark.name)
    return names + [n for n in parent_marks if n not in names]


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
