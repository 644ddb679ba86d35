"""Terraform: `.tf` files (HCL) and `.tf.json` files (Terraform's JSON syntax). Plan JSON is its own wing (plan/).

Everything mfa-lint knows of Terraform's configuration language sits here: the resource table (resources: which
attributes hold policies, of which kind), the parser front (hcl_syntax), the evaluator (hcl_values, hcl_templates,
template_json), the readers (hcl_reader, json_syntax_reader), the `aws_iam_policy_document` builder
(policy_document, policy_document_blocks), the module context (module_context), the fast-path test (relevance),
checkov's skip comments (suppression), and how checkov hands values over (values). This module holds the wing's
format records; the parser is imported only when a file is read.
"""

from __future__ import annotations

from mfa_lint.formats.base import Format, Reading
from mfa_lint.formats.terraform.module_context import TERRAFORM_EXTENSIONS, module_texts
from mfa_lint.formats.terraform.relevance import literal_file_reads, may_take_mfa
from mfa_lint.reading.site import PolicySite


def _read_hcl(reading: Reading) -> list[PolicySite]:
    from mfa_lint.formats.terraform.hcl_reader import read_terraform  # imports lark: only when a .tf is read

    context = reading.context
    return read_terraform(reading.path, reading.text, module_texts(reading.path, context), context=context)


def _read_json_syntax(reading: Reading) -> list[PolicySite]:
    from mfa_lint.formats.terraform.json_syntax_reader import read_terraform_json

    return read_terraform_json(reading.path, reading.text, reading.context)


def _prepare_hcl() -> None:
    from mfa_lint.formats.terraform.hcl_reader import read_terraform  # noqa: F401
    from mfa_lint.formats.terraform.hcl_tree_sitter import load_parser

    load_parser()


def _has_comments(_text: str) -> bool:
    return True  # `#`, `//` and `/* */` in HCL; `"//"` comment properties in Terraform's JSON syntax


TERRAFORM = Format(
    name="terraform",
    read=_read_hcl,
    extensions=TERRAFORM_EXTENSIONS,
    fallback="policy-template",  # a `.tf` that holds a JSON policy (`policy = file("deny.tf")` exists)
    comments=_has_comments,
    may_hold_mfa=may_take_mfa,
    references=literal_file_reads,
    prepare=_prepare_hcl,
)

TERRAFORM_JSON = Format(
    name="terraform-json",
    read=_read_json_syntax,
    extensions=(".tf.json",),
    comments=_has_comments,
)
