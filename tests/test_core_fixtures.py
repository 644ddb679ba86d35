"""Plain-policy fixtures through the core: coverage of the rules, and a document given as a JSON string.

Exact findings and lines per fixture are compared in test_agreement.py (the `core` surface).
"""

from __future__ import annotations

import pytest
from fixture_cases import cases
from mfa_lint import RULES, analyze_document

POLICY_CASES = cases("policy")


def test_there_are_policy_fixtures_for_every_rule() -> None:
    fired = {e.rule for c in POLICY_CASES for e in c.findings}
    assert fired == set(RULES)
    assert sum(1 for c in POLICY_CASES if not c.findings) >= 10


@pytest.mark.parametrize("case", POLICY_CASES, ids=lambda c: c.id)
def test_json_string_document_gives_the_same_findings(case) -> None:
    import json

    text = case.path.read_text()
    as_dict = analyze_document(json.loads(text), case.kind).findings
    as_text = analyze_document(text, case.kind).findings
    assert [(f.rule_id, f.path, f.fix) for f in as_text] == [(f.rule_id, f.path, f.fix) for f in as_dict]
