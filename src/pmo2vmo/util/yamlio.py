"""Reading YAML data files with errors that name the file, the key and the value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pmo2vmo.errors import InstrumentError, NotReadable
from pmo2vmo.util.safeio import read_bounded
from pmo2vmo.util.text import clip

MAX_YAML_BYTES = 2 * 1024 * 1024  # a data file of assessment/; the largest today is 75 KB
MAX_DEPTH = 100  # levels of nesting; the instrument's files use 6
MAX_ALIAS_NODES = 10_000  # nodes that aliases may add once expanded (a YAML bomb adds billions)

# libyaml's parser (about ten times faster); the pure-Python one only where libyaml is missing.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _ExpansionError(Exception):
    pass


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a document whose aliases would add more than :data:`MAX_ALIAS_NODES` nodes.

    The composer shares an anchored node between its aliases, so even a bomb's graph is small;
    but whatever walks the loaded data (validation, messages, hashing) meets every copy. Each
    node's expanded size is computed once (memoised), and an alias inside itself is refused.
    """
    written: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) not in written:
            written.add(id(node))
            stack.extend(_children(node))
    limit = len(written) + MAX_ALIAS_NODES
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key not in sizes:
            if key in active:
                raise _ExpansionError(
                    "an alias refers to the node that contains it — write the value out instead"
                )
            active.add(key)
            sizes[key] = 1 + sum(size(child) for child in _children(node))
            active.discard(key)
            if sizes[key] > limit:
                raise _ExpansionError(
                    f"its aliases expand to more than {MAX_ALIAS_NODES:,} extra values "
                    "(a YAML bomb?) — write each value out instead of using aliases"
                )
        return sizes[key]

    size(root)


def _check_duplicate_keys(root: yaml.Node) -> None:
    """Refuse a mapping that gives the same key twice: YAML keeps only the last, so a typo such
    as ``{pmo: A, pmo: R}`` would silently lose a value (and slip past any check on it)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: dict[object, yaml.Node] = {}
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in keys:
                        mark = key.start_mark
                        raise ValueError(
                            f"the key {clip(repr(key.value))} is given twice in one mapping "
                            f"(line {mark.line + 1}, column {mark.column + 1}) — keep one"
                        )
                    keys[key.value] = key
        stack.extend(_children(node))


def safe_load_bounded(text: str) -> Any:
    """``yaml.safe_load`` that refuses documents whose aliases expand beyond a small bound, or
    that give a key twice in one mapping.

    Raises :class:`yaml.YAMLError` for invalid YAML and ``ValueError`` for an alias bomb or a
    duplicate key.
    """
    depth, aliases = 0, 0
    for event in yaml.parse(text, Loader=_Loader):  # a stream of events: no recursion
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:  # libyaml's composer recurses in C: deep nesting crashes it
                raise ValueError(f"it nests more than {MAX_DEPTH} levels deep — flatten it")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            if aliases:  # without an alias nothing can expand
                _check_expansion(node)
            _check_duplicate_keys(node)
        except _ExpansionError as exc:
            raise ValueError(str(exc)) from None
        except RecursionError:
            raise ValueError("it is nested too deeply") from None
        return loader.construct_document(node)
    finally:
        loader.dispose()


def read_yaml(path: Path, limit: int = MAX_YAML_BYTES) -> Any:
    """Parse a YAML file safely (no Python tags, no alias bombs, at most ``limit`` bytes, a
    regular file only), raising :class:`InstrumentError` on failure."""
    try:
        data = read_bounded(path, limit)
    except NotReadable as exc:
        raise InstrumentError([f"{path}: {exc}"]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InstrumentError(
            [f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"]
        ) from None
    try:
        return safe_load_bounded(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InstrumentError([f"{path}: not valid YAML{where}: {clip(str(problem))}"]) from None
    except ValueError as exc:
        raise InstrumentError([f"{path}: refused: {exc}"]) from None
    except RecursionError:
        raise InstrumentError([f"{path}: refused: it is nested too deeply"]) from None
