"""`mfa-lint fix` on copies of the fixtures: only operator tokens change, files still parse, re-scans are clean."""

from __future__ import annotations

import difflib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mfa_lint.reading.site import Span
from mfa_lint.scanning import operator_edit

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
# What a mechanical fix may insert or delete inside an operator name, and nothing else.
FIX_DELTAS = {("", "IfExists"), ("IfExists", ""), ("ForAllValues:", "")}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mfa_lint.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def scan_json(cwd: Path, *args: str) -> dict:
    proc = run("scan", "--format", "json", "--fail-on", "never", *args, cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _line_delta(old: str, new: str) -> tuple[str, str]:
    """The differing middle of two lines after their common prefix and suffix."""
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    return old[prefix : len(old) - suffix], new[prefix : len(new) - suffix]


def _assert_only_operator_tokens(name: str, before: bytes, after: bytes) -> None:
    old_lines, new_lines = before.decode().split("\n"), after.decode().split("\n")
    assert len(old_lines) == len(new_lines), f"{name}: line count changed"
    for old, new in zip(old_lines, new_lines, strict=True):
        if old != new:
            ok = _line_delta(old, new) in FIX_DELTAS or _every_change_is_a_fix(old, new)
            assert ok, f"{name}: {old!r} -> {new!r}"


def _every_change_is_a_fix(old: str, new: str) -> bool:
    """Several fixes on one line: each change is one of the operator renames."""
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    changes = [(old[i1:i2], new[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    return bool(changes) and all(change in FIX_DELTAS for change in changes)


def _parses(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig")
    if "%{" in text and path.suffix in (".tpl", ".tftpl"):  # a template with directives: still a template
        from mfa_lint.formats.terraform.hcl_templates import parse_template

        parse_template(text, escapes=False, lines=True)
    elif text.lstrip().startswith("{") and path.suffix in (".tf", ".tpl", ".tftpl", ".txt"):
        json.loads(re.sub(r"\$\{[^}]*\}", "0", text))  # a policy held in a .tf or a template: ${...} unknown
    elif path.suffix in (".tf", ".tfvars"):  # what Terraform reads (hcl2 cannot read some valid files); tfvars too
        from mfa_lint.formats.terraform.hcl_syntax import parse_hcl

        parse_hcl(text)
    elif path.suffix == ".json" or text.lstrip().startswith("{"):
        json.loads(text)
    else:
        from cfnlint.decode.decode import decode_str

        template, matches = decode_str(text)
        assert template is not None and not matches, matches


@pytest.fixture(scope="module")
def fixed_copy(tmp_path_factory) -> tuple[Path, dict[str, bytes], dict[str, bytes], dict, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("fix") / "fixtures"
    shutil.copytree(FIXTURES, root)
    before_scan = scan_json(root, ".")
    before = _snapshot(root)
    proc = run("fix", ".", cwd=root)
    assert "Traceback" not in proc.stderr, proc.stderr
    return root, before, _snapshot(root), before_scan, proc


def test_fix_changes_only_operator_tokens(fixed_copy):
    root, before, after, before_scan, _ = fixed_copy
    changed = [name for name in before if before[name] != after[name]]
    fixable_files = {f["file"] for f in before_scan["findings"] if f["fix"]}
    if not fixable_files:
        pytest.skip("no fixable findings in the fixtures yet")
    assert changed, "fix changed nothing"
    for name in changed:
        assert name in fixable_files, f"{name} changed without a fixable finding"
        _assert_only_operator_tokens(name, before[name], after[name])


def test_fixed_files_still_parse(fixed_copy):
    root, before, after, _, _ = fixed_copy
    changed = [name for name in before if before[name] != after[name]]
    assert changed  # a fix that edits nothing would pass this vacuously
    for name in changed:
        _parses(root / name)


def test_fixed_files_rescan_without_fixable_findings(fixed_copy):
    root, _, _, before_scan, proc = fixed_copy
    print("\n" + "\n".join(x for x in proc.stdout.splitlines() if x.startswith("not fixed")))
    after_scan = scan_json(root, ".")
    left = {(f["file"], f["line"], f["rule_id"]) for f in after_scan["findings"] if f["fix"]}
    # What fix could not do, it said (plan JSON; a finding located at the property, not at the operator).
    refused = set()
    for line in proc.stdout.splitlines():
        if line.startswith("not fixed "):
            where, rule = line[len("not fixed "):].split(": ")[:2]
            file, line_no, _ = where.rsplit(":", 2)
            refused.add((file, int(line_no), rule.split()[0]))
    assert left <= refused, f"left unfixed without a word: {sorted(left - refused)}"
    assert len(refused) < len({(f["file"], f["line"]) for f in before_scan["findings"] if f["fix"]})
    # nothing without a mechanical fix goes away (a fixed deny that now applies to access keys may newly block
    # MFA enrolment: MFA005 can appear)
    for rule in ("MFA003", "MFA004", "MFA005"):
        assert sum(f["rule_id"] == rule for f in after_scan["findings"]) >= sum(
            f["rule_id"] == rule for f in before_scan["findings"]
        )


def _is_plan(path: Path) -> bool:
    try:
        return "planned_values" in json.loads(path.read_text())
    except (ValueError, OSError):
        return False


def test_plan_json_is_never_edited(fixed_copy):
    root, before, after, _, _ = fixed_copy
    for name in before:
        if name.endswith(".json") and not name.endswith(".expect.json") and _is_plan(root / name):
            assert before[name] == after[name], name


# ------------------------------------------------------------------------------------------------ targeted cases


TWO_FIXES = (
    '{"Version": "2012-10-17", "Statement": [\r\n'
    '  {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*", '
    '"Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}},\r\n'
    '  {"Effect": "Allow", "Action": "s3:*", "Resource": "*", '
    '"Condition": {"ForAllValues:Bool": {"aws:MultiFactorAuthPresent": "true"}}},\r\n'
    '  {"Effect": "Allow", "Action": "ec2:*", "Resource": "*", '
    '"Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}}\r\n'
    "]}\r\n"
)


def test_fix_keeps_crlf_and_bom_and_applies_several_fixes(tmp_path):
    path = tmp_path / "policy.json"
    path.write_bytes(b"\xef\xbb\xbf" + TWO_FIXES.encode())
    proc = run("fix", "policy.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("fixed policy.json:") == 3
    expected = (
        TWO_FIXES.replace('"Bool": {', '"BoolIfExists": {', 1)
        .replace('"ForAllValues:Bool"', '"Bool"')
        .replace('"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}',
                 '"Bool": {"aws:MultiFactorAuthPresent": "true"}')
    )
    assert path.read_bytes() == b"\xef\xbb\xbf" + expected.encode()
    assert scan_json(tmp_path, "policy.json")["findings"] == []


def test_fix_diff_writes_nothing_and_is_a_patch(tmp_path):
    path = tmp_path / "policy.json"
    path.write_text(TWO_FIXES.replace("\r\n", "\n"))
    original = path.read_bytes()
    proc = run("fix", "--diff", "policy.json", cwd=tmp_path)
    assert path.read_bytes() == original
    assert proc.returncode == 0  # the report (on stderr) is of the fixed text
    assert proc.stdout.startswith("--- a/policy.json\n+++ b/policy.json\n")
    assert "would fix policy.json:" in proc.stderr and "0 findings" in proc.stderr
    assert not any(line.startswith("fixed") for line in proc.stderr.splitlines())  # --diff wrote nothing
    if shutil.which("patch"):
        subprocess.run(["patch", "-p1", "-s"], input=proc.stdout, text=True, cwd=tmp_path, check=True)
        assert scan_json(tmp_path, "policy.json")["findings"] == []


def test_fix_reports_what_is_left_with_scan_exit_codes(tmp_path):
    (tmp_path / "broken.json").write_text('{"Statement": [')
    (tmp_path / "typo.json").write_text(
        '{"Statement": [{"Effect": "Deny", "NotAction": "iam:*", "Resource": "*", '
        '"Condition": {"Bool": {"aws:MultiFactorAuthPresent": "flase"}}}]}'
    )
    proc = run("fix", "typo.json", cwd=tmp_path)
    assert proc.returncode == 1 and "MFA003" in proc.stdout and "fixed" not in proc.stdout
    assert run("fix", "--check-syntax", ".", cwd=tmp_path).returncode == 2
    assert run("fix", ".", cwd=tmp_path).returncode == 1  # broken.json holds no MFA text: not parsed by default


def test_operator_edit_refuses_a_token_without_the_operator():
    text = '{"Condition": {"Bool": {}}}\n'
    span = Span(1, 16, 1, 22)
    assert operator_edit(text, span, "Bool", "BoolIfExists", [0]).new == '"BoolIfExists"'
    assert operator_edit(text, span, "StringEquals", "StringEqualsIfExists", [0]) is None
    assert operator_edit(text, Span(1, 2, 1, 13), "Bool", "BoolIfExists", [0]) is None  # "Condition" token
    assert operator_edit(text, Span(9, 1, 9, 5), "Bool", "BoolIfExists", [0]) is None  # outside the file
    assert operator_edit('"BoolIfExists"', Span(1, 1, 1, 15), "Bool", "BoolIfExists", [0]) is None


# ------------------------------------------------------------------------------------------------ fix --diff patches

NO_EOL_DENY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotAction": "iam:*", "Resource": "*",\n'
    ' "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}'
)  # generated JSON: no newline at the end, the fix on the last line
NO_EOL_ALLOW = (
    '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",\n'
    ' "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}}]}'
)


def _git_apply(cwd: Path, patch: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "apply", *extra, "-"], input=patch.encode(), cwd=cwd, capture_output=True)


def diff(*args: str, cwd: Path) -> tuple[str, str]:
    """(patch, stderr) of `fix --diff`: the patch read as bytes, so that CRLF and a BOM stay as printed."""
    proc = subprocess.run([sys.executable, "-m", "mfa_lint.cli", "fix", "--diff", *args], cwd=cwd,
                          capture_output=True, timeout=300)
    return proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@needs_git
def test_diff_of_files_without_a_final_newline_applies(tmp_path):
    (tmp_path / "a.json").write_text(NO_EOL_DENY)
    (tmp_path / "b.json").write_text(NO_EOL_ALLOW)
    (tmp_path / "c.json").write_bytes(b"\xef\xbb\xbf" + NO_EOL_DENY.replace("\n", "\r\n").encode())
    patch, _ = diff("a.json", "b.json", "c.json", cwd=tmp_path)
    assert patch.count("\\ No newline at end of file\n") == 6, patch  # old and new last line of each file
    for name in ("a.json", "b.json", "c.json"):  # every header kept, none swallowed by a line without newline
        assert f"\n--- a/{name}\n+++ b/{name}\n" in "\n" + patch
    check = _git_apply(tmp_path, patch, "--check")
    assert check.returncode == 0, check.stderr.decode() + patch
    assert _git_apply(tmp_path, patch).returncode == 0
    assert (tmp_path / "a.json").read_text() == NO_EOL_DENY.replace('"Bool"', '"BoolIfExists"')
    c_bytes = (tmp_path / "c.json").read_bytes()
    assert c_bytes.startswith(b"\xef\xbb\xbf") and b"\r\n" in c_bytes and b"BoolIfExists" in c_bytes
    assert not (tmp_path / "a.json").read_text().endswith("\n")
    assert scan_json(tmp_path, ".")["findings"] == []


@needs_git
def test_every_fixture_and_hostile_diff_applies(tmp_path):
    """One multi-file `fix --diff` over a copy of every fixture (hostile ones included), and each file's own."""
    root = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, root)
    for path in root.rglob("*.json"):  # and the same files as generators write them, without the final newline
        if not path.name.endswith(".expect.json") and path.read_bytes().endswith(b"\n"):
            path.with_name("noeol_" + path.name).write_bytes(path.read_bytes().rstrip(b"\r\n"))
    before = _snapshot(root)
    patch, stderr = diff(".", cwd=root)
    assert "Traceback" not in stderr, stderr
    assert _snapshot(root) == before  # --diff writes nothing
    assert not any(line.startswith("fixed ") for line in stderr.splitlines()) and "would fix " in stderr
    headers = [line[len("+++ b/"):] for line in patch.splitlines() if line.startswith("+++ b/")]
    assert len(headers) == len(set(headers)) >= 20 and any(h.startswith("hostile/") or "noeol_" in h for h in headers)
    assert patch.count("\n--- a/") + patch.startswith("--- a/") == len(headers)
    check = _git_apply(root, patch, "--check")
    assert check.returncode == 0, check.stderr.decode()
    for name in headers[:: max(1, len(headers) // 8)]:  # single-file diffs too (a sample: a subprocess each)
        single, _ = diff(name, cwd=root)
        if not single:
            continue  # a file edited only through the file that uses its value (a local, a YAML file, a template)
        assert _git_apply(root, single, "--check").returncode == 0, name
    assert _git_apply(root, patch).returncode == 0
    written = tmp_path / "written"  # the patch makes exactly the files `fix` writes
    shutil.copytree(root, written)
    for name, data in before.items():
        (written / name).write_bytes(data)
    run("fix", ".", cwd=written)
    assert _snapshot(root) == _snapshot(written)


def _fix_stdin(data: bytes, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mfa_lint.cli", "fix", *args], input=data, cwd=cwd,
                          capture_output=True, timeout=300)


def test_fix_stdin_writes_the_fixed_text_to_stdout(tmp_path):
    """`fix -` in an editor or a pipe: every byte back, only the operators changed; the report on stderr."""
    data = b"\xef\xbb\xbf" + TWO_FIXES.encode()  # BOM and CRLF kept
    (tmp_path / "policy.json").write_text("{}")  # a file of that name on disk is neither read nor written
    proc = _fix_stdin(data, "--stdin-filename", "policy.json", "-", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    expected = (
        TWO_FIXES.replace('"Bool": {', '"BoolIfExists": {', 1)
        .replace('"ForAllValues:Bool"', '"Bool"')
        .replace('"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}',
                 '"Bool": {"aws:MultiFactorAuthPresent": "true"}')
    )
    assert proc.stdout == b"\xef\xbb\xbf" + expected.encode()
    assert proc.stderr.decode().count("fixed policy.json:") == 3 and "0 findings" in proc.stderr.decode()
    assert (tmp_path / "policy.json").read_text() == "{}"
    # a scan of what came out finds nothing left to fix
    again = subprocess.run([sys.executable, "-m", "mfa_lint.cli", "scan", "--format", "json", "-"], input=proc.stdout,
                           cwd=tmp_path, capture_output=True, timeout=300)
    assert json.loads(again.stdout)["findings"] == []


def test_fix_stdin_diff_and_what_cannot_be_fixed(tmp_path):
    proc = _fix_stdin(TWO_FIXES.replace("\r\n", "\n").encode(), "--diff", "--stdin-filename", "iam/p.json", "-",
                      cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.decode().startswith("--- a/iam/p.json\n+++ b/iam/p.json\n@@")
    assert "would fix iam/p.json:" in proc.stderr.decode()
    clean = b'{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'
    proc = _fix_stdin(clean, "-", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, clean)  # nothing to fix: the text comes back as it was
    typo = b'{"Statement": [{"Effect": "Deny", "NotAction": "iam:*", "Resource": "*", ' \
           b'"Condition": {"Bool": {"aws:MultiFactorAuthPresent": "flase"}}}]}'
    proc = _fix_stdin(typo, "-", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (1, typo) and b"MFA003" in proc.stderr  # left for a person
    for broken in (b'{"Statement": [', b'{"Statement": "\xff\xfe"}'):
        proc = _fix_stdin(broken, "-", cwd=tmp_path)
        assert (proc.returncode, proc.stdout) == (2, broken), proc.stderr  # unreadable: given back unchanged
        assert b"stdin.json" in proc.stderr and b"Traceback" not in proc.stderr
    proc = _fix_stdin(clean, "-", "other.json", cwd=tmp_path)
    assert proc.returncode == 2 and b"name no other path" in proc.stderr and proc.stdout == b""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_fix_edits_operators_written_in_other_files(tmp_path, jobs):
    """A policy assembled from a local in locals.tf, a YAML file and a template variable: each finding is where the
    operator is written, and `fix` (naming only main.tf) edits it there; a rescan is clean."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "terraform" / "v3_other_files", root)
    shutil.copytree(FIXTURES / "terraform" / "v3_templates", tmp_path / "templates")
    for folder in (root, tmp_path / "templates"):
        for sidecar in folder.rglob("*.expect.json"):
            sidecar.unlink()
        fixed = run("fix", "--jobs", jobs, "main.tf", cwd=folder)
        assert "Traceback" not in fixed.stderr and "not fixed" not in fixed.stderr, fixed.stderr
        assert fixed.returncode == 0, fixed.stderr
        assert scan_json(folder, "main.tf")["findings"] == []
    assert "BoolIfExists = {" in (root / "locals.tf").read_text()
    yaml_text = (root / "policies" / "statements.yaml").read_text()
    assert '    BoolIfExists:\n      aws:MultiFactorAuthPresent: "false"' in yaml_text
    assert 'operator     = "BoolIfExists"' in (tmp_path / "templates" / "main.tf").read_text()
