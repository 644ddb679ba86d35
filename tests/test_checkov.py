"""The checkov plugin, run by checkov itself over the fixture folders (one run per framework), and by its CLI.

checkov reports FAILED/PASSED per (check, resource) and drops UNKNOWN from its report. FAILED sets are compared
with the fixtures in test_agreement.py; here: resources declared `unknown` are never PASSED nor FAILED by a rule,
MFA000 FAILED where they hold MFA text, and our checks, run on checkov's own parsed conf of them, say why; silent
fixtures PASS; metadata, loading, the command line and the conf shapes checkov produces.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from checkov.cloudformation.checks.resource.registry import cfn_registry
from checkov.common.models.enums import CheckResult
from checkov.runner_filter import RunnerFilter
from checkov.terraform.checks.data.registry import data_registry
from checkov.terraform.checks.resource.registry import resource_registry
from checkov.terraform.plan_runner import Runner as PlanRunner
from fixture_cases import FIXTURES, FixtureCase, cases
from mfa_lint.checkov import CHECK_IDS, checks_dir
from mfa_lint.checkov.checks import (
    CloudFormationRuleCheck,
    TerraformDataRuleCheck,
    TerraformResourceRuleCheck,
    register,
)
from mfa_lint.checkov.policies import cloudformation_policies, terraform_data_policies
from mfa_lint.checkov.rendering import terraform_unrendered, unrendered_text
from mfa_lint.checkov.verdict import Verdict, VerdictCache
from mfa_lint.core.catalog import NOTES, RULES, UNJUDGED, rule
from mfa_lint.formats.cloudformation import resources as cfn_table
from mfa_lint.formats.cloudformation.policies import document_views
from mfa_lint.formats.terraform import resources as tf_table
from mfa_lint.formats.terraform.policy_document import policy_document_from_blocks, split_references
from mfa_lint.formats.terraform.values import is_reference, normalise_document, restore_booleans
from surfaces import CheckovRun, checkov_resource, checkov_run, surfaces_for

FRAMEWORKS = {"terraform": "terraform", "plan": "terraform_plan", "cloudformation": "cloudformation"}


def _filter(framework: str) -> RunnerFilter:
    return RunnerFilter(framework=[framework], checks=list(CHECK_IDS), download_external_modules=False)


def _cases(folder: str) -> list[FixtureCase]:
    return [c for c in cases(folder) if "checkov" in surfaces_for(c)]


@pytest.fixture(scope="module")
def runs() -> dict[str, CheckovRun]:
    """Each framework's runner once over its whole folder (shared with the agreement test)."""
    return {folder: checkov_run(folder) for folder in ("terraform", "plan", "cloudformation")}


def _params(folder: str):
    return [pytest.param(folder, c, id=c.id) for c in _cases(folder)]


ALL_CASES = _params("terraform") + _params("plan") + _params("cloudformation")


@pytest.mark.parametrize(("folder", "case"), ALL_CASES)
def test_unknown_resources_are_never_judged(runs: dict[str, CheckovRun], folder: str, case: FixtureCase) -> None:
    """Never PASSED (MFA000 included), never FAILED by a rule; MFA000 FAILED exactly where MFA text is."""
    got = runs[folder].records(case)
    judged = {resource for check, resource in got["failed"] if check != UNJUDGED.id}
    judged |= {resource for _, resource in got["passed"]}
    assert not judged & set(case.unknown), case.about
    unjudged = {resource for check, resource in got["failed"] if check == UNJUDGED.id}
    assert unjudged & set(case.unknown) == set(case.unjudged), case.about


@pytest.mark.parametrize(("folder", "case"), [p for p in ALL_CASES if not p.values[1].findings])
def test_silent_fixtures_pass(runs: dict[str, CheckovRun], folder: str, case: FixtureCase) -> None:
    got = runs[folder].records(case)
    judged_resources = {resource for _, resource in got["passed"]}
    if case.unknown and not judged_resources:
        pytest.skip("every resource of this fixture is unknown")
    assert got["passed"], f"no PASSED record for a silent fixture: {case.about}"
    assert got["failed"] == {(UNJUDGED.id, resource) for resource in case.unjudged}


def _terraform_confs(runner, case: FixtureCase) -> dict[str, tuple[str, str, dict]]:
    """fixture resource name -> (block type, entity type, conf) from checkov's own parsed definitions."""
    found: dict[str, tuple[str, str, dict]] = {}
    for key, definition in runner.definitions.items():
        if os.path.realpath(getattr(key, "file_path", key)) != os.path.realpath(case.path):
            continue
        for block_type, prefix in (("resource", ""), ("data", "data.")):
            for block in definition.get(block_type, []):
                for entity_type, entities in block.items():
                    for name, conf in entities.items():
                        found[f"{prefix}{entity_type}.{name}"] = (block_type, entity_type, conf)
    return found


def _cloudformation_confs(runner, case: FixtureCase) -> dict[str, tuple[str, str, dict]]:
    for path, template in runner.definitions.items():
        if os.path.realpath(path) == os.path.realpath(case.path):
            return {name: ("resource", conf.get("Type"), conf) for name, conf in template.get("Resources", {}).items()
                    if isinstance(conf, dict)}
    return {}


UNKNOWN_CASES = [p for p in ALL_CASES if p.values[1].unknown and p.values[0] != "plan"]


@pytest.mark.parametrize(("folder", "case"), UNKNOWN_CASES)
def test_unknown_resources_say_why(runs: dict[str, CheckovRun], folder: str, case: FixtureCase) -> None:
    """Run our registered checks on checkov's parsed conf of each unknown resource: the rules UNKNOWN with a reason,
    MFA000 FAILED where MFA text is (saying what could not be resolved and how to resolve it), else UNKNOWN."""
    run = runs[folder]
    read = _cloudformation_confs if folder == "cloudformation" else _terraform_confs
    confs = read(run.runner, case)
    classes = {("cloudformation", "resource"): CloudFormationRuleCheck, ("terraform", "resource"):
               TerraformResourceRuleCheck, ("terraform", "data"): TerraformDataRuleCheck}
    for resource in case.unknown:
        if resource.startswith("module."):
            continue  # a called module's resource: its conf is in the module's file (the agreement tests hold it)
        assert resource in confs, f"{resource} not in checkov's definitions of {case.path.name}"
        block_type, entity_type, conf = confs[resource]
        checks = [c for c in register() if isinstance(c, classes[(folder, block_type)])]
        reasons = []
        for check in checks:
            result = check.run(str(case.path), conf, resource, entity_type, {})
            if check.id == UNJUDGED.id and resource in case.unjudged:
                assert result["result"] == CheckResult.FAILED, resource
                assert check.details and all(d.startswith("cannot judge in full: ") for d in check.details)
                assert all("To resolve: " in d or "install" in d for d in check.details), check.details
            else:
                assert result["result"] == CheckResult.UNKNOWN, (resource, check.id)
            reasons.extend(check.details)
        assert any(r.startswith("cannot judge") for r in reasons), (resource, reasons)


def test_every_rule_has_three_checks_with_catalog_metadata() -> None:
    checks = register()
    assert len(checks) == 3 * (len(RULES) + len(NOTES))
    assert {check.id for check in checks} == set(CHECK_IDS) == set(RULES) | {UNJUDGED.id}
    for check in checks:
        record = rule(check.id)
        # (CloudFormation's MFA000 adds the last resource's reason to its name: checkov's report drops details)
        assert check.name.startswith(record.title)
        assert (check.guideline, check.severity.name) == (record.doc_url, record.checkov_severity)
    assert UNJUDGED.checkov_severity == "LOW" and UNJUDGED.cfn_lint_id == "I9000" and UNJUDGED.severity == "note"
    for check in checks:
        record = rule(check.id)
        if isinstance(check, TerraformDataRuleCheck):  # a document's kind is its users': every rule
            assert set(check.supported_entities) == set(tf_table.POLICY_DOCUMENT_DATA_SOURCES)
            continue
        table = tf_table.RESOURCES if isinstance(check, TerraformResourceRuleCheck) else cfn_table.RESOURCES
        # a type is supported when one of its policies can be of a kind the rule applies to (a kind decided per
        # resource, as for Organizations policies, can be any)
        can_apply = {name for name, attributes in table.items() for attribute in attributes
                     if callable(attribute.kind) or record.applies_to(attribute.kind)}
        assert set(check.supported_entities) == can_apply, check.id
    resources = {c.id: set(c.supported_entities) for c in checks if isinstance(c, TerraformResourceRuleCheck)}
    assert resources["MFA004"] == {"aws_organizations_policy"}
    assert "aws_iam_role_policy" not in resources["MFA005"] and "aws_iam_policy" in resources["MFA005"]
    assert resources["MFA001"] == resources[UNJUDGED.id] == {n for n, a in tf_table.RESOURCES.items() if a}


def test_checks_dir_loads_once_and_holds_only_the_loader(runs: dict[str, CheckovRun]) -> None:
    root = Path(checks_dir())
    python_files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))
    assert python_files == ["__init__.py", "mfa_lint_checkov_checks.py"]
    assert not [p for p in root.rglob("*") if p.suffix in (".yaml", ".yml", ".json")]  # graph-check loader food
    for registry in (resource_registry, data_registry, cfn_registry):
        registry.load_external_checks(checks_dir())  # checkov loads the folder once per registry: again here
        for entity, checks in registry.checks.items():
            ids = [c.id for c in checks if c.id in CHECK_IDS]
            assert len(ids) == len(set(ids)), (entity, ids)
    assert len(register()) == 3 * (len(RULES) + len(NOTES))


def test_plan_resources_use_the_terraform_registry(runs: dict[str, CheckovRun]) -> None:
    assert any(r["failed"] or r["passed"] for r in runs["plan"].by_file.values())


def _checkov_dir_argument() -> str:
    mfa_lint = Path(sys.executable).with_name("mfa-lint")
    cli = subprocess.run([str(mfa_lint), "checkov-dir"], capture_output=True, text=True)
    if cli.returncode == 0 and cli.stdout.strip():
        return cli.stdout.strip()
    return subprocess.run([sys.executable, "-c", "from mfa_lint.checkov import checks_dir; print(checks_dir())"],
                          capture_output=True, text=True, check=True).stdout.strip()


def test_checkov_command_line() -> None:
    """The documented one-liner, in a subprocess: `checkov -d DIR --external-checks-dir "$(mfa-lint checkov-dir)"`."""
    folder = FIXTURES / "terraform"
    checkov = Path(sys.executable).with_name("checkov")
    command = [str(checkov), "-d", str(folder), "--external-checks-dir", _checkov_dir_argument(),
               "-c", ",".join(CHECK_IDS), "--skip-download", "--framework", "terraform", "-o", "json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    expected = {(f.rule, f.resource) for c in _cases("terraform") for f in c.findings}
    expected |= {(UNJUDGED.id, resource) for c in _cases("terraform") for resource in c.unjudged}
    assert done.returncode == (1 if expected else 0), done.stderr[-2000:]
    report = json.loads(done.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = {(r["check_id"], checkov_resource("terraform", r["resource"]))
              for rep in reports for r in rep["results"]["failed_checks"]}
    assert failed == expected
    severities = {r["check_id"]: r["severity"] for rep in reports for r in rep["results"]["failed_checks"]}
    assert all(severities[i] == rule(i).checkov_severity for i in severities)
    details = {r["check_id"]: r["details"] for rep in reports for r in rep["results"]["failed_checks"]}
    assert details[UNJUDGED.id] and "To resolve: " in details[UNJUDGED.id][0]


def test_policy_document_same_from_hcl2_and_checkov(runs: dict[str, CheckovRun]) -> None:
    """The data source converter reads checkov's conf and `hcl2.loads` alike (the CLI uses the latter)."""
    import hcl2

    path = FIXTURES / "terraform" / "checkov_policy_document.tf"
    case = next(c for c in _cases("terraform") if c.path == path)
    confs = _terraform_confs(runs["terraform"].runner, case)
    names = []
    for block in hcl2.loads(path.read_text())["data"]:
        for name, attributes in block["aws_iam_policy_document"].items():
            from_checkov = confs[f"data.aws_iam_policy_document.{name}"][2]
            hcl2_doc, hcl2_refs = split_references(policy_document_from_blocks(attributes))
            checkov_doc, checkov_refs = split_references(policy_document_from_blocks(from_checkov))
            assert hcl2_doc == checkov_doc
            assert len(hcl2_refs) == len(checkov_refs)
            names.append(name)
    assert len(names) == 4
    merged = policy_document_from_blocks(confs["data.aws_iam_policy_document.merged_conditions"][2])
    assert merged["Statement"] == [{
        "Sid": "DenyS3WithoutMFA", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "true", "aws:MultiFactorAuthPresent": "false"}},
    }]
    trust = policy_document_from_blocks(confs["data.aws_iam_policy_document.trust"][2])
    assert trust["Statement"][0]["Effect"] == "Allow"
    assert trust["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}


def test_policy_document_unwrapped_shape() -> None:
    attributes = {
        "version": "2012-10-17",
        "statement": [{
            "effect": "Deny", "not_actions": ["iam:CreateVirtualMFADevice", "sts:GetSessionToken"],
            "principals": [{"type": "*", "identifiers": ["*"]}],
            "condition": [{"test": "BoolIfExists", "variable": "aws:MultiFactorAuthPresent", "values": ["False"]},
                          {"test": "BoolIfExists", "variable": "aws:MultiFactorAuthPresent", "values": [True]}],
        }],
        "override_policy_documents": ["${data.aws_iam_policy_document.base.json}"],
    }
    # checkov's "False" is repaired by the checkov adapter (restore_booleans), not by the shared conversion
    document, references = split_references(policy_document_from_blocks(restore_booleans(attributes)))
    assert document["Statement"] == [{
        "Effect": "Deny", "NotAction": ["iam:CreateVirtualMFADevice", "sts:GetSessionToken"], "Principal": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": ["false", "true"]}},
    }]
    assert references == ["${data.aws_iam_policy_document.base.json}"]
    assert policy_document_from_blocks({"statement": "junk"}) == {"Version": "2012-10-17", "Statement": []}


def test_checkov_value_shapes_are_normalised() -> None:
    rendered = [{"Version": 1985, "Statement": [{"Effect": "Deny", "Condition": {"Bool": {"k": "False"}}}]}]
    assert normalise_document(rendered) == {
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Condition": {"Bool": {"k": False}}}]}
    assert normalise_document(['{"Statement": []}']) == {"Statement": []}
    assert normalise_document(["{not json"]) == "{not json"
    assert is_reference("data.aws_iam_policy_document.x.json") and is_reference('${file("p.json")}')
    assert not is_reference("${aws:username}") and not is_reference('{"Statement": []}')


def test_fn_if_expansion_is_bounded() -> None:
    statements = [
        {"Effect": "Deny", "Condition": {"Fn::If": [f"c{i}", {"Bool": {"k": "false"}}, {"Null": {"k": "true"}}]}}
        for i in range(10)
    ]  # 1024 combinations
    conf = {"Properties": {"PolicyDocument": {"Statement": statements}}}
    # checkov left intrinsics: the check reads the template with mfa-lint's reader, whose expansion is bounded
    assert [p.unrendered for p in cloudformation_policies("AWS::IAM::ManagedPolicy", conf)] == [True]
    views = document_views({"Statement": statements}, statements_only=False, resolve_ref=lambda _: None,
                           satisfiable=lambda _: True, lines=None)
    assert 1 < len(views) <= 64
    deep: dict = {"Bool": {"k": "false"}}
    for _ in range(5000):
        deep = {"Fn::If": ["c", deep, {"Ref": "AWS::NoValue"}], "__startline__": 1}
    conf = {"Properties": {"PolicyDocument": {"Statement": [{"Effect": "Deny", "Condition": deep}]}}}
    assert len(cloudformation_policies("AWS::IAM::ManagedPolicy", conf)) <= 64  # no RecursionError, no blow-up
    assert len(document_views({"Statement": [{"Effect": "Deny", "Condition": deep}]}, statements_only=False,
                              resolve_ref=lambda _: None, satisfiable=lambda _: True, lines=None)) <= 64


def test_malformed_confs_become_unknown_with_a_reason() -> None:
    """Never a crash and never a silent PASS on conf shapes the extractors do not expect."""
    confs = [
        ("aws_iam_policy", {"policy": [["not", "a", "document"]]}),
        ("aws_iam_policy", {"policy": [42]}),
        ("aws_iam_role", {"inline_policy": "junk", "assume_role_policy": [None]}),
        ("aws_organizations_policy", {"content": ["{\"Statement\": 5}"], "type": [{"weird": 1}]}),
    ]
    checks = [c for c in register() if isinstance(c, TerraformResourceRuleCheck)]
    for entity_type, conf in confs:
        for check in checks:
            result = check.run("x.tf", conf, "x", entity_type, {})
            assert result["result"] in (CheckResult.UNKNOWN, CheckResult.FAILED), (conf, check.id)


def test_each_resource_is_analysed_once_for_all_rules() -> None:
    cache = VerdictCache(size=2)
    conf: dict = {"policy": []}
    calls = []

    def compute() -> Verdict:
        calls.append(1)
        return Verdict()

    for _ in CHECK_IDS:
        cache.get(conf, "aws_iam_policy", compute)
    assert len(calls) == 1
    for other in ({}, {}, {}):
        cache.get(other, "aws_iam_policy", compute)
    cache.get(conf, "aws_iam_policy", compute)  # evicted: computed again, never confused with another conf
    assert len(calls) == 5


def _plan_resource(address: str, values: dict) -> dict:
    resource_type, name = address.split(".")
    return {"address": address, "mode": "managed", "type": resource_type, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0, "values": values}


def test_plan_shapes(tmp_path: Path) -> None:
    """Plan JSON as `terraform show -json` writes it: checkov decodes `policy` and `assume_role_policy` only, so
    SCP `content` and `inline_policy[].policy` reach the checks as JSON strings. Independent of fixtures/plan."""
    deny = {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}
    unscoped = {"Effect": "Deny", "Action": "*", "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
    allow = {"Effect": "Allow", "Action": "ec2:*", "Resource": "*",  # a role policy: fails open through the age key
             "Condition": {"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"}}}
    trust = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}

    def doc(statement: dict) -> str:
        return json.dumps({"Statement": [statement], "Version": "2012-10-17"})

    resources = [
        _plan_resource("aws_iam_policy.deny", {"name": "deny", "policy": doc(deny)}),
        _plan_resource("aws_organizations_policy.scp", {"name": "scp", "type": "SERVICE_CONTROL_POLICY",
                                                        "content": doc(unscoped)}),
        _plan_resource("aws_organizations_policy.tags", {"name": "tags", "type": "TAG_POLICY",
                                                         "content": doc(unscoped)}),
        _plan_resource("aws_iam_role.role", {"name": "role", "assume_role_policy": doc(trust),
                                             "inline_policy": [{"name": "i", "policy": doc(allow)}]}),
    ]
    plan = {"format_version": "1.2", "terraform_version": "1.11.4",
            "planned_values": {"root_module": {"resources": resources}}}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    report = PlanRunner().run(root_folder=None, files=[str(path)], external_checks_dir=[checks_dir()],
                              runner_filter=_filter("terraform_plan"))
    failed = {(r.check_id, r.resource) for r in report.failed_checks}
    passed = {(r.check_id, r.resource) for r in report.passed_checks}
    assert failed == {("MFA001", "aws_iam_policy.deny"), ("MFA004", "aws_organizations_policy.scp"),
                      ("MFA002", "aws_iam_role.role")}
    assert ("MFA001", "aws_organizations_policy.scp") in passed
    assert not any(resource == "aws_organizations_policy.tags" for _, resource in failed | passed)
    details = {r.check_id: r.details for r in report.failed_checks}
    assert details["MFA002"] and details["MFA002"][0].startswith("inline_policy[0].policy: ")


def test_null_merges_are_no_merge_and_plan_documents_are_judged_on_their_users() -> None:
    """A plan's `source_policy_documents: null` is no merge (never "merges None"); a plan's data source with a
    rendered `json` is judged on the resources using it, as the CLI's plan reader does."""
    statement = {"effect": ["Deny"], "actions": [["s3:*"]], "resources": [["*"]],
                 "condition": [{"test": ["Bool"], "variable": ["aws:MultiFactorAuthPresent"], "values": [["false"]]}]}
    conf = {"statement": [statement], "source_policy_documents": [None], "override_policy_documents": [None]}
    [policy] = terraform_data_policies("aws_iam_policy_document", conf)
    assert policy.unresolved is None and policy.document["Statement"][0]["Effect"] == "Deny"
    assert terraform_data_policies("aws_iam_policy_document", {**conf, "json": ['{"Statement": []}']}) == []


@pytest.mark.parametrize(("text", "unrendered"), [
    ("tostring(var.mfa_flag)", True), ("try(each.value.mfa_age, 86400)", True), ("${var.x}", True),
    ("data.aws_iam_policy_document.x.json", True), ('${jsonencode({"a" = 1})}', True), ("local.admins", True),
    ("${aws:username}", False), ("arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*", False), ("false", False),
    ("arn:aws:iam::111122223333:role/x", False), ("3600", False),
])
def test_what_checkov_left_unrendered(text: str, unrendered: bool) -> None:
    assert unrendered_text(text) is unrendered
    assert (terraform_unrendered({"Statement": [{"Condition": {"Bool": {"k": text}}}]}) is not None) is unrendered


# ------------------------------------------------------------------------- what the checks take from checkov


def test_selftest_passes_on_this_checkov_and_names_the_tested_range() -> None:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    from checkov.version import version
    from mfa_lint.checkov import selftest

    register()
    assert (selftest.RESULT.version, selftest.RESULT.api, selftest.RESULT.locator) == (version, None, None)
    extras = tomllib.loads((FIXTURES.parent / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert extras["checkov"] == [f"checkov{selftest.SUPPORTED}"]
    assert f"checkov{selftest.SUPPORTED}" in extras["test"]


def test_without_the_runner_frame_the_file_is_found_from_public_surfaces_or_the_policy_is_unjudged(
    runs: dict[str, CheckovRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check run outside checkov's `run_block` (as if a release renamed it): checkov's relative path is tried from
    the working directory, checked against the conf's `__start_line__`; where that fails too, MFA000 says so."""
    case = next(c for c in _cases("terraform") if c.path.name == "checkov_unrendered_expressions.tf")
    # a policy-document data source is always read from its file (its kind is that of the resources using it)
    _, entity_type, conf = _terraform_confs(runs["terraform"].runner, case)["data.aws_iam_policy_document.scp"]
    checks = {c.id: c for c in register() if isinstance(c, TerraformDataRuleCheck)}
    scanned = f"/{case.path.name}"
    monkeypatch.chdir(case.path.parent)  # checkov's relative path names the file from here: judged from it
    assert checks["MFA004"].run(scanned, conf, "scp", entity_type, {})["result"] == CheckResult.FAILED
    assert checks[UNJUDGED.id].run(scanned, conf, "scp", entity_type, {})["result"] == CheckResult.PASSED
    monkeypatch.chdir(FIXTURES)  # ... and not from here: its users, hence its kind, cannot be read
    conf = json.loads(json.dumps(conf))  # a new conf object: not the cached verdict
    assert checks["MFA001"].run(scanned, conf, "scp", entity_type, {})["result"] == CheckResult.UNKNOWN
    assert checks[UNJUDGED.id].run(scanned, conf, "scp", entity_type, {})["result"] == CheckResult.FAILED
    assert any("does not say which file data.aws_iam_policy_document.scp is in" in d
               for d in checks[UNJUDGED.id].details), checks[UNJUDGED.id].details


def test_a_changed_check_api_turns_every_policy_with_mfa_text_into_mfa000(tmp_path: Path) -> None:
    """What checkov.selftest finds at load time when a release changes the custom-check API: nothing is judged, and
    every policy with MFA text is MFA000 FAILED naming the problem; none is PASSED."""
    from checkov.terraform.runner import Runner as TfRunner
    from mfa_lint.checkov import selftest

    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_policy" "p" {\n  policy = jsonencode({Statement = [{Effect = "Deny", Action = "*", '
        'Resource = "*", Condition = {Bool = {"aws:MultiFactorAuthPresent" = "false"}}}]})\n}\n'
        'resource "aws_iam_policy" "plain" {\n  policy = jsonencode({Statement = [{Effect = "Allow", '
        'Action = "s3:GetObject", Resource = "*"}]})\n}\n')
    register()
    selftest.RESULT.api = "checks are no longer told their entity_path"
    try:
        report = TfRunner().run(root_folder=str(tmp_path), external_checks_dir=[checks_dir()],
                                runner_filter=_filter("terraform"))
    finally:
        selftest.RESULT.api = None
    failed = {(r.check_id, r.resource): r.details for r in report.failed_checks}
    assert set(failed) == {(UNJUDGED.id, "aws_iam_policy.p")}
    assert "checks are no longer told their entity_path" in failed[(UNJUDGED.id, "aws_iam_policy.p")][0]
    assert "mfa-lint is tested with checkov>=" in failed[(UNJUDGED.id, "aws_iam_policy.p")][0]
    assert not report.passed_checks


def test_mfa000_is_suppressed_like_any_check(tmp_path: Path) -> None:
    """`mfa-lint:ignore MFA000`, `checkov:skip=MFA000` and cfn-lint's `ignore_checks: [I9000]` make MFA000 SKIPPED;
    the same policy without them is MFA000 FAILED; the rules are never PASSED on it."""
    from checkov.cloudformation.runner import Runner as CfnRunner
    from checkov.terraform.runner import Runner as TfRunner

    def policy(name: str, comment: str = "") -> str:
        return (f'resource "aws_iam_policy" "{name}" {{\n{comment}  policy = jsonencode({{Statement = [{{'
                'Effect = "Deny", Action = "*", Resource = "*", '
                'Condition = {Bool = {"aws:MultiFactorAuthPresent" = var.flag}}}]})\n}\n')

    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(
        'variable "flag" {\n  type = string\n}\n' + policy("open")
        + policy("ignored", "  # mfa-lint:ignore MFA000 the flag comes from the pipeline\n")
        + policy("skipped", "  # checkov:skip=MFA000:the flag comes from the pipeline\n"))
    (tmp_path / "cfn").mkdir()
    document = ("      PolicyDocument:\n        Statement:\n          - Effect: Deny\n            Action: '*'\n"
                "            Resource: '*'\n            Condition:\n              Bool:\n"
                "                aws:MultiFactorAuthPresent: !Ref Flag\n")
    (tmp_path / "cfn" / "template.yaml").write_text(
        "Parameters:\n  Flag:\n    Type: String\nResources:\n"
        "  Open:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n" + document
        + "  Ignored:\n    Type: AWS::IAM::ManagedPolicy\n    Metadata:\n      cfn-lint:\n        config:\n"
        "          ignore_checks: [I9000]\n    Properties:\n" + document)
    register()
    results: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for runner, folder in ((TfRunner(), "tf"), (CfnRunner(), "cfn")):
        framework = "terraform" if folder == "tf" else "cloudformation"
        report = runner.run(root_folder=str(tmp_path / folder), external_checks_dir=[checks_dir()],
                            runner_filter=_filter(framework))
        for status, records in (("failed", report.failed_checks), ("passed", report.passed_checks),
                                ("skipped", report.skipped_checks)):
            results[status] |= {(r.check_id, r.resource.rsplit(".", 1)[-1]) for r in records}
    assert results["failed"] == {(UNJUDGED.id, "open"), (UNJUDGED.id, "Open")}
    assert {(UNJUDGED.id, "ignored"), (UNJUDGED.id, "skipped"), (UNJUDGED.id, "Ignored")} <= results["skipped"]
    assert not results["passed"]


def test_without_cfn_lint_a_parameter_default_is_read_from_the_template() -> None:
    """checkov 3.2 leaves `${Param}` in Fn::Sub text; where checkov runs without cfn-lint the conf is judged with the
    template's parameter defaults (read with PyYAML, tags as plain values), as the CLI's reader resolves them."""
    from mfa_lint.checkov.template_parameters import parameter_defaults
    from mfa_lint.checkov.verdict import judge

    template = FIXTURES / "cloudformation" / "mfa001_sub_documents.yaml"
    assert parameter_defaults(str(template)) == {"MfaFlag": "false"}
    assert parameter_defaults(str(FIXTURES / "cloudformation" / "mfa001_fn_if_long_form.json")) is not None
    document = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotAction": "iam:*MFADevice", '
                '"Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": ${MfaFlag}}}}]}')
    conf = {"Properties": {"PolicyName": "p", "Groups": ["ops"], "PolicyDocument": {"Fn::Sub": document}}}
    known = judge(cloudformation_policies("AWS::IAM::Policy", conf, intrinsics=True,
                                          parameters=parameter_defaults(str(template))))
    assert {f.rule_id for _, f in known.findings} == {"MFA001"} and not known.unresolved
    unknown = judge(cloudformation_policies("AWS::IAM::Policy", conf, intrinsics=True))
    assert not unknown.findings and unknown.unresolved
