"""The configuration file, the flags that override it, and the CLI's edges (stdin, --tf-root, usage, install check).

Every test runs the real CLI in a subprocess over real files in a temporary folder.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from pathlib import Path

from test_cli import ALLOW_IFEXISTS, DENY_BOOL_FALSE, SCP_UNSCOPED, run, write

PYPROJECT = """[project]
name = "infra"

[tool.mfa-lint]
kinds = { "policies/org/**" = "scp" }
fail-on = "warning"
ignore = ["MFA002"]
jobs = 2
exclude = ["vendor/**"]
"""


def scan_json(cwd: Path, *args: str) -> tuple[int, dict]:
    proc = run("scan", "--format", "json", *args, cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def rules(report: dict) -> list[tuple[str, str, str]]:
    return sorted((Path(f["file"]).name, f["rule_id"], f["policy_kind"]) for f in report["findings"])


def test_pyproject_table_found_from_a_subfolder_and_overridden_by_flags(tmp_path):
    write(tmp_path / "pyproject.toml", PYPROJECT)
    write(tmp_path / "policies" / "org" / "deny.json", SCP_UNSCOPED)
    write(tmp_path / "policies" / "allow.json", ALLOW_IFEXISTS)
    code, report = scan_json(tmp_path / "policies", ".")  # config above the working directory; globs still anchor
    assert rules(report) == [("deny.json", "MFA004", "scp")]  # MFA002 ignored; kinds glob made it an SCP
    assert code == 1  # fail-on = "warning" from the file
    code, report = scan_json(tmp_path, "--fail-on", "error", "--select", "MFA002,MFA004", "policies")
    assert code == 0 and rules(report) == [("deny.json", "MFA004", "scp")]  # the file's ignore still holds
    code, report = scan_json(tmp_path, "--fail-on", "error", "--select", "MFA002,MFA004", "--ignore", "", "policies")
    assert code == 1 and rules(report) == [("allow.json", "MFA002", "identity"), ("deny.json", "MFA004", "scp")]
    code, _ = scan_json(tmp_path, "--fail-on", "error", "--select", "W9004", "policies")  # cfn-lint ids too
    assert code == 0
    code, report = scan_json(tmp_path, "--kind", "**/deny.json=identity", "policies")  # flags' globs come first
    assert rules(report) == [("deny.json", "MFA005", "identity")]


def test_exclude_globs_of_the_file_are_anchored_at_its_folder(tmp_path):
    write(tmp_path / "pyproject.toml", PYPROJECT)
    write(tmp_path / "vendor" / "bad.json", DENY_BOOL_FALSE)
    write(tmp_path / "policies" / "vendor" / "bad.json", DENY_BOOL_FALSE)  # not the root's vendor/: scanned
    for cwd, path in ((tmp_path, "."), (tmp_path / "policies", "..")):
        _, report = scan_json(cwd, "--fail-on", "never", path)
        assert [Path(f["file"]).parent.parent.name for f in report["findings"]] == ["policies"], report["findings"]
    _, report = scan_json(tmp_path, "--exclude", "policies", ".")  # flags add to the file's
    assert report["findings"] == []


def test_show_config_says_where_each_value_comes_from(tmp_path):
    write(tmp_path / "pyproject.toml", PYPROJECT)
    proc = run("scan", "--show-config", "--jobs", "3", "--kind", "trust", ".", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    settings = {line.split(" = ")[0]: line for line in proc.stdout.splitlines() if " = " in line}
    assert settings["fail-on"] == 'fail-on = "warning"  # pyproject.toml'
    assert settings["jobs"] == "jobs = 3  # command line"
    assert settings["kind"] == 'kind = "trust"  # command line'
    assert settings["select"].endswith("# default") and settings["ignore"] == 'ignore = ["MFA002"]  # pyproject.toml'
    assert f'"{tmp_path}/policies/org/**" = "scp"' in settings["kinds"]
    assert settings["exclude"] == f'exclude = ["vendor/**"]  # pyproject.toml; globs from {tmp_path}'
    assert proc.stdout.startswith(f"# configuration file: {tmp_path / 'pyproject.toml'}")


def test_mfa_lint_toml_comes_before_pyproject_and_pyproject_without_table_is_passed_over(tmp_path):
    write(tmp_path / ".mfa-lint.toml", 'fail-on = "never"\nselect = ["MFA001"]\n')
    write(tmp_path / "app" / "pyproject.toml", '[project]\nname = "app"\n')  # no [tool.mfa-lint]: keep walking up
    write(tmp_path / "app" / "bad.json", DENY_BOOL_FALSE)
    write(tmp_path / "app" / "allow.json", ALLOW_IFEXISTS)
    code, report = scan_json(tmp_path / "app", ".")
    assert code == 0 and rules(report) == [("bad.json", "MFA001", "identity")]
    explicit = write(tmp_path / "strict.toml", 'fail-on = "error"\n')
    code, report = scan_json(tmp_path / "app", "--config", str(explicit), ".")
    assert code == 1 and len(report["findings"]) == 2


def test_unknown_keys_and_bad_values_are_errors_naming_key_and_file(tmp_path):
    write(tmp_path / "bad.json", DENY_BOOL_FALSE)
    cases = {
        'exlude = ["x"]\n': "unknown key 'exlude'",
        'fail-on = "sometimes"\n': "fail-on: expected one of error, warning, never",
        "jobs = 0\n": "jobs: expected a whole number",
        'kinds = { "a/**" = "org" }\n': "kinds: unknown policy kind 'org'",
        'select = ["MFA009"]\n': "select: unknown rule id 'MFA009'",
        "fail-on = \n": "invalid TOML",
    }
    for text, message in cases.items():
        config = write(tmp_path / ".mfa-lint.toml", text)
        proc = run("scan", "bad.json", cwd=tmp_path)
        assert proc.returncode == 2 and proc.stdout == "", proc.stdout
        assert proc.stderr.count("\n") == 1 and str(config) in proc.stderr and message in proc.stderr, proc.stderr
    write(tmp_path / ".mfa-lint.toml", "")
    write(tmp_path / "pyproject.toml", '[tool.mfa-lint]\nfail_on = "never"\n')  # pyproject names its table
    (tmp_path / ".mfa-lint.toml").unlink()
    proc = run("scan", "bad.json", cwd=tmp_path)
    assert proc.returncode == 2 and "pyproject.toml [tool.mfa-lint]: unknown key 'fail_on'" in proc.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.mfa-lint]\nfail-on = "never\n')  # broken, and ours
    assert "invalid TOML" in run("scan", "bad.json", cwd=tmp_path).stderr
    (tmp_path / "pyproject.toml").write_text('[project\nname = "x"\n')  # broken, someone else's: not our business
    assert run("scan", "bad.json", cwd=tmp_path).returncode == 1
    proc = run("scan", "--config", "missing.toml", "bad.json", cwd=tmp_path)
    assert proc.returncode == 2 and "missing.toml: no such configuration file" in proc.stderr


def test_kind_flags_globs_and_path_inference(tmp_path):
    write(tmp_path / "scps" / "org.json", SCP_UNSCOPED)
    write(tmp_path / "accounts" / "org.json", SCP_UNSCOPED)
    write(tmp_path / "team-trust-policy.json", SCP_UNSCOPED)
    _, report = scan_json(tmp_path, ".")
    kinds = {f["file"]: f["policy_kind"] for f in report["findings"]}
    assert kinds == {"scps/org.json": "scp", "accounts/org.json": "identity"}  # trust: no finding (no MFA005)
    _, report = scan_json(tmp_path, "--kind", "rcp", "--kind", "accounts/*=scp", ".")
    assert {f["file"]: f["policy_kind"] for f in report["findings"]} == {
        "scps/org.json": "scp", "accounts/org.json": "scp"}
    _, report = scan_json(tmp_path, "--no-infer-kind", "--kind", "rcp", ".")
    assert sorted(f["policy_kind"] for f in report["findings"]) == ["rcp", "rcp", "rcp"]
    text = run("scan", "--fail-on", "never", "scps", cwd=tmp_path).stdout
    assert "(scp policy)" in text.splitlines()[0]
    assert run("scan", "--kind", "a=b", ".", cwd=tmp_path).returncode == 2
    assert run("scan", "--kind", "=scp", ".", cwd=tmp_path).returncode == 2


def test_stdin(tmp_path):
    def scan_stdin(text: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "mfa_lint", "scan", "--format", "json", *args], input=text,
                              capture_output=True, text=True, cwd=tmp_path, timeout=120)

    proc = scan_stdin(DENY_BOOL_FALSE, "-")
    assert proc.returncode == 1, proc.stderr
    (finding,) = json.loads(proc.stdout)["findings"]
    assert (finding["file"], finding["line"], finding["rule_id"]) == ("stdin.json", 10, "MFA001")
    proc = scan_stdin(SCP_UNSCOPED, "--stdin-filename", "org/scps/deny.json", "-")
    (finding,) = json.loads(proc.stdout)["findings"]
    assert (finding["file"], finding["policy_kind"]) == ("org/scps/deny.json", "scp")
    tf = 'resource "aws_iam_policy" "p" {\n  policy = jsonencode({Statement = [{Effect = "Deny", Action = "*",' \
         ' Resource = "*",\n    Condition = {Bool = {"aws:MultiFactorAuthPresent" = "false"}}}]})\n}\n'
    proc = scan_stdin(tf, "--stdin-filename", "main.tf", "-")
    findings = json.loads(proc.stdout)["findings"]
    assert [(f["file"], f["resource"], f["line"]) for f in findings if f["rule_id"] == "MFA001"] == [
        ("main.tf", "aws_iam_policy.p", 3)]
    proc = scan_stdin("{not json", "-")
    assert proc.returncode == 2 and "stdin.json" in proc.stdout
    assert run("scan", "--stdin-filename", "x.json", ".", cwd=tmp_path).returncode == 2
    write(tmp_path / "org" / ".mfa-lint.toml", 'select = ["MFA004"]\n')  # found from --stdin-filename's folder
    proc = scan_stdin(DENY_BOOL_FALSE, "--stdin-filename", "org/policy.json", "-")
    assert proc.returncode == 0 and json.loads(proc.stdout)["findings"] == [], proc.stdout


def test_tf_root_must_exist(tmp_path):
    write(tmp_path / "bad.json", DENY_BOOL_FALSE)
    proc = run("scan", "--tf-root", "nowhere", "bad.json", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == "mfa-lint: error: --tf-root nowhere: no such directory (command line)\n"


def test_bad_flag_after_scan_prints_scans_usage(tmp_path):
    proc = run("scan", "--bogus", ".", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: mfa-lint scan ") and "unrecognized arguments: --bogus" in proc.stderr
    proc = run("fix", "--jobs", "0", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith("usage: mfa-lint fix ")


def test_sarif_next_to_another_format_and_a_write_failure_is_exit_2(tmp_path):
    write(tmp_path / "bad.json", DENY_BOOL_FALSE)
    proc = run("scan", "--format", "github", "--sarif", "out.sarif", "bad.json", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout.startswith("::error file=bad.json,")
    log = json.loads((tmp_path / "out.sarif").read_text())
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["MFA001"]
    proc = run("scan", "--format", "github", "--fail-on", "never", "--sarif", "no/such/dir/out.sarif", "bad.json",
               cwd=tmp_path)
    assert proc.returncode == 2 and "cannot write no/such/dir/out.sarif" in proc.stderr


def test_upstream_python_hcl2_is_detected_with_the_repair_command(tmp_path):
    """pip leaves python_hcl2-*.dist-info next to the hcl2 module it overwrote: that is the marker."""
    import hcl2

    site = tmp_path / "site"
    (site / "hcl2").mkdir(parents=True)
    (site / "hcl2" / "__init__.py").write_text(Path(hcl2.__file__).read_text())
    (site / "python_hcl2-8.1.4.dist-info").mkdir()
    (site / "python_hcl2-8.1.4.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: python-hcl2\n")
    write(tmp_path / "bad.json", DENY_BOOL_FALSE)
    checks = Path(__file__).resolve().parent.parent / "checks"
    env = {"PYTHONPATH": f"{site}:{checks}", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "mfa_lint", "scan", "bad.json"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "python_hcl2-8.1.4.dist-info" in proc.stderr
    assert proc.stderr.rstrip().endswith(
        "pip uninstall -y python-hcl2 && pip install --force-reinstall --no-deps bc-python-hcl2")
    assert subprocess.run([sys.executable, "-m", "mfa_lint", "rules"], env=env, capture_output=True).returncode == 0
    # bc-python-hcl2 installed again on top: its files match its RECORD, both tools work, no error
    digest = base64.urlsafe_b64encode(hashlib.sha256((site / "hcl2" / "__init__.py").read_bytes()).digest())
    (site / "bc_python_hcl2-0.4.3.dist-info").mkdir()
    (site / "bc_python_hcl2-0.4.3.dist-info" / "RECORD").write_text(
        f"hcl2/__init__.py,sha256={digest.rstrip(b'=').decode()},10\nhcl2/__pycache__/x.pyc,,\n")
    proc = subprocess.run([sys.executable, "-m", "mfa_lint", "scan", "bad.json"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "python-hcl2" not in proc.stderr, proc.stderr
    (site / "hcl2" / "__init__.py").write_text("# upstream's file\n" + Path(hcl2.__file__).read_text())
    proc = subprocess.run([sys.executable, "-m", "mfa_lint", "scan", "bad.json"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "has overwritten" in proc.stderr
    env["PYTHONPATH"] = str(checks)  # the real installation is fine
    assert subprocess.run([sys.executable, "-m", "mfa_lint", "scan", "bad.json"], cwd=tmp_path, env=env,
                          capture_output=True).returncode == 1


def test_the_documented_example_is_valid_and_names_every_key(tmp_path):
    """docs/cli.md's configuration example loads as it is, and documents every key there is."""
    import re

    from mfa_lint.config import KEYS, load_file

    docs = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text()
    (example,) = re.findall(r"```toml\n(# pyproject.toml.*?)```", docs, re.DOTALL)
    (tmp_path / "pyproject.toml").write_text(example)
    for name in re.findall(r'^var-files = \[(.*?)\]', example, re.MULTILINE)[0].split(","):
        var_file = tmp_path / name.strip().strip('"')  # the var files it names exist (a missing one is an error)
        var_file.parent.mkdir(parents=True, exist_ok=True)
        var_file.write_text('mfa_operator = "Bool"\n')
    assert set(load_file(str(tmp_path / "pyproject.toml"))) == set(KEYS)
    for key in KEYS:
        assert f"`{key}" in docs, key
