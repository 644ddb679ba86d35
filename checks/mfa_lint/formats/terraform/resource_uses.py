"""Which policy attributes of a module use its `aws_iam_policy_document` data sources and its calls' outputs, and as
what kind of policy: a data source used by an SCP's `content` is judged as an SCP, by a user policy as an identity
policy, and so is a data source of a called module that reaches the attribute through an output.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any, Protocol

from lark import Tree

from mfa_lint.core.values import Unknown
from mfa_lint.formats.terraform.documents import DOCUMENT_REFERENCE, HCL_NAVIGATOR, references
from mfa_lint.formats.terraform.hcl_syntax import attributes, blocks, node_text, root_body
from mfa_lint.formats.terraform.resources import RESOURCES, policy_values


class ModuleFiles(Protocol):
    """What the uses are read from: a module instance (module_instance.ModuleInstance)."""

    directory: str
    overrides: dict[str, Any]

    def files(self) -> dict[str, str]: ...

    def tree(self, key: str) -> Tree | None: ...

    def evaluator(self, key: str) -> Any: ...


_CACHE_SIZE = 16
_CACHE: OrderedDict[tuple, tuple[dict[str, set[str]], dict[tuple[str, str], set[str]]]] = OrderedDict()


def attribute_uses(
    instance: ModuleFiles, names: frozenset[str], calls: frozenset[str]
) -> tuple[dict[str, set[str]], dict[tuple[str, str], set[str]]]:
    """(data source name -> kinds, (call, output) -> kinds) over the policy attributes of the module's resources that
    use data sources `names` or the outputs of calls `calls` (only the files that name one are parsed)."""
    documents: dict[str, set[str]] = {}
    outputs: dict[tuple[str, str], set[str]] = {}
    if not names and not calls:
        return documents, outputs
    mentions = re.compile("|".join(
        [rf"\bdata\.aws_iam_policy_document\.(?:{'|'.join(map(re.escape, sorted(names)))})\b"] * bool(names)
        + [rf"\bmodule\.(?:{'|'.join(map(re.escape, sorted(calls)))})\b"] * bool(calls)))
    cache_key = (tuple(sorted(instance.files().items())), repr(sorted(instance.overrides.items())), instance.directory,
                 names, calls)
    cached = _CACHE.get(cache_key)
    if cached is not None:  # the module's files and its calls' instances ask the same
        _CACHE.move_to_end(cache_key)
        return cached
    for key, text in sorted(instance.files().items()):
        if not mentions.search(text):
            continue  # only files naming those data sources or calls are parsed
        tree = instance.tree(key)
        if tree is None:
            continue
        for block in blocks(root_body(tree)):
            if block.type != "resource" or len(block.labels) < 2 or block.labels[0] not in RESOURCES:
                continue
            evaluator = instance.evaluator(key)

            def top_level(body: Tree = block.body, ev: Any = evaluator, key: str = key, text: str = text) -> Any:
                return {a.name: ev.evaluate(a.expression, key, text).value for a in attributes(body)}

            for found in policy_values(block.labels[0], block.body, top_level, HCL_NAVIGATOR):
                expression = found.value.expression
                used, called = references(expression, text)
                if not used and not called and "local." in node_text(expression, text):
                    value = evaluator.evaluate(expression, key, text).value
                    match = DOCUMENT_REFERENCE.fullmatch(value.raw.strip()) if isinstance(value, Unknown) else None
                    used = [match.group(1)] if match else []
                for name in used:
                    documents.setdefault(name, set()).add(found.kind)
                for call in called:
                    outputs.setdefault(call, set()).add(found.kind)
    _CACHE[cache_key] = (documents, outputs)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return documents, outputs
