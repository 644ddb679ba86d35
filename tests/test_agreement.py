"""All surfaces agree: every fixture, through every surface that reads its format, gives what the fixture declares.

The core and the CLI must match rule, resource and line; cfn-lint rule (via the catalog), logical id and line;
checkov, which can only point at a whole resource, the (rule, resource) pairs it fails, plus MFA000 (unjudged) on
every `unknown` resource with MFA text. Unjudged is a result on every surface: cfn-lint's I9000 sits where each of
the CLI's notes sits.
"""

from __future__ import annotations

import os

import pytest
from fixture_cases import cases
from mfa_lint import RULES
from mfa_lint.core.catalog import UNJUDGED
from surfaces import (
    cfnlint_findings,
    cfnlint_unjudged,
    checkov_failed,
    checkov_passed,
    cli_findings,
    cli_result,
    core_findings,
    folder_of,
    surfaces_for,
)

FOLDERS = ("policy", "terraform", "plan", "cloudformation", "hostile", "serverless")
PAIRS = [
    pytest.param(case, surface, id=f"{case.id}-{surface}")
    for folder in FOLDERS
    for case in cases(folder)
    for surface in surfaces_for(case)
]


def test_every_format_has_fixtures_for_every_rule() -> None:
    rules = set(RULES)
    for folder in ("policy", "terraform", "cloudformation"):
        assert {e.rule for c in cases(folder) for e in c.findings} == rules, folder
        assert any(not c.findings for c in cases(folder)), f"{folder}: no silent look-alike"
    assert cases("plan")


@pytest.mark.parametrize(("case", "surface"), PAIRS)
def test_surface_reports_what_the_fixture_declares(case, surface: str) -> None:
    if surface == "core":
        assert core_findings(case) == case.expected_multiset(), case.about
    elif surface == "cli":
        got = cli_findings(case)
        _, errors, notes = cli_result(case)
        if folder_of(case) != "hostile":
            assert not errors, errors
        assert got == case.expected_multiset(), case.about
        for resource in case.unknown:
            assert any(n.get("resource") == resource for n in notes), f"no note for unresolved {resource}"
    elif surface == "cfnlint":
        assert cfnlint_findings(case) == case.expected_multiset(), case.about
    elif surface == "checkov":
        expected = {(e.rule, e.resource) for e in case.findings} | {(UNJUDGED.id, r) for r in case.unjudged}
        assert checkov_failed(case) == expected, case.about


@pytest.mark.parametrize(
    "case", [c for f in ("terraform", "plan", "cloudformation") for c in cases(f) if "checkov" in surfaces_for(c)],
    ids=lambda c: c.id,
)
def test_checkov_verdict_per_resource_equals_the_core(case) -> None:
    """checkov's FAILED (rule, resource) pairs are exactly the CLI's (the core's, through mfa-lint's readers), and
    each MFA000 (unjudged) is on a resource the CLI writes a note for."""
    failed = checkov_failed(case)
    assert {p for p in failed if p[0] != UNJUDGED.id} == {(rule, resource) for rule, resource, _ in cli_findings(case)}
    _, _, notes = cli_result(case)
    assert {resource for rule, resource in failed if rule == UNJUDGED.id} <= {n.get("resource") for n in notes}


@pytest.mark.parametrize(
    "case", [c for f in ("terraform", "plan", "cloudformation") for c in cases(f) if "checkov" in surfaces_for(c)],
    ids=lambda c: c.id,
)
def test_checkov_never_passes_what_the_cli_flags_or_cannot_judge(case) -> None:
    """No PASSED for a (rule, resource) the CLI reports, nor for any rule on a resource the CLI notes as unresolved;
    MFA000 FAILED on every `unknown` resource with MFA text (the sidecar's `unknown` less `unknown_no_mfa_text`)."""
    passed = checkov_passed(case)
    flagged = {(rule, resource) for rule, resource, _ in cli_findings(case)}
    assert not passed & flagged, case.about
    _, _, notes = cli_result(case)
    unjudged = {n.get("resource") for n in notes} | set(case.unknown)
    assert not {(rule, resource) for rule, resource in passed if resource in unjudged}, case.about
    assert {(UNJUDGED.id, resource) for resource in case.unjudged} <= checkov_failed(case), case.about


@pytest.mark.parametrize(
    "case", [c for f in ("cloudformation", "hostile", "serverless") for c in cases(f) if "cfnlint" in surfaces_for(c)],
    ids=lambda c: c.id,
)
def test_cfnlint_says_could_not_judge_where_the_cli_notes(case) -> None:
    """cfn-lint's I9000 (with `--include-checks I9000`) at exactly the file, logical id and line of each CLI note on
    a resource, and on every `unknown` resource the sidecar declares."""
    _, _, notes = cli_result(case)
    expected = {(os.path.realpath(n["file"]), n["resource"], n["line"]) for n in notes if n.get("resource")}
    got = cfnlint_unjudged(case)
    assert got == expected, case.about
    assert set(case.unknown) <= {resource for _, resource, _ in got}, case.about
