"""Every plain-policy fixture through the core: exactly the declared findings, at the declared lines."""

from __future__ import annotations

from collections import Counter

import pytest
from fixture_cases import cases
from mfa_lint import analyze_document
from mfa_lint.sources.json_positions import loads_with_positions

POLICY_CASES = cases("policy")


def test_there_are_policy_fixtures_for_every_rule() -> None:
    fired = {e.rule for c in POLICY_CASES for e in c.findings}
    assert fired == {"MFA001", "MFA002", "MFA003", "MFA004", "MFA005"}
    assert sum(1 for c in POLICY_CASES if not c.findings) >= 10


@pytest.mark.parametrize("case", POLICY_CASES, ids=lambda c: c.id)
def test_policy_fixture(case) -> None:
    text = case.path.read_text()
    document, spans = loads_with_positions(text)
    analysis = analyze_document(document, case.kind)
    got = Counter((f.rule_id, None, spans[f.path].line) for f in analysis.findings)
    assert got == case.expected_multiset(), [f.message for f in analysis.findings]
    # the same document given as a JSON string gives the same findings
    assert [f.path for f in analyze_document(text, case.kind).findings] == [f.path for f in analysis.findings]
