"""cfn-lint itself, with `mfa_lint.cfnlint` appended, over every CloudFormation fixture.

One Runner lints all fixtures in a single run (cfn-lint rebuilds its rules per Runner); the CLI and `.cfnlintrc`
loading paths are exercised once each in a subprocess.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.config import ConfigMixIn
from cfnlint.runner import Runner
from fixture_cases import FIXTURES, cases
from mfa_lint.core.catalog import RULES, UNJUDGED, rule
from surfaces import cfnlint_matches, is_ours, surfaces_for

CFN_CASES = [c for c in cases("cloudformation") if "cfnlint" in surfaces_for(c)]
OUR_IDS = {r.cfn_lint_id for r in (*RULES.values(), UNJUDGED)}  # I9000: could not be judged in full
CFN_LINT = str(Path(sys.executable).with_name("cfn-lint"))
# What a finding's location must be: an operator or property key (quoted in JSON, also inside a JSON template's
# escaped text), an operator CloudFormation fills in (a `${Param}` placeholder, a Join's `!Ref` or `{"Ref": ...}`
# item), or a statement's first token.
_KEY_TOKEN = re.compile(r'^(?:\\?")?[A-Za-z][A-Za-z0-9:]*(?:\\?")?$|^\$\{[^}]+\}$|^!\w+ |^\{\s*"(?:Ref|Fn::\w+)"')


def test_fixtures_cover_every_rule() -> None:
    assert {e.rule for c in CFN_CASES for e in c.findings} == set(RULES)
    assert sum(1 for c in CFN_CASES if not c.findings) >= 2


@pytest.mark.parametrize("case", CFN_CASES, ids=lambda c: c.id)
def test_findings_sit_on_a_key_token(case) -> None:
    """Rule ids and lines are compared in test_agreement.py; here: no stray ids, no W1031, exact key tokens."""
    files = [case.path, *(case.path.parent / name for name in case.extra.get("referenced", ()))]
    matches = [m for path in files for m in cfnlint_matches().get(os.path.realpath(path), [])]
    ours = [m for m in matches if is_ours(m)]
    assert {m.rule.id for m in ours} <= OUR_IDS, "an E9xxx/W9xxx id that mfa-lint does not define fired"
    assert not [m for m in matches if m.rule.id == "W1031"], "a policy finding leaked to W1031"
    for m in (m for m in ours if m.rule.id != UNJUDGED.cfn_lint_id):  # I9000 sits at the CLI's note: test_agreement
        line = Path(m.filename).read_text().split("\n")[m.linenumber - 1]
        token = line[m.columnnumber - 1 : m.columnnumberend - 1] if m.linenumber == m.linenumberend else ""
        if _KEY_TOKEN.match(token):
            continue  # an operator key, or the property key holding JSON text it cannot see into
        # otherwise a statement (MFA004/MFA005): its first key after "- " in YAML, its "{" in JSON
        assert rule(m.rule.id).at_statement, (token, m)
        before, at = line[: m.columnnumber - 1], line[m.columnnumber - 1 :]
        assert before.rstrip().endswith(("-", "[")) or at.startswith(("{", "\\")), m


def test_rule_metadata_comes_from_the_catalog() -> None:
    import mfa_lint.cfnlint as plugin
    from cfnlint.helpers import create_rules

    loaded = {r.id: r for r in create_rules(plugin)}
    assert set(loaded) == OUR_IDS
    for entry in RULES.values():
        loaded_rule = loaded[entry.cfn_lint_id]
        assert loaded_rule.shortdesc == entry.title
        assert loaded_rule.description == entry.rationale
        assert loaded_rule.source_url == entry.doc_url
        assert loaded_rule.severity == {"E": "error", "W": "warning"}[entry.cfn_lint_id[0]] == entry.severity
    assert loaded[UNJUDGED.cfn_lint_id].severity == "informational" and UNJUDGED.cfn_lint_id.startswith("I")
    assert loaded[UNJUDGED.cfn_lint_id].shortdesc == UNJUDGED.title


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CFN_LINT, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_cli_json_format(tmp_path) -> None:
    template = FIXTURES / "cloudformation" / "mfa001_sub_documents.yaml"
    result = _run(["-a", "mfa_lint.cfnlint", "--format", "json", str(template)], tmp_path)
    found = json.loads(result.stdout)
    assert sorted((f["Rule"]["Id"], f["Location"]["Start"]["LineNumber"]) for f in found) == [
        ("E9001", 25),
        ("E9001", 61),
        ("E9001", 69),
        ("E9002", 43),
    ]
    assert result.returncode == 2  # errors found


def test_cfnlintrc_append_rules(tmp_path) -> None:
    shutil.copy(FIXTURES / "cloudformation" / "mfa002_trust_boolifexists.yaml", tmp_path / "template.yaml")
    (tmp_path / ".cfnlintrc").write_text("append_rules:\n  - mfa_lint.cfnlint\n")
    result = _run(["--format", "parseable", "template.yaml"], tmp_path)
    assert result.stdout.startswith("template.yaml:14:15:14:27:E9002:"), result.stdout + result.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    without = _run(["--format", "json", str(tmp_path / "template.yaml")], elsewhere)
    assert without.returncode == 0 and "E9002" not in without.stdout


def test_ignore_checks_on_the_command_line(tmp_path) -> None:
    template = FIXTURES / "cloudformation" / "mfa001_deny_bool_false.yaml"
    result = _run(["-a", "mfa_lint.cfnlint", "--ignore-checks", "E9001", "--format", "json", str(template)], tmp_path)
    assert [f["Rule"]["Id"] for f in json.loads(result.stdout)] == ["W9005"]


IMPOSSIBLE_BRANCH = """\
Conditions:
  East: !Equals [!Ref "AWS::Region", us-east-1]
  NotEast: !Not [!Condition East]
Resources:
  Policy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Users: [app]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Deny
            Action: s3:DeleteBucket
            Resource: "*"
            Condition: !If
              - East
              - !If
                - NotEast
                - Bool:
                    aws:MultiFactorAuthPresent: "false"
                - BoolIfExists:
                    aws:MultiFactorAuthPresent: "false"
              - Bool:
                  aws:MultiFactorAuthPresent: "false"
"""


def test_impossible_fn_if_branches_are_pruned_like_cfn_lint_does(tmp_path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(IMPOSSIBLE_BRANCH)
    config = ConfigMixIn(["--template", str(template), "--append-rules", "mfa_lint.cfnlint"])
    found = [(m.rule.id, m.linenumber) for m in Runner(config).run() if is_ours(m)]
    assert found == [("E9001", 23)]  # line 19 sits under East and NotEast at once: never deployed


@pytest.mark.parametrize(
    "args",
    [["{t}", "-a", "mfa_lint.cfnlint", "--format", "parseable"], ["-a", "mfa_lint.cfnlint", "--format", "parseable",
                                                                   "--", "{t}"]],
    ids=["template-first", "after-double-dash"],
)
def test_documented_command_lines(tmp_path, args: list[str]) -> None:
    """The forms in README.md and docs/editors.md (`-a` swallows every name after it up to the next option)."""
    template = str(FIXTURES / "cloudformation" / "mfa002_trust_boolifexists.yaml")
    result = _run([a.format(t=template) for a in args], tmp_path)
    assert ":E9002:" in result.stdout, result.stdout + result.stderr


def test_a_rule_is_registered_only_where_it_can_fire() -> None:
    """cfn-lint calls a keyword rule for every resource of its keywords: MFA004 (SCP/RCP) is not registered for a
    user's policies, MFA005 (identity) not for a bucket policy; a kind decided per resource counts as any kind."""
    from mfa_lint.cfnlint.rules import keywords_for
    from mfa_lint.formats.cloudformation.resources import RESOURCES

    every = {f"Resources/{t}/Properties" for t in RESOURCES}
    assert set(keywords_for(RULES["MFA001"])) == every == set(keywords_for(UNJUDGED))
    scp = set(keywords_for(RULES["MFA004"]))
    assert "Resources/AWS::Organizations::Policy/Properties" in scp
    assert "Resources/AWS::IAM::ManagedPolicy/Properties" in scp  # its kind comes from what it is attached to
    assert "Resources/AWS::IAM::User/Properties" not in scp
    assert "Resources/AWS::S3::BucketPolicy/Properties" not in set(keywords_for(RULES["MFA005"]))
