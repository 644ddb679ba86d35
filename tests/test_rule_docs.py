"""The rule pages are generated from the catalog, and their examples really fire / stay silent."""

from __future__ import annotations

import pytest
from fixture_cases import ROOT
from mfa_lint import RULES, analyze_policy
from mfa_lint.rule_docs import render


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_page_is_in_sync(rule_id: str) -> None:
    page = ROOT / "docs" / "rules" / f"{rule_id}.md"
    assert page.read_text() == render(RULES[rule_id]), "run: python -m mfa_lint.rule_docs docs/rules"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_examples(rule_id: str) -> None:
    rule = RULES[rule_id]
    assert rule.example is not None, f"{rule_id} needs an example (fires, fixed) in its module"
    bad, good = rule.example
    kind = rule.example_kind
    assert rule_id in {f.rule_id for f in analyze_policy({"Statement": [bad]}, kind)}
    assert analyze_policy({"Statement": [good]}, kind) == []


def test_readme_rule_table_is_in_sync() -> None:
    from mfa_lint.rule_docs import with_readme_table

    readme = (ROOT / "README.md").read_text()
    assert readme == with_readme_table(readme), "run: python -m mfa_lint.rule_docs docs/rules"
    for rule_id in RULES:
        assert f"[{rule_id}](docs/rules/{rule_id}.md)" in readme
