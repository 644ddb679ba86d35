"""The rule pages are generated from the catalog, and their examples really fire / stay silent."""

from __future__ import annotations

import pytest
from fixture_cases import ROOT
from mfa_lint import RULES, analyze_policy
from mfa_lint.rule_docs import EXAMPLES, render

KIND = {"MFA002": "trust", "MFA004": "scp"}


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_page_is_in_sync(rule_id: str) -> None:
    page = ROOT / "docs" / "rules" / f"{rule_id}.md"
    assert page.read_text() == render(RULES[rule_id]), "run: python -m mfa_lint.rule_docs docs/rules"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_examples(rule_id: str) -> None:
    bad, good = EXAMPLES[rule_id]
    kind = KIND.get(rule_id, "identity")
    assert rule_id in {f.rule_id for f in analyze_policy({"Statement": [bad]}, kind)}
    assert analyze_policy({"Statement": [good]}, kind) == []
