"""Build the IAM JSON document that a `data "aws_iam_policy_document"` block describes.

The data source writes statements as HCL blocks, so every Terraform surface (checkov checks, the CLI's HCL reader)
must turn them into the JSON the AWS provider would render before the core can judge them. Both checkov's conf
shape (every attribute wrapped in a one-element list) and `hcl2.loads` (blocks as lists of dicts) are accepted.

`source_policy_documents` / `override_policy_documents` are kept as they are, under the keys in `REFERENCE_KEYS`:
their statements are not visible here, so a caller treats them as unresolved (mfa-lint's HCL reader resolves and
merges them itself: formats/terraform/policy_merge.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mfa_lint.core.values import Unknown
from mfa_lint.formats.terraform.values import unwrap, unwrap_list

#: Document keys holding the data source's unresolved input documents (not IAM keys: callers pop them).
REFERENCE_KEYS = {"source_policy_documents": "SourcePolicyDocuments",
                  "override_policy_documents": "OverridePolicyDocuments",
                  "source_json": "SourceJson", "override_json": "OverrideJson"}
#: The data source's attributes that hold input documents merged into its own statements.
INPUT_DOCUMENT_FIELDS = frozenset(REFERENCE_KEYS)

_LIST_FIELDS = (("actions", "Action"), ("not_actions", "NotAction"),
                ("resources", "Resource"), ("not_resources", "NotResource"))
_PRINCIPAL_FIELDS = (("principals", "Principal"), ("not_principals", "NotPrincipal"))


def _blocks(value: Any) -> list[Mapping[str, Any]]:
    """Nested blocks: a list of dicts (both shapes), a single dict, or lists nested once more."""
    if isinstance(value, Mapping):
        return [value]
    if not isinstance(value, list):
        return []
    blocks: list[Mapping[str, Any]] = []
    for item in value:
        if isinstance(item, Mapping):
            blocks.append(item)
        elif isinstance(item, list):
            blocks.extend(b for b in item if isinstance(b, Mapping))
    return blocks


def _string_value(value: Any) -> Any:
    """Render a condition value as the provider does: booleans and numbers become strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _as_list(value: Any) -> list[Any]:
    value = unwrap_list(value)
    return list(value) if isinstance(value, list) else [value]


def _single_or_list(values: list[Any]) -> Any:
    """The provider renders a one-element list as a plain string."""
    return values[0] if len(values) == 1 else values


def _principals(blocks: list[Mapping[str, Any]]) -> Any:
    principal: dict[str, list[Any]] = {}
    for block in blocks:
        kind = unwrap(block.get("type"))
        identifiers = [_string_value(v) for v in _as_list(block.get("identifiers", []))]
        if not isinstance(kind, (str, Unknown)):  # an unresolved type stays unresolved
            kind = str(kind)
        principal.setdefault(kind, []).extend(identifiers)
    if list(principal) == ["*"] and all(i == "*" for i in principal["*"]):
        return "*"
    return {k: _single_or_list(v) for k, v in principal.items()}


def _conditions(blocks: list[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Several blocks with one test merge under that operator; one test and variable merge their values (an OR).
    An unresolved test or variable stays unresolved (never the text of its reference as if it were an operator)."""
    condition: dict[Any, dict[Any, list[Any]]] = {}
    for block in blocks:
        test = unwrap(block.get("test"))
        variable = unwrap(block.get("variable"))
        values = [_string_value(v) for v in _as_list(block.get("values", []))]
        test = test if isinstance(test, Unknown) else str(test)
        variable = variable if isinstance(variable, Unknown) else str(variable)
        condition.setdefault(test, {}).setdefault(variable, []).extend(values)
    return {t: {k: _single_or_list(v) for k, v in keys.items()} for t, keys in condition.items()}


def statement_from_block(block: Mapping[str, Any]) -> dict[str, Any]:
    """One `statement { ... }` block -> one IAM statement."""
    statement: dict[str, Any] = {}
    sid = unwrap(block.get("sid"))
    if sid not in (None, "", []):
        statement["Sid"] = sid
    effect = unwrap(block.get("effect"))
    statement["Effect"] = effect if effect not in (None, [], "") else "Allow"
    for field, key in _LIST_FIELDS:
        if field in block:
            statement[key] = _single_or_list([_string_value(v) for v in _as_list(block[field])])
    for field, key in _PRINCIPAL_FIELDS:
        principal_blocks = _blocks(block.get(field))
        if principal_blocks:
            statement[key] = _principals(principal_blocks)
    condition_blocks = _blocks(block.get("condition"))
    if condition_blocks:
        statement["Condition"] = _conditions(condition_blocks)
    return statement


def policy_document_from_blocks(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """A data source's attributes -> the IAM JSON document; input documents stay as references (REFERENCE_KEYS)."""
    version = unwrap(attributes.get("version"))
    document: dict[str, Any] = {"Version": version if isinstance(version, str) and version else "2012-10-17"}
    policy_id = unwrap(attributes.get("policy_id"))
    if isinstance(policy_id, str) and policy_id:
        document["Id"] = policy_id
    document["Statement"] = [statement_from_block(b) for b in _blocks(attributes.get("statement"))]
    for field, key in REFERENCE_KEYS.items():
        references = attributes.get(field)
        if references not in (None, [], [[]], "", [""]):
            document[key] = _as_list(references)
    return document


def split_references(document: dict[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """The IAM part of a built document, and the input documents it merges (unresolved for the caller)."""
    iam = {k: v for k, v in document.items() if k not in REFERENCE_KEYS.values()}
    references = [r for key in REFERENCE_KEYS.values() for r in document.get(key, []) if r not in (None, [])]
    return iam, references
