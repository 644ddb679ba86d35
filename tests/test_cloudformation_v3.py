"""CloudFormation readers v3 (issue 19): parameters, mappings, Join/Sub text, nested stacks, and their limits.

The fixtures (`fixtures/cloudformation/v3_*`) hold each construct through every surface; these tests pin the parts
a fixture cannot show: the values tried, the limits and their notes, the places inside assembled text, cycles and
missing templates, checkov's search for parents, cfn-lint's parameter sets.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from fixture_cases import FIXTURES
from mfa_lint.core.analyzer import analyze_document
from mfa_lint.core.findings import MALFORMED, MISSING_FILE, READER_LIMIT, UNRESOLVED, Analysis, Finding
from mfa_lint.core.variants import Tried, combine
from mfa_lint.formats.cloudformation.intrinsics import expand, render_strings
from mfa_lint.formats.cloudformation.nested import nested_parents, read_template
from mfa_lint.formats.cloudformation.parameters import Passed, TemplateNames, declared
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.limits import ALLOWED_VALUES, NESTED_STACK_DEPTH
from mfa_lint.scanning import ScanOptions, scan
from mfa_lint.scanning.site_analysis import analyze_site

NESTED = FIXTURES / "cloudformation" / "v3_nested_stacks"
CFN_LINT = str(Path(sys.executable).with_name("cfn-lint"))


def _judged(path: Path, text: str | None = None) -> tuple[list[tuple[str, str, int]], list[tuple[str, str]]]:
    """(rule, resource, line) findings and (resource, note) of a template read with its nested stacks."""
    findings, notes = [], []
    for site in read_template(str(path), path.read_text() if text is None else text):
        notes += [(site.resource, n.message) for n in site.notes]
        analysis = analyze_site(site)
        notes += [(site.resource, n.message) for n, _ in analysis.notes]
        for finding, locate in analysis.findings:
            span = locate(finding.path) or site.span
            findings.append((finding.rule_id, site.resource, span.line))
    return findings, notes


# ------------------------------------------------------------------------------------------------------ parameters


def test_a_parameter_deploys_its_default_and_tries_its_allowed_values_default_first() -> None:
    parameter = declared("Op", {"Type": "String", "Default": "Bool", "AllowedValues": ["BoolIfExists", "Bool"]})
    choices = parameter.choices()
    assert parameter.default == "Bool" and choices is not None
    assert choices.values == ("Bool", "BoolIfExists") and choices.default == "Bool"
    assert declared("Flag", {"Type": "String", "AllowedValues": [True, False]}).choices().values == ("true", "false")
    assert declared("One", {"Type": "String", "Default": "x", "AllowedValues": ["x"]}).choices() is None
    many = declared("Many", {"Type": "String", "AllowedValues": [str(i) for i in range(100)]}).choices()
    assert len(many.values) == ALLOWED_VALUES


def test_values_only_deploy_time_knows_stay_unknown() -> None:
    assert declared("S", {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/mfa/op"}).default is None
    assert declared("L", {"Type": "CommaDelimitedList", "Default": "a, b"}).default == ["a", "b"]
    assert declared("N", {"Type": "Number", "Default": 3600}).default == "3600"
    assert declared("B", {"Type": "String", "Default": False}).default == "false"


def test_a_parent_overrides_the_default_and_the_child_bounds_what_it_may_pass() -> None:
    child = {"Parameters": {"Op": {"Type": "String", "Default": "Bool", "AllowedValues": ["Bool", "BoolIfExists"]}}}
    outer = declared("Mode", {"Type": "String", "Default": "BoolIfExists",
                              "AllowedValues": ["Bool", "BoolIfExists", "StringEquals"]})
    through = TemplateNames.of(child, {"Op": Passed(parameter=outer)}, via="Stack")
    assert through.ref("Op") == "BoolIfExists"
    assert through.choices("Op").values == ("BoolIfExists", "Bool")  # StringEquals is no value Op may take
    assert TemplateNames.of(child, {"Op": Passed(value="BoolIfExists")}).choices("Op") is None
    unknown = TemplateNames.of(child, {"Op": Passed()}, via="Stack")  # a GetAtt: unknown despite the default
    assert unknown.ref("Op") is None and unknown.choices("Op").values == ("Bool", "BoolIfExists")


# ------------------------------------------------------------------------------------------------------ intrinsics


MAPPINGS = {"Mappings": {"M": {"a": {"k": "1", "same": "x"}, "b": {"k": "2", "same": "x"}}},
            "Parameters": {"Key": {"Type": "String", "Default": "b"}}}


def _value(value: object, template: dict = MAPPINGS) -> object:
    names = TemplateNames.of(template)
    [variant] = expand(value, names.ref, names=names)
    return render_strings(variant.value, variant.resolve)


def test_find_in_map_select_split_join_and_sub_are_evaluated() -> None:
    assert _value({"Fn::FindInMap": ["M", "a", "k"]}) == "1"
    assert _value({"Fn::FindInMap": ["M", {"Ref": "Key"}, "k"]}) == "2"
    assert _value({"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "same"]}) == "x"  # every row agrees
    assert _value({"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "k"]}) == {"Fn::FindInMap": ["M", {"Ref":
                                                                                     "AWS::Region"}, "k"]}
    assert _value({"Fn::FindInMap": ["M", "c", "k", {"DefaultValue": "d"}]}) == "d"
    assert _value({"Fn::Select": [1, ["a", {"Ref": "Key"}]]}) == "b"
    assert _value({"Fn::Select": ["0", {"Fn::Split": [",", "fal,se"]}]}) == "fal"
    assert _value({"Fn::Join": ["", ["fal", "se"]]}) == "false"
    assert _value({"Fn::Sub": ["${A}-${Key}-${AWS::Region}", {"A": {"Fn::FindInMap": ["M", "a", "k"]}}]}) == (
        "1-b-${AWS::Region}"
    )


def test_allowed_values_build_one_document_per_value_and_only_where_they_are_used() -> None:
    template = {"Parameters": {"Op": {"Type": "String", "AllowedValues": ["Bool", "BoolIfExists"]},
                               "Other": {"Type": "String", "AllowedValues": ["a", "b", "c"]}}}
    names = TemplateNames.of(template)
    variants = expand({"Fn::Sub": '{"${Op}": 1}'}, names.ref, names=names)
    assert [v.describe() for v in variants] == ["Op=Bool", "Op=BoolIfExists"]  # Other is never met: not tried
    assert not any(v.alternative for v in variants)
    defaulted = TemplateNames.of({"Parameters": {"Op": {"Type": "String", "Default": "BoolIfExists",
                                                        "AllowedValues": ["Bool", "BoolIfExists"]}}})
    variants = expand({"Ref": "Op"}, defaulted.ref, names=defaulted)
    assert [(v.value, v.alternative) for v in variants] == [("BoolIfExists", False), ("Bool", True)]


# --------------------------------------------------------------------------------------------- joint judgement


def _finding(rule: str, index: int) -> Finding:
    return Finding(rule, f"{rule} fires", index, ("Statement", index, "Condition", "Bool"))


def test_variants_report_what_every_value_gives_and_note_the_rest() -> None:
    both = Analysis(findings=[_finding("MFA002", 0), _finding("MFA001", 1)])
    one = Analysis(findings=[_finding("MFA002", 0)])
    findings, notes = combine([Tried("Op=A", both, values=(("Op", "A"),)), Tried("Op=B", one, values=(("Op", "B"),))])
    assert [f.rule_id for _, f in findings] == ["MFA002"]
    [(_, note)] = notes
    assert note.kind is UNRESOLVED and "MFA001 applies when deployed with Op=A, not with Op=B" in note.message


def test_an_alternative_value_never_makes_a_finding_but_a_note() -> None:
    quiet = Analysis()
    loud = Analysis(findings=[_finding("MFA002", 0)])
    findings, notes = combine([Tried("Op=Bool", quiet, values=(("Op", "Bool"),)),
                               Tried("Op=BoolIfExists", loud, alternative=True, values=(("Op", "BoolIfExists"),))])
    assert findings == []
    [(index, note)] = notes
    assert index == 1 and "deployed with Op=BoolIfExists (allowed, not the default), MFA002 applies" in note.message
    findings, notes = combine([Tried("Op=BoolIfExists", loud), Tried("Op=Bool", quiet, alternative=True)])
    assert [f.rule_id for _, f in findings] == ["MFA002"] and notes == []  # the default fails open: a finding


def test_parameters_past_the_limit_keep_their_default_and_say_so() -> None:
    parameters = "".join(f"  P{i}:\n    Type: String\n    Default: Bool\n    AllowedValues: [Bool, BoolIfExists]\n"
                         for i in range(12))
    statements = "".join(
        f"          - Effect: Allow\n            Action: s3:Get{i}\n            Resource: '*'\n"
        f"            Condition: {{Bool: {{aws:MultiFactorAuthPresent: !Ref P{i}}}}}\n" for i in range(12))
    text = ("Parameters:\n" + parameters + "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n"
            "      Users: [u]\n      PolicyDocument:\n        Statement:\n" + statements)
    started = time.monotonic()
    sites = read_template("t.yaml", text)
    assert time.monotonic() - started < 10
    [site] = sites
    assert 1 < len(site.variants) <= 32
    assert any(n.kind is READER_LIMIT for n in site.notes)


# ---------------------------------------------------------------------------------------------------- nested stacks


def test_a_nested_stack_is_read_with_what_its_parent_passes() -> None:
    findings, _ = _judged(NESTED / "parent.yaml")
    assert sorted(findings) == [("MFA001", "RequireMfa", 20), ("MFA002", "AdminAccess", 21),
                                ("MFA002", "NetworkAdmin", 20)]
    sites = read_template(str(NESTED / "parent.yaml"), (NESTED / "parent.yaml").read_text())
    assert {Path(s.file).name for s in sites} == {"admin.yaml", "deny.yaml", "quiet.yaml", "network.yaml"}


def test_missing_and_broken_templates_are_notes_on_the_stack(tmp_path: Path) -> None:
    """A local template that is missing or broken is a note (it may hold the MFA test); a URL, a dynamic reference
    and a location that names no template file (`path/`, a placeholder in a test template) are no local template."""
    (tmp_path / "broken.yaml").write_text("Resources: [\n")
    parent = tmp_path / "parent.yaml"
    parent.write_text("Resources:\n"
                      "  Missing:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n"
                      "      TemplateURL: ./nowhere.yaml\n"
                      "  Broken:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n"
                      "      TemplateURL: broken.yaml\n"
                      "  Remote:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n"
                      "      TemplateURL: https://example-bucket.s3.amazonaws.com/t.yaml\n"
                      "  FromSsm:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n"
                      "      TemplateURL: '{{resolve:ssm:/pipeline/template:1}}'\n"
                      "  Placeholder:\n    Type: AWS::Serverless::Application\n    Properties:\n"
                      "      Location: path/\n")
    sites = read_template(str(parent), parent.read_text())
    kinds = {s.resource: [n.kind for n in s.notes] for s in sites}
    assert kinds == {"Missing": [MISSING_FILE], "Broken": [MALFORMED]}
    assert all(s.span.line in (5, 9) for s in sites)  # at the TemplateURL


def test_nesting_stops_at_its_depth_limit(tmp_path: Path) -> None:
    for level in range(NESTED_STACK_DEPTH + 3):
        (tmp_path / f"t{level}.yaml").write_text(
            "Resources:\n  Next:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n"
            f"      TemplateURL: t{level + 1}.yaml\n")
    top = tmp_path / "t0.yaml"
    sites = read_template(str(top), top.read_text())
    notes = [n for s in sites for n in s.notes]
    assert [n.kind for n in notes] == [READER_LIMIT]
    assert f"more than {NESTED_STACK_DEPTH} levels" in notes[0].message


def test_a_scan_reports_each_place_once_and_no_note_for_what_the_parent_sets() -> None:
    result = scan([str(NESTED)], ScanOptions())
    places = [(Path(f.file).name, f.resource, f.span.line, f.finding.rule_id) for f in result.findings]
    assert sorted(places) == [("admin.yaml", "AdminAccess", 21, "MFA002"), ("deny.yaml", "RequireMfa", 20, "MFA001"),
                              ("network.yaml", "NetworkAdmin", 20, "MFA002"),
                              ("reporting.yaml", "ReportAccess", 21, "MFA002")]
    assert result.notes == []  # deny.yaml and quiet.yaml alone would each note a parameter without default
    alone = scan([str(NESTED / "stacks" / "deny.yaml")], ScanOptions())
    assert not alone.findings and [n.resource for n in alone.notes] == ["RequireMfa"]
    # lax_default.yaml alone fails open with its default; its only parent passes Bool, so it never deploys that way
    lax = NESTED / "stacks" / "lax_default.yaml"
    assert [f.resource for f in scan([str(lax)], ScanOptions()).findings] == ["AuditAccess"]
    assert not scan([str(lax), str(NESTED / "fixing_parent.yaml")], ScanOptions()).findings


def test_checkov_finds_the_parents_of_a_template_at_any_level() -> None:
    context = ReadContext(alarm=False)
    parents = {Path(p).name for p in nested_parents(str(NESTED / "stacks" / "network.yaml"), context)}
    assert parents == {"platform.yaml", "parent.yaml"}
    assert {Path(p).name for p in nested_parents(str(NESTED / "stacks" / "quiet.yaml"), context)} == {
        "parent.yaml", "quiet_parent.yaml"}
    assert nested_parents(str(FIXTURES / "cloudformation" / "v3_join_policy.yaml"), context) == []


# ------------------------------------------------------------------------------------------------------- cfn-lint


def test_cfn_lint_parameter_sets_are_deployments_judged_with_their_values(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "cloudformation" / "v3_allowed_values.yaml", tmp_path / "template.yaml")
    command = [CFN_LINT, "-a", "mfa_lint.cfnlint", "--format", "json", "--parameters",
               "AnyIfExistsOperator=BoolIfExists", "EitherFlag=false", "LaxByDefault=Bool",
               "StrictByDefault=BoolIfExists", "StrictOnly=Bool", "--", "template.yaml"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    ours = sorted((m["Rule"]["Id"], m["Location"]["Start"]["LineNumber"]) for m in json.loads(done.stdout)
                  if m["Rule"]["Id"][1] == "9")
    # EitherFlag=false fails the Bool deny open; LaxByDefault=Bool holds; StrictByDefault=BoolIfExists fails open
    assert ours == [("E9001", 53), ("E9002", 39), ("E9002", 80)], done.stdout + done.stderr


def test_cfn_lint_judges_a_nested_template_with_what_its_parents_pass(tmp_path: Path) -> None:
    shutil.copytree(NESTED, tmp_path / "nested")

    def lint(*templates: str) -> list[tuple[str, int, str]]:
        done = subprocess.run([CFN_LINT, "-a", "mfa_lint.cfnlint", "--format", "json", "--", *templates],
                              capture_output=True, text=True, cwd=tmp_path, timeout=300)
        return sorted((Path(m["Filename"]).name, m["Location"]["Start"]["LineNumber"], m["Location"]["Path"][1])
                      for m in json.loads(done.stdout) if m["Rule"]["Id"][1] == "9")

    assert lint("nested/stacks/admin.yaml") == [("admin.yaml", 21, "AdminAccess")]  # its default Bool is overridden
    assert lint("nested/stacks/lax_default.yaml") == []  # its default BoolIfExists is overridden by Bool
    assert lint("nested/parent.yaml") == []  # one template at a time: the parent holds no policy
    assert lint("nested/stacks/network.yaml") == [("network.yaml", 20, "NetworkAdmin")]  # two levels down
    (tmp_path / "lone.yaml").write_text((NESTED / "stacks" / "lax_default.yaml").read_text())
    assert lint("lone.yaml") == [("lone.yaml", 21, "AuditAccess")]  # no parent: its own default


def test_the_core_reads_what_the_readers_fill_in() -> None:
    """A parameter's value reaches the core as the string CloudFormation deploys (no IaC syntax left)."""
    names = TemplateNames.of({"Parameters": {"Flag": {"Type": "String", "Default": False}}})
    [variant] = expand({"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
                                       "Condition": {"Bool": {"aws:MultiFactorAuthPresent": {"Ref": "Flag"}}}}]},
                       names.ref, names=names)
    assert [f.rule_id for f in analyze_document(variant.value, "identity").findings][:1] == ["MFA001"]


def test_fix_never_renames_a_placeholder_that_names_the_operator(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(
        "Parameters:\n  BoolIfExists:\n    Type: String\n    Default: BoolIfExists\nResources:\n  P:\n"
        "    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      Users: [u]\n      PolicyDocument: !Sub |\n"
        '        {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",\n'
        '          "Condition": {"${BoolIfExists}": {"aws:MultiFactorAuthPresent": "true"}}}]}\n')
    result = scan([str(template)], ScanOptions())
    [finding] = result.findings
    assert finding.finding.rule_id == "MFA002" and finding.span.line == 12 and finding.edit is None
