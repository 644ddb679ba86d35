"""What a template's names stand for when it deploys: its parameters, the values a parent stack passes, its mappings.

The semantics every CloudFormation surface shares (docs/semantics.md, "CloudFormation parameters"):

- A parameter with a `Default` is that value: what CloudFormation deploys when nobody overrides it.
- A parameter with `AllowedValues` is a bounded unknown, every allowed value is tried. Without a `Default` a rule
  is reported only when every allowed value gives it, otherwise a note names the parameter. With a `Default` the
  default decides the findings (that is what deploys), and a rule that only a non-default allowed value gives is a
  note naming the parameter and that value ("deployed with Op=BoolIfExists, MFA002 applies"): someone may deploy it.
- A parameter with neither is unknown: the core tries it both ways (a finding only when every try gives it).
- A nested stack's parameter is the value its parent passes (`Parameters` of `AWS::CloudFormation::Stack`): a literal,
  or one of the parent's parameters with its own default and allowed values; the child's `AllowedValues` still bound
  what may be passed (CloudFormation rejects anything else). A value the parent cannot know (a `GetAtt`) is unknown.
- An SSM parameter type's `Default` is the name of an SSM parameter, not its value: unknown.

Values are strings as CloudFormation passes them (a YAML `true` is "true", 3600 is "3600"); list types are lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mfa_lint.reading.limits import ALLOWED_VALUES

_LIST_TYPES = ("CommaDelimitedList", "List<")


@dataclass(frozen=True)
class Choices:
    """The values a bounded unknown may take. `key`: its identity (one parameter passed to two places is one
    unknown), `label`: how a note names it, `default`: the value deployed without overrides, or None."""

    key: str
    label: str
    values: tuple[Any, ...]
    default: Any | None = None


@dataclass(frozen=True)
class Parameter:
    """One parameter as the template deploys: its value (`default`, None when unknown) and the values it may take
    instead (`allowed`, empty when unbounded). `key` / `label`: as in Choices."""

    key: str
    label: str
    default: Any | None = None
    allowed: tuple[Any, ...] = ()

    def choices(self) -> Choices | None:
        """The values to try, the default first; None when there is one value (or none known)."""
        values = tuple(dict.fromkeys(([self.default] if self.default is not None else []) + list(self.allowed)))
        if not self.allowed or len(values) < 2:
            return None
        return Choices(self.key, self.label, values[:ALLOWED_VALUES], self.default)


def parameter_value(default: Any) -> str | None:
    """What a `Ref` to a parameter with this `Default` resolves to, or None (no usable default).

    CloudFormation reads a template as JSON and parameter values are strings: a YAML boolean default becomes
    "true"/"false" and a number its text, as for `Fn::Sub`. Lists and mappings are not parameter values.
    """
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, (str, int, float)):
        return str(default)
    return None


def _value(raw: Any, list_type: bool) -> Any | None:
    """A parameter value as a Ref gives it: a string, or for list types a list of strings."""
    if list_type:
        if isinstance(raw, list):
            items = [parameter_value(item) for item in raw]
            return None if any(item is None for item in items) else items
        text = parameter_value(raw)
        return None if text is None else [part.strip() for part in text.split(",")]
    return parameter_value(raw)


def declared(name: str, declaration: Any) -> Parameter:
    """A parameter as the template declares it (its own Default and AllowedValues)."""
    if not isinstance(declaration, Mapping):
        return Parameter(name, name)
    kind = declaration.get("Type")
    kind = kind if isinstance(kind, str) else "String"
    if kind.startswith("AWS::SSM::Parameter::"):
        return Parameter(name, name)  # the Default names an SSM parameter; its value is read at deploy time
    list_type = kind.startswith(_LIST_TYPES)
    default = _value(declaration.get("Default"), list_type) if "Default" in declaration else None
    allowed_raw = declaration.get("AllowedValues")
    allowed: tuple[Any, ...] = ()
    if isinstance(allowed_raw, list) and not list_type:
        values = [parameter_value(item) for item in allowed_raw]
        allowed = tuple(v for v in values if v is not None)
    return Parameter(name, name, default, allowed)


@dataclass(frozen=True)
class Passed:
    """What a parent stack passes for one of the child's parameters: a value (`value`), one of the parent's own
    parameters (`parameter`), or neither (unknown: a GetAtt, an output of another stack)."""

    value: Any | None = None
    parameter: Parameter | None = None


class TemplateNames:
    """The names a policy value refers to, for one template (or one nested reading of it): `Ref`, `Fn::FindInMap`,
    and the bounded unknowns to try (mfa_lint.formats.cloudformation.intrinsics asks these three)."""

    def __init__(self, parameters: Mapping[str, Parameter], mappings: Any) -> None:
        self.parameters = dict(parameters)
        self.mappings = mappings if isinstance(mappings, Mapping) else {}

    @classmethod
    def of(cls, template: Mapping[str, Any], passed: Mapping[str, Passed] | None = None,
           via: str | None = None) -> TemplateNames:
        """The names of `template`; `passed`: what a parent stack (`via`, its logical id) passes for them."""
        declarations = template.get("Parameters")
        declarations = declarations if isinstance(declarations, Mapping) else {}
        parameters: dict[str, Parameter] = {}
        for name, declaration in declarations.items():
            if not isinstance(name, str):
                continue
            own = declared(name, declaration)
            given = (passed or {}).get(name)
            parameters[name] = own if given is None else _passed(own, given, via)
        return cls(parameters, template.get("Mappings"))

    def ref(self, name: str) -> Any | None:
        """The value a `Ref` to `name` deploys with (a parameter's default or passed value), or None (unknown)."""
        parameter = self.parameters.get(name)
        return None if parameter is None else parameter.default

    def unknown(self, name: str) -> str | None:
        """How a note names a parameter nobody can know yet, and how to make it known; None for other names."""
        parameter = self.parameters.get(name)
        if parameter is None or parameter.default is not None or parameter.allowed:
            return None
        if parameter.label != name:  # passed by a parent stack, from something only deploy time knows
            return f"parameter {parameter.label}, which the parent sets at deploy time"
        return f"parameter {name}, which has no Default (give it a Default or AllowedValues to judge it)"

    def choices(self, name: str) -> Choices | None:
        """The values to try for `name` (a parameter with AllowedValues), or None."""
        parameter = self.parameters.get(name)
        return None if parameter is None else parameter.choices()

    def find_in_map(self, name: str, top: str | None, second: str | None) -> Any | None:
        """`Fn::FindInMap [name, top, second]`; a key that is None (unknown) is every key of that level, and the
        value is known when they all agree (a region map with one value everywhere). None: unknown or missing."""
        table = self.mappings.get(name)
        if not isinstance(table, Mapping):
            return None
        rows = [table.get(top)] if top is not None else list(table.values())
        found: list[Any] = []
        for row in rows:
            if not isinstance(row, Mapping):
                return None
            cells = [row.get(second)] if second is not None else list(row.values())
            for cell in cells:
                if cell is None:
                    return None
                found.append(cell)
        if not found or any(cell != found[0] for cell in found):
            return None
        value = found[0]
        return parameter_value(value) if not isinstance(value, list) else [parameter_value(v) for v in value]


def _passed(own: Parameter, given: Passed, via: str | None) -> Parameter:
    """The child's parameter as the parent sets it; the child's AllowedValues bound the values that may be passed."""
    label = f"{own.label} (passed by {via})" if via else own.label
    if given.value is not None:
        return Parameter(own.key, label, given.value)
    if given.parameter is not None:
        outer = given.parameter
        allowed = outer.allowed
        if own.allowed:
            allowed = tuple(v for v in allowed if v in own.allowed) if allowed else own.allowed
        return Parameter(outer.key, f"{outer.label} (passed to {own.label})", outer.default, allowed)
    return Parameter(f"{via}.{own.key}" if via else own.key, label, None, own.allowed)
