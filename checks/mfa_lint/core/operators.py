"""Condition operator names: family, negation, the IfExists suffix and the set qualifiers.

Operator names are case-sensitive in IAM; a name we do not know is left alone (IAM rejects it at deploy time).
"""

from __future__ import annotations

from dataclasses import dataclass

# base operator -> (family, negated)
BASE_OPERATORS: dict[str, tuple[str, bool]] = {
    "StringEquals": ("String", False),
    "StringNotEquals": ("String", True),
    "StringEqualsIgnoreCase": ("String", False),
    "StringNotEqualsIgnoreCase": ("String", True),
    "StringLike": ("String", False),
    "StringNotLike": ("String", True),
    "NumericEquals": ("Numeric", False),
    "NumericNotEquals": ("Numeric", True),
    "NumericLessThan": ("Numeric", False),
    "NumericLessThanEquals": ("Numeric", False),
    "NumericGreaterThan": ("Numeric", False),
    "NumericGreaterThanEquals": ("Numeric", False),
    "DateEquals": ("Date", False),
    "DateNotEquals": ("Date", True),
    "DateLessThan": ("Date", False),
    "DateLessThanEquals": ("Date", False),
    "DateGreaterThan": ("Date", False),
    "DateGreaterThanEquals": ("Date", False),
    "Bool": ("Bool", False),
    "BinaryEquals": ("Binary", False),
    "IpAddress": ("IpAddress", False),
    "NotIpAddress": ("IpAddress", True),
    "ArnEquals": ("Arn", False),
    "ArnLike": ("Arn", False),
    "ArnNotEquals": ("Arn", True),
    "ArnNotLike": ("Arn", True),
    "Null": ("Null", False),
}
QUALIFIERS = ("ForAnyValue:", "ForAllValues:")
IF_EXISTS = "IfExists"


@dataclass(frozen=True)
class Operator:
    """A parsed operator name, e.g. `ForAllValues:BoolIfExists`."""

    name: str
    qualifier: str | None  # "ForAnyValue" | "ForAllValues" | None
    base: str  # "Bool"
    if_exists: bool

    @property
    def family(self) -> str:
        return BASE_OPERATORS[self.base][0]

    @property
    def negated(self) -> bool:
        return BASE_OPERATORS[self.base][1]

    def spelled(self, *, qualifier: str | None = ..., if_exists: bool | None = None) -> str:
        """This operator's name with the qualifier and/or IfExists changed."""
        q = self.qualifier if qualifier is ... else qualifier
        e = self.if_exists if if_exists is None else if_exists
        return f"{q + ':' if q else ''}{self.base}{IF_EXISTS if e else ''}"


def parse_operator(name: object) -> Operator | None:
    """The Operator for a known name, or None (unknown names, wrong case, `NullIfExists`)."""
    if not isinstance(name, str):
        return None
    qualifier = None
    rest = name
    for prefix in QUALIFIERS:
        if rest.startswith(prefix):
            qualifier, rest = prefix[:-1], rest[len(prefix) :]
            break
    if_exists = rest.endswith(IF_EXISTS) and rest != IF_EXISTS
    base = rest[: -len(IF_EXISTS)] if if_exists else rest
    if base not in BASE_OPERATORS or (base == "Null" and if_exists):
        return None
    return Operator(name, qualifier, base, if_exists)
