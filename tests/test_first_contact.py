"""What a new user meets first: the pre-commit hook's file pattern, the install commands in the docs, `.ci/run`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml
from mfa_lint.formats.registry import SUFFIXES
from test_cli import DENY_BOOL_FALSE, write

ROOT = Path(__file__).resolve().parent.parent
(HOOK,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def _hook_takes(name: str) -> bool:
    """pre-commit's filter: `files` and `exclude` are Python regexes searched in the path."""
    return bool(re.search(HOOK["files"], name)) and not re.search(HOOK["exclude"], name)


def test_the_hook_takes_every_file_the_walk_reads_in_any_case():
    for ext in (*SUFFIXES, ".tofu", ".tofu.json", ".json.tftpl", ".json.tpl"):
        for name in (f"infra/policy{ext}", f"INFRA/POLICY{ext.upper()}"):
            assert _hook_takes(name), name
    for name in ("README.md", "main.py", "terraform.tfvars", "main.tf.bak", "tf", "x.jsonl", "policy.expect.json"):
        assert not _hook_takes(name), name


def test_the_hook_entry_finds_a_policy_in_a_terraform_template(tmp_path):
    """The files a commit stages, filtered as pre-commit filters them, passed to the hook's entry."""
    write(tmp_path / "templates" / "deny.json.tftpl", DENY_BOOL_FALSE.replace("DenyWithoutMfa", "Deny${suffix}"))
    write(tmp_path / "templates" / "deny.tpl", DENY_BOOL_FALSE)
    write(tmp_path / "notes.md", "aws:MultiFactorAuthPresent")
    write(tmp_path / "other.yaml", "key: value\n")
    staged = [p.relative_to(tmp_path).as_posix() for p in sorted(tmp_path.rglob("*")) if p.is_file()]
    files = [name for name in staged if _hook_takes(name)]
    assert files == ["other.yaml", "templates/deny.json.tftpl", "templates/deny.tpl"]
    entry = HOOK["entry"].split()
    assert entry[0] == "mfa-lint"
    proc = subprocess.run([sys.executable, "-m", "mfa_lint.cli", *entry[1:], *files], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "templates/deny.json.tftpl:10:" in proc.stdout and "templates/deny.tpl:10:" in proc.stdout


def test_the_docs_install_from_git_as_the_readme_does():
    """mfa-lint is on no package index yet: `pip install mfa-lint` would fail (or install someone else's)."""
    bare = re.compile(r"pip install\s+(?:-U\s+)?['\"]?mfa-lint(?:\[[\w,]+\])?(?!\s*@)['\"]?(?:\s|$)")
    for doc in (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))):
        for number, line in enumerate(doc.read_text().splitlines(), start=1):
            assert not bare.search(line), f"{doc.name}:{number}: {line}"
    for doc in ("checkov.md", "editors.md"):
        assert "git+https://github.com/mfa-lint/mfa-lint" in (ROOT / "docs" / doc).read_text(), doc


def test_ci_makes_a_fresh_virtualenv():
    """In a new temporary folder, removed at exit: never an existing .venv (stale packages would pass CI)."""
    script = (ROOT / ".ci" / "run").read_text().splitlines()
    assert 'venv="$(mktemp -d "${TMPDIR:-/tmp}/mfa-lint-ci.XXXXXX")"' in script
    assert "trap 'rm -rf \"$venv\"' EXIT" in script
    assert [line for line in script if "-m venv" in line] == ['python3 -m venv "$venv"']
    assert '. "$venv/bin/activate"' in script and ".venv" not in "\n".join(line for line in script if "#" not in line)
