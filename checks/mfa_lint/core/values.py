"""Policy values as IAM sees them, and values nobody can know yet.

IAM compares condition values as strings: JSON `false` and `"false"` are the same. A value the IaC tool fills in
later (a Terraform reference, a CloudFormation intrinsic) reaches the core as an `Unknown`, placed there by the
reader that knows the syntax: the core itself knows no IaC syntax. A string is always a literal string.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mfa_lint.core.findings import UNRESOLVED, NoteKind


@dataclass(frozen=True)
class Unknown:
    """A value an IaC tool will fill in later; `raw` names it as the template does (`var.account_id`, `Ref P`).

    `kind`: why it is unknown, for the note that names it (a file the policy is read from that could not be read is
    MISSING_FILE; everything else UNRESOLVED). Not part of its identity: the same reference is the same unknown.
    """

    raw: str
    kind: NoteKind = field(default=UNRESOLVED, compare=False)

    def __str__(self) -> str:
        return self.raw


def unknown_kind(value: Any) -> NoteKind:
    """The note kind of an unresolved value: the Unknown's own, else UNRESOLVED."""
    return value.kind if isinstance(value, Unknown) else UNRESOLVED


def describe(value: Any) -> str:
    """A short rendering of a value for a note."""
    return str(value)[:80]


def scalar(value: Any) -> str | Unknown | None:
    """One policy value as IAM's string, an Unknown, or None when it cannot be a value (a mapping, null)."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) and not value.is_integer() else str(int(value))
    if isinstance(value, str):
        return value
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
