"""Hostile and broken input never crashes, hangs or loses a finding, on every surface.

The corpus is `fixtures/hostile/` (small files, each with a sidecar that says what must happen: fixtures/hostile/
README.md) plus the big and the unusual inputs made here at test time (deep nesting, tens of thousands of statements,
files over the size limit, symlink loops, FIFOs, unreadable files). `mfa-lint scan` runs in-process (its per-file
time budget bounds every parse) except where a subprocess adds something: deep nesting (the stack and a memory cap),
dropped capabilities (unreadable files), and the hosts, cfn-lint and checkov, which run in a subprocess with a
timeout, a memory cap and no stdin, so a hang or a blow-up fails the test instead of the suite or the machine. Next
to the hostile files sit good neighbours with a real MFA001 finding: their findings must survive every neighbour.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fixture_cases import FIXTURES, cases
from mfa_lint import RULES
from mfa_lint.cli import main

HOSTILE = FIXTURES / "hostile"
SIDE = ".expect.json"
MEMORY_CAP = 4 * 1024**3
BIN = Path(sys.executable).parent
CRASH_MARKERS = ("Traceback (most recent call last)", "RecursionError", "MemoryError")
NEIGHBOURS = ("neighbour_policy.json", "neighbour.tf", "neighbour_template.yaml")
DEEP = 50_000

# ------------------------------------------------------------------------------------------------------ the corpus


@dataclass(frozen=True)
class HostileCase:
    """A hostile fixture: the standard sidecar keys plus `outcome` and `reason` (fixtures/hostile/README.md)."""

    path: Path
    about: str
    findings: list[dict[str, Any]]
    surfaces: list[str]
    outcome: str  # error | notes | analysed | any
    reason: str | None = None

    @property
    def name(self) -> str:
        return self.path.name


def hostile_cases() -> list[HostileCase]:
    """The sidecars as fixture_cases reads them, with the hostile keys (`outcome`, `reason`)."""
    return [
        HostileCase(
            path=case.path, about=case.about,
            findings=[{"rule": e.rule, "resource": e.resource, "line": e.line} for e in case.findings],
            surfaces=list(case.surfaces or ["cli"]),
            outcome=case.extra.get("outcome", "analysed"), reason=case.extra.get("reason"),
        )
        for case in cases("hostile")
    ]


CASES = hostile_cases()
BY_NAME = {c.name: c for c in CASES}


def on(surface: str) -> list[HostileCase]:
    return [c for c in CASES if surface in c.surfaces]


def expected_keys(case: HostileCase) -> list[tuple]:
    return sorted((f["rule"], f.get("resource"), f.get("line")) for f in case.findings)


def _has_line(case: HostileCase) -> bool:
    return all(f.get("line") is not None for f in case.findings)


# ------------------------------------------------------------------------------------------------- bounded runs


def _limit() -> None:  # runs in the child: its own process group (killed whole on timeout) and a memory cap
    os.setsid()
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def tool(name: str) -> str:
    """A console script of this environment (cfn-lint, checkov), next to the running Python."""
    return str(BIN / name)


def run_bounded(argv: Sequence[str], *, timeout: float, cwd: str | Path | None = None,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run argv with a memory cap, no stdin and a timeout; on timeout kill its process group and fail."""
    proc = subprocess.Popen(
        list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        errors="replace", cwd=cwd, env=env, preexec_fn=_limit,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f"hung: no answer within {timeout} s: {' '.join(map(str, argv))[:400]}") from None
    return subprocess.CompletedProcess(list(argv), proc.returncode, out, err)


@dataclass
class Run:
    returncode: int
    stderr: str
    report: dict[str, Any] = field(default_factory=dict)

    def errors_for(self, path: str | Path) -> list[str]:
        return [e["message"] for e in self.report["errors"] if _same(e["file"], path)]

    def notes_for(self, path: str | Path) -> list[str]:
        return [n["message"] for n in self.report["notes"] if _same(n["file"], path)]

    def findings_for(self, path: str | Path, *, lines: bool = True) -> list[tuple]:
        return sorted((f["rule_id"], f["resource"], f["line"] if lines else None)
                      for f in self.report["findings"] if _same(f["file"], path))


def _same(reported: str, path: str | Path) -> bool:
    return os.path.realpath(reported) == os.path.realpath(str(path))


def scan(*args: str | Path, timeout: float = 10, cwd: str | Path | None = None, prefix: Sequence[str] = (),
         subprocess_: bool = False) -> Run:
    """`mfa-lint scan --format json ARGS`, checked for what no input may cause: a traceback, an exit code other than
    0/1/2, a report that is not JSON, an error that is not one line naming a file, errors without exit 2.

    In-process (serial, each file within a budget of `timeout` seconds) unless `prefix` or `subprocess_` asks for a
    bounded subprocess."""
    if prefix or subprocess_:
        argv = [*prefix, sys.executable, "-m", "mfa_lint.cli", "scan", "--format", "json", *map(str, args)]
        done = run_bounded(argv, timeout=timeout, cwd=cwd)
        returncode, stdout, stderr = done.returncode, done.stdout, done.stderr
    else:
        returncode, stdout, stderr = _in_process(
            ["scan", "--format", "json", "--jobs", "1", "--parse-timeout", str(timeout), *map(str, args)], cwd)
    assert not any(m in stderr for m in CRASH_MARKERS), stderr[-3000:]
    assert returncode in (0, 1, 2), (returncode, stderr[-3000:])
    try:
        report = json.loads(stdout)
    except ValueError:
        raise AssertionError(f"not a JSON report: {stdout[:300]!r} {stderr[-1000:]!r}") from None
    for error in report["errors"]:
        assert error["file"] and error["message"].strip(), error
        assert "\n" not in error["message"] and len(error["message"]) < 400, error
    assert (returncode == 2) == bool(report["errors"]), (returncode, report["errors"])
    return Run(returncode, stderr, report)


@contextlib.contextmanager
def _chdir(path: str | Path):
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def _in_process(argv: list[str], cwd: str | Path | None) -> tuple[int, str, str]:
    """mfa_lint.cli.main in this process: what a subprocess would print, without starting Python again."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        if cwd is not None:
            stack.enter_context(_chdir(cwd))
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException:
            traceback.print_exc()
            code = 3
    return code, out.getvalue(), err.getvalue()


def check_outcome(run: Run, case: HostileCase, path: Path | None = None) -> None:
    """The file did what its sidecar says: an error with the reason, or analysed (with notes) and every finding."""
    path = path or case.path
    errors, notes = run.errors_for(path), run.notes_for(path)
    assert len(errors) <= 1, errors
    if case.outcome == "error":
        assert errors, f"{case.name}: expected an error ({case.about}); notes={notes}"
        if case.reason:
            assert case.reason.lower() in errors[0].lower(), errors
    elif case.outcome in ("notes", "analysed"):
        assert not errors, f"{case.name}: expected it to be analysed ({case.about}): {errors}"
        if case.outcome == "notes":
            assert notes, f"{case.name}: expected notes on what could not be judged ({case.about})"
    if not errors:  # whatever was read, every declared finding is reported
        lines = _has_line(case)
        want = sorted((r, res, line if lines else None) for r, res, line in expected_keys(case))
        assert run.findings_for(path, lines=lines) == want, (case.name, run.report["findings"], notes)


def copy_neighbours(target: Path) -> None:
    for name in NEIGHBOURS:
        shutil.copy(HOSTILE / name, target / name)


def assert_neighbours(run: Run, folder: Path) -> None:
    """The good neighbours' findings are all there (nothing lost to the hostile files next to them)."""
    for name in NEIGHBOURS:
        case = BY_NAME[name]
        assert run.findings_for(folder / name) == expected_keys(case), (name, run.report["errors"])


# ----------------------------------------------------------------------------------------------- the CLI: corpus


def test_every_hostile_file_has_a_sidecar() -> None:
    files = {p.name for p in HOSTILE.iterdir() if not p.name.endswith(SIDE) and p.name != "README.md"}
    assert files == set(BY_NAME), files ^ set(BY_NAME)
    assert {c.outcome for c in CASES} <= {"error", "notes", "analysed", "any"}
    assert sum(1 for c in CASES if c.findings) >= 10  # findings inside hostile files must survive too
    # `host_limits` says why checkov (the host that fails on these files) is left out: it must be left out
    limited = [c for c in cases("hostile") if "host_limits" in c.extra]
    assert limited and all("checkov" in c.extra["host_limits"] and not c.runs_on("checkov") for c in limited)


@pytest.mark.parametrize("case", on("cli"), ids=lambda c: c.name)
def test_hostile_file_alone(case: HostileCase) -> None:
    run = scan(case.path, timeout=15)
    check_outcome(run, case)
    assert run.returncode == (2 if run.errors_for(case.path) else 1 if run.report["findings"] else 0)


def test_every_hostile_file_named_in_one_run() -> None:
    """One bad file costs that file alone: every other file is still read and reported."""
    run = scan(*[c.path for c in on("cli")], timeout=60)
    for case in on("cli"):
        check_outcome(run, case)
    assert run.returncode == 2


def test_hostile_folder_walked(tmp_path: Path) -> None:
    """A directory walk over the whole corpus: the neighbours' findings and every declared finding survive."""
    folder = tmp_path / "corpus"
    shutil.copytree(HOSTILE, folder)
    fast = scan(folder)  # by default files without MFA text are not parsed: the findings are the same
    assert_neighbours(fast, folder)
    run = scan("--check-syntax", folder)
    assert_neighbours(run, folder)
    assert sorted(map(json.dumps, fast.report["findings"])) == sorted(map(json.dumps, run.report["findings"]))
    for case in CASES:
        copy = folder / case.name
        if case.outcome in ("notes", "analysed"):
            check_outcome(run, case, copy)
        for message in run.errors_for(copy):
            assert case.outcome in ("error", "any"), (case.name, message)
    assert run.returncode == 2


# ------------------------------------------------------------------------------------ the CLI: made at test time


def _deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def _deep_object(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def _deep_policy(depth: int) -> str:
    deep = _deep_object(depth)
    return ('{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*", '
            f'"Condition": {{"Bool": {{"aws:MultiFactorAuthPresent": {deep}}}}}}}]}}')


DEEP_FILES = {
    "deep_list.json": lambda d: '{"Statement": ' + _deep_json(d) + "}",
    "deep_policy.json": _deep_policy,
    "deep_template.json": lambda d: (
        '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"P": {"Type": "AWS::IAM::ManagedPolicy", '
        '"Properties": {"PolicyDocument": ' + _deep_object(d) + "}}}}"),
    "deep_template.yaml": lambda d: (
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n'
        "    Properties:\n      PolicyDocument: " + _deep_json(d) + "\n"),
    "deep_mapping.yaml": lambda d: (
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n'
        "    Properties:\n      PolicyDocument: " + "{a: " * d + "1" + "}" * d + "\n"),
    "deep_string_document.yaml": lambda d: (
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n'
        "    Properties:\n      PolicyDocument: '" + _deep_policy(d) + "'\n"),
    "deep_list.tf": lambda d: 'locals {\n  deep = ' + _deep_json(d) + "\n}\n",
    "deep_jsonencode.tf": lambda d: (
        'resource "aws_iam_policy" "deep" {\n  name = "deep"\n  policy = jsonencode(' + "{ a = " * d + "1"
        + " }" * d + ")\n}\n"),
    "deep_heredoc.tf": lambda d: (
        'resource "aws_iam_policy" "deep" {\n  name = "deep"\n  policy = <<EOT\n' + _deep_policy(d) + "\nEOT\n}\n"),
    "deep_plan.json": lambda d: json.dumps({
        "format_version": "1.2", "terraform_version": "1.11.0",
        "planned_values": {"root_module": {"resources": [{
            "address": "aws_iam_policy.deep", "mode": "managed", "type": "aws_iam_policy", "name": "deep",
            "values": {"name": "deep", "policy": _deep_policy(d)}}]}}}),
    "deep_plan_structure.json": lambda d: (
        '{"format_version": "1.2", "planned_values": {"root_module": {"child_modules": '
        + '[{"child_modules": ' * d + "[]" + "}]" * d + "}}}"),
}


@pytest.mark.parametrize("name", sorted(DEEP_FILES))
def test_deep_nesting(tmp_path: Path, name: str) -> None:
    """Nested tens of thousands deep: an error ("nested too deeply") or a note, never a RecursionError or a hang;
    the neighbours in the same folder keep their findings."""
    copy_neighbours(tmp_path)
    deep = tmp_path / name
    deep.write_text(DEEP_FILES[name](DEEP))
    run = scan("--check-syntax", tmp_path, timeout=30, subprocess_=True)  # a subprocess: its own stack and memory cap
    assert_neighbours(run, tmp_path)
    assert run.errors_for(deep) or run.notes_for(deep), run.report


def test_tens_of_thousands_of_statements(tmp_path: Path) -> None:
    """30,000 statements: the one bad statement at the end is found, at its line."""
    statements = [{"Sid": f"S{i}", "Effect": "Allow", "Action": f"s3:Get{i}", "Resource": "*"} for i in range(30_000)]
    statements.append({"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                       "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}})
    path = tmp_path / "many.json"
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=1))
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if '"Bool"' in text)
    run = scan(path, timeout=60)
    assert run.findings_for(path) == [("MFA001", None, line)]


def test_thousands_of_resources_in_one_template(tmp_path: Path) -> None:
    lines = ['AWSTemplateFormatVersion: "2010-09-09"', "Resources:"]
    for i in range(3_000):
        lines += [f"  P{i}:", "    Type: AWS::IAM::ManagedPolicy", "    Properties:", "      PolicyDocument:",
                  "        Statement:", "          - Effect: Deny", '            Action: "s3:*"',
                  '            Resource: "*"', "            Condition:",
                  f"              {'Bool' if i == 2_999 else 'BoolIfExists'}:",
                  '                aws:MultiFactorAuthPresent: "false"']
    path = tmp_path / "many.yaml"
    path.write_text("\n".join(lines) + "\n")
    run = scan(path, timeout=60)
    assert run.findings_for(path) == [("MFA001", "P2999", len(lines) - 1)]


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    copy_neighbours(tmp_path)
    big = tmp_path / "big.json"
    filler = [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::b{i}/*"} for i in range(4_000)]
    big.write_text(json.dumps({"Version": "2012-10-17", "Statement": filler}))
    assert big.stat().st_size > 200 * 1024
    run = scan(tmp_path, "--max-file-size", "200K", timeout=30)
    assert "size limit" in run.errors_for(big)[0]
    assert_neighbours(run, tmp_path)
    assert run.returncode == 2


def test_file_over_the_default_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.tf"
    with big.open("w") as handle:
        handle.write("# " + "x" * 1023 + "\n")
        for _ in range(10 * 1024):
            handle.write("#" * 1023 + "\n")
    run = scan(big, timeout=30)
    assert "size limit" in run.errors_for(big)[0]


def test_one_very_long_line(tmp_path: Path) -> None:
    """A 5 MB string on one line next to the real statement: read, and the finding is still found."""
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "x" * 5_000_000, "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}))
    run = scan(path, timeout=30)
    assert run.findings_for(path) == [("MFA001", None, 1)]


def test_symlink_loops_dangling_links_fifos_and_directories_named_like_files(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "a" / "b").mkdir(parents=True)
    copy_neighbours(root / "a" / "b")
    (root / "a" / "b" / "loop").symlink_to(root / "a")  # a -> b -> loop -> a ...
    (root / "a" / "self").symlink_to(".")
    (root / "dangling.tf").symlink_to(root / "does-not-exist.tf")
    (root / "folder.json").mkdir()
    os.mkfifo(root / "pipe.tf")
    os.mkfifo(root / "pipe.json")
    run = scan(root, timeout=20)
    assert_neighbours(run, root / "a" / "b")
    assert run.errors_for(root / "dangling.tf")
    for fifo in ("pipe.tf", "pipe.json"):
        assert run.errors_for(root / fifo), run.report["errors"]  # never opened for reading (it would block)
    named = scan(root / "pipe.tf", root / "dangling.tf", root / "a" / "b" / "neighbour_policy.json", timeout=20)
    assert named.errors_for(root / "pipe.tf") and named.errors_for(root / "dangling.tf")
    assert len(named.report["findings"]) == 1


def _no_dac_override() -> list[str]:
    """As root, permission bits bind only without CAP_DAC_OVERRIDE: drop it (setpriv), or skip."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if not setpriv:
        pytest.skip("running as root without setpriv: permission bits cannot be made to bind")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}", "--"]


def test_unreadable_files_and_directories(tmp_path: Path) -> None:
    prefix = _no_dac_override()
    root = tmp_path / "tree"
    root.mkdir()
    copy_neighbours(root)
    (root / "secret.tf").write_text((HOSTILE / "neighbour.tf").read_text())
    (root / "locked").mkdir()
    (root / "locked" / "inside.json").write_text((HOSTILE / "neighbour_policy.json").read_text())
    (root / "secret.tf").chmod(0)
    (root / "locked").chmod(0)
    try:
        run = scan(root, timeout=20, prefix=prefix)
        named = scan(root / "secret.tf", root / "neighbour_policy.json", timeout=20, prefix=prefix)
    finally:
        (root / "locked").chmod(0o755)
        (root / "secret.tf").chmod(0o644)
    assert "Permission denied" in run.errors_for(root / "secret.tf")[0]
    assert "Permission denied" in run.errors_for(root / "locked")[0]
    assert_neighbours(run, root)
    assert named.errors_for(root / "secret.tf") and len(named.report["findings"]) == 1


def test_a_path_that_does_not_exist(tmp_path: Path) -> None:
    copy_neighbours(tmp_path)
    missing = tmp_path / "nowhere" / "main.tf"
    run = scan(missing, tmp_path, timeout=20)
    assert "no such file" in run.errors_for(missing)[0].lower()
    assert_neighbours(run, tmp_path)


def test_yaml_python_tags_are_never_constructed(tmp_path: Path) -> None:
    """Safe loading: a tag that would run a command when constructed never runs it."""
    marker = tmp_path / "pwned"
    template = tmp_path / "evil.yaml"
    template.write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n'
        f'    Properties:\n      Description: !!python/object/apply:os.system ["touch {marker}"]\n'
        "      PolicyDocument:\n        Statement: []\n")
    scan(template, timeout=20)
    run_bounded([tool("cfn-lint"), "-a", "mfa_lint.cfnlint", "--", str(template)], timeout=60)
    assert not marker.exists()


# ----------------------------------------------------------------------------------------------------- cfn-lint


OUR_CFN_IDS = {rule.cfn_lint_id for rule in RULES.values()}


def _cfn_lint(paths: Sequence[Path], timeout: float = 120) -> list[dict[str, Any]]:
    done = run_bounded([tool("cfn-lint"), "-a", "mfa_lint.cfnlint", "-f", "json", "--", *map(str, paths)],
                       timeout=timeout)
    assert "Traceback (most recent call last)" not in done.stderr, done.stderr[-3000:]
    try:
        return json.loads(done.stdout)
    except ValueError:
        raise AssertionError(f"cfn-lint crashed: {done.returncode} {done.stdout[:500]} {done.stderr[-2000:]}") from None


def _rule_crashes(matches: list[dict[str, Any]]) -> list[str]:
    """E0002 is cfn-lint's "unknown exception while processing rule X": ours must never appear there."""
    return [m["Message"] for m in matches
            if m["Rule"]["Id"] == "E0002" and any(rid in m["Message"] for rid in OUR_CFN_IDS)]


def _ours(matches: list[dict[str, Any]], path: Path) -> list[tuple]:
    out = []
    for m in matches:
        if m["Rule"]["Id"] in OUR_CFN_IDS and _same(m["Filename"], path):
            where = m["Location"].get("Path") or []
            resource = where[1] if len(where) > 1 and where[0] == "Resources" else None
            out.append((m["Rule"]["Id"], resource, m["Location"]["Start"]["LineNumber"]))
    return sorted(out)


def _cfn_expected(case: HostileCase) -> list[tuple]:
    return sorted((RULES[f["rule"]].cfn_lint_id, f.get("resource"), f.get("line")) for f in case.findings)


def test_cfn_lint_rules_on_the_hostile_corpus(tmp_path: Path) -> None:
    """Our rules never crash (no E0002 naming E9001-W9005) and every declared finding is reported."""
    for name in ("deep_template.yaml", "deep_mapping.yaml", "deep_string_document.yaml", "deep_template.json"):
        (tmp_path / name).write_text(DEEP_FILES[name](DEEP))
    extra = sorted(tmp_path.iterdir())
    matches = _cfn_lint([c.path for c in on("cfnlint")] + extra, timeout=180)
    assert not _rule_crashes(matches), _rule_crashes(matches)
    for case in on("cfnlint"):
        assert _ours(matches, case.path) == _cfn_expected(case), case.name
    assert _ours(matches, HOSTILE / "neighbour_template.yaml")


# ------------------------------------------------------------------------------------------------------ checkov


def _checkov(args: Sequence[str], timeout: float = 240) -> tuple[list[dict[str, Any]], str]:
    from mfa_lint.checkov import CHECK_IDS, checks_dir

    env = dict(os.environ, LOG_LEVEL="WARNING")
    done = run_bounded([tool("checkov"), *args, "--external-checks-dir", checks_dir(), "-c", ",".join(CHECK_IDS),
                        "-o", "json", "--skip-download", "--quiet"], timeout=timeout, env=env)
    assert done.returncode in (0, 1), (done.returncode, done.stdout[-1000:], done.stderr[-3000:])
    reports = json.loads(done.stdout) if done.stdout.strip() else []
    return (reports if isinstance(reports, list) else [reports]), done.stderr


def _failed(reports: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(check id, resource, file name) of every FAILED; a CloudFormation resource by its logical id alone."""
    return [(c["check_id"], c["resource"].rsplit(".", 1)[-1] if c["resource"].startswith("AWS::") else c["resource"],
             os.path.basename(c["file_path"]))
            for r in reports for c in r.get("results", {}).get("failed_checks", [])]


def _checkov_expected(case: HostileCase) -> list[tuple[str, str]]:
    return sorted((RULES[f["rule"]].checkov_id, f["resource"]) for f in case.findings)


def _assert_no_internal_errors(stderr: str) -> None:
    """Our checks log `mfa-lint: ... failed` / `cannot read the policies` when an exception turned into UNKNOWN."""
    bad = [line for line in stderr.splitlines() if "mfa-lint:" in line and ("failed" in line or "cannot read" in line)]
    assert not bad, bad
    frames = [line for line in stderr.splitlines() if "mfa_lint" in line and 'File "' in line]
    assert not frames, frames


def test_checkov_plugin_on_the_hostile_corpus(tmp_path: Path) -> None:
    """checkov with the plugin over one folder of the hostile files: no crash, no UNKNOWN made of an exception,
    the neighbours and every declared finding FAILED."""
    cases = [c for c in on("checkov") if not c.name.startswith(("plan_", "truncated_plan"))]
    for case in cases:
        shutil.copy(case.path, tmp_path / case.name)
    (tmp_path / "deep_jsonencode.tf").write_text(DEEP_FILES["deep_jsonencode.tf"](2_000))
    reports, stderr = _checkov(["-d", str(tmp_path), "--framework", "terraform", "cloudformation"])
    _assert_no_internal_errors(stderr)
    failed = _failed(reports)
    for case in cases:
        got = sorted((rule, res) for rule, res, file in failed if file == case.name and rule != "MFA000")
        want = [(rule, res) for rule, res in _checkov_expected(case)]
        if case.outcome != "any" or got:
            assert got == want, (case.name, failed)
    # MFA000 (unjudged) only where the CLI cannot judge the file either (an error or notes)
    unjudged = {file for rule, _, file in failed if rule == "MFA000"}
    assert all(BY_NAME[file].outcome in ("error", "notes", "any") for file in unjudged), unjudged
    assert ("MFA001", "aws_iam_policy.neighbour", "neighbour.tf") in failed
    assert ("MFA001", "NeighbourPolicy", "neighbour_template.yaml") in failed


def test_checkov_plugin_on_hostile_plans() -> None:
    plans = [c for c in on("checkov") if c.name.startswith(("plan_", "truncated_plan"))]
    args = ["--framework", "terraform_plan"]
    for case in plans:
        args += ["-f", str(case.path)]
    reports, stderr = _checkov(args)
    _assert_no_internal_errors(stderr)
    failed = _failed(reports)
    for case in plans:
        got = sorted((rule, res) for rule, res, file in failed if file == case.name and rule != "MFA000")
        assert got == _checkov_expected(case), (case.name, failed)
    unjudged = {file for rule, _, file in failed if rule == "MFA000"}
    assert all(BY_NAME[file].outcome in ("error", "notes", "any") for file in unjudged), unjudged


# ------------------------------------------------------------------------------------------- the per-file budget


def test_a_file_over_the_time_budget_is_an_error_naming_the_budget(tmp_path: Path) -> None:
    """--parse-timeout: a file that takes longer is one error naming the budget; the neighbours are still read."""
    copy_neighbours(tmp_path)
    slow = tmp_path / "slow.tf"
    slow.write_text("".join(
        f'resource "aws_iam_policy" "p{i}" {{\n  policy = jsonencode({{Statement = [{{Effect = "Deny",'
        f' Condition = {{Bool = {{"aws:MultiFactorAuthPresent" = "false"}}}}}}]}})\n}}\n' for i in range(3_000)))
    run = scan("--parse-timeout", "0.05", tmp_path)  # parsing 3,000 resources takes seconds
    (message,) = run.errors_for(slow)
    assert "time budget of 0.05 s (--parse-timeout)" in message
    assert not run.findings_for(slow)
    for name in ("neighbour_policy.json", "neighbour_template.yaml"):  # the budget is per file
        assert run.findings_for(tmp_path / name) == expected_keys(BY_NAME[name])


def test_the_budget_interrupts_a_backtracking_regular_expression() -> None:
    import re
    import time

    from mfa_lint.reading.budget import BudgetExceeded, can_time, time_budget

    if not can_time():
        pytest.skip("no SIGALRM interval timer here (not the main thread, or not POSIX)")
    start = time.perf_counter()
    with pytest.raises(BudgetExceeded), time_budget(0.2):
        re.match(r"(a+)+$", "a" * 40 + "b")  # exponential: hours without the budget
    assert time.perf_counter() - start < 5
