"""SARIF for code scanning: fingerprints that survive moved lines, and one security-severity per rule everywhere.

checkov's own SARIF (run for real over the Terraform fixtures) must give every rule the value the CLI gives it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from mfa_lint.core.catalog import RULES, UNJUDGED

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())

POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyWithoutMfa",
      "Effect": "Deny",
      "NotAction": "iam:*",
      "Resource": "*",
      "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
    },
    {
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": "*",
      "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}
    }
  ]
}
"""


def sarif(cwd: Path, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "mfa_lint", "scan", "--format", "sarif", "--fail-on", "never", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    log = json.loads(proc.stdout)
    jsonschema.validate(log, SCHEMA)
    return log


def fingerprints(log: dict) -> dict[str, str]:
    return {r["ruleId"]: r["partialFingerprints"]["mfaLintFinding/v1"] for r in log["runs"][0]["results"]}


def test_fingerprints_survive_moved_lines_and_follow_the_statement(tmp_path):
    path = tmp_path / "policy.json"
    path.write_text(POLICY)
    before = sarif(tmp_path, "policy.json")
    path.write_text("\n\n\n" + POLICY.replace('      "Effect": "Deny",\n', '      "Effect":  "Deny",\n\n'))
    moved = sarif(tmp_path, "policy.json")
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in moved["runs"][0]["results"]]
    assert lines != [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in before["runs"][0]["results"]]
    assert fingerprints(moved) == fingerprints(before) and len(set(fingerprints(before).values())) == 2
    path.write_text(POLICY.replace("DenyWithoutMfa", "DenyAllWithoutMfa"))  # another statement identity
    renamed = fingerprints(sarif(tmp_path, "policy.json"))
    assert renamed["MFA001"] != fingerprints(before)["MFA001"] and renamed["MFA002"] == fingerprints(before)["MFA002"]
    (tmp_path / "other.json").write_text(POLICY)  # the same policy in another file is another alert
    both = sarif(tmp_path, "policy.json", "other.json")["runs"][0]["results"]
    assert len({r["partialFingerprints"]["mfaLintFinding/v1"] for r in both}) == 4


def test_fingerprints_are_unique_over_the_fixtures():
    log = sarif(ROOT, "fixtures/policy", "fixtures/terraform", "fixtures/cloudformation", "fixtures/plan")
    prints = [r["partialFingerprints"]["mfaLintFinding/v1"] for r in log["runs"][0]["results"]]
    assert len(prints) > 50 and len(prints) == len(set(prints))
    for result in log["runs"][0]["results"]:
        record = UNJUDGED if result["ruleId"] == UNJUDGED.id else RULES[result["ruleId"]]
        assert result["properties"]["security-severity"] == f"{record.security_severity:.1f}"
        assert result["properties"]["policyKind" if record is not UNJUDGED else "noteKind"]


def _rules(log: dict) -> list[dict]:
    return log["runs"][0]["tool"]["driver"]["rules"]


@pytest.mark.skipif(shutil.which("checkov") is None and not (Path(sys.executable).parent / "checkov").exists(),
                    reason="checkov is not installed")
def test_one_security_severity_per_rule_on_every_surface(tmp_path):
    checkov = shutil.which("checkov") or str(Path(sys.executable).parent / "checkov")
    checks = subprocess.run([sys.executable, "-m", "mfa_lint", "checkov-dir"], capture_output=True, text=True)
    subprocess.run(
        [checkov, "-d", str(ROOT / "fixtures" / "terraform"), "--framework", "terraform", "--skip-download",
         "--external-checks-dir", checks.stdout.strip(), "-c", ",".join(RULES), "-o", "sarif",
         "--output-file-path", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    checkov_log = json.loads((tmp_path / "results_sarif.sarif").read_text())
    checkov_rules = {r["id"]: r["properties"]["security-severity"] for r in _rules(checkov_log)}
    assert set(checkov_rules) == set(RULES), checkov_rules  # every rule fires in the Terraform fixtures
    ours = {r["id"]: r["properties"]["security-severity"] for r in _rules(sarif(ROOT, "fixtures/policy"))}
    assert ours.pop(UNJUDGED.id) == f"{UNJUDGED.security_severity:.1f}"  # checkov: MFA000 is LOW
    assert ours == checkov_rules
    # GitHub's bands: high, medium, low
    assert float(ours["MFA001"]) >= 7.0 > float(ours["MFA004"]) >= 4.0 > float(ours["MFA005"])
