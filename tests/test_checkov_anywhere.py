"""The checkov plugin in a checkov that cannot import mfa-lint (checkov-action's container, pipx, brew).

`mfa-lint checkov-dir --export DIR` writes a self-contained folder; the plain `mfa-lint checkov-dir` folder works in
place from another checkov and FAILS loudly when copied where mfa-lint cannot be loaded. Every test runs a real
checkov in a subprocess. The ones marked `checkov_only` build (once, in a cache folder) a virtualenv holding only
checkov, at the version installed here, from the package index: they run when MFA_LINT_CHECKOV_ONLY=1 (.ci/run,
CI), since building that virtualenv takes a minute.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import venv
from collections import defaultdict
from importlib.metadata import version as installed_version
from pathlib import Path

import mfa_lint
import pytest
from fixture_cases import FIXTURES, FixtureCase, cases
from mfa_lint.checkov import CHECK_IDS, checks_dir
from mfa_lint.checkov.export import LOADER, STAMPED, bundle_name, plain_loader, stamped_block
from mfa_lint.core.catalog import UNJUDGED
from mfa_lint.formats.cloudformation import resources as cfn_table
from mfa_lint.formats.terraform import resources as tf_table
from surfaces import checkov_resource, surfaces_for

CHECKOV_ONLY = pytest.mark.skipif(os.environ.get("MFA_LINT_CHECKOV_ONLY") != "1",
                                  reason="builds a checkov-only virtualenv: run with MFA_LINT_CHECKOV_ONLY=1")
FRAMEWORKS = {"terraform": "terraform", "plan": "terraform_plan", "cloudformation": "cloudformation"}


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mfa_lint", *args], capture_output=True, text=True, timeout=120)


def _checkov(checkov: str | Path, external: str | Path, targets: list[str], framework: str,
             timeout: float = 600) -> tuple[int, list[dict], str]:
    command = [str(checkov), *targets, "--external-checks-dir", str(external), "-c", ",".join(CHECK_IDS),
               "--framework", framework, "--skip-download", "-o", "json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, LOG_LEVEL="WARNING"))
    assert done.returncode in (0, 1), (done.returncode, done.stderr[-3000:])
    report = json.loads(done.stdout) if done.stdout.strip() else []
    return done.returncode, (report if isinstance(report, list) else [report]), done.stderr


def _failed(reports: list[dict], framework: str) -> dict[str, set[tuple[str, str]]]:
    """file (real path) -> {(check id, resource as the fixtures name it)} of the FAILED results."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for report in reports:
        for record in report.get("results", {}).get("failed_checks", []):
            found[os.path.realpath(record["file_abs_path"])].add(
                (record["check_id"], checkov_resource(framework, record["resource"])))
    return found


def _declared(case: FixtureCase) -> set[tuple[str, str]]:
    return {(e.rule, e.resource) for e in case.findings} | {(UNJUDGED.id, r) for r in case.unjudged}


def _for_case(failed: dict[str, set[tuple[str, str]]], case: FixtureCase) -> set[tuple[str, str]]:
    files = [case.path, *(case.path.parent / name for name in case.extra.get("referenced", ()))]
    return set().union(*(failed.get(os.path.realpath(f), set()) for f in files))


def _targets(folder: str) -> list[str]:
    if folder == "plan":
        return [arg for c in cases("plan") if "checkov" in surfaces_for(c) for arg in ("-f", str(c.path))]
    return ["-d", str(FIXTURES / folder)]


# ------------------------------------------------------------------------------------------------ the export itself


def test_export_is_three_reproducible_files_and_check_finds_a_stale_one(tmp_path: Path) -> None:
    folder = tmp_path / "mfa-lint-checks"
    (tmp_path / "mfa-lint-checks").mkdir()
    (folder / "mfa_lint-0.0.1.zip").write_bytes(b"an older export")
    done = _cli("checkov-dir", "--export", str(folder))
    assert done.returncode == 0 and done.stdout.strip() == str(folder), done.stderr
    assert sorted(p.name for p in folder.iterdir()) == sorted(["__init__.py", LOADER, bundle_name()])
    first = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert _cli("checkov-dir", "--export", str(folder)).returncode == 0
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == first  # byte for byte: a stale copy shows as a diff
    assert _cli("checkov-dir", "--export", str(folder), "--check").returncode == 0
    loader = (folder / LOADER).read_text()
    assert f"VERSION = {mfa_lint.__version__!r}" in loader and f"BUNDLE = {bundle_name()!r}" in loader
    (folder / bundle_name()).write_bytes(first[bundle_name()] + b"\0")
    stale = _cli("checkov-dir", "--export", str(folder), "--check")
    assert stale.returncode == 1 and f"{bundle_name()} differs" in stale.stderr, stale.stderr
    assert _cli("checkov-dir", "--check").returncode == 2
    (tmp_path / "a-file").write_text("")
    unwritable = _cli("checkov-dir", "--export", str(tmp_path / "a-file"))
    assert unwritable.returncode == 2 and "cannot write" in unwritable.stderr, unwritable.stderr


def test_plain_loader_stamp_is_current() -> None:
    """The plain folder's loader lists the ids and resource types its stand-in checks fail: the catalog's."""
    block = STAMPED.search(plain_loader())
    assert block is not None and block.group(2) == stamped_block(None, None, None), "regenerate the stamped block"
    assert (Path(checks_dir()) / LOADER).read_text() == plain_loader()
    assert "MFA000" in CHECK_IDS and set(tf_table.RESOURCES) and set(cfn_table.RESOURCES)


def _small_tree(tmp_path: Path) -> tuple[Path, list[FixtureCase]]:
    """A few fixtures of both formats (unjudged ones included) in one folder: one checkov run."""
    picked = [c for c in cases("terraform") + cases("cloudformation") if c.path.name in (
        "checkov_unresolved.tf", "mfa001_jsonencode_bool_false.tf", "checkov_fn_if.yaml", "ref_parameters.yaml",
        "suppressed_everywhere.yaml", "mfa001_fn_if_branches.yaml")]
    tree = tmp_path / "tree"
    tree.mkdir()
    for case in picked:
        shutil.copy(case.path, tree / case.path.name)
    return tree, picked


def _by_name(failed: dict[str, set[tuple[str, str]]]) -> dict[str, set[tuple[str, str]]]:
    return {os.path.basename(path): pairs for path, pairs in failed.items()}


def test_export_in_checkov_gives_the_declared_verdicts(tmp_path: Path) -> None:
    """checkov (here, next to mfa-lint) with the exported folder: the loader imports the bundle, not the
    installed package, and the verdicts are the fixtures'."""
    export = tmp_path / "export"
    assert _cli("checkov-dir", "--export", str(export)).returncode == 0
    tree, picked = _small_tree(tmp_path)
    checkov = Path(sys.executable).with_name("checkov")
    failed: dict[str, set[tuple[str, str]]] = {}
    for framework in ("terraform", "cloudformation"):
        _, reports, stderr = _checkov(checkov, export, ["-d", str(tree)], framework)
        assert "mfa-lint: error" not in stderr, stderr[-2000:]
        failed.update(_by_name(_failed(reports, framework)))
    for case in picked:
        assert failed.get(case.path.name, set()) == _declared(case), case.id


def test_a_tampered_bundle_fails_every_resource_loudly(tmp_path: Path) -> None:
    export = tmp_path / "export"
    assert _cli("checkov-dir", "--export", str(export)).returncode == 0
    bundle = export / bundle_name()
    bundle.write_bytes(bundle.read_bytes() + b"\0")
    tree, picked = _small_tree(tmp_path)
    code, reports, stderr = _checkov(Path(sys.executable).with_name("checkov"), export, ["-d", str(tree)],
                                     "terraform")
    assert code == 1
    assert "mfa-lint: error:" in stderr and "not the one this loader was written with" in stderr, stderr[-2000:]
    records = [r for report in reports for r in report["results"]["failed_checks"]]
    assert {r["check_id"] for r in records} == set(CHECK_IDS)
    assert all("mfa-lint checkov-dir --export" in r["check_name"] for r in records)
    assert not [r for report in reports for r in report["results"]["passed_checks"]]


# ----------------------------------------------------------------------------- in a checkov without mfa-lint


def _cache_root() -> Path:
    base = os.environ.get("MFA_LINT_TEST_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mfa-lint-tests")
    return Path(base)


@pytest.fixture(scope="session")
def checkov_only() -> Path:
    """A virtualenv with checkov (this version, from the package index) and its dependencies only: built once, kept
    in a cache folder (MFA_LINT_TEST_CACHE), reused while it is complete."""
    checkov_version = installed_version("checkov")
    root = _cache_root()
    root.mkdir(parents=True, exist_ok=True)
    home = root / f"checkov-only-{checkov_version}-py{sys.version_info.major}{sys.version_info.minor}"
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # xdist workers: one builds, the others wait
        if not (home / ".complete").is_file():
            shutil.rmtree(home, ignore_errors=True)
            venv.EnvBuilder(with_pip=True, clear=True).create(home)
            subprocess.run([str(home / "bin" / "python"), "-m", "pip", "install", "--quiet",
                            "--disable-pip-version-check", f"checkov=={checkov_version}"], check=True, timeout=1800)
            (home / ".complete").write_text(checkov_version)
    python = str(home / "bin" / "python")
    for module in ("mfa_lint", "cfnlint", "tree_sitter"):  # mfa-lint's own dependencies checkov lacks
        probe = subprocess.run([python, "-c", f"import {module}"], capture_output=True, text=True)
        assert probe.returncode != 0, f"{module} is importable in the checkov-only virtualenv"
    return home


@pytest.fixture(scope="module")
def beside_mfa_lint() -> dict[str, dict[str, set[tuple[str, str]]]]:
    """checkov next to mfa-lint (this virtualenv, cfn-lint included) with the plain folder: FAILED per file."""
    checkov = Path(sys.executable).with_name("checkov")
    return {folder: _failed(_checkov(checkov, checks_dir(), _targets(folder), framework)[1], framework)
            for folder, framework in FRAMEWORKS.items()}


@CHECKOV_ONLY
@pytest.mark.parametrize("folder", list(FRAMEWORKS))
def test_export_in_a_checkov_without_mfa_lint_gives_the_same_verdicts(
    checkov_only: Path, beside_mfa_lint: dict, folder: str, tmp_path: Path
) -> None:
    """The emulated checkov-action: a virtualenv holding checkov alone (no mfa-lint, no cfn-lint), the exported
    folder, the fixture suites: the FAILED verdicts of checkov next to mfa-lint, and the fixtures' own."""
    export = tmp_path / "export"
    assert _cli("checkov-dir", "--export", str(export)).returncode == 0
    _, reports, stderr = _checkov(checkov_only / "bin" / "checkov", export, _targets(folder), FRAMEWORKS[folder])
    assert "mfa-lint: error" not in stderr and "Cannot load external check" not in stderr, stderr[-3000:]
    failed = _failed(reports, FRAMEWORKS[folder])
    assert failed == beside_mfa_lint[folder]
    for case in cases(folder):
        if "checkov" in surfaces_for(case):
            assert _for_case(failed, case) == _declared(case), case.id


@CHECKOV_ONLY
def test_plain_folder_in_place_works_from_another_checkov(checkov_only: Path, beside_mfa_lint: dict) -> None:
    """`mfa-lint checkov-dir` handed to a checkov installed elsewhere (pipx, brew): the loader loads the package it
    sits in by path (nothing else of this virtualenv joins checkov's)."""
    _, reports, stderr = _checkov(checkov_only / "bin" / "checkov", checks_dir(), _targets("terraform"), "terraform")
    assert "mfa-lint: error" not in stderr, stderr[-3000:]
    assert _failed(reports, "terraform") == beside_mfa_lint["terraform"]


@CHECKOV_ONLY
def test_plain_folder_copied_where_mfa_lint_cannot_load_fails_loudly(checkov_only: Path, tmp_path: Path) -> None:
    """A copy of the plain folder (committed to a repository, or all a container sees): every resource mfa-lint
    would judge FAILS under every id, naming the problem and the fix; never exit 0 with nothing."""
    copy = tmp_path / "checks"
    shutil.copytree(checks_dir(), copy, ignore=shutil.ignore_patterns("__pycache__"))
    for folder in ("terraform", "cloudformation"):
        code, reports, stderr = _checkov(checkov_only / "bin" / "checkov", copy, _targets(folder), FRAMEWORKS[folder])
        assert code == 1
        assert "mfa-lint: error: mfa-lint cannot be loaded by checkov's Python" in stderr, stderr[-2000:]
        assert "mfa-lint checkov-dir --export" in stderr
        records = [r for report in reports for r in report["results"]["failed_checks"]]
        assert {r["check_id"] for r in records} == set(CHECK_IDS)
        assert all("outside the mfa-lint package" in r["check_name"] for r in records)
        assert not [r for report in reports for r in report["results"]["passed_checks"]]
        declared = {r for c in cases(folder) if "checkov" in surfaces_for(c) for _, r in _declared(c)}
        failed_resources = {checkov_resource(FRAMEWORKS[folder], r["resource"]) for r in records}
        assert declared <= failed_resources  # every resource with a verdict is FAILED by the stand-in


def test_without_tree_sitter_the_reader_parses_with_checkovs_hcl2() -> None:
    """A checkov running the export has bc-python-hcl2 (its own dependency) but not tree-sitter: the reader's
    fallback builds the same tree, and refuses at once what would make the Lark grammar backtrack."""
    import time

    from hcl_trees import first_difference
    from mfa_lint.formats.terraform import hcl_syntax, hcl_tree_sitter
    from mfa_lint.reading.site import SourceError

    text = (FIXTURES / "terraform" / "checkov_unresolved.tf").read_text()
    assert first_difference(hcl_syntax._parse_lark(text), hcl_tree_sitter.parse(text), text) is None
    start = time.monotonic()
    with pytest.raises(SourceError, match="no closing brace"):
        hcl_syntax._parse_lark('locals {\n  x = "$${' + "a" * 40 + '"\n}\n')
    assert time.monotonic() - start < 5
