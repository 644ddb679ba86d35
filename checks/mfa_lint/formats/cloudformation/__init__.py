"""CloudFormation and SAM templates (YAML or JSON), and Serverless Framework files with CloudFormation resources.

The wing: the resource table (resources: which properties hold policies, of which kind), the reader (reader, with
cfn-lint's decoder, imported cheaply by cfn_lint_import), how a policy value becomes documents (policies, intrinsics:
Fn::If, Ref, Fn::Sub, Fn::Join, Fn::FindInMap; parameters: what parameters deploy with; assembled and embedded:
positions inside JSON text), nested stacks (nested), and `Metadata` skips (suppression). The cfn-lint rules
(mfa_lint.cfnlint) and the checkov checks read the same table and expansion.
"""

from __future__ import annotations

import os
import re
from typing import Any

from mfa_lint.formats.base import Format, NotOurs, Reading
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.site import PolicySite

# Top-level keys that make a YAML file worth handing to the reader (cheap test before decoding).
_CFN_YAML = re.compile(r"^[\"']?(?:AWSTemplateFormatVersion|Resources|Transform)[\"']?\s*:"
                       r"|^resources:\s*\n(?:[ \t]*(?:#.*)?\n)*[ \t]+Resources:", re.MULTILINE)


def looks_like_cloudformation_yaml(text: str) -> bool:
    """A cheap test before decoding: a top-level AWSTemplateFormatVersion, Resources or Transform key."""
    return _CFN_YAML.search(text) is not None


def _claims(document: Any) -> bool:
    if not (isinstance(document, dict) and ("Resources" in document or "AWSTemplateFormatVersion" in document)):
        return False
    from mfa_lint.formats.cloudformation.reader import looks_like_template

    return looks_like_template(document)


def _read(reading: Reading) -> list[PolicySite]:
    if reading.document is None and not looks_like_cloudformation_yaml(reading.text):
        raise NotOurs()
    from mfa_lint.formats.cloudformation.nested import read_template  # imports cfn-lint's decoder

    return read_template(reading.path, reading.text, reading.context)


# A template that deploys nested stacks (their templates may hold policies with MFA tests and are read with it).
_NESTED_STACK = re.compile(r"AWS::CloudFormation::Stack|AWS::Serverless::Application")


def _may_take_mfa(path: str, text: str, context: ReadContext) -> bool:
    """For a template without MFA text: True when it deploys nested stacks (read from local templates with it)."""
    return _NESTED_STACK.search(text) is not None


# A nested stack's local template: `TemplateURL: ./stacks/x.yaml`, `"Location": "app.yaml"` (URLs are left out).
_NESTED_TEMPLATE = re.compile(r"""["']?(?:TemplateURL|Location)["']?\s*:\s*["']?(?!https?://|s3://)([\w./\\-]+\.(?:ya?ml|json|template))""",
                              re.IGNORECASE)


def _nested_templates(path: str, text: str) -> set[str]:
    """The local templates a template deploys as nested stacks (their readings through it are its own)."""
    if _NESTED_STACK.search(text) is None:
        return set()
    folder = os.path.dirname(path)
    return {os.path.normpath(os.path.join(folder, m.group(1))) for m in _NESTED_TEMPLATE.finditer(text)}


def _has_comments(text: str) -> bool:
    return not text.lstrip().startswith("{")  # YAML has comments, a JSON template none


def _prepare() -> None:
    from mfa_lint.formats.cloudformation.cfn_lint_import import import_cfn_lint_decoder
    from mfa_lint.formats.cloudformation.nested import read_template  # noqa: F401

    try:
        import_cfn_lint_decoder()
    except ImportError:  # no cfn-lint (a checkov running the exported checks): reader._decode reads with PyYAML
        pass


CLOUDFORMATION = Format(
    name="cloudformation",
    read=_read,
    extensions=(".yaml", ".yml", ".template"),
    json_extensions=(".json", ".template"),
    could_be=looks_like_cloudformation_yaml,
    json_keys=("AWSTemplateFormatVersion", "Resources"),
    claims=_claims,
    comments=_has_comments,
    may_hold_mfa=_may_take_mfa,
    references=_nested_templates,
    prepare=_prepare,
)
