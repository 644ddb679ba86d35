"""A template decoder for where cfn-lint is not installed: checkov's own image (checkov-action), a pipx checkov.

mfa-lint reads templates with cfn-lint's decoder. A checkov running the exported checks has PyYAML (checkov needs
it) but no cfn-lint; this decoder gives the reader the same shapes cfn-lint's does, so the CLI's verdict (parameters,
mappings, nested stacks, attachments) is reached there too: short-form tags in their long form (`!Ref X` ->
`{"Ref": "X"}`, `!GetAtt a.b` -> `{"Fn::GetAtt": ["a", "b"]}`), and every string, mapping and list carrying the
`start_mark` / `end_mark` positions that locate findings and `mfa-lint:ignore` comments. JSON is read as YAML, as
cfn-lint reads it first. What it does not have is cfn-lint's condition solver (reader._condition_solver).
"""

from __future__ import annotations

from typing import Any

from mfa_lint.reading.limits import TEMPLATE_NODES


class _Str(str):
    start_mark: Any = None
    end_mark: Any = None


class _Dict(dict):
    start_mark: Any = None
    end_mark: Any = None


class _List(list):
    start_mark: Any = None
    end_mark: Any = None


def _marked(value: Any, node: Any) -> Any:
    value.start_mark, value.end_mark = node.start_mark, node.end_mark
    return value


def _loader() -> type:
    import yaml

    class Loader(yaml.SafeLoader):
        """SafeLoader whose strings, mappings and lists carry their marks, and which reads CloudFormation tags."""

    def string(loader: Any, node: Any) -> Any:
        return _marked(_Str(loader.construct_scalar(node)), node)

    def mapping(loader: Any, node: Any) -> Any:
        loader.flatten_mapping(node)
        out = _marked(_Dict(), node)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):  # as cfn-lint's decoder: CloudFormation keys are strings
                raise ValueError(f"a mapping key is not a string ({key!r}), which CloudFormation does not accept "
                                 f"(line {line})")
            if key in out:
                raise ValueError(f"Duplicate found {str(key)!r} (line {line})")
            out[key] = loader.construct_object(value_node, deep=True)
        return out

    def sequence(loader: Any, node: Any) -> Any:
        return _marked(_List(loader.construct_object(item, deep=True) for item in node.value), node)

    def tagged(loader: Any, suffix: str, node: Any) -> Any:
        name = "Ref" if suffix == "Ref" else "Condition" if suffix == "Condition" else f"Fn::{suffix}"
        if isinstance(node, yaml.MappingNode):
            value = mapping(loader, node)
        elif isinstance(node, yaml.SequenceNode):
            value = sequence(loader, node)
        else:
            value = string(loader, node)
            if suffix == "GetAtt" and "." in value:
                first, _, rest = value.partition(".")
                value = _marked(_List([_marked(_Str(first), node), _marked(_Str(rest), node)]), node)
        key = _marked(_Str(name), node)
        return _marked(_Dict({key: value}), node)

    Loader.add_constructor("tag:yaml.org,2002:str", string)
    Loader.add_constructor("tag:yaml.org,2002:map", mapping)
    Loader.add_constructor("tag:yaml.org,2002:seq", sequence)
    Loader.add_multi_constructor("!", tagged)
    return Loader


def plain_decode(text: str) -> Any:
    """The template as cfn-lint's decoder shapes it; ValueError (with the line) when it is not YAML or JSON."""
    import yaml

    try:
        template = yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass
        _bounded(template)
        return template
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ValueError(f"{error.problem or error}{where}") from None
    except yaml.YAMLError as error:
        raise ValueError(" ".join(str(error).split())) from None


def _bounded(template: Any) -> None:
    """Count the nodes as a reader walking the template meets them (an alias's target once per alias): a bigger
    template is refused, as cfn-lint's decoder refuses it (alias amplification)."""
    count, stack = 0, [template]
    while stack:
        node = stack.pop()
        count += 1
        if count > TEMPLATE_NODES:
            raise ValueError(f"Template resolves to more than {TEMPLATE_NODES} nodes once YAML aliases are expanded; "
                             "this is not supported and may indicate YAML alias amplification")
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
