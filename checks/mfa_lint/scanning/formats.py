"""Format sniffing: which reader a file goes to (Terraform, plan JSON, CloudFormation/SAM, IAM policy JSON), or none.

`could_be_iac` is the cheap test on the text (a few regexes) that tells a walked file of none of the formats before
any parse; `read_sites` decodes the file and hands it to its reader. Readers are imported only when a file of their
format is read, so a scan of one policy file starts fast (no cfn-lint, hcl2 or checkov import unless needed).
"""

from __future__ import annotations

import json
import re
from typing import Any

from mfa_lint.files import JSON_EXT, POLICY_TEMPLATE_EXT, TEMPLATE_EXT, TERRAFORM_EXT, YAML_EXT
from mfa_lint.sources.site import PolicySite, SourceError

#: Terraform's JSON syntax
TERRAFORM_JSON_EXT = (".tf.json",)

NOT_RECOGNISED = "not a Terraform, Terraform plan JSON, CloudFormation/SAM or IAM policy JSON file"

# Top-level keys that make a YAML file worth handing to the CloudFormation reader (cheap test before decoding).
_CFN_YAML = re.compile(r"^[\"']?(?:AWSTemplateFormatVersion|Resources|Transform)[\"']?\s*:"
                       r"|^resources:\s*\n(?:[ \t]*(?:#.*)?\n)*[ \t]+Resources:", re.MULTILINE)
# Keys one of the JSON formats must have (policy: Statement; template: Resources or AWSTemplateFormatVersion; plan:
# format_version or terraform_version with planned_values or resource_changes); `\u` escapes could spell them too.
_OURS_JSON = re.compile(
    r"\"(?:Statement|AWSTemplateFormatVersion|Resources|planned_values|resource_changes|format_version"
    r"|terraform_version)\"|\\u00"
)


class NotOurs(Exception):
    """The file is none of the formats mfa-lint reads."""


def looks_like_cloudformation_yaml(text: str) -> bool:
    """A cheap test before decoding: a top-level AWSTemplateFormatVersion, Resources or Transform key."""
    return _CFN_YAML.search(text) is not None


def _is_json_text(lower: str, text: str) -> bool:
    return lower.endswith(JSON_EXT) or (lower.endswith(TEMPLATE_EXT) and text.lstrip().startswith("{"))


def could_be_iac(path: str, text: str) -> bool:
    """False only when the text cannot be any of the formats (checked before any parse, for walked files)."""
    lower = path.lower()
    if lower.endswith(TERRAFORM_EXT + TERRAFORM_JSON_EXT):
        return True
    if _is_json_text(lower, text):
        return _OURS_JSON.search(text) is not None
    if lower.endswith(YAML_EXT + TEMPLATE_EXT):
        return looks_like_cloudformation_yaml(text)
    if lower.endswith(POLICY_TEMPLATE_EXT):
        return text.lstrip().startswith("{") and '"Statement"' in text
    return True  # an unusual extension: only named files get here, and the readers decide


def prepare(path: str) -> None:
    """Import the reader of the file's format before its time budget starts (an import is not the file's fault)."""
    lower = path.lower()
    if lower.endswith(TERRAFORM_EXT):
        from hcl2.parser import Hcl2  # noqa: F401  (builds the Lark parser)

        from mfa_lint.sources.terraform.hcl_reader import read_terraform  # noqa: F401
    elif lower.endswith(YAML_EXT + TEMPLATE_EXT):
        from mfa_lint.lazy_imports import import_cfn_lint_decoder
        from mfa_lint.sources.cloudformation import read_cloudformation  # noqa: F401

        import_cfn_lint_decoder()


def _looks_like_plan(doc: Any) -> bool:
    if not (isinstance(doc, dict) and ("format_version" in doc or "terraform_version" in doc)):
        return False
    from mfa_lint.sources.terraform.plan_reader import is_plan

    return is_plan(doc)


def _looks_like_template(doc: Any) -> bool:
    if not (isinstance(doc, dict) and ("Resources" in doc or "AWSTemplateFormatVersion" in doc)):
        return False
    from mfa_lint.sources.cloudformation import looks_like_template

    return looks_like_template(doc)


def _json_sites(path: str, text: str, explicit: bool, kind: str, tf_root: str | None) -> tuple[str, list[PolicySite]]:
    try:
        doc = json.loads(text)
    except RecursionError:
        raise SourceError("invalid JSON: nested too deeply") from None
    except ValueError as exc:
        if not explicit and not _OURS_JSON.search(text):
            raise NotOurs() from None
        raise SourceError(f"invalid JSON: {exc}") from None
    if _looks_like_plan(doc):
        from mfa_lint.sources.terraform.plan_reader import read_plan

        return "plan", read_plan(path, doc, tf_root=tf_root)
    if _looks_like_template(doc):
        return "cloudformation", _cloudformation_sites(path, text)
    from mfa_lint.sources.policy_json import is_policy_document, read_policy_json

    if is_policy_document(doc):
        return "policy", read_policy_json(path, text, kind)
    raise NotOurs()


def _terraform_sites(
    path: str, text: str, module_texts: dict[str, str], tf_vars: tuple[tuple[str, str], ...]
) -> list[PolicySite]:
    from mfa_lint.sources.terraform.hcl_reader import read_terraform  # imports lark: only when a .tf is read
    from mfa_lint.sources.terraform.variables import VariableInputs

    return read_terraform(path, text, module_texts=module_texts, inputs=VariableInputs(tf_vars))


def _cloudformation_sites(path: str, text: str) -> list[PolicySite]:
    from mfa_lint.sources.cloudformation import read_cloudformation  # imports cfn-lint's decoder

    return read_cloudformation(path, text)


def read_sites(
    path: str, text: str, explicit: bool, kind: str = "identity", tf_root: str | None = None,
    module_texts: dict[str, str] | None = None, tf_vars: tuple[tuple[str, str], ...] = (),
) -> tuple[str, list[PolicySite]]:
    """(source format, sites) of one file; raises SourceError (bad input) or NotOurs (another kind of file).
    `tf_vars`: values for a Terraform root module's variables beyond its tfvars files (ScanOptions.tf_vars)."""
    lower = path.lower()
    if lower.endswith(TERRAFORM_EXT):
        try:
            return "terraform", _terraform_sites(path, text, module_texts or {}, tf_vars)
        except SourceError:
            if not text.lstrip().startswith("{"):
                raise
            return "policy", _template_sites(path, text, kind)  # a `.tf` that holds a JSON policy
    if lower.endswith(POLICY_TEMPLATE_EXT):
        if not text.lstrip().startswith("{"):
            raise NotOurs()
        return "policy", _template_sites(path, text, kind)
    if lower.endswith(TERRAFORM_JSON_EXT):
        from mfa_lint.sources.terraform.json_syntax_reader import read_terraform_json

        return "terraform", read_terraform_json(path, text)
    if _is_json_text(lower, text):
        return _json_sites(path, text, explicit, kind, tf_root)
    if lower.endswith(YAML_EXT + TEMPLATE_EXT):
        if not looks_like_cloudformation_yaml(text):
            raise NotOurs()
        return "cloudformation", _cloudformation_sites(path, text)
    if explicit and text.lstrip().startswith("{"):  # a named policy.txt or template without the usual suffix
        try:
            return _json_sites(path, text, explicit, kind, tf_root)
        except SourceError:
            if "${" not in text:
                raise
            return "policy", _template_sites(path, text, kind)
    raise NotOurs()


def _template_sites(path: str, text: str, kind: str) -> list[PolicySite]:
    """A policy written as a Terraform template (`*.json.tpl`): `${...}` are unknown values, one by one."""
    from mfa_lint.sources.policy_json import read_policy_template

    return read_policy_template(path, text, kind)


def has_comments(source: str, text: str) -> bool:
    """Whether the file's format has comments (where `# mfa-lint:ignore` lines can be)."""
    return source == "terraform" or (source == "cloudformation" and not text.lstrip().startswith("{"))
