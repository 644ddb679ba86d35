"""YAML decoding that records where every key and list item sits (offsets into the text), for `yamldecode()`.

PyYAML's composer gives each node its start and end mark; the nodes are turned into values iteratively, with a
limit on the nodes visited (an alias bomb expands shared nodes exponentially) and on the depth.
"""

from __future__ import annotations

import datetime
from typing import Any

from mfa_lint.reading import limits
from mfa_lint.reading.site import SourceError

Offsets = tuple[int, int]


def loads_with_offsets(text: str) -> tuple[Any, dict[tuple, Offsets]]:
    """The value of a one-document YAML text, and the (start, end) offset of every key and list item by path.

    Raises SourceError when it is not YAML (or more than one document, as Terraform's `yamldecode` refuses)."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise SourceError(f"invalid YAML: {reason[:80]}") from None
    if root is None:
        return None, {}
    constructor = yaml.SafeLoader("")
    spans: dict[tuple, Offsets] = {}
    holder: list[Any] = [None]
    stack: list[tuple[Any, tuple, Any, Any]] = [(root, (), holder, 0)]
    visited = 0
    while stack:
        node, path, parent, slot = stack.pop()
        visited += 1
        if visited > limits.YAML_NODES or len(path) > limits.YAML_NESTING:
            raise SourceError("YAML too large to decode (aliases expand beyond the limit)")
        if isinstance(node, yaml.MappingNode):
            constructor.flatten_mapping(node)
            made: Any = {}
            for key_node, value_node in node.value:
                key = _scalar(constructor, key_node) if isinstance(key_node, yaml.ScalarNode) else None
                if key is None or isinstance(key, (list, dict)):
                    raise SourceError("YAML with a key that is not a string")
                key = key if isinstance(key, str) else str(key).lower() if isinstance(key, bool) else str(key)
                spans[path + (key,)] = (key_node.start_mark.index, key_node.end_mark.index)
                made[key] = None
                stack.append((value_node, path + (key,), made, key))
        elif isinstance(node, yaml.SequenceNode):
            made = [None] * len(node.value)
            for index, item in enumerate(node.value):
                spans[path + (index,)] = (item.start_mark.index, item.end_mark.index)
                stack.append((item, path + (index,), made, index))
        else:
            made = _scalar(constructor, node)
        parent[slot] = made
    return holder[0], spans


def _scalar(constructor: Any, node: Any) -> Any:
    import yaml

    try:
        value = constructor.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError) as error:
        raise SourceError(f"invalid YAML value: {str(error)[:60]}") from None
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value
