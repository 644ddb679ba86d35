"""A Terraform configuration read as terraform reads it: variable values (tfvars precedence, var files, `-var`,
types and optional() defaults, validation sets), local modules any number of levels down and their outputs, and
`aws_iam_policy_document` merging as the AWS provider does it. The fixtures under fixtures/terraform/v3_* carry the
cases terraform itself planned (tests/test_terraform_ground_truth.py); these tests pin the rules around them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mfa_lint.formats.terraform.hcl_reader import read_terraform
from mfa_lint.formats.terraform.policy_merge import Inputs, LocatedDocument, merge
from mfa_lint.formats.terraform.variables import VariableInputs, convert, parse_type
from mfa_lint.reading.limits import MODULE_CALL_DEPTH
from mfa_lint.reading.site import PolicySite, Span
from mfa_lint.scanning import ScanOptions, scan
from mfa_lint.scanning.site_analysis import analyze_site

DENY = """resource "aws_iam_policy" "p" {
  name = "p"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny"
      Action    = "s3:DeleteBucket"
      Resource  = "*"
      Condition = { (var.op) = { "aws:MultiFactorAuthPresent" = "false" } }
    }]
  })
}
"""
OP = 'variable "op" {\n  type    = string\n  default = "BoolIfExists"\n}\n'


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return folder


def rules(path: Path, inputs: VariableInputs | None = None) -> list[tuple[str, str | None]]:
    """(rule, resource) per finding of the file, as the CLI's reader and core see it."""
    module = {p.name: p.read_text() for p in path.parent.glob("*.tf") if p != path}
    found = []
    for site in read_terraform(str(path), path.read_text(), module, inputs=inputs):
        if site.merged_into is None:
            found.extend((f.rule_id, site.resource) for f, _ in analyze_site(site).findings)
    return sorted(found)


def notes(path: Path) -> list[str]:
    module = {p.name: p.read_text() for p in path.parent.glob("*.tf") if p != path}
    return [note.message for site in read_terraform(str(path), path.read_text(), module) for note in site.notes]


def places(path: Path, inputs: VariableInputs | None = None) -> list[tuple[str | None, str, int]]:
    """(resource, name of the file the finding is placed in, line) per finding, as the scan places it."""
    module = {p.name: p.read_text() for p in path.parent.glob("*.tf") if p != path}
    found = []
    for site in read_terraform(str(path), path.read_text(), module, inputs=inputs):
        for finding, locate in analyze_site(site).findings:
            span = locate(finding.path) or site.span
            found.append((site.resource, Path(span.file or site.file).name, span.line))
    return sorted(found)


# -- variable values -----------------------------------------------------------------------------------------------


def test_var_files_and_var_values_come_after_the_folders_tfvars_in_the_order_given(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": OP + DENY, "terraform.tfvars": 'op = "BoolIfExists"\n',
                     "prod.tfvars": 'op = "Bool"\n', "fix.tfvars.json": '{"op": "BoolIfExists"}'})
    main = tmp_path / "main.tf"
    assert rules(main) == []
    prod = str(tmp_path / "prod.tfvars")
    fix = str(tmp_path / "fix.tfvars.json")
    assert rules(main, VariableInputs((("file", prod),))) == [("MFA001", "aws_iam_policy.p")]
    assert rules(main, VariableInputs((("file", prod), ("file", fix)))) == []
    assert rules(main, VariableInputs((("file", fix), ("var", "op=Bool")))) == [("MFA001", "aws_iam_policy.p")]


def test_a_var_value_is_literal_for_a_primitive_type_and_hcl_for_others(tmp_path: Path) -> None:
    text = """variable "condition" {
  type    = map(map(string))
  default = {}
}
variable "operator" {
  type    = string
  default = "BoolIfExists"
}
resource "aws_iam_policy" "whole" {
  policy = jsonencode({ Statement = [{ Effect = "Deny", Action = "s3:*", Resource = "*", Condition = var.condition }] })
}
resource "aws_iam_policy" "operator" {
  policy = jsonencode({ Statement = [{ Effect = "Deny", Action = "s3:*", Resource = "*",
    Condition = { (var.operator) = { "aws:MultiFactorAuthPresent" = "false" } } }] })
}
"""
    main = write(tmp_path, {"main.tf": text}) / "main.tf"
    given = VariableInputs((("var", 'condition={ Bool = { "aws:MultiFactorAuthPresent" = "false" } }'),
                            ("var", "operator=Bool")))
    assert rules(main, given) == [("MFA001", "aws_iam_policy.operator"), ("MFA001", "aws_iam_policy.whole")]


def test_a_value_for_an_undeclared_variable_is_ignored(tmp_path: Path) -> None:
    main = write(tmp_path, {"main.tf": OP + DENY, "terraform.tfvars": 'op = "BoolIfExists"\nother = "Bool"\n'})
    assert rules(main / "main.tf") == []


def test_an_unreadable_tfvars_file_is_noted_and_the_defaults_stay(tmp_path: Path) -> None:
    main = write(tmp_path, {"main.tf": OP + DENY, "terraform.tfvars": 'op = "Bool\n'}) / "main.tf"
    assert rules(main) == []
    assert any("terraform.tfvars" in note for note in notes(main))


def test_types_convert_as_terraform_converts_them(tmp_path: Path) -> None:
    node_text = 'list(object({ op = optional(string, "Bool"), key = optional(string), on = optional(bool, true) }))'
    from mfa_lint.formats.terraform.hcl_syntax import attributes, parse_hcl, root_body

    text = f"t = {node_text}\n"
    [attr] = list(attributes(root_body(parse_hcl(text))))
    var_type = parse_type(attr.expression, "t.tf", text)
    assert convert([{}, {"op": "BoolIfExists", "on": "false", "extra": 1}], var_type) == [
        {"op": "Bool", "key": None, "on": True}, {"op": "BoolIfExists", "key": None, "on": False}]
    assert convert(True, ("string",)) == "true" and convert(3600, ("string",)) == "3600"
    assert convert("false", ("bool",)) is False and convert("3600", ("number",)) == 3600


def test_optional_defaults_fill_a_tfvars_value(tmp_path: Path) -> None:
    text = """variable "guard" {
  type = object({ op = optional(string, "Bool"), action = string })
}
resource "aws_iam_policy" "p" {
  policy = jsonencode({ Statement = [{ Effect = "Deny", Action = var.guard.action, Resource = "*",
    Condition = { (var.guard.op) = { "aws:MultiFactorAuthPresent" = "false" } } }] })
}
"""
    main = write(tmp_path, {"main.tf": text, "terraform.tfvars": 'guard = { action = "s3:*" }\n'}) / "main.tf"
    assert rules(main) == [("MFA001", "aws_iam_policy.p")]


@pytest.mark.parametrize(("condition", "expected", "noted"), [
    ('contains(["Bool", "StringEquals"], var.op)', [("MFA001", "aws_iam_policy.p")], False),
    ('var.op == "Bool" || var.op == "StringEquals"', [("MFA001", "aws_iam_policy.p")], False),
    ('contains(["BoolIfExists", "StringEqualsIfExists"], var.op)', [], False),
    ('contains(["Bool", "BoolIfExists"], var.op)', [], True),  # depends on the value
    ('length(var.op) > 0', [], True),  # no set: an unknown operator
])
def test_a_validation_set_is_tried_value_by_value(tmp_path: Path, condition: str, expected: list, noted: bool) -> None:
    declaration = f'variable "op" {{\n  type = string\n  validation {{\n    condition = {condition}\n' \
                  '    error_message = "x"\n  }\n}\n'
    main = write(tmp_path, {"main.tf": declaration + DENY}) / "main.tf"
    assert rules(main) == expected
    [site] = read_terraform(str(main), main.read_text())
    assert bool(analyze_site(site).notes) == noted


def test_a_validation_set_does_not_apply_when_something_sets_the_variable(tmp_path: Path) -> None:
    declaration = ('variable "op" {\n  type = string\n  validation {\n    condition = contains(["Bool", "BoolIfExists"]'
                   ', var.op)\n    error_message = "x"\n  }\n}\n')
    main = write(tmp_path, {"main.tf": declaration + DENY, "terraform.tfvars": 'op = "Bool"\n'}) / "main.tf"
    [site] = read_terraform(str(main), main.read_text())
    assert site.variants == [] and rules(main) == [("MFA001", "aws_iam_policy.p")]


def test_a_finding_points_where_its_operator_is_written(tmp_path: Path) -> None:
    """A value set in a tfvars file, or filled in from an optional() default, is reported where it is written there
    (where `fix` can edit it); a `-var` value is in no file and a validation's values are tries: those findings
    point where the variable is used (the key `(var.op)`, line 9 of DENY)."""
    typed = 'variable "guard" {\n  type = object({ op = optional(string, "Bool") })\n  default = {}\n}\n'
    guarded = DENY.replace("(var.op)", "(var.guard.op)").replace('"p"', '"g"')
    main = write(tmp_path / "a", {"main.tf": OP + DENY + typed + guarded,
                                  "terraform.tfvars": '# prod\nop = "Bool"\n'}) / "main.tf"
    assert places(main) == [("aws_iam_policy.g", "main.tf", 18), ("aws_iam_policy.p", "terraform.tfvars", 2)]
    given = VariableInputs((("var", "op=Bool"), ("var", 'guard={ op = "Bool" }')))  # literal, and HCL for an object
    assert places(main, given) == [("aws_iam_policy.g", "main.tf", 29), ("aws_iam_policy.p", "main.tf", 13)]
    pinned = 'variable "op" {\n  type = string\n  validation {\n    condition     = contains(["Bool"], var.op)\n' \
        '    error_message = "Bool."\n  }\n}\n'
    main = write(tmp_path / "b", {"main.tf": pinned + DENY}) / "main.tf"
    assert places(main) == [("aws_iam_policy.p", "main.tf", 16)]


# -- modules -------------------------------------------------------------------------------------------------------


def _chain(folder: Path, depth: int) -> Path:
    """A root calling module m1, which calls m2, ... down to a module holding the policy, the operator passed along."""
    files = {"main.tf": 'module "m1" {\n  source = "./m1"\n  op = "Bool"\n}\n'}
    for level in range(1, depth):
        files[f"m{level}/main.tf"] = (f'variable "op" {{}}\nmodule "m{level + 1}" {{\n  source = "../m{level + 1}"\n'
                                     '  op = var.op\n}\n')
    files[f"m{depth}/main.tf"] = 'variable "op" {}\n' + DENY
    return write(folder, files) / "main.tf"


def test_arguments_reach_any_level_down_to_the_named_limit(tmp_path: Path) -> None:
    deep = _chain(tmp_path / "deep", MODULE_CALL_DEPTH)
    name = ".".join(f"module.m{level}" for level in range(1, MODULE_CALL_DEPTH + 1)) + ".aws_iam_policy.p"
    assert rules(deep) == [("MFA001", name)]
    too_deep = _chain(tmp_path / "too_deep", MODULE_CALL_DEPTH + 1)
    assert rules(too_deep) == []  # not followed past the limit (and no error)


def test_a_module_calling_itself_is_read_once(tmp_path: Path) -> None:
    main = write(tmp_path, {"main.tf": 'module "self" {\n  source = "./"\n}\n' + OP.replace("BoolIfExists", "Bool")
                            + DENY}) / "main.tf"
    assert rules(main) == [("MFA001", "aws_iam_policy.p")]


def test_outputs_of_for_each_and_count_instances(tmp_path: Path) -> None:
    module = ('variable "op" {}\noutput "condition" {\n'
              '  value = { (var.op) = { "aws:MultiFactorAuthPresent" = "false" } }\n}\n')
    main = """module "each" {
  source   = "./m"
  for_each = { strict = "Bool", lax = "BoolIfExists" }
  op       = each.value
}
module "counted" {
  source = "./m"
  count  = 2
  op     = "Bool"
}
resource "aws_iam_policy" "strict" {
  policy = jsonencode({ Statement = [{ Effect = "Deny", Action = "s3:*", Resource = "*",
    Condition = module.each["strict"].condition }] })
}
resource "aws_iam_policy" "lax" {
  policy = jsonencode({ Statement = [{ Effect = "Deny", Action = "s3:*", Resource = "*",
    Condition = module.each["lax"].condition }] })
}
resource "aws_iam_policy" "counted" {
  policy = jsonencode({ Statement = [{ Effect = "Deny", Action = "s3:*", Resource = "*",
    Condition = module.counted[1].condition }] })
}
"""
    path = write(tmp_path, {"main.tf": main, "m/main.tf": module}) / "main.tf"
    assert rules(path) == [("MFA001", "aws_iam_policy.counted"), ("MFA001", "aws_iam_policy.strict")]


def test_a_module_folder_without_the_output_leaves_it_unresolved(tmp_path: Path) -> None:
    main = ('module "m" {\n  source = "./m"\n}\nresource "aws_iam_policy" "p" {\n  policy = module.m.missing\n}\n'
            '# aws:MultiFactorAuthPresent\n')
    path = write(tmp_path, {"main.tf": main, "m/main.tf": "# nothing\n"}) / "main.tf"
    [site] = read_terraform(str(path), path.read_text())
    assert [n.message for n, _ in analyze_site(site).notes] == ["unresolved value: the policy is module.m.missing"]


# -- aws_iam_policy_document merging --------------------------------------------------------------------------------


def _document(*statements: dict) -> LocatedDocument:
    spans = {("Statement", i, "Condition"): Span(i + 1, 1, i + 1, 2, file=f"doc{i}") for i in range(len(statements))}
    return LocatedDocument({"Version": "2012-10-17", "Statement": list(statements)}, spans)


def _statement(sid: str, operator: str, **extra: object) -> dict:
    return {"Sid": sid, "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {operator: {"aws:MultiFactorAuthPresent": "false"}}, **extra}


def test_merge_replaces_by_sid_in_place_and_appends_the_rest() -> None:
    own = _document(_statement("Own", "BoolIfExists"))
    inputs = Inputs(sources=[("a", _document(_statement("A", "BoolIfExists"), _statement("", "Bool")))],
                    overrides=[("o", _document(_statement("A", "Bool"), _statement("New", "Bool")))])
    merged = merge(own, inputs)
    assert [(s["Sid"], next(iter(s["Condition"]))) for s in merged.document["Statement"]] == [
        ("A", "Bool"), ("", "Bool"), ("Own", "BoolIfExists"), ("New", "Bool")]
    assert merged.spans[("Statement", 0, "Condition")].file == "doc0"  # the override's span, in its file
    assert merged.notes == []


def test_merge_later_overrides_win_and_null_entries_are_skipped() -> None:
    merged = merge(_document(), Inputs(overrides=[("1", _document(_statement("A", "Bool"))), ("null", None),
                                                  ("2", _document(_statement("A", "BoolIfExists")))]))
    assert [next(iter(s["Condition"])) for s in merged.document["Statement"]] == ["BoolIfExists"]


def test_merge_follows_provider_3_for_source_json_and_override_json() -> None:
    merged = merge(_document(_statement("Own", "Bool")), Inputs(
        source_json=_document(_statement("Own", "BoolIfExists"), _statement("Base", "Bool")),
        overrides=[("o", _document(_statement("Base", "BoolIfExists")))],
        override_json=_document(_statement("Base", "StringEquals"))))
    assert [(s["Sid"], next(iter(s["Condition"]))) for s in merged.document["Statement"]] == [
        ("Own", "Bool"), ("Base", "StringEquals")]


def test_merge_reads_documents_as_the_provider_model_does() -> None:
    statement = {"sid": "Age", "effect": "Deny", "action": "*", "resource": "*",
                 "condition": {"NumericGreaterThan": {"aws:MultiFactorAuthAge": 3600},
                               "Bool": {"aws:MultiFactorAuthPresent": False}}}
    merged = merge(_document(), Inputs(sources=[("s", LocatedDocument({"statement": [statement]}))]))
    assert merged.document["Statement"][0]["condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "false"}}


def test_merge_notes_what_the_provider_rejects_and_what_is_unknown() -> None:
    from mfa_lint.core.values import Unknown

    duplicate = merge(_document(_statement("X", "Bool"), _statement("X", "Bool")),
                      Inputs(sources=[("a", _document(_statement("S", "Bool"))),
                                      ("b", _document(_statement("S", "BoolIfExists"))),
                                      ("c", LocatedDocument(Unknown("var.extra")))]))
    assert len(duplicate.document["Statement"]) == 4  # every statement as written
    assert any("duplicate Sid 'S'" in n.message for n in duplicate.notes)
    assert any("duplicate Sid 'X'" in n.message for n in duplicate.notes)
    assert any(n.message.startswith("unresolved value: source_policy_documents[2] (c) is var.extra")
               for n in duplicate.notes)


def test_statements_merged_from_another_file_are_reported_there(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "main.tf": 'data "aws_iam_policy_document" "d" {\n  source_policy_documents = '
                   '[data.aws_iam_policy_document.base.json]\n}\n'
                   'resource "aws_iam_policy" "p" {\n  policy = data.aws_iam_policy_document.d.json\n}\n',
        "base.tf": 'data "aws_iam_policy_document" "base" {\n  statement {\n    effect = "Deny"\n'
                   '    actions = ["s3:*"]\n    resources = ["*"]\n    condition {\n      test = "Bool"\n'
                   '      variable = "aws:MultiFactorAuthPresent"\n      values = ["false"]\n    }\n  }\n}\n'})
    result = scan([str(root)], ScanOptions(jobs=1))
    assert [(f.finding.rule_id, f.resource, Path(f.file).name, f.span.line) for f in result.findings] == [
        ("MFA001", "data.aws_iam_policy_document.d", "base.tf", 7)]


# -- the fast path --------------------------------------------------------------------------------------------------


NO_MFA_TEXT = """variable "key" {
  default = "aws:SecureTransport"
}
resource "aws_iam_policy" "p" {
  policy = jsonencode({ Statement = [{ Effect = "Deny", Action = "*", Resource = "*",
    Condition = { Bool = { (var.key) = "false" } } }] })
}
"""


def test_a_file_without_mfa_text_is_parsed_when_a_tfvars_file_or_var_file_brings_it(tmp_path: Path) -> None:
    write(tmp_path / "tfvars", {"main.tf": NO_MFA_TEXT, "terraform.tfvars": 'key = "aws:MultiFactorAuthPresent"\n'})
    assert "MFA001" in [f.finding.rule_id for f in scan([str(tmp_path / "tfvars")], ScanOptions(jobs=1)).findings]
    write(tmp_path / "given", {"main.tf": NO_MFA_TEXT})
    var_file = write(tmp_path, {"prod.tfvars": 'key = "aws:MultiFactorAuthPresent"\n'}) / "prod.tfvars"
    assert scan([str(tmp_path / "given")], ScanOptions(jobs=1)).findings == []
    options = ScanOptions(jobs=1, var_files=(str(var_file),))
    assert "MFA001" in [f.finding.rule_id for f in scan([str(tmp_path / "given")], options).findings]


def test_a_file_reading_a_module_output_is_parsed(tmp_path: Path) -> None:
    write(tmp_path, {
        "calls.tf": 'module "docs" {\n  source = "./docs"\n}\n',
        "policy.tf": 'resource "aws_iam_policy" "p" {\n  policy = module.docs.policy\n}\n',
        "docs/main.tf": 'output "policy" {\n  value = jsonencode({ Statement = [{ Effect = "Deny", Action = "s3:*", '
                        'Resource = "*", Condition = { Bool = { "aws:MultiFactorAuthPresent" = "false" } } }] })\n}\n'})
    found = scan([str(tmp_path)], ScanOptions(jobs=1)).findings
    assert [(f.finding.rule_id, f.resource, Path(f.file).parent.name) for f in found] == [
        ("MFA001", "aws_iam_policy.p", "docs")]


# -- the command line and the configuration file -------------------------------------------------------------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mfa_lint.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_var_file_and_var_flags_and_config_keys(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": OP + DENY, "envs/prod.tfvars": 'op = "Bool"\n'})
    assert json.loads(_cli("scan", "--format", "json", "main.tf", cwd=tmp_path).stdout)["findings"] == []
    for flags in (["--var-file", "envs/prod.tfvars"], ["--var", "op=Bool"]):
        proc = _cli("scan", "--format", "json", *flags, "main.tf", cwd=tmp_path)
        assert proc.returncode == 1 and json.loads(proc.stdout)["findings"][0]["rule_id"] == "MFA001"
    write(tmp_path, {".mfa-lint.toml": 'var-files = ["envs/prod.tfvars"]\n'})
    assert _cli("scan", "main.tf", cwd=tmp_path).returncode == 1
    assert _cli("scan", "--var", "op=BoolIfExists", "main.tf", cwd=tmp_path).returncode == 0  # -var wins
    shown = _cli("scan", "--show-config", "--var", "op=x", cwd=tmp_path).stdout
    assert "var-files = [" in shown and 'vars = ["op=x"]  # command line' in shown


@pytest.mark.parametrize("args", [["--var-file", "missing.tfvars"], ["--var", "no-equals-sign"]])
def test_bad_variable_flags_are_one_line_errors(tmp_path: Path, args: list[str]) -> None:
    proc = _cli("scan", *args, ".", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert args[1] in proc.stderr.strip().splitlines()[-1]  # one line naming the flag's value


def test_a_missing_var_file_in_the_configuration_is_exit_2(tmp_path: Path) -> None:
    write(tmp_path, {".mfa-lint.toml": 'var-files = ["nope.tfvars"]\n', "main.tf": OP + DENY})
    proc = _cli("scan", "main.tf", cwd=tmp_path)
    assert proc.returncode == 2 and "--var-file" in proc.stderr and "nope.tfvars" in proc.stderr
    assert ".mfa-lint.toml" in proc.stderr


# -- checkov -------------------------------------------------------------------------------------------------------


def test_checkov_var_files_reach_the_plugin(tmp_path: Path) -> None:
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform.runner import Runner
    from mfa_lint.checkov import CHECK_IDS, checks_dir

    write(tmp_path, {"main.tf": OP + DENY, "prod.tfvars": 'op = "Bool"\n'})

    def failed(var_files: list[str] | None) -> set[tuple[str, str]]:
        runner_filter = RunnerFilter(framework=["terraform"], checks=list(CHECK_IDS), var_files=var_files,
                                     download_external_modules=False)
        report = Runner().run(root_folder=str(tmp_path), external_checks_dir=[checks_dir()],
                              runner_filter=runner_filter)
        return {(r.check_id, r.resource) for r in report.failed_checks}

    assert failed(None) == set()
    assert failed([str(tmp_path / "prod.tfvars")]) == {("MFA001", "aws_iam_policy.p")}


def test_sites_merged_into_others_are_not_judged_on_their_own(tmp_path: Path) -> None:
    path = Path(__file__).resolve().parent.parent / "fixtures" / "terraform" / "v3_policy_document_merge" / "main.tf"
    module = {p.name: p.read_text() for p in path.parent.glob("*.tf") if p != path}
    sites: list[PolicySite] = read_terraform(str(path), path.read_text(), module)
    assert {s.resource for s in sites if s.merged_into} == {"data.aws_iam_policy_document.override",
                                                            "module.extra.data.aws_iam_policy_document.extra"}


def test_documents_merging_one_another_are_noted_not_looped(tmp_path: Path) -> None:
    text = """data "aws_iam_policy_document" "a" {
  source_policy_documents = [data.aws_iam_policy_document.b.json]
  statement {
    effect    = "Deny"
    actions   = ["s3:DeleteBucket"]
    resources = ["*"]
    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"]
    }
  }
}
data "aws_iam_policy_document" "b" {
  source_policy_documents = [data.aws_iam_policy_document.a.json]
}
resource "aws_iam_policy" "p" {
  policy = data.aws_iam_policy_document.a.json
}
"""
    main = write(tmp_path, {"main.tf": text}) / "main.tf"
    assert rules(main) == [("MFA001", "data.aws_iam_policy_document.a")]
    assert any("a cycle terraform rejects" in note for note in notes(main))
