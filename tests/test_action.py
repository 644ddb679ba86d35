"""The GitHub Action: its logic (mfa_lint/action.py) and action.yml's own steps, run as the runner would run them.

The runner substitutes `${{ inputs.x }}` into each step's `env` and runs `run` with bash; here the same is done with
the inputs a workflow would give, on real files, without GitHub.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from mfa_lint.action import ActionError, expand_paths, scan_arguments
from test_cli import CLEAN, DENY_BOOL_FALSE, write

ROOT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS = ACTION["runs"]["steps"]


@pytest.fixture
def tree(tmp_path, monkeypatch):
    write(tmp_path / "infra" / "bad.json", DENY_BOOL_FALSE)
    write(tmp_path / "my policies" / "bad policy.json", DENY_BOOL_FALSE)
    write(tmp_path / "modules" / "a" / "clean.json", CLEAN)
    write(tmp_path / "modules" / "b" / "clean.json", CLEAN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_path_lists_newlines_spaces_quotes_and_globs(tree):
    assert expand_paths("infra\nmy policies\n") == ["infra", "my policies"]  # a whole line that exists
    assert expand_paths("infra modules/a") == ["infra", "modules/a"]
    assert expand_paths('infra "my policies/bad policy.json"') == ["infra", "my policies/bad policy.json"]
    assert expand_paths("modules/*/clean.json\n**/bad*.json") == [
        "modules/a/clean.json", "modules/b/clean.json", "infra/bad.json", "my policies/bad policy.json"]
    assert expand_paths("  \n# a comment\n") == ["."]
    assert expand_paths("infra\ninfra") == ["infra"]


@pytest.mark.parametrize("text, message", [
    ("infra\nnowhere", "'nowhere' does not exist"),
    ("infra missing/*.json", "'missing/*.json' matches nothing"),
    ("my policies/nope.json", "does not exist"),
    ('"unterminated', "cannot split"),
])
def test_a_missing_path_is_an_error(tree, text, message):
    with pytest.raises(ActionError, match=re.escape(message)):
        expand_paths(text)


def test_arguments_leave_unset_inputs_to_the_config_file(tree):
    assert scan_arguments({"MFA_LINT_PATH": "infra"}) == ["scan", "--format", "github", "--", "infra"]
    args = scan_arguments({"MFA_LINT_PATH": "infra", "MFA_LINT_FAIL_ON": "warning", "MFA_LINT_SARIF_FILE": "o.sarif",
                           "MFA_LINT_KIND": "scps/**=scp trust", "MFA_LINT_CONFIG": ""})
    assert args == ["scan", "--format", "github", "--fail-on", "warning", "--sarif", "o.sarif",
                    "--sarif-suppressed", "drop", "--kind", "scps/**=scp", "--kind", "trust", "--", "infra"]
    args = scan_arguments({"MFA_LINT_SARIF_FILE": "o.sarif", "MFA_LINT_SARIF_SUPPRESSED": "keep",
                           "GITHUB_STEP_SUMMARY": "/runner/step_summary", "MFA_LINT_JOB_SUMMARY": "true"})
    assert args[4:9] == ["o.sarif", "--sarif-suppressed", "keep", "--summary", "/runner/step_summary"]
    args = scan_arguments({"GITHUB_STEP_SUMMARY": "/runner/step_summary", "MFA_LINT_JOB_SUMMARY": "false"})
    assert "--no-summary" in args and "--summary" not in args
    for bad in ({"MFA_LINT_JOB_SUMMARY": "yes"}, {"MFA_LINT_SARIF_FILE": "o.sarif", "MFA_LINT_SARIF_SUPPRESSED": "x"}):
        with pytest.raises(ActionError, match="is not one of"):
            scan_arguments(bad)


def _step(name: str) -> dict:
    return next(s for s in STEPS if s.get("name", "").startswith(name))


def _run_step(step: dict, inputs: dict[str, str], cwd: Path, **extra_env: str) -> subprocess.CompletedProcess:
    """The step as the runner runs it: `${{ inputs.x }}` and `${{ github.action_path }}` substituted into env."""
    def substitute(value: str) -> str:
        value = value.replace("${{ github.action_path }}", str(ROOT))
        return re.sub(r"\$\{\{ inputs\.([\w-]+) \}\}", lambda m: inputs.get(m[1], _default(m[1])), value)

    env = {**os.environ, **{k: substitute(str(v)) for k, v in step.get("env", {}).items()}, **extra_env}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = str(ROOT / "checks")
    return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def _default(name: str) -> str:
    return str(ACTION["inputs"][name].get("default", ""))


def test_the_scan_step_writes_annotations_and_sarif_from_one_run(tree):
    inputs = {"path": "infra\nmy policies\nmodules/*/clean.json\n", "sarif-file": "out/mfa.sarif"}
    (tree / "out").mkdir()
    proc = _run_step(_step("Scan"), inputs, tree)
    assert proc.returncode == 1, proc.stderr  # findings at error level
    annotations = [line for line in proc.stdout.splitlines() if line.startswith("::error ")]
    assert [a.split(",")[0] for a in annotations] == [
        "::error file=infra/bad.json", "::error file=my policies/bad policy.json"]
    log = json.loads((tree / "out" / "mfa.sarif").read_text())
    assert len(log["runs"][0]["results"]) == 2
    assert "3 file(s)" not in proc.stdout and "4 file(s)" in proc.stdout  # every line was scanned, globs expanded


def test_the_scan_step_writes_the_job_summary_and_keeps_to_the_annotation_limits(tree):
    """More than 10 findings: 10 error annotations, the 10th naming the job summary, which lists every finding."""
    for i in range(13):
        write(tree / "many" / f"p{i:02}.json", DENY_BOOL_FALSE)
    summary = tree / "step_summary.md"
    proc = _run_step(_step("Scan"), {"path": "infra\nmany", "fail-on": "never", "sarif-file": "o.sarif"}, tree,
                     GITHUB_STEP_SUMMARY=str(summary), GITHUB_SERVER_URL="https://github.com",
                     GITHUB_REPOSITORY="octo/infra", GITHUB_SHA="f00d", GITHUB_WORKSPACE=str(tree))
    assert proc.returncode == 0, proc.stderr
    errors = [line for line in proc.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 10 and "5 more errors not shown" in errors[-1] and "the job summary" in errors[-1]
    text = summary.read_text()
    assert text.startswith("## mfa-lint: 14 findings (14 error, 0 warning)")
    assert "[infra/bad.json:10](https://github.com/octo/infra/blob/f00d/infra/bad.json#L10)" in text
    assert len(re.findall(r"\| \[many/p\d\d\.json:10\]\(", text)) == 13
    summary.unlink()
    proc = _run_step(_step("Scan"), {"path": "infra", "fail-on": "never", "job-summary": "false"}, tree,
                     GITHUB_STEP_SUMMARY=str(summary))
    assert proc.returncode == 0 and not summary.exists()


def test_the_sarif_file_leaves_suppressed_findings_out_unless_asked(tree):
    """Code scanning ignores SARIF `suppressions` and would open an alert for a suppressed finding."""
    write(tree / "infra" / "skip.tf", """resource "aws_iam_policy" "p" {
  # mfa-lint:ignore MFA001 break-glass
  policy = jsonencode({ Statement = [{ Effect = "Deny", NotAction = ["iam:*"], Resource = "*",
    Condition = { Bool = { "aws:MultiFactorAuthPresent" = "false" } } }] })
}
""")
    for value, expected in (("", 1), ("keep", 2)):
        proc = _run_step(_step("Scan"), {"path": "infra", "fail-on": "never", "sarif-file": "o.sarif",
                                         "sarif-suppressed": value}, tree)
        assert proc.returncode == 0, proc.stderr
        results = json.loads((tree / "o.sarif").read_text())["runs"][0]["results"]
        assert len(results) == expected and sum(bool(r["suppressions"]) for r in results) == expected - 1


def test_the_scan_step_fails_loudly(tree):
    proc = _run_step(_step("Scan"), {"path": "infra\nnot-there"}, tree)
    assert proc.returncode == 2 and "::error title=mfa-lint::path input: 'not-there' does not exist" in proc.stdout
    proc = _run_step(_step("Scan"), {"path": "infra", "fail-on": "never", "sarif-file": "no/such/dir/x.sarif"}, tree)
    assert proc.returncode == 2 and "cannot write no/such/dir/x.sarif" in proc.stderr  # never hidden by || true
    assert _run_step(_step("Scan"), {"path": "infra", "fail-on": "never"}, tree).returncode == 0


def test_the_cache_key_step_runs(tree):
    output = tree / "github_output"
    proc = _run_step(_step("Cache key"), {}, tree, GITHUB_OUTPUT=str(output))
    assert proc.returncode == 0, proc.stderr
    values = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert values["dir"] and re.fullmatch(r"mfa-lint-pip-\w+-[\d.]+-[0-9a-f]{16}", values["key"])


def test_action_yml_is_pinned_and_never_interpolates_inputs_into_scripts():
    uses = [s["uses"] for s in STEPS if "uses" in s]
    assert uses and all(re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", u) for u in uses), uses
    assert {u.split("@")[0] for u in uses} == {"actions/setup-python", "actions/cache"}
    for step in STEPS:
        script = step.get("run", "")
        assert "${{ inputs" not in script and "|| true" not in script, step
    install = _step("Install")
    assert '"$ACTION_PATH"' in install["run"] and install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    scan_env = _step("Scan")["env"]
    inputs = ("path", "fail-on", "sarif-file", "sarif-suppressed", "job-summary")
    assert {v for v in scan_env.values()} >= {f"${{{{ inputs.{i} }}}}" for i in inputs}
    assert sum("mfa_lint" in s.get("run", "") for s in STEPS) == 1  # one scan
