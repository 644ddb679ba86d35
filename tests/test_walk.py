"""The walk: folders a user never wrote, .gitignore (nested, negated, anchored, directory-only), --exclude, --no-ignore,
and files named explicitly (always read). The CLI runs in a subprocess where the exit code and output are the point."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mfa_lint.reading.gitignore import IgnoreRules, parse_line, parse_lines
from mfa_lint.scanning.walk import SKIP_DIRS, ScanError, collect_files

DENY_BOOL_FALSE = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",\n'
    ' "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}\n'
)


def write(path: Path, text: str = DENY_BOOL_FALSE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def walked(root: Path, **kwargs) -> list[str]:
    errors: list[ScanError] = []
    if "exclude" in kwargs:  # globs given on the command line: anchored at the working directory
        kwargs["exclude"] = tuple((os.getcwd(), glob) for glob in kwargs["exclude"])
    files = collect_files([str(root)], errors, **kwargs)
    assert errors == []
    return sorted(os.path.relpath(path, root).replace(os.sep, "/") for path, _ in files)


# ------------------------------------------------------------------------------------------- gitignore patterns


@pytest.mark.parametrize(("pattern", "path", "is_dir", "ignored"), [
    ("*.json", "a.json", False, True),
    ("*.json", "deep/er/a.json", False, True),  # no slash: any depth
    ("*.json", "a.yaml", False, False),
    ("/top.tf", "top.tf", False, True),  # leading slash: anchored
    ("/top.tf", "sub/top.tf", False, False),
    ("build/", "build", True, True),  # trailing slash: directories only
    ("build/", "build", False, False),
    ("build/", "sub/build", True, True),
    ("docs/*.json", "docs/a.json", False, True),  # a slash in the middle: anchored
    ("docs/*.json", "sub/docs/a.json", False, False),
    ("docs/*.json", "docs/x/a.json", False, False),  # * never crosses a slash
    ("**/gen", "a/b/gen", True, True),
    ("**/gen", "gen", True, True),
    ("out/**", "out/a/b.tf", False, True),
    ("a/**/z.tf", "a/z.tf", False, True),
    ("a/**/z.tf", "a/b/c/z.tf", False, True),
    ("a/**/z.tf", "b/a/z.tf", False, False),
    ("file?.tf", "file1.tf", False, True),
    ("file?.tf", "file10.tf", False, False),
    ("[abc].tf", "b.tf", False, True),
    ("[!abc].tf", "b.tf", False, False),
    ("[!abc].tf", "d.tf", False, True),
    ("\\#hash.tf", "#hash.tf", False, True),
    ("\\!bang.tf", "!bang.tf", False, True),
    ("trailing.tf   ", "trailing.tf", False, True),
])
def test_pattern(pattern: str, path: str, is_dir: bool, ignored: bool, tmp_path: Path) -> None:
    rules = IgnoreRules()
    rules.add(str(tmp_path), parse_lines([pattern]))
    assert rules.ignored(str(tmp_path / path), is_dir) is ignored


def test_comments_and_blank_lines_are_not_patterns() -> None:
    assert parse_line("# comment") is None and parse_line("") is None and parse_line("   ") is None
    assert parse_line("!") is None and parse_line("/") is None


def test_negation_and_last_match_wins(tmp_path: Path) -> None:
    rules = IgnoreRules()
    rules.add(str(tmp_path), parse_lines(["*.json", "!keep.json", "sub/keep.json"]))
    assert rules.ignored(str(tmp_path / "a.json"), False)
    assert not rules.ignored(str(tmp_path / "keep.json"), False)
    assert rules.ignored(str(tmp_path / "sub" / "keep.json"), False)


# ------------------------------------------------------------------------------------------------------ the walk


def _repository(root: Path) -> None:
    """A checkout: its own IaC, and the folders and ignored files a user never wrote."""
    write(root / "policy.json")
    write(root / "infra" / "main.json")
    for skipped in sorted(SKIP_DIRS):
        write(root / skipped / "pkg" / "x.json")
    write(root / "build" / "out.json")
    write(root / "infra" / "generated" / "g.json")
    write(root / "infra" / "keep" / "a.json")
    write(root / "infra" / "keep" / "b.json")
    write(root / "infra" / "debug.log.json")
    (root / ".gitignore").write_text("# build output\nbuild/\n*.log.json\n")
    (root / "infra" / ".gitignore").write_text("/generated\nkeep/*\n!keep/a.json\n")


def test_walk_skips_tool_folders_and_gitignored_paths(tmp_path: Path) -> None:
    _repository(tmp_path)
    assert walked(tmp_path) == ["infra/keep/a.json", "infra/main.json", "policy.json"]


def test_no_ignore_walks_what_gitignore_ignores_but_never_tool_folders(tmp_path: Path) -> None:
    _repository(tmp_path)
    assert walked(tmp_path, respect_gitignore=False) == [
        "build/out.json", "infra/debug.log.json", "infra/generated/g.json", "infra/keep/a.json",
        "infra/keep/b.json", "infra/main.json", "policy.json"]


def test_gitignore_above_the_scanned_folder_applies_inside_a_repository(tmp_path: Path) -> None:
    _repository(tmp_path)
    (tmp_path / ".git" / "info").mkdir(parents=True, exist_ok=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("main.json\n")
    assert walked(tmp_path / "infra") == ["keep/a.json"]


def test_gitignore_above_a_folder_outside_any_repository_is_not_read(tmp_path: Path) -> None:
    _repository(tmp_path)
    shutil.rmtree(tmp_path / ".git")  # (made by _repository as a folder to skip)
    (tmp_path / ".gitignore").write_text("infra/\n*.log.json\n")
    assert walked(tmp_path / "infra") == ["debug.log.json", "keep/a.json", "main.json"]


def test_exclude_globs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _repository(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert walked(tmp_path, exclude=("infra/keep",)) == ["infra/main.json", "policy.json"]
    assert walked(tmp_path, exclude=("main.json",)) == ["infra/keep/a.json", "policy.json"]
    assert walked(tmp_path, exclude=("/main.json",)) == ["infra/keep/a.json", "infra/main.json", "policy.json"]
    assert walked(tmp_path, exclude=("*.json", "!policy.json")) == ["policy.json"]


def _cli(*args: str, cwd: Path) -> tuple[int, dict]:
    proc = subprocess.run([sys.executable, "-m", "mfa_lint.cli", "scan", "--format", "json", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_cli_reports_only_what_lies_outside_skipped_folders(tmp_path: Path) -> None:
    _repository(tmp_path)
    write(tmp_path / ".venv" / "lib" / "big.json", "x" * (11 * 1024 * 1024))  # over the size limit: never read
    code, report = _cli(".", cwd=tmp_path)
    assert code == 1 and report["errors"] == []
    assert sorted(f["file"] for f in report["findings"]) == ["infra/keep/a.json", "infra/main.json", "policy.json"]
    assert report["summary"]["files_walked"] == 3
    code, report = _cli("--exclude", "infra", "--exclude", "policy.json", ".", cwd=tmp_path)
    assert code == 0 and report["summary"]["files_walked"] == 0
    code, report = _cli("--no-ignore", ".", cwd=tmp_path)
    assert report["summary"]["files_walked"] == 7
    # a file named explicitly is always read, wherever it lies
    code, report = _cli("--exclude", "build", "build/out.json", ".venv/pkg/x.json", cwd=tmp_path)
    assert code == 1 and sorted(f["file"] for f in report["findings"]) == [".venv/pkg/x.json", "build/out.json"]


def test_a_referenced_file_is_read_as_a_scanned_file_is(tmp_path: Path) -> None:
    """`file()` reads the referenced file with the scan's reader: UTF-16 with a BOM (PowerShell) is read like a
    scanned file, and the one size limit holds (over it, the policy is a note, not a finding)."""
    from mfa_lint.reading.limits import MAX_FILE_SIZE
    from mfa_lint.scanning import ScanOptions, scan

    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_policy" "wide" {\n  policy = file("${path.module}/wide.json")\n}\n'
        'resource "aws_iam_policy" "big" {\n  policy = file("${path.module}/big.json")\n}\n'
    )
    (tmp_path / "wide.json").write_bytes(DENY_BOOL_FALSE.encode("utf-16"))
    (tmp_path / "big.json").write_text(DENY_BOOL_FALSE + " " * MAX_FILE_SIZE)
    result = scan([str(tmp_path / "main.tf")], ScanOptions(jobs=1))
    assert [(f.resource, os.path.basename(f.file), f.span.line) for f in result.findings] == [
        ("aws_iam_policy.wide", "wide.json", 2)]
    assert [n.resource for n in result.notes] == ["aws_iam_policy.big"]


def test_a_referenced_file_over_max_file_size_is_not_read(tmp_path: Path) -> None:
    """`--max-file-size` is the one limit: a file `file()` reads that is over it is a note, not read."""
    from mfa_lint.scanning import ScanOptions, scan

    (tmp_path / "main.tf").write_text('resource "aws_iam_policy" "p" {\n  policy = file("${path.module}/p.json")\n}\n')
    (tmp_path / "p.json").write_text(DENY_BOOL_FALSE)
    named = [str(tmp_path / "main.tf")]
    assert [f.resource for f in scan(named, ScanOptions(jobs=1)).findings] == ["aws_iam_policy.p"]
    small = scan(named, ScanOptions(jobs=1, max_file_size=len(DENY_BOOL_FALSE) - 1))
    assert small.findings == [] and [n.resource for n in small.notes] == ["aws_iam_policy.p"]
    assert scan(named, ScanOptions(jobs=1)).findings  # the limit is the scan's, not remembered by a cache
