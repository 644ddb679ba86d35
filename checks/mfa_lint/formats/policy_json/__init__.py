"""Plain IAM policy JSON (what `aws iam get-policy-version` or the console editor holds), and policies written as
Terraform templates (`*.json.tpl`, `*.tftpl`).

The file says nothing of its policy kind: it comes from a `kinds` glob, the file's path (kinds), or `--kind`.
"""

from __future__ import annotations

from mfa_lint.formats.base import Format, NotOurs, Reading
from mfa_lint.formats.policy_json.reader import is_policy_document
from mfa_lint.reading.site import PolicySite


def _read(reading: Reading) -> list[PolicySite]:
    from mfa_lint.formats.policy_json.reader import read_policy_json

    return read_policy_json(reading.path, reading.text, reading.kind)


def _read_template(reading: Reading) -> list[PolicySite]:
    if not reading.text.lstrip().startswith("{"):
        raise NotOurs()
    from mfa_lint.formats.policy_json.reader import read_policy_template

    return read_policy_template(reading.path, reading.text, reading.kind)


def _could_be_template(text: str) -> bool:
    return text.lstrip().startswith("{") and '"Statement"' in text


POLICY = Format(
    name="policy",
    read=_read,
    json_extensions=(".json",),
    json_keys=("Statement",),
    claims=is_policy_document,
)

POLICY_TEMPLATE = Format(
    name="policy-template",
    read=_read_template,
    extensions=(".tpl", ".tftpl"),
    could_be=_could_be_template,
)
