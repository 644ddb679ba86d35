"""Normalisers for Terraform attribute values as checkov and hcl2 hand them over.

checkov wraps every HCL attribute value in a one-element list, renders `jsonencode` booleans as "False"/"True",
may evaluate `2012-10-17` as arithmetic, and leaves some documents as JSON strings (plan `content`, heredocs).
The checkov checks and the CLI's HCL/plan readers share these so they read documents the same way.
"""

from __future__ import annotations

import json
from typing import Any

from mfa_lint.reading.limits import CHECKOV_VALUE_NESTING
from mfa_lint.reading.unknowns import is_terraform_reference

_CHECKOV_BOOLEANS = {"False": False, "True": True}


def unwrap(value: Any) -> Any:
    """Strip checkov's one-element list wrapping (`["x"]` -> `"x"`, `[["a", "b"]]` -> `["a", "b"]`)."""
    for _ in range(CHECKOV_VALUE_NESTING):
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        else:
            break
    return value


def unwrap_list(value: Any) -> Any:
    """A list-valued attribute: `[["a", "b"]]` (checkov, hcl2) -> `["a", "b"]`; `["a", "b"]` stays; `"a"` stays."""
    for _ in range(CHECKOV_VALUE_NESTING):
        if isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
            value = value[0]
        else:
            break
    return value


def restore_booleans(value: Any, _depth: int = 0) -> Any:
    """Turn checkov's "False"/"True" (Python's str() of a jsonencode boolean) back into booleans, recursively."""
    if _depth > CHECKOV_VALUE_NESTING:
        return value
    if isinstance(value, str):
        return _CHECKOV_BOOLEANS.get(value, value)
    if isinstance(value, dict):
        return {k: restore_booleans(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [restore_booleans(v, _depth + 1) for v in value]
    return value


def decode_json(value: Any) -> Any:
    """A JSON object or array held in a string (heredoc, plan `content`) -> its value; anything else unchanged."""
    if isinstance(value, (str, bytes)):
        text = value.strip()
        if text[:1] in ("{", "[") if isinstance(text, str) else text[:1] in (b"{", b"["):
            try:
                return json.loads(text)
            except (ValueError, RecursionError):
                return value
    return value


def normalise_version(document: Any) -> Any:
    """checkov may evaluate an unquoted-looking `2012-10-17` to a number; put the IAM version string back."""
    if isinstance(document, dict) and isinstance(document.get("Version"), (int, float)):
        document = dict(document)
        document["Version"] = "2012-10-17" if document["Version"] == 2012 - 10 - 17 else str(document["Version"])
    return document


def normalise_document(value: Any) -> Any:
    """One policy attribute value, as checkov or hcl2 gives it -> what to hand the core (dict, string, or list)."""
    value = decode_json(unwrap(value))
    value = restore_booleans(value)
    return normalise_version(value)


def is_reference(value: Any) -> bool:
    """A Terraform expression left unevaluated: `data.x.y.json`, `${var.x}`, `${file("p.json")}`, `local.x`.

    IAM policy variables (`${aws:username}`) are not references.
    """
    return is_terraform_reference(value)
