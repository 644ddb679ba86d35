"""A template's parameter defaults, for judging checkov's CloudFormation conf where cfn-lint is not installed.

Older checkov releases (3.2.x) leave `${Param}` in `Fn::Sub` text and `Ref`s to parameters as they are; mfa-lint's
own reader resolves them to the parameter's `Default` with cfn-lint's decoder. Without cfn-lint (checkov-action's
image, a pipx checkov) the `Parameters` section is read here with PyYAML, which every checkov installs: short-form
tags (`!Ref`, `!Sub`) are read as the plain values they tag, which is all a `Default` needs. Imports nothing from
checkov.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from mfa_lint.formats.cloudformation.intrinsics import parameter_value
from mfa_lint.reading.context import read_text
from mfa_lint.reading.site import SourceError

_CACHE: OrderedDict[tuple[str, int, int], dict[str, str]] = OrderedDict()


def _loader() -> Any:
    import yaml

    class Loader(yaml.SafeLoader):
        """SafeLoader that reads any `!Tag` as the value it tags."""

    def untagged(loader: Any, _suffix: str, node: Any) -> Any:
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_scalar(node)

    Loader.add_multi_constructor("!", untagged)
    return Loader


def parameter_defaults(path: str | None) -> dict[str, str]:
    """name -> the value a `Ref` to the parameter resolves to, for the template's parameters with a usable Default
    ({} when the template cannot be read: the parameters then stay unknown)."""
    if path is None:
        return {}
    try:
        stat = os.stat(path)
        key = (os.path.realpath(path), stat.st_mtime_ns, stat.st_size)
        if key not in _CACHE:
            _CACHE[key] = _read(read_text(path))
            while len(_CACHE) > 64:
                _CACHE.popitem(last=False)
        return _CACHE[key]
    except (OSError, SourceError):
        return {}


def _read(text: str) -> dict[str, str]:
    try:
        template = json.loads(text) if text.lstrip().startswith("{") else _yaml(text)
    except Exception:  # noqa: BLE001 - any template checkov read but this cannot: its parameters stay unknown
        return {}
    parameters = template.get("Parameters") if isinstance(template, Mapping) else None
    if not isinstance(parameters, Mapping):
        return {}
    found: dict[str, str] = {}
    for name, parameter in parameters.items():
        value = parameter_value(parameter.get("Default")) if isinstance(parameter, Mapping) else None
        if isinstance(name, str) and value is not None:
            found[name] = value
    return found


def _yaml(text: str) -> Any:
    import yaml

    return yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass
