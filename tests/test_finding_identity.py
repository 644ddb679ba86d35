"""One identity per finding: a policy reached both directly and through another file (a local module call, `file()`)
is one finding, at the file that holds its operator, with its edit; `mfa-lint fix` fixes it, and its output and exit
code are the same for any `--jobs`. The real CLI runs in a subprocess on copies of the fixtures."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
#: a module file with a literal `StringEquals` false deny, and the root module that calls it
MODULE_FIXTURE = FIXTURES / "plan" / "src" / "module_policy"

DENY_BOOL_FALSE = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",\n'
    ' "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}\n'
)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "mfa_lint.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def findings(cwd: Path) -> list[dict]:
    proc = run("scan", "--format", "json", "--fail-on", "never", ".", cwd=cwd)
    return json.loads(proc.stdout)["findings"]


def test_a_policy_in_a_called_module_is_one_finding_at_the_module_file_with_its_edit(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(MODULE_FIXTURE, root)
    [finding] = findings(root)
    assert (finding["file"], finding["line"], finding["rule_id"]) == ("modules/mfa/main.tf", 10, "MFA001")
    assert finding["resource"] == "module.mfa.aws_iam_policy.deny"  # the address terraform and checkov use
    sarif = json.loads(run("scan", "--format", "sarif", "--fail-on", "never", ".", cwd=root).stdout)
    [result] = sarif["runs"][0]["results"]
    assert result["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"] == \
        "StringEqualsIfExists"


@pytest.mark.parametrize("jobs", [(), ("--jobs", "1"), ("--jobs", "2")], ids=["default", "jobs1", "jobs2"])
def test_fix_fixes_a_policy_in_a_called_module(tmp_path: Path, jobs: tuple[str, ...]) -> None:
    root = tmp_path / "repo"
    shutil.copytree(MODULE_FIXTURE, root)
    proc = run("fix", *jobs, ".", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not fixed" not in proc.stdout + proc.stderr
    assert "fixed modules/mfa/main.tf:10:9: MFA001 StringEquals -> StringEqualsIfExists" in proc.stdout
    assert "StringEqualsIfExists" in (root / "modules" / "mfa" / "main.tf").read_text()
    assert findings(root) == []
    assert run("scan", *jobs, ".", cwd=root).returncode == 0


def test_fix_dot_fixes_a_json_policy_read_through_file(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "deny.json").write_text(DENY_BOOL_FALSE)
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_policy" "p" {\n  policy = file("${path.module}/policies/deny.json")\n}\n')
    [finding] = findings(tmp_path)  # the walk also reaches deny.json on its own: one finding, under the resource
    assert (finding["file"], finding["resource"]) == ("policies/deny.json", "aws_iam_policy.p")
    proc = run("fix", ".", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not fixed" not in proc.stdout
    assert '"BoolIfExists"' in (tmp_path / "policies" / "deny.json").read_text()
    assert findings(tmp_path) == []


def test_fix_says_the_same_for_any_number_of_jobs(tmp_path: Path) -> None:
    """Enough files for two workers (a parallel scan parses in fresh processes, a serial one in this process): the
    fix report, the files written and the exit code do not depend on --jobs."""
    outputs = []
    for jobs in ((), ("--jobs", "1"), ("--jobs", "2")):
        root = tmp_path / f"repo{len(outputs)}"
        shutil.copytree(FIXTURES / "terraform", root / "terraform")
        shutil.copytree(MODULE_FIXTURE, root / "module_policy")
        proc = run("fix", *jobs, ".", cwd=root)
        written = {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.tf"))}
        outputs.append((proc.returncode, proc.stdout, written))
    assert outputs[0] == outputs[1] == outputs[2]
    lines = outputs[0][1].splitlines()
    assert "fixed module_policy/modules/mfa/main.tf:10:9: MFA001 StringEquals -> StringEqualsIfExists" in lines
    assert not [line for line in lines if line.startswith(("not fixed module_policy", "module_policy/"))]


def test_a_comment_in_the_module_file_suppresses_the_finding_reached_through_the_call(tmp_path: Path) -> None:
    """Suppressions are read in the file that holds the policy, whichever file it was reached from."""
    root = tmp_path / "repo"
    shutil.copytree(MODULE_FIXTURE, root)
    module = root / "modules" / "mfa" / "main.tf"
    comment = "        # mfa-lint:ignore MFA001 kept on purpose\n"
    module.write_text(module.read_text().replace("        StringEquals =", comment + "        StringEquals ="))
    report = json.loads(run("scan", "--format", "json", "--fail-on", "never", ".", cwd=root).stdout)
    assert report["findings"] == []
    assert [(f["file"], f["resource"]) for f in report["suppressed"]] == [
        ("modules/mfa/main.tf", "module.mfa.aws_iam_policy.deny")]
