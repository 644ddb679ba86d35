"""Each surface run once over the fixtures (cached for the session), and its results per fixture.

Surfaces: the core (plain policy JSON), the CLI (a subprocess per folder and policy kind), checkov (one run per
framework over a folder) and cfn-lint (one Runner over every CloudFormation fixture). Tests compare what each
surface reports for a fixture with what the fixture declares.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from functools import cache
from typing import Any

from fixture_cases import FIXTURES, ROOT, FixtureCase, cases
from mfa_lint import analyze_document
from mfa_lint.core.catalog import UNJUDGED, rule
from mfa_lint.reading.json_positions import loads_with_positions

#: fixture folder -> the surfaces that read its format (hostile fixtures name theirs in the sidecar)
SURFACES = {
    "policy": ("core", "cli"),
    "terraform": ("cli", "checkov"),
    "plan": ("cli", "checkov"),
    "cloudformation": ("cli", "checkov", "cfnlint"),
    "hostile": ("cli",),
    "serverless": ("cli",),  # checkov and cfn-lint read no serverless.yml
}
CHECKOV_FRAMEWORK = {"terraform": "terraform", "plan": "terraform_plan", "cloudformation": "cloudformation"}


def folder_of(case: FixtureCase) -> str:
    return case.path.relative_to(FIXTURES).parts[0]


def surfaces_for(case: FixtureCase) -> list[str]:
    """The surfaces that read this fixture's format, less those its sidecar leaves out."""
    readers = SURFACES.get(folder_of(case), ())
    return [s for s in readers if case.surfaces is None or s in case.surfaces]


def _same(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    return os.path.realpath(os.path.join(ROOT, a)) == os.path.realpath(os.path.join(ROOT, b))


# ---------------------------------------------------------------- core


def core_findings(case: FixtureCase) -> Counter:
    document, spans = loads_with_positions(case.path.read_text())
    analysis = analyze_document(document, case.kind)
    return Counter((f.rule_id, None, spans[f.path].line) for f in analysis.findings)


# ---------------------------------------------------------------- CLI


@cache
def cli_report(folder: str, kind: str | None) -> dict[str, Any]:
    """`mfa-lint scan --format json` once over every CLI fixture of a folder with this policy kind (None: the
    fixtures whose kind the CLI must infer from their path, run without --kind)."""
    files = [str(c.path) for c in cases(folder) if "cli" in surfaces_for(c) and _cli_kind(c) == kind]
    flags = ["--kind", kind] if kind else []
    proc = subprocess.run(
        [sys.executable, "-m", "mfa_lint", "scan", "--format", "json", "--fail-on", "never", *flags, *files],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 2), proc.stderr
    return json.loads(proc.stdout)


def _cli_kind(case: FixtureCase) -> str | None:
    return None if case.kind_from_path else case.kind


def cli_result(case: FixtureCase) -> tuple[list[dict], list[dict], list[dict]]:
    """(findings, errors, notes) the CLI reported for this fixture."""
    report = cli_report(folder_of(case), _cli_kind(case))

    # a policy read from another file (`file()`, `templatefile()`) is reported in that file: the sidecar names it
    files = [case.path, *(case.path.parent / name for name in case.extra.get("referenced", ()))]

    def mine(items: list[dict]) -> list[dict]:
        return [i for i in items if any(_same(i["file"], f) for f in files)]

    return mine(report["findings"]), mine(report["errors"]), mine(report["notes"])


def cli_findings(case: FixtureCase) -> Counter:
    """(rule, resource, line) per finding; line None where the fixture declares no line (plan JSON)."""
    lineless = {(e.rule, e.resource) for e in case.findings if e.line is None}
    findings, _, _ = cli_result(case)
    return Counter(
        (f["rule_id"], f["resource"], None if (f["rule_id"], f["resource"]) in lineless else f["line"])
        for f in findings
    )


# ---------------------------------------------------------------- checkov


def checkov_resource(framework: str, resource: str) -> str:
    """checkov's resource id -> the fixtures' naming (CloudFormation logical id; `data.` for data sources)."""
    from mfa_lint.formats.terraform.resources import POLICY_DOCUMENT_DATA_SOURCES

    if framework == "cloudformation":
        return resource.rsplit(".", 1)[-1]
    parts = resource.split(".")
    for index, part in enumerate(parts):  # after the module path (`module.a.module.b["k"].`), the data source type
        if part in POLICY_DOCUMENT_DATA_SOURCES and (index == 0 or parts[index - 2] == "module"):
            return ".".join(parts[:index] + ["data"] + parts[index:])
    return resource


class CheckovRun:
    """One checkov run over a fixture folder: FAILED/PASSED (rule, resource) per file, and the runner itself."""

    def __init__(self, folder: str) -> None:
        from checkov.cloudformation.runner import Runner as CfnRunner
        from checkov.runner_filter import RunnerFilter
        from checkov.terraform.plan_runner import Runner as PlanRunner
        from checkov.terraform.runner import Runner as TfRunner
        from mfa_lint.checkov import CHECK_IDS, checks_dir

        framework = CHECKOV_FRAMEWORK[folder]
        runner_filter = RunnerFilter(framework=[framework], checks=list(CHECK_IDS), download_external_modules=False)
        external = [checks_dir()]
        if folder == "plan":
            self.runner = PlanRunner()
            files = [str(c.path) for c in cases(folder) if "checkov" in surfaces_for(c)]
            report = self.runner.run(root_folder=None, files=files, external_checks_dir=external,
                                     runner_filter=runner_filter)
        else:
            self.runner = TfRunner() if folder == "terraform" else CfnRunner()
            report = self.runner.run(root_folder=str(FIXTURES / folder), external_checks_dir=external,
                                     runner_filter=runner_filter)
        self.by_file: dict[str, dict[str, set[tuple[str, str]]]] = defaultdict(
            lambda: {"failed": set(), "passed": set()}
        )
        for status, records in (("failed", report.failed_checks), ("passed", report.passed_checks)):
            for record in records:
                entry = self.by_file[os.path.realpath(record.file_abs_path)]
                entry[status].add((record.check_id, checkov_resource(framework, record.resource)))

    def records(self, case: FixtureCase) -> dict[str, set[tuple[str, str]]]:
        """Records of the fixture's file and of the files it references (a called module's resources are
        reported by checkov in the module's file, as `module.<call>.<address>`)."""
        files = [case.path, *(case.path.parent / name for name in case.extra.get("referenced", ()))]
        found: dict[str, set[tuple[str, str]]] = {"failed": set(), "passed": set()}
        for path in files:
            for status, pairs in self.by_file.get(os.path.realpath(path), {}).items():
                found[status] |= pairs
        return found


@cache
def checkov_run(folder: str) -> CheckovRun:
    return CheckovRun(folder)


def checkov_failed(case: FixtureCase) -> set[tuple[str, str]]:
    return checkov_run(folder_of(case)).records(case)["failed"]


def checkov_passed(case: FixtureCase) -> set[tuple[str, str]]:
    return checkov_run(folder_of(case)).records(case)["passed"]


# ---------------------------------------------------------------- cfn-lint


@cache
def cfnlint_matches() -> dict[str, list]:
    """One cfn-lint Runner, with mfa_lint.cfnlint appended, over every CloudFormation fixture."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    # a nested stack's template is linted too (its findings with the values its parent passes are its own run's)
    chosen = [c for c in cases("cloudformation") if "cfnlint" in surfaces_for(c)]
    paths = [c.path for c in chosen] + [c.path.parent / name for c in chosen for name in c.extra.get("referenced", ())]
    templates = list(dict.fromkeys(str(p) for p in paths))
    config = ConfigMixIn(["--template", *templates, "--append-rules", "mfa_lint.cfnlint", "--include-checks", "I9000"])
    grouped: dict[str, list] = defaultdict(list)
    for match in Runner(config).run():
        grouped[os.path.realpath(match.filename)].append(match)
    return grouped


def is_ours(match: Any) -> bool:
    """Any E9xxx/W9xxx/I9xxx match: the ids reserved for user rules."""
    return match.rule.id[:1] in "EWI" and match.rule.id[1:2] == "9" and len(match.rule.id) == 5


def cfnlint_findings(case: FixtureCase) -> Counter:
    """(MFA rule, logical id, line) per match of our rules, in the fixture and in the files it references (a nested
    stack's template, linted with the values its parents pass)."""
    files = [case.path, *(case.path.parent / name for name in case.extra.get("referenced", ()))]
    matches = [m for path in files for m in cfnlint_matches().get(os.path.realpath(path), [])]
    return Counter((rule(m.rule.id).id, m.path[1], m.linenumber) for m in matches
                   if is_ours(m) and m.rule.id != UNJUDGED.cfn_lint_id)


def cfnlint_unjudged(case: FixtureCase) -> set[tuple[str, str, int]]:
    """(file, logical id, line) of each I9000 (could not be judged in full), in the fixture and the files it
    references."""
    files = [case.path, *(case.path.parent / name for name in case.extra.get("referenced", ()))]
    return {(os.path.realpath(path), m.path[1], m.linenumber) for path in files
            for m in cfnlint_matches().get(os.path.realpath(path), []) if m.rule.id == UNJUDGED.cfn_lint_id}
