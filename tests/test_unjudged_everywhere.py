"""Unjudged is a result on every surface, and silenced only on purpose: the CLI's note is a `note`-level SARIF result
of MFA000, `--ignore MFA000` and an `mfa-lint:ignore MFA000` comment silence it (cfn-lint's I9000 and checkov's
MFA000 sit where the notes sit: test_agreement); a checkov without cfn-lint decodes templates as cfn-lint does."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.decode.decode import decode_str
from fixture_cases import ROOT
from mfa_lint.formats.cloudformation.plain_decode import plain_decode

UNKNOWN_OPERATOR = ROOT / "fixtures" / "terraform" / "v3_unknown_operator.tf"
REF_PARAMETERS = ROOT / "fixtures" / "cloudformation" / "ref_parameters.yaml"


def scan(*args: str, cwd: Path) -> tuple[int, dict]:
    proc = subprocess.run([sys.executable, "-m", "mfa_lint", "scan", "--format", "json", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    return proc.returncode, json.loads(proc.stdout)


def test_a_note_is_an_mfa000_note_result_in_sarif(tmp_path: Path) -> None:
    shutil.copy(UNKNOWN_OPERATOR, tmp_path / "main.tf")
    proc = subprocess.run([sys.executable, "-m", "mfa_lint", "scan", "--format", "sarif", "."], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    run = json.loads(proc.stdout)["runs"][0]
    (result,) = run["results"]
    assert result["ruleId"] == "MFA000" and result["level"] == "note"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "MFA000"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 13  # the unresolved operator
    assert "var.operator" in result["message"]["text"]
    assert not run["invocations"][0]["toolExecutionNotifications"]
    assert proc.returncode == 0  # a note never fails a scan


@pytest.mark.parametrize("flag", ["MFA000", "I9000"])
def test_ignore_mfa000_drops_the_notes_and_select_keeps_them(tmp_path: Path, flag: str) -> None:
    shutil.copy(UNKNOWN_OPERATOR, tmp_path / "main.tf")
    assert len(scan(".", cwd=tmp_path)[1]["notes"]) == 1
    assert scan("--ignore", flag, ".", cwd=tmp_path)[1]["notes"] == []
    assert len(scan("--select", "MFA001", ".", cwd=tmp_path)[1]["notes"]) == 1


@pytest.mark.parametrize(("source", "line", "comment"), [
    (UNKNOWN_OPERATOR, 13, "    # mfa-lint:ignore MFA000 the operator is set per environment"),
    (REF_PARAMETERS, 43, "            # mfa-lint:ignore I9000 set by the pipeline"),
])
def test_a_comment_naming_mfa000_silences_that_note(tmp_path: Path, source: Path, line: int, comment: str) -> None:
    target = tmp_path / source.name
    lines = source.read_text().split("\n")
    target.write_text("\n".join(lines))
    before = [n for n in scan(".", cwd=tmp_path)[1]["notes"] if n["line"] == line]
    assert before
    target.write_text("\n".join([*lines[: line - 1], comment, *lines[line - 1:]]))
    after = scan(".", cwd=tmp_path)[1]["notes"]
    assert not [n for n in after if n["resource"] == before[0]["resource"]]
    other = "    # mfa-lint:ignore MFA001 a rule, not the note"
    target.write_text("\n".join([*lines[: line - 1], other, *lines[line - 1:]]))
    assert [n for n in scan(".", cwd=tmp_path)[1]["notes"] if n["resource"] == before[0]["resource"]]


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _key_marks(value: object, out: dict, path: tuple = ()) -> dict:
    if isinstance(value, dict):
        for key, item in value.items():
            mark = getattr(key, "start_mark", None)
            out[(*path, str(key))] = (mark.line, mark.column) if mark is not None else None
            _key_marks(item, out, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _key_marks(item, out, (*path, index))
    return out


TEMPLATES = sorted(p for p in (ROOT / "fixtures").rglob("*") if p.suffix in (".yaml", ".yml", ".json", ".template")
                   and not p.name.endswith(".expect.json") and "Resources" in p.read_text(errors="replace"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_without_cfn_lint_templates_decode_as_cfn_lint_decodes_them(path: Path) -> None:
    """checkov-action's image has PyYAML, not cfn-lint: the same values, long-form intrinsics and key positions."""
    text = path.read_text(errors="replace")
    template, matches = decode_str(text)
    if matches or not isinstance(template, dict):
        with pytest.raises(ValueError):
            decoded = plain_decode(text)
            if not isinstance(decoded, dict):
                raise ValueError("not a mapping")
        return
    decoded = plain_decode(text)
    assert _plain(decoded) == _plain(template)
    ours, theirs = _key_marks(decoded, {}), _key_marks(template, {})
    assert ours.keys() == theirs.keys()
    assert {k: ours[k] for k in theirs if theirs[k] is not None} == {k: v for k, v in theirs.items() if v is not None}


def test_each_statement_a_toggle_switches_on_is_one_note(tmp_path: Path) -> None:
    """Two boolean switches off by default: each statement they switch on is named once, by the one switch that
    turns it on (not again by the combination that turns both on), and nothing is a finding (the defaults deploy)."""
    shutil.copy(ROOT / "fixtures" / "terraform" / "v3_scp_toggled_statements.tf", tmp_path / "main.tf")
    code, report = scan(".", cwd=tmp_path)
    assert code == 0 and report["findings"] == []
    notes = sorted((n["line"], n["message"].split(" (allowed")[0]) for n in report["notes"])
    assert notes == [(39, "unresolved value: deployed with var.deny_without_mfa=true"),
                     (54, "unresolved value: deployed with var.protect_keys=true")]
