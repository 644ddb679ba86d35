"""What an expression is as a policy document: JSON held in a string decoded with positions, and the data sources
and module outputs a policy attribute names (a reference, or a conditional of references); the navigator that walks
the resource table's paths through HCL syntax."""

from __future__ import annotations

import re
from typing import Any

from lark import Token, Tree

from mfa_lint.core.values import Unknown
from mfa_lint.formats.terraform.hcl_located import attach, paths
from mfa_lint.formats.terraform.hcl_syntax import attributes, blocks, node_text
from mfa_lint.formats.terraform.hcl_values import Evaluated
from mfa_lint.formats.terraform.resources import POLICY_DOCUMENT_DATA_SOURCES
from mfa_lint.formats.terraform.template_json import decode
from mfa_lint.reading.json_positions import loads_with_positions
from mfa_lint.reading.site import SourceError, Span

DOCUMENT_TYPES = "|".join(map(re.escape, POLICY_DOCUMENT_DATA_SOURCES))
DOCUMENT_REFERENCE = re.compile(rf"data\.(?:{DOCUMENT_TYPES})\.([\w-]+)(?:\[[^\]]*\])?\.json")
OUTPUT_REFERENCE = re.compile(r"module\.([\w-]+)(?:\[\s*(\"[^\"]*\"|\d+)\s*\])?\.([\w-]+)")


def decoded_document(evaluated: Evaluated) -> tuple[Any, dict[tuple, Span]]:
    """An attribute's value as a policy document: JSON held in a string (heredoc, quoted, template, a file) is
    decoded with positions in the file it was written in, its interpolations unknown one by one; invalid JSON goes
    to the core as it is (a note there). Spans in a file other than the evaluated one carry that file."""
    value = evaluated.value
    origin = evaluated.origins.get(())
    if origin is not None and isinstance(value, (str, Unknown)):
        try:
            decoded, spans = decode(origin)
        except SourceError:
            return value, {}
        located = attach(decoded, spans, origin.file)
        return located, paths(located)
    if isinstance(value, str):  # JSON text computed by a function (`replace(file(...), ...)`): no positions
        try:
            return loads_with_positions(value)[0], {}
        except SourceError:
            return value, {}
    return value, evaluated.spans


def references(node: Tree | Token, text: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The data sources and module outputs an expression is (a reference, or a conditional of references)."""
    documents: list[str] = []
    outputs: list[tuple[str, str]] = []
    pending = [node]
    for _ in range(64):
        if not pending:
            break
        current = pending.pop()
        while isinstance(current, Tree) and current.data == "expr_term" and len(current.children) == 1:
            current = current.children[0]
        if isinstance(current, Tree) and current.data == "conditional" and len(current.children) == 3:
            pending.extend(current.children[1:])
            continue
        source = " ".join(node_text(current, text).split())
        document = DOCUMENT_REFERENCE.fullmatch(source)
        output = OUTPUT_REFERENCE.fullmatch(source)
        if document:
            documents.append(document.group(1))
        elif output:
            outputs.append((output.group(1), output.group(3)))
    return documents, outputs


class _HclNavigator:
    """Steps of a location-table path through HCL syntax: an attribute, or the bodies of the blocks so named."""

    def child(self, body: Any, name: str) -> list[Any]:
        if not isinstance(body, Tree):
            return []  # an attribute where the table expects blocks (`inline_policy = [...]`)
        found = [a for a in attributes(body) if a.name == name]
        if found:
            return found
        bodies = [b.body for b in blocks(body) if b.type == name]
        return [bodies] if bodies else []

    def elements(self, node: Any) -> list[Any]:
        return list(node) if isinstance(node, list) else [node]


HCL_NAVIGATOR = _HclNavigator()
