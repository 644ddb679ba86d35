"""Terraform plan JSON (`terraform show -json plan.out`): evaluated values, so documents are read as they are.

The plan wing reads the Terraform wing's resource table and document builder (a plan holds the same resources);
its reader is `reader.read_plan`. Plan JSON is generated output: `mfa-lint fix` never edits it.
"""

from __future__ import annotations

from typing import Any

from mfa_lint.formats.base import Format, Reading
from mfa_lint.reading.site import PolicySite


def _claims(document: Any) -> bool:
    if not (isinstance(document, dict) and ("format_version" in document or "terraform_version" in document)):
        return False
    from mfa_lint.formats.plan.reader import is_plan

    return is_plan(document)


def _read(reading: Reading) -> list[PolicySite]:
    from mfa_lint.formats.plan.reader import read_plan

    return read_plan(reading.path, reading.document, tf_root=reading.tf_root, context=reading.context)


PLAN = Format(
    name="plan",
    read=_read,
    json_extensions=(".json",),
    json_keys=("planned_values", "resource_changes", "format_version", "terraform_version"),
    claims=_claims,
    not_editable="plan JSON is never edited: fix the Terraform configuration",
)
