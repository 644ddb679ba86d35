"""Policy values as IAM sees them, and values nobody can know yet (unresolved IaC references).

IAM compares condition values as strings: JSON `false` and `"false"` are the same. A value that is an unresolved
Terraform reference or a CloudFormation intrinsic may be anything; it is an `Unknown`, never "invalid".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# ${aws:username}, ${aws:PrincipalTag/team}, ${saml:sub}, ${*}, ${?}, ${$}, ${aws:username, 'default'}
_IAM_VARIABLE = re.compile(r"\$\{(?:[*?$]|[A-Za-z0-9.\-_]+:[^}'\"\s,]*(?:\s*,\s*'[^']*')?)\}")
_INTERPOLATION = re.compile(r"\$\{")
_BARE_REFERENCE = re.compile(r"(?:var|local|data|module)\.[A-Za-z_][\w\-]*(?:\.[\w\-*\[\]\"]+)*")


@dataclass(frozen=True)
class Unknown:
    """A value an IaC tool will fill in later: `raw` is what the template said."""

    raw: str

    def __str__(self) -> str:
        return self.raw


def is_reference_string(text: str) -> bool:
    """True for a Terraform reference: `${...}` that is not an IAM policy variable, or a bare `var.x`."""
    if _BARE_REFERENCE.fullmatch(text.strip()):
        return True
    if "${" not in text and "%{" not in text:
        return False
    if "%{" in text:
        return True
    stripped = _IAM_VARIABLE.sub("", text)
    return bool(_INTERPOLATION.search(stripped))


def is_intrinsic(value: Any) -> bool:
    """A CloudFormation intrinsic function object (`{"Ref": ...}`, `{"Fn::Sub": ...}`)."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (name,) = value.keys()
    return isinstance(name, str) and (name == "Ref" or name.startswith("Fn::") or name == "Condition")


def describe(value: Any) -> str:
    if is_intrinsic(value):
        (name,) = value.keys()
        return f"{name} {value[name]!r}"[:80]
    return str(value)[:80]


def scalar(value: Any) -> str | Unknown | None:
    """One policy value as IAM's string, an Unknown, or None when it cannot be a value (a mapping, null)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) and not value.is_integer() else str(int(value))
    if isinstance(value, str):
        return Unknown(value) if is_reference_string(value) else value
    if is_intrinsic(value):
        return Unknown(describe(value))
    return None


def value_list(value: Any) -> tuple[list[str | Unknown], bool]:
    """A condition value or list of values; the flag is False when some element cannot be a value."""
    items = value if isinstance(value, list) else [value]
    out: list[str | Unknown] = []
    ok = True
    for item in items:
        converted = scalar(item)
        if converted is None:
            ok = False
        else:
            out.append(converted)
    return out, ok
