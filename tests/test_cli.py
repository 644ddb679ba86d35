"""The mfa-lint CLI as a user runs it: a subprocess over real files (exit codes, errors, walking, formats)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from mfa_lint.core.catalog import NOTES, RULES

ROOT = Path(__file__).resolve().parent.parent
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())

DENY_BOOL_FALSE = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyWithoutMfa",
      "Effect": "Deny",
      "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
                    "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"],
      "Resource": "*",
      "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
    }
  ]
}
"""
ALLOW_IFEXISTS = """{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
  "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}}]}
"""
CLEAN = """{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
"""
SCP_UNSCOPED = """{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
  "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}
"""


def run(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """The installed CLI in a subprocess, as `python -m mfa_lint.cli`."""
    return subprocess.run(
        [sys.executable, "-m", "mfa_lint.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1"},
    )


def run_json(*args: str, cwd: Path | None = None) -> tuple[int, dict]:
    proc = run("scan", "--format", "json", *args, cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# ------------------------------------------------------------------------------------------------------ exit codes


def test_clean_file_exits_0(tmp_path):
    write(tmp_path / "clean.json", CLEAN)
    proc = run("scan", "clean.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 findings" in proc.stdout


def test_finding_exits_1_and_is_located(tmp_path):
    write(tmp_path / "bad.json", DENY_BOOL_FALSE)
    proc = run("scan", "bad.json", cwd=tmp_path)
    assert proc.returncode == 1
    first = proc.stdout.splitlines()[0]
    assert first.startswith("bad.json:10:21: MFA001 "), first  # the "Bool" key token
    assert "fix: replace Bool with BoolIfExists" in proc.stdout


def test_missing_path_exits_2_one_line(tmp_path):
    code, report = run_json("nope.json", cwd=tmp_path)
    assert code == 2
    assert report["errors"] == [{"file": "nope.json", "message": "no such file or directory"}]


def test_unknown_explicit_file_exits_2_but_is_skipped_in_a_walk(tmp_path):
    write(tmp_path / "package.json", '{"name": "x", "version": "1.0.0"}')
    write(tmp_path / "notes.yaml", "title: hello\nitems: [1, 2]\n")
    for name in ("package.json", "notes.yaml"):
        code, report = run_json(name, cwd=tmp_path)
        assert code == 2
        assert "not a Terraform" in report["errors"][0]["message"]
    code, report = run_json(".", cwd=tmp_path)
    assert code == 0 and report["errors"] == [] and report["summary"]["files"] == 0
    code, report = run_json("--ignore-unknown", "package.json", cwd=tmp_path)
    assert code == 0 and report["errors"] == []


def test_broken_file_next_to_bad_one_reports_both(tmp_path):
    write(tmp_path / "bad.json", DENY_BOOL_FALSE)
    write(tmp_path / "broken.json", '{"Version": "2012-10-17", "Statement": [ {"Effect": "Deny",, } ]}')
    proc = run("scan", "--format", "json", "--check-syntax", ".", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    assert [f["rule_id"] for f in report["findings"]] == ["MFA001"]
    assert len(report["errors"]) == 1
    error = report["errors"][0]
    assert error["file"] == "broken.json" and error["message"].startswith("invalid JSON")
    assert "\n" not in error["message"]
    text = run("scan", "--check-syntax", ".", cwd=tmp_path)
    assert text.returncode == 2
    assert "broken.json: error: invalid JSON" in text.stdout and "bad.json:10:21: MFA001" in text.stdout
    fast = run("scan", ".", cwd=tmp_path)  # by default a file without MFA text is not parsed: its syntax is not ours
    assert fast.returncode == 1 and "broken.json" not in fast.stdout
    assert "2 files walked: 1 read, 1 skipped as unrelated, 0 not IaC" in fast.stdout
    named = run("scan", "bad.json", "broken.json", cwd=tmp_path)  # named files are always parsed
    assert named.returncode == 2 and "broken.json: error: invalid JSON" in named.stdout


def test_fail_on(tmp_path):
    write(tmp_path / "scp.json", SCP_UNSCOPED)  # MFA004 only: a warning
    assert run("scan", "--kind", "scp", "scp.json", cwd=tmp_path).returncode == 0
    assert run("scan", "--kind", "scp", "--fail-on", "warning", "scp.json", cwd=tmp_path).returncode == 1
    write(tmp_path / "bad.json", DENY_BOOL_FALSE)
    assert run("scan", "--fail-on", "never", "bad.json", cwd=tmp_path).returncode == 0
    assert run("scan", "--fail-on", "warning", "bad.json", cwd=tmp_path).returncode == 1


def test_kind_changes_the_rules(tmp_path):
    write(tmp_path / "org.json", SCP_UNSCOPED)  # a name that says no kind (scp.json would be read as an SCP)
    _, identity = run_json("org.json", cwd=tmp_path)
    _, scp = run_json("--kind", "scp", "org.json", cwd=tmp_path)
    assert [f["rule_id"] for f in identity["findings"]] == ["MFA005"]
    assert [f["rule_id"] for f in scp["findings"]] == ["MFA004"]
    assert scp["findings"][0]["policy_kind"] == "scp"


def test_usage_errors_exit_2(tmp_path):
    assert run("scan", "--format", "xml", cwd=tmp_path).returncode == 2
    assert run("scan", "--kind", "nope", cwd=tmp_path).returncode == 2
    assert run("scan", "--max-file-size", "lots", cwd=tmp_path).returncode == 2
    assert run(cwd=tmp_path).returncode == 2


def test_size_limit(tmp_path):
    write(tmp_path / "bad.json", DENY_BOOL_FALSE)
    code, report = run_json("--max-file-size", "100", "bad.json", cwd=tmp_path)
    assert code == 2 and report["findings"] == []
    assert "over the size limit of 100 bytes" in report["errors"][0]["message"]
    code, report = run_json("--max-file-size", "1M", "bad.json", cwd=tmp_path)
    assert code == 1


def test_unreadable_inputs_never_traceback(tmp_path):
    write(tmp_path / "deep.json", '{"Statement": ' + "[" * 100000 + "]" * 100000 + "}")
    (tmp_path / "latin1.json").write_bytes(b'{"Statement": [], "Sid": "caf\xe9"}')
    (tmp_path / "empty.json").write_text("")
    write(tmp_path / "statement_not_list.json", '{"Statement": 5, "Sid": "aws:MultiFactorAuthPresent"}')
    code, report = run_json(*(p.name for p in sorted(tmp_path.iterdir())), cwd=tmp_path)
    assert code == 2
    errors = {e["file"]: e["message"] for e in report["errors"]}
    assert "nested too deeply" in errors["deep.json"]
    assert "not UTF-8" in errors["latin1.json"]
    assert "invalid JSON" in errors["empty.json"]
    assert "statement_not_list.json" not in errors  # malformed parts are notes, not errors
    assert report["notes"] and report["notes"][0]["file"] == "statement_not_list.json"


def test_notes_never_change_the_exit_code(tmp_path):
    write(tmp_path / "ref.json", """{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotAction": "iam:*",
      "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "${var.mfa}"}}}]}""")
    code, report = run_json("ref.json", cwd=tmp_path)
    assert code == 0 and report["findings"] == [] and report["notes"], report
    text = run("scan", "ref.json", cwd=tmp_path)
    assert text.returncode == 0 and ": note: " in text.stdout


# ------------------------------------------------------------------------------------------------------------- walk


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file_is_an_error(tmp_path):
    path = write(tmp_path / "secret.json", DENY_BOOL_FALSE)
    path.chmod(0)
    code, report = run_json(".", cwd=tmp_path)
    assert code == 2 and "cannot read" in report["errors"][0]["message"]


def test_walk_skips_vendor_dirs_and_survives_symlink_loops(tmp_path):
    write(tmp_path / "src" / "bad.json", DENY_BOOL_FALSE)
    for skipped in (".git", ".terraform", "node_modules"):
        write(tmp_path / skipped / "bad.json", DENY_BOOL_FALSE)
    (tmp_path / "src" / "loop").symlink_to(tmp_path / "src", target_is_directory=True)
    (tmp_path / "dangling.json").symlink_to(tmp_path / "missing.json")
    write(tmp_path / "README.md", "# not scanned")
    proc = run("scan", "--format", "json", cwd=tmp_path)  # default path: .
    report = json.loads(proc.stdout)
    assert [f["file"] for f in report["findings"]] == [os.path.join("src", "bad.json")]
    assert [e["file"] for e in report["errors"]] == ["dangling.json"]
    assert proc.returncode == 2


def test_same_file_twice_is_scanned_once(tmp_path):
    write(tmp_path / "bad.json", DENY_BOOL_FALSE)
    _, report = run_json("bad.json", ".", "./bad.json", cwd=tmp_path)
    assert len(report["findings"]) == 1


def test_output_file(tmp_path):
    write(tmp_path / "bad.json", DENY_BOOL_FALSE)
    proc = run("scan", "--format", "json", "--output", "out/report.json", "bad.json", cwd=tmp_path)
    assert proc.returncode == 2 and "cannot write out/report.json" in proc.stderr  # the folder does not exist
    proc = run("scan", "--format", "json", "--output", "report.json", "bad.json", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout == ""
    assert json.loads((tmp_path / "report.json").read_text())["findings"][0]["rule_id"] == "MFA001"


# ---------------------------------------------------------------------------------------------------------- formats


def test_json_format_fields(tmp_path):
    write(tmp_path / "bad.json", DENY_BOOL_FALSE)
    _, report = run_json("bad.json", cwd=tmp_path)
    (finding,) = report["findings"]
    assert {k: finding[k] for k in ("rule_id", "severity", "file", "line", "column", "end_line", "end_column",
                                     "resource", "policy_kind", "fix")} == {
        "rule_id": "MFA001", "severity": "error", "file": "bad.json", "line": 10, "column": 21, "end_line": 10,
        "end_column": 27, "resource": None, "policy_kind": "identity", "fix": "BoolIfExists",
    }
    assert "long-term access keys" in finding["message"]
    assert report["summary"]["findings"] == 1 and report["summary"]["by_rule"] == {"MFA001": 1}
    assert report["errors"] == [] and report["notes"] == []


def test_github_format(tmp_path):
    write(tmp_path / "dir, with: odd%name" / "bad.json", DENY_BOOL_FALSE)
    write(tmp_path / "scp.json", SCP_UNSCOPED)
    proc = run("scan", "--format", "github", "--kind", "scp", ".", cwd=tmp_path)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(("::error ", "::warning ", "::notice "))]
    assert len(lines) == 3, proc.stdout  # bad.json: MFA001 + MFA004 (as an SCP); scp.json: MFA004
    error = next(line for line in lines if line.startswith("::error "))
    assert error.startswith(
        "::error file=dir%2C with%3A odd%25name/bad.json,line=10,col=21,endLine=10,endColumn=27,title=MFA001 "
    ), error
    props, message = error[len("::error "):].split("::", 1)
    assert "\n" not in message and "%0A" in message  # multi-line message escaped
    assert "::" not in props.split("title=")[1]
    warning = next(line for line in lines if line.startswith("::warning file=scp.json"))
    assert warning.startswith("::warning file=scp.json,line=1,") and "title=MFA004 " in warning


def test_github_escaping_function():
    from mfa_lint.reporters.github import escape_data, escape_property

    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c%d\n") == "a%3Ab%2Cc%25d%0A"


def _sarif(tmp_path: Path, *args: str) -> dict:
    proc = run("scan", "--format", "sarif", *args, cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    log = json.loads(proc.stdout)
    jsonschema.validate(log, SARIF_SCHEMA)
    return log


def test_sarif_is_valid_and_complete(tmp_path):
    write(tmp_path / "bad.json", DENY_BOOL_FALSE)
    write(tmp_path / "allow.json", ALLOW_IFEXISTS)
    write(tmp_path / "broken.json", '{"Statement": [')
    log = _sarif(tmp_path, "--check-syntax", ".")
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [*RULES, "MFA000"]  # MFA000: the notes, as note-level results
    for r in rules:
        meta = NOTES.get(r["id"]) or RULES[r["id"]]
        assert r["shortDescription"]["text"] == meta.title and r["helpUri"] == meta.doc_url
        assert r["defaultConfiguration"]["level"] == meta.severity and meta.fix in r["help"]["text"]
    by_rule = {res["ruleId"]: res for res in run_["results"]}
    assert set(by_rule) == {"MFA001", "MFA002"}
    mfa001 = by_rule["MFA001"]
    assert rules[mfa001["ruleIndex"]]["id"] == "MFA001" and mfa001["level"] == "error"
    location = mfa001["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "bad.json"
    assert location["region"] == {"startLine": 10, "startColumn": 21, "endLine": 10, "endColumn": 27}
    (replacement,) = mfa001["fixes"][0]["artifactChanges"][0]["replacements"]
    assert replacement == {"deletedRegion": location["region"], "insertedContent": {"text": '"BoolIfExists"'}}
    assert by_rule["MFA002"]["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"] == {
        "text": '"Bool"'
    }
    invocation = run_["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert [n["level"] for n in invocation["toolExecutionNotifications"]] == ["error"]


def test_sarif_valid_when_empty(tmp_path):
    write(tmp_path / "clean.json", CLEAN)
    assert _sarif(tmp_path, "clean.json")["runs"][0]["results"] == []


def test_text_colour_only_when_asked(tmp_path):
    write(tmp_path / "bad.json", DENY_BOOL_FALSE)
    assert "\033[" not in run("scan", "bad.json", cwd=tmp_path).stdout
    assert "\033[31mMFA001" in run("scan", "--color", "always", "bad.json", cwd=tmp_path).stdout


# ----------------------------------------------------------------------------------------------------- subcommands


def test_rules_version_checkov_dir(tmp_path):
    proc = run("rules")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:4] == ["ID", "CFN-LINT", "SEVERITY", "NAME"]
    for rule, line in zip(RULES.values(), lines[1:], strict=True):
        assert line.split()[:4] == [rule.id, rule.cfn_lint_id, rule.severity, rule.name] and rule.title in line
    version = run("--version")
    assert version.returncode == 0 and version.stdout.strip().startswith("mfa-lint 0.")
    checkov_dir = run("checkov-dir")
    if checkov_dir.returncode == 0:
        assert Path(checkov_dir.stdout.strip()).is_dir()
    else:
        assert "not available" in checkov_dir.stderr


def test_installed_script_runs(tmp_path):
    script = Path(sys.executable).with_name("mfa-lint")
    if not script.exists():
        pytest.skip("no mfa-lint script next to this Python")
    write(tmp_path / "bad.json", DENY_BOOL_FALSE)
    proc = subprocess.run([str(script), "scan", "bad.json"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 1 and "MFA001" in proc.stdout


def test_startup_time(tmp_path):
    """Printed, not asserted (machines differ): `scan` of one small file should take well under 0.3 s."""
    write(tmp_path / "bad.json", DENY_BOOL_FALSE)
    script = Path(sys.executable).with_name("mfa-lint")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "mfa_lint.cli"]
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([*command, "scan", "bad.json"], cwd=tmp_path, capture_output=True)
        timings.append(time.perf_counter() - start)
    print(f"\nmfa-lint scan start-up on one small policy file: best {min(timings):.3f} s")
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "mfa_lint.cli", "scan", "bad.json"],
                          cwd=tmp_path, capture_output=True, text=True)
    for heavy in ("checkov", "cfnlint", "hcl2", "lark"):
        assert f" {heavy}\n" not in proc.stderr and f" {heavy}." not in proc.stderr, f"{heavy} imported"


# ------------------------------------------------------------------------------------------------- other formats

MAIN_TF = """resource "aws_iam_policy" "deny" {
  name = "deny-without-mfa"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny"
      NotAction = ["iam:*"]
      Resource  = "*"
      Condition = { Bool = { "aws:MultiFactorAuthPresent" = var.mfa_present } }
    }]
  })
}
"""


def test_terraform_reads_the_modules_other_files(tmp_path):
    write(tmp_path / "main.tf", MAIN_TF)
    _, alone = run_json("main.tf", cwd=tmp_path)
    assert alone["findings"] == [] and alone["notes"], alone  # var.mfa_present unknown: a note
    write(tmp_path / "variables.tf", 'variable "mfa_present" {\n  default = "false"\n}\n')
    for args in (["main.tf"], ["."]):
        code, report = run_json(*args, cwd=tmp_path)
        assert code == 1
        assert [(f["rule_id"], f["resource"], f["line"], f["file"]) for f in report["findings"]] == [
            ("MFA001", "aws_iam_policy.deny", 9, "main.tf")
        ]


def test_terraform_syntax_error_is_one_line(tmp_path):
    write(tmp_path / "broken.tf", 'resource "aws_iam_policy" "x" {\n  policy = <<EOF\n')
    code, report = run_json("broken.tf", cwd=tmp_path)
    assert code == 2 and len(report["errors"]) == 1 and "\n" not in report["errors"][0]["message"]


def test_plan_json_with_and_without_tf_root():
    plan = ROOT / "fixtures" / "plan" / "mfa001_jsonencode.plan.json"
    src = ROOT / "fixtures" / "plan" / "src" / "mfa001_jsonencode"
    if not plan.exists():
        pytest.skip("plan fixtures not generated")
    code, report = run_json(str(plan))
    assert code == 1 and report["findings"][0]["resource"] == "aws_iam_policy.bad"
    assert report["findings"][0]["fix"] == "BoolIfExists"
    code, report = run_json("--tf-root", str(src), str(plan))
    assert code == 1 and Path(report["findings"][0]["file"]).parent == src


def test_cloudformation_yaml_and_json(tmp_path):
    yaml_text = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Admin:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"}
            Action: sts:AssumeRole
            Condition:
              BoolIfExists: {aws:MultiFactorAuthPresent: "true"}
"""
    write(tmp_path / "stack.yaml", yaml_text)
    write(tmp_path / "stack.template", yaml_text)
    condition = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"}, "Condition": condition}
    role = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [statement]}}}
    write(tmp_path / "stack.json", json.dumps({"Resources": {"Admin": role}}, indent=1))
    code, report = run_json(".", cwd=tmp_path)
    assert code == 1, report
    found = sorted((f["file"], f["rule_id"], f["resource"], f["line"], f["policy_kind"]) for f in report["findings"])
    assert found == [("stack.json", "MFA002", "Admin", 15, "trust"), ("stack.template", "MFA002", "Admin", 13, "trust"),
                     ("stack.yaml", "MFA002", "Admin", 13, "trust")]
    log = _sarif(tmp_path, "stack.yaml")
    (result,) = log["runs"][0]["results"]
    assert result["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"] == "Bool"


def test_files_without_mfa_text_are_left_unparsed_unless_check_syntax(tmp_path):
    write(tmp_path / "bad.json", DENY_BOOL_FALSE)
    write(tmp_path / "broken.tf", 'resource "aws_s3_bucket" "b" {\n  bucket = \n')
    write(tmp_path / "module" / "main.tf", 'resource "aws_iam_policy" "p" {\n  policy = var.policy\n}\n')
    write(tmp_path / "module" / "variables.tf", 'variable "policy" {\n  default = <<EOT\n'
          '{"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",\n'
          '  "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}\nEOT\n}\n')
    code, report = run_json("--check-syntax", ".", cwd=tmp_path)
    assert code == 2 and [e["file"] for e in report["errors"]] == ["broken.tf"]
    counts = {k: v for k, v in report["summary"].items() if k.startswith("files_")}
    assert counts == {"files_walked": 4, "files_read": 3, "files_skipped_unrelated": 0, "files_not_iac": 0}
    code, report = run_json(".", cwd=tmp_path)
    assert code == 1 and report["errors"] == []
    counts = {k: v for k, v in report["summary"].items() if k.startswith("files_")}
    assert counts == {"files_walked": 4, "files_read": 3, "files_skipped_unrelated": 1, "files_not_iac": 0}
    # a module whose variables hold the policy is still read through the file that references it; the finding is
    # where the operator is written (the variable's default)
    assert sorted((f["file"], f["rule_id"]) for f in report["findings"]) == [
        ("bad.json", "MFA001"), ("module/variables.tf", "MFA001")]
    code, report = run_json("broken.tf", cwd=tmp_path)  # named files are always parsed
    assert code == 2
