"""What a pull request shows, through the real CLI: `--format github` annotations within GitHub's limits (10 error,
10 warning, 10 notice per step), the Markdown job summary, and SARIF's suppressed results.

GitHub drops annotations beyond the limit without a word, so every test here counts what a step would show and
checks that nothing is lost: what is not annotated is named by the 10th annotation and listed in the summary and the
log.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from test_cli import ALLOW_IFEXISTS, DENY_BOOL_FALSE, SARIF_SCHEMA, SCP_UNSCOPED, run, write

ANNOTATION = re.compile(r"^::(error|warning|notice)( [^:]*)?::")
TF_UNRESOLVED = 'resource "aws_iam_policy" "q{n}" {{\n  policy = var.doc{n}\n}}\nvariable "doc{n}" {{}}\n'
TF_SUPPRESSED = """resource "aws_iam_policy" "kept" {{
  {comment}
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{ Effect = "Deny", NotAction = ["iam:*"], Resource = "*",
      Condition = {{ Bool = {{ "aws:MultiFactorAuthPresent" = "false" }} }} }}]
  }})
}}
"""


def _annotations(stdout: str) -> list[tuple[str, str]]:
    """(level, line) of every workflow command the runner turns into an annotation, outside stopped regions."""
    out, stopped = [], None
    for line in stdout.splitlines():
        if stopped:
            stopped = None if line == f"::{stopped}::" else stopped
            continue
        if line.startswith("::stop-commands::"):
            stopped = line.split("::")[2]
        elif m := ANNOTATION.match(line):
            out.append((m.group(1), line))
    return out


@pytest.fixture
def crowd(tmp_path: Path) -> Path:
    """93 findings (50 MFA001 and 26 MFA002 errors, 17 MFA004 warnings), 12 notes, 2 unreadable files."""
    for i in range(50):
        write(tmp_path / "deny" / f"d{i:02}.json", DENY_BOOL_FALSE)
    for i in range(26):
        write(tmp_path / "allow" / f"a{i:02}.json", ALLOW_IFEXISTS)
    for i in range(17):
        write(tmp_path / "scps" / f"s{i:02}.json", SCP_UNSCOPED)
    for i in range(12):  # an unresolved policy where MFA text is: a note each
        write(tmp_path / "tf" / f"m{i:02}" / "main.tf", TF_UNRESOLVED.format(n=i) + "# aws:MultiFactorAuthPresent\n")
    write(tmp_path / "zz" / "broken.json", '{"Statement": [{"Condition": {"Bool": {"aws:MultiFactorAuthPresent": ')
    write(tmp_path / "zz" / "broken2.json", '{"Statement": [{"Condition": {"Null": {"aws:MultiFactorAuthAge": ')
    return tmp_path


def test_ninety_findings_make_ten_annotations_per_level_and_the_tenth_says_where_the_rest_are(crowd):
    summary = crowd / "summary.md"
    summary.write_text("# an earlier step's summary\n")
    proc = run("scan", "--format", "github", "--sarif", "out.sarif", "--summary", "summary.md", ".", cwd=crowd)
    assert proc.returncode == 2, proc.stderr  # unreadable input
    shown = _annotations(proc.stdout)
    by_level = {level: [line for lv, line in shown if lv == level] for level in ("error", "warning", "notice")}
    assert {level: len(lines) for level, lines in by_level.items()} == {"error": 10, "warning": 10, "notice": 10}
    errors = by_level["error"]
    # the errors that explain exit 2 come first, then findings alternating between the two error rules
    assert [e.split(",")[0] for e in errors[:2]] == ["::error file=zz/broken.json", "::error file=zz/broken2.json"]
    assert {re.search(r"title=(MFA00\d)", e)[1] for e in errors[2:9]} == {"MFA001", "MFA002"}
    assert len({e.split(",")[0] for e in errors[2:9]}) == 7  # seven different files
    tenth = errors[9]
    assert "title=mfa-lint%3A 69 more errors not shown::" in tenth, tenth
    assert "MFA001 ×" in tenth and "MFA002 ×" in tenth and "job summary" not in tenth  # --summary FILE: named
    assert "summary.md" in tenth and "out.sarif" in tenth and "this step's log" in tenth
    assert "title=mfa-lint%3A 8 more warnings not shown::" in by_level["warning"][9]
    assert "(MFA004 ×8)" in by_level["warning"][9]
    assert "3 more notices not shown" in by_level["notice"][9] and "could not judge ×3" in by_level["notice"][9]
    # the log group lists every result
    group = proc.stdout.split("::group::", 1)[1].split("::endgroup::", 1)[0]
    assert len(re.findall(r": MFA00[124] ", group)) == 93 and group.count(": note: ") == 12
    assert group.count(": error: ") == 2
    # the summary lists every one, after what was already in the file
    text = summary.read_text()
    assert text.startswith("# an earlier step's summary\n\n## mfa-lint: 93 findings (76 error, 17 warning), 2 files")
    assert text.index("### Could not be read") < text.index("### Findings by rule") < text.index("### Findings\n")
    assert "| [MFA001](" in text and "| error | 50 |" in text and "| warning | 17 |" in text
    rows = [line for line in text.splitlines() if re.match(r"\| \[MFA00\d\]\(", line) and ".json:" in line]
    assert len(rows) == 93 and "not listed here" not in text
    assert len([line for line in text.splitlines() if line.startswith("| tf/m")]) == 12
    results = json.loads((crowd / "out.sarif").read_text())["runs"][0]["results"]
    assert len([r for r in results if r["ruleId"] != "MFA000"]) == 93
    assert [r["level"] for r in results if r["ruleId"] == "MFA000"] == ["note"] * 12  # the notes: MFA000 results


def test_within_the_limits_every_finding_is_annotated_and_nothing_is_added(tmp_path):
    for i in range(10):
        write(tmp_path / f"d{i}.json", DENY_BOOL_FALSE)
    proc = run("scan", "--format", "github", ".", cwd=tmp_path)
    shown = _annotations(proc.stdout)
    assert len(shown) == 10 and all(level == "error" and "title=MFA001 " in line for level, line in shown)
    write(tmp_path / "d10.json", DENY_BOOL_FALSE)
    shown = _annotations(run("scan", "--format", "github", ".", cwd=tmp_path).stdout)
    assert len(shown) == 10 and "2 more errors not shown" in shown[-1][1] and "MFA001 ×2" in shown[-1][1]


def test_the_job_summary_goes_to_github_step_summary_with_the_github_format_only(tmp_path, monkeypatch):
    write(tmp_path / "bad.json", DENY_BOOL_FALSE)
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run("scan", "bad.json", cwd=tmp_path)  # text: the runner's summary is left alone
    assert not summary.exists()
    proc = run("scan", "--format", "github", "bad.json", cwd=tmp_path)
    assert proc.returncode == 1 and "## mfa-lint: 1 finding (1 error, 0 warning)" in summary.read_text()
    summary.unlink()
    run("scan", "--format", "github", "--no-summary", "bad.json", cwd=tmp_path)
    assert not summary.exists()
    proc = run("scan", "--format", "github", "--summary", "no/such/dir/s.md", "bad.json", cwd=tmp_path)
    assert proc.returncode == 2 and "cannot write the summary no/such/dir/s.md" in proc.stderr


def test_the_summary_links_to_the_commit_and_escapes_what_the_files_say(tmp_path, monkeypatch):
    odd = "a|b <img src=x onerror=alert(1)> [l](x) @someone #1 $x$ *em* `c`"
    write(tmp_path / odd / "bad.json", DENY_BOOL_FALSE)
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "octo/repo")
    monkeypatch.setenv("GITHUB_SHA", "0123abc")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    run("scan", "--summary", "s.md", "-o", "report.txt", ".", cwd=tmp_path)
    row = next(line for line in (tmp_path / "s.md").read_text().splitlines() if "bad.json:10" in line)
    cells = re.split(r"(?<!\\)\|", row)[1:-1]  # a cell ends at an unescaped |
    assert len(cells) == 5, row
    for raw in ("<img", "[l](", "@someone", "#1", "$x", "*em", "`c", "|b"):
        assert not re.search(r"(?<!\\)" + re.escape(raw), row), (raw, row)  # never without its backslash
    assert r"a\|b \<img src=x onerror=alert(1)\> \[l\](x) \@someone \#1 \$x\$ \*em\* \`c\`" in cells[1]
    assert "(https://github.com/octo/repo/blob/0123abc/a%7Cb%20%3Cimg%20src%3Dx" in cells[1]
    assert cells[1].strip().endswith("/bad.json#L10)")


def test_a_summary_over_githubs_limit_is_cut_with_a_line_that_says_so(tmp_path, monkeypatch):
    """GitHub refuses a step summary over 1 MiB as a whole: what is already in the file counts."""
    for i in range(30):
        write(tmp_path / f"d{i:02}.json", DENY_BOOL_FALSE)
    write(tmp_path / "tf" / "main.tf", TF_UNRESOLVED.format(n=0) + "# aws:MultiFactorAuthPresent\n")
    summary = tmp_path / "s.md"
    summary.write_text("x" * (1024 * 1024 - 8 * 1024))  # leaves 7 KiB of the 1 MiB after the margin
    run("scan", "--summary", "s.md", "-o", "report.txt", ".", cwd=tmp_path)
    data = summary.read_bytes()
    assert len(data) <= 1024 * 1024
    added = data[1024 * 1024 - 8 * 1024:].decode()
    cut = re.search(r"\*\*(\d+) more findings not listed here\*\*", added)
    assert cut and 0 < int(cut[1]) < 30, added[-600:]
    rows = len([line for line in added.splitlines() if line.startswith("| [MFA001]") and ".json:" in line])
    assert rows + int(cut[1]) == 30
    assert "| tf/main.tf:2 |" in added  # the note is not crowded out by the findings


def test_no_file_name_or_message_can_issue_a_workflow_command(tmp_path):
    name = "evil\n::error title=injected::owned\n.json"
    write(tmp_path / name, DENY_BOOL_FALSE)
    proc = run("scan", "--format", "github", ".", cwd=tmp_path)
    shown = _annotations(proc.stdout)
    assert len(shown) == 1 and shown[0][1].startswith("::error file=evil%0A%3A%3Aerror title=injected%3A%3Aowned%0A")
    assert "\n::error title=injected::owned" in proc.stdout  # only inside the stopped log group


def test_sarif_keeps_suppressed_findings_with_their_justification(tmp_path):
    write(tmp_path / "a.tf", TF_SUPPRESSED.format(comment="# mfa-lint:ignore MFA001 break-glass role, reviewed"))
    write(tmp_path / "b" / "b.tf", TF_SUPPRESSED.format(comment="# checkov:skip=MFA001:owned by the platform team"))
    write(tmp_path / "c" / "c.tf", TF_SUPPRESSED.format(comment="# mfa-lint:ignore"))
    write(tmp_path / "bad.json", DENY_BOOL_FALSE)
    proc = run("scan", "--format", "sarif", ".", cwd=tmp_path)
    log = json.loads(proc.stdout)
    jsonschema.validate(log, SARIF_SCHEMA)
    results = log["runs"][0]["results"]
    assert all("suppressions" in r for r in results)  # SARIF §3.27.23: all null or all non-null in a run
    kept = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["suppressions"] for r in results}
    assert kept["bad.json"] == []
    assert kept["a.tf"] == [{
        "kind": "inSource", "justification": "break-glass role, reviewed",
        "location": {"physicalLocation": {"artifactLocation": {"uri": "a.tf", "uriBaseId": "%SRCROOT%"},
                                          "region": {"startLine": 2}}},
        "properties": {"marker": "mfa-lint:ignore"}}]
    assert kept["b/b.tf"] == [{"kind": "inSource", "justification": "owned by the platform team",
                               "properties": {"marker": "checkov:skip"}}]
    assert kept["c/c.tf"][0]["kind"] == "inSource" and "justification" not in kept["c/c.tf"][0]
    assert proc.returncode == 1  # suppressed results never change the exit code
    report = json.loads(run("scan", "--format", "json", ".", cwd=tmp_path).stdout)
    assert sorted((x["file"], x["suppression"]["marker"], x["suppression"]["justification"], x["suppression"]["line"])
                  for x in report["suppressed"]) == [
        ("a.tf", "mfa-lint:ignore", "break-glass role, reviewed", 2),
        ("b/b.tf", "checkov:skip", "owned by the platform team", None),
        ("c/c.tf", "mfa-lint:ignore", "", 2)]
    dropped = json.loads(run("scan", "--format", "sarif", "--sarif-suppressed", "drop", ".", cwd=tmp_path).stdout)
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in dropped["runs"][0]["results"]] \
        == ["bad.json"]


def test_cloudformation_metadata_skips_give_their_comment_as_the_justification(tmp_path):
    from test_cli_suppress import TEMPLATE

    metadata = ("Metadata:\n      checkov:\n        skip:\n          - id: MFA001\n"
                "            comment: \"legacy, tracked in SEC-12\"\n    ")
    write(tmp_path / "t.yaml", TEMPLATE.format(metadata=metadata, above="", same=""))
    write(tmp_path / "u" / "u.yaml", TEMPLATE.format(
        metadata="Metadata:\n      cfn-lint:\n        config:\n          ignore_checks: [E9001]\n    ", above="",
        same=""))
    log = json.loads(run("scan", "--format", "sarif", ".", cwd=tmp_path).stdout)
    jsonschema.validate(log, SARIF_SCHEMA)
    got = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["suppressions"]
           for r in log["runs"][0]["results"]}
    assert got == {"t.yaml": [{"kind": "inSource", "justification": "legacy, tracked in SEC-12",
                               "properties": {"marker": "Metadata"}}],
                   "u/u.yaml": [{"kind": "inSource", "properties": {"marker": "Metadata"}}]}


def test_a_colon_after_the_ids_ends_them(tmp_path):
    """`mfa-lint:ignore MFA005: reason` names MFA005 only (it used to read as a bare marker: every rule)."""
    write(tmp_path / "a.tf", TF_SUPPRESSED.format(comment="# mfa-lint:ignore MFA005: enrolment is handled elsewhere"))
    report = json.loads(run("scan", "--format", "json", "a.tf", cwd=tmp_path).stdout)
    assert [f["rule_id"] for f in report["findings"]] == ["MFA001"]
