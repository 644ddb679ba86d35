"""Mark the values an IaC tool fills in later as `Unknown`, so the core never has to know IaC syntax.

Readers and host adapters that hand the core data still written in template syntax call these: Terraform text
(`${var.x}`, a bare `var.x`, `%{ if }` directives) as checkov leaves it, and CloudFormation intrinsics (`Ref`,
`Fn::...`) plus the `${Name}` placeholders `Fn::Sub` text keeps. IAM policy variables (`${aws:username}`,
`${aws:PrincipalTag/team}`, `${*}`) are not unknown: IAM fills them in at request time.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Callable
from typing import Any

from mfa_lint.core.findings import MISSING_FILE, UNRESOLVED
from mfa_lint.core.values import Unknown
from mfa_lint.reading.limits import UNKNOWN_TEXT, VALUE_NESTING

# ${aws:username}, ${aws:PrincipalTag/team}, ${saml:sub}, ${*}, ${?}, ${$}, ${aws:username, 'default'}
_IAM_VARIABLE = re.compile(r"\$\{(?:[*?$]|[A-Za-z0-9.\-_]+:[^}'\"\s,:]*(?:\s*,\s*'[^']*')?)\}")
_INTERPOLATION = re.compile(r"[$%]\{\s*~?\s*([^}]*?)\s*~?\s*\}")
_BARE_REFERENCE = re.compile(r"(?:var|local|data|module)\.[A-Za-z_][\w\-]*(?:\.[\w\-*\[\]\"]+)*")
# An expression that reads another file: when it stays unknown, that file could not be read (or its path is not known)
_READS_FILE = re.compile(r"\b(?:file|templatefile)\s*\(")


def terraform_unknown(raw: str) -> Unknown:
    """An unresolved Terraform expression as an Unknown; one that reads a file (`file(...)`, `templatefile(...)`) is
    MISSING_FILE: the file could not be read, which a user should hear about even where no MFA text is."""
    return Unknown(raw, MISSING_FILE if _READS_FILE.search(raw) else UNRESOLVED)


def terraform_reference(text: str) -> str | None:
    """The reference(s) a Terraform string leaves unresolved (`var.x` for `"arn:${var.x}:..."`), else None."""
    stripped = text.strip()
    if _BARE_REFERENCE.fullmatch(stripped):
        return stripped
    if "${" not in text and "%{" not in text:
        return None
    rest = _IAM_VARIABLE.sub("", text)
    found = [m.group(1) or m.group(0) for m in _INTERPOLATION.finditer(rest)]
    if not found:
        return None
    return _short(", ".join(dict.fromkeys(found)))


def is_terraform_reference(value: Any) -> bool:
    return isinstance(value, Unknown) or (isinstance(value, str) and terraform_reference(value) is not None)


def is_intrinsic(value: Any) -> bool:
    """A CloudFormation intrinsic function object (`{"Ref": ...}`, `{"Fn::Sub": ...}`, `{"Condition": ...}`)."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (name,) = value.keys()
    return isinstance(name, str) and (name == "Ref" or name.startswith("Fn::") or name == "Condition")


def _short(text: str) -> str:
    compact = " ".join(text.split())
    return compact if len(compact) <= UNKNOWN_TEXT else compact[:UNKNOWN_TEXT] + "..."


def terraform_unknowns(value: Any) -> Any:
    """`value` with every Terraform reference string (values and keys) replaced by an Unknown naming it."""
    return _mark(value, _terraform_leaf)


def cloudformation_unknowns(value: Any, describe: Callable[[str], str | None] | None = None) -> Any:
    """`value` with intrinsics (and `${Name}` placeholders left by `Fn::Sub`) replaced by Unknowns naming them.
    `describe`: how to name a `Ref` / `${Name}` the reader knows more about (a parameter without a default, and how
    to make it known), else None."""
    if describe is None:
        return _mark(value, _cloudformation_leaf)
    return _mark(value, lambda leaf: _cloudformation_leaf(leaf, describe))


def _terraform_leaf(value: Any) -> Any:
    if isinstance(value, str):
        reference = terraform_reference(value)
        return terraform_unknown(reference) if reference is not None else value
    return value


def _cloudformation_leaf(value: Any, describe: Callable[[str], str | None] = lambda _name: None) -> Any:
    if is_intrinsic(value):
        (name,) = value.keys()
        argument = value[name]
        if name == "Ref" and isinstance(argument, str) and describe(argument):
            return Unknown(_short(describe(argument) or argument))
        shown = argument if isinstance(argument, str) else reprlib.repr(argument)
        return Unknown(_short(f"{name} {shown}"))
    if isinstance(value, str) and "${" in value:
        placeholders = [m.group(1) for m in _INTERPOLATION.finditer(_IAM_VARIABLE.sub("", value))
                        if m.group(0).startswith("${")]
        if placeholders:
            return Unknown(_short(", ".join(dict.fromkeys(describe(p) or p for p in placeholders))))
    return value


def _mark(value: Any, leaf: Any, depth: int = 0) -> Any:
    marked = leaf(value)
    if marked is not value or depth > VALUE_NESTING:
        return marked
    if isinstance(value, dict):
        return {leaf(k) if isinstance(k, str) else k: _mark(v, leaf, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark(v, leaf, depth + 1) for v in value]
    return value
