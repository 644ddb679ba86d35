"""The CLI's CloudFormation reader plus the core: exactly the declared findings, at the operator key's span."""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import pytest
from fixture_cases import FIXTURES, cases
from mfa_lint import analyze_document
from mfa_lint.core.values import Unknown
from mfa_lint.formats.cloudformation.nested import read_template
from mfa_lint.formats.cloudformation.reader import looks_like_template, read_cloudformation
from mfa_lint.reading.site import SourceError, Span
from mfa_lint.reading.suppressions import FileSuppressions
from mfa_lint.scanning.site_analysis import analyze_site

CLI_CASES = [c for c in cases("cloudformation") if c.runs_on("cli")]
_KEY_TOKEN = re.compile(r'^(?:\\?")?[A-Za-z][A-Za-z0-9:]*(?:\\?")?$')
# an operator CloudFormation fills in: a `${Param}` placeholder of Fn::Sub text, an intrinsic item of a Join
_FILLED_IN = re.compile(r'^\$\{[^}]+\}$|^!\w+ |^\{\s*"(?:Ref|Fn::\w+)"')


_FILES: dict[int, str] = {}  # id of a finding _scan returned -> the file it sits in


def _scan(path: str, text: str) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """(findings, suppressed, notes) as the scan reports them: one per rule, place and message; a finding in a
    nested stack's template is placed and suppressed in that file (`_scan_files` says which)."""
    findings: list[tuple] = []
    suppressed: list[tuple] = []
    notes: list[tuple] = []
    seen: set = set()
    for site in read_template(path, text):
        suppressions = FileSuppressions(text if site.file == path else Path(site.file).read_text())
        analysis = analyze_site(site)
        notes += [(site.resource, n.message) for n in site.notes]
        notes += [(site.resource, n.message) for n, _ in analysis.notes]
        for finding, locate in analysis.findings:
            span = locate(finding.path) or site.span
            key = (finding.rule_id, site.resource, span, finding.message)
            if key in seen:
                continue
            seen.add(key)
            _FILES[id(finding)] = site.file
            hidden = suppressions.suppresses_site(site, finding, span.line)
            (suppressed if hidden else findings).append((finding, site.resource, span))
    return findings, suppressed, notes


@pytest.mark.parametrize("case", CLI_CASES, ids=lambda c: c.id)
def test_fixture(case) -> None:
    text = case.path.read_text()
    findings, _, notes = _scan(str(case.path), text)
    got = Counter((f.rule_id, resource, span.line) for f, resource, span in findings)
    assert got == case.expected_multiset(), [(f.rule_id, r, s, f.message) for f, r, s in findings]
    for finding, _, span in findings:
        line = Path(_FILES[id(finding)]).read_text().split("\n")[span.line - 1]
        token = line[span.column - 1 : span.end_column - 1] if span.line == span.end_line else ""
        if finding.rule.at_statement and not _KEY_TOKEN.match(token):
            assert line[span.column - 1] in "{\\" or line[: span.column - 1].rstrip().endswith("-"), span
        elif _FILLED_IN.match(token):
            assert finding.operator, token
        else:
            assert _KEY_TOKEN.match(token), (token, span)
            if finding.operator and token.strip('"\\') != finding.operator:
                # only the fallback: the property key that holds JSON text the reader cannot map
                assert token.strip('"') in ("PolicyDocument", "Content", "InlinePolicy", "ResourcePolicy"), token
    for resource in case.unknown:
        assert resource not in {r for _, r, _ in findings}
        assert any(r == resource and "unresolved" in n for r, n in notes), notes


def test_exact_spans_inside_json_text() -> None:
    path = FIXTURES / "cloudformation" / "mfa001_sub_documents.yaml"
    findings, _, _ = _scan(str(path), path.read_text())
    spans = {(f.rule_id, r): s for f, r, s in findings}
    assert spans[("MFA001", "ShortSub")] == Span(25, 29, 25, 35)  # "Bool" inside a !Sub block scalar
    assert spans[("MFA002", "SubWithGetAtt")] == Span(43, 17, 43, 31)  # "BoolIfExists" in the list form
    assert spans[("MFA001", "BarePlaceholder")] == Span(69, 150, 69, 156)  # "Bool" in text with a bare ${MfaFlag}


def test_operator_key_spans_in_yaml_and_json() -> None:
    yaml_path = FIXTURES / "cloudformation" / "mfa002_trust_boolifexists.yaml"
    [(finding, _, span)] = _scan(str(yaml_path), yaml_path.read_text())[0]
    assert span == Span(14, 15, 14, 27) and finding.operator == "BoolIfExists"
    json_path = FIXTURES / "cloudformation" / "mfa001_role_inline_age.json"
    [(finding, _, span)] = _scan(str(json_path), json_path.read_text())[0]
    assert span == Span(31, 21, 31, 41)  # "NumericGreaterThan" with its quotes


def test_metadata_ignore_checks_suppresses_by_resource() -> None:
    path = FIXTURES / "cloudformation" / "suppressed_by_metadata.yaml"
    sites = {s.resource: s for s in read_cloudformation(str(path), path.read_text())}
    assert sites["Accepted"].suppressed == frozenset({"MFA001"})
    assert sites["NotAccepted"].suppressed == frozenset({"MFA002"})
    findings, suppressed, _ = _scan(str(path), path.read_text())
    assert [(f.rule_id, r) for f, r, _ in suppressed] == [("MFA001", "Accepted")]


def test_fn_if_gives_a_site_per_branch() -> None:
    path = FIXTURES / "cloudformation" / "mfa001_fn_if_branches.yaml"
    sites = [s for s in read_cloudformation(str(path), path.read_text()) if s.resource == "WholeDocument"]
    operators = sorted(next(iter(s.document["Statement"][0]["Condition"])) for s in sites)
    assert operators == ["Bool", "BoolIfExists"]


def test_sam_policies_skip_names_and_templates() -> None:
    path = FIXTURES / "cloudformation" / "sam_function_policies.yaml"
    sites = read_cloudformation(str(path), path.read_text())
    assert sorted((s.resource, s.kind) for s in sites) == [("Reporter", "role"), ("Worker", "role")]
    assert all("Statement" in s.document for s in sites)


def test_looks_like_template() -> None:
    assert looks_like_template({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}})
    assert looks_like_template({"Resources": {"A": {"Type": "AWS::S3::Bucket"}}})
    assert not looks_like_template({"Version": "2012-10-17", "Statement": []})
    assert not looks_like_template({"Resources": {"A": 1}})
    assert not looks_like_template(["Resources"])


_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9)
)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Resources:\n  A:\n    Type: AWS::IAM::Policy\n  A:\n    Type: AWS::IAM::Policy\n", "Duplicate"),
        ("Resources:\n  A: [\n", "line 3"),
        ('{"Resources": {"A": }', "line"),
        ("- a\n- b\n", "not a mapping"),
        (_BOMB + "Resources: *j\n", "aliases"),
        ("Resources: " + "[" * 5000 + "]" * 5000, "nesting"),
    ],
    ids=["duplicate-keys", "bad-yaml", "bad-json", "not-a-mapping", "alias-bomb", "deep-nesting"],
)
def test_bad_input_is_a_one_line_source_error(text, reason) -> None:
    started = time.monotonic()
    with pytest.raises(SourceError) as raised:
        read_cloudformation("bad.yaml", text)
    assert reason in str(raised.value) and "\n" not in str(raised.value)
    assert time.monotonic() - started < 5


def test_odd_but_valid_input_does_not_crash() -> None:
    unknown_tag = "Resources:\n  A:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument: !Foo bar\n"
    assert [s.document for s in read_cloudformation("t.yaml", unknown_tag)] == [Unknown("Fn::Foo bar")]
    assert read_cloudformation("t.yaml", "") == []
    assert read_cloudformation("t.yaml", "Resources: 3\n") == []
    deep = "Resources:\n  A:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument: " + "{a: " * 200
    deep += "1" + "}" * 200 + "\n"
    for site in read_cloudformation("t.yaml", deep):
        analyze_document(site.document, site.kind, site.callers)


def test_many_conditions_are_bounded() -> None:
    statements = "".join(
        f"          - !If [C{i}, {{Effect: Deny, Action: '*', Resource: '*', Condition: {{Bool: "
        f"{{aws:MultiFactorAuthPresent: 'false'}}}}}}, !Ref AWS::NoValue]\n"
        for i in range(40)
    )
    text = (
        "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n"
        "        Statement:\n" + statements
    )
    started = time.monotonic()
    sites = read_cloudformation("t.yaml", text)
    assert 1 <= len(sites) <= 64
    assert time.monotonic() - started < 5


def test_impossible_fn_if_combinations_are_pruned_like_cfn_lint() -> None:
    """`East` and `NotEast` never hold together: the branch under both is never deployed (cfn-lint agrees)."""
    from test_cfnlint import IMPOSSIBLE_BRANCH

    lines = []
    for site in read_cloudformation("template.yaml", IMPOSSIBLE_BRANCH):
        for finding in analyze_document(site.document, site.kind, site.callers).findings:
            lines.append((finding.rule_id, (site.locate(finding.path) or site.span).line))
    assert sorted(set(lines)) == [("MFA001", 23)]
