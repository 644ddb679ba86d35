"""Held-out judgement set: is every surface of mfa-lint silent, wrong or right on code written the way authors write it?

A held-out set is a directory of small projects. Each project is a folder with IaC files and an `expected.json`:

    {"about": "...", "format": "terraform", "constructs": ["tfvars", ...],
     "findings": [{"rule": "MFA001", "file": "main.tf", "line": 12, "resource": "aws_iam_policy.x",
                   "resources": [other names], "also": [{"file": .., "line": ..}], "span": [first, last],
                   "surfaces": ["cli", "checkov"], "why": "..."}],
     "unjudged": [{"file": .., "line": .., "resource": .., "why": ..}],
     "silent":   [{"file": .., "line": .., "resource": .., "why": ..}], "why": "...", "ground_truth": "..."}

`findings` must be reported (rule, resource; at `line` or an `also` line, or inside `span` for statement-level rules;
`line` null: any line, e.g. plan JSON); `unjudged` items must be reported as "could not judge" (a CLI note, checkov
MFA000, cfn-lint I9000), never PASSED; `silent` items must produce nothing. Whatever a surface reports that matches
no item is a false alarm (a finding) or noise (an unjudged report).

Every project is run through every surface that reads its format, the way a user runs it from the project folder:

- the CLI: `mfa-lint scan . --format json --fail-on never --exclude expected.json`;
- checkov with the plugin: `checkov -d . --external-checks-dir <mfa-lint checkov-dir> --framework terraform
  cloudformation terraform_plan -o json --skip-download --check <every MFA id>`;
- cfn-lint with the rules: `cfn-lint --format json -a mfa_lint.cfnlint --include-checks I9000 -- <the project's
  templates>` (I9000, could not judge, is an informational rule: cfn-lint shows it only when included).

Each expected item gets one outcome per surface:

- findings: `at line` (right rule, resource, line) / `elsewhere` (right rule and resource, other line) /
  `other rule` / `unjudged` (reported as could-not-judge) / `SILENT` (nothing; checkov PASSED or not listed);
- unjudged: `unjudged` (right) / `finding` (judged anyway) / `SILENT`;
- silent: `ok` / `FALSE ALARM` (a finding) / `noise` (a could-not-judge report).

Which mfa-lint is measured: the executables of a virtualenv (`--venv DIR`), or each one named (`--mfa-lint`,
`--checkov`, `--cfn-lint`); `--checkov-dir` replaces the folder `mfa-lint checkov-dir` prints (e.g. an exported
self-contained folder); `--tree DIR` puts a `checks/` folder first on PYTHONPATH (a snapshot of a branch at one commit,
so that a branch moving during a long run does not mix two versions).

Usage: python benchmarks/heldout.py SET_DIR --venv .venv [--only NAME ...] [--surfaces cli,checkov,cfnlint]
           [--jobs N] [--out report.md] [--details details.json]
       python benchmarks/heldout.py --diff before.json after.json   (outcomes that changed between two runs)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SURFACES = ("cli", "checkov", "cfnlint")
#: which surfaces read a project format by default (an item's "surfaces" narrows it further)
FORMAT_SURFACES = {
    "terraform": ("cli", "checkov"),
    "plan": ("cli", "checkov"),
    "opentofu": ("cli",),  # checkov does not read .tofu / .tofu.json files
    "cloudformation": SURFACES,
    "sam": SURFACES,
    "policy": ("cli",),
}
CHECKOV_FRAMEWORKS = ("terraform", "cloudformation", "terraform_plan")
ALWAYS_CHECK_IDS = ("MFA000", "MFA006")  # asked for even before the catalog has them: checkov ignores unknown ids
CFN_TEMPLATE = re.compile(r"AWSTemplateFormatVersion|^[\"']?Resources[\"']?\s*:|\"Resources\"\s*:", re.MULTILINE)
CFN_EXT = (".yaml", ".yml", ".json", ".template")
TIMEOUT = 600

FINDING_OUTCOMES = ("at line", "elsewhere", "other rule", "unjudged", "SILENT")
UNJUDGED_OUTCOMES = ("unjudged", "finding", "SILENT")
SILENT_OUTCOMES = ("ok", "FALSE ALARM", "noise")


# ----------------------------------------------------------------------------------------------- what was reported


@dataclass
class Hit:
    """One thing a surface reported, normalised: a finding (rule set) or a could-not-judge report (rule None)."""

    rule: str | None
    file: str | None
    line: int | None
    resource: str | None
    last_line: int | None = None  # checkov: the resource's line range
    message: str = ""


@dataclass
class Report:
    surface: str
    findings: list[Hit] = field(default_factory=list)
    unjudged: list[Hit] = field(default_factory=list)
    passed: list[Hit] = field(default_factory=list)  # checkov PASSED (only for the record: PASSED is silence)
    errors: list[str] = field(default_factory=list)  # unreadable files, crashes, timeouts
    seconds: float = 0.0


@dataclass
class Tools:
    mfa_lint: str
    checkov: str
    cfn_lint: str
    checkov_dir: str | None
    check_ids: list[str]
    env: dict[str, str] = field(default_factory=dict)  # environment of every run (PYTHONPATH with --tree)


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess | None, float,
                                                                  str | None]:
    start = time.perf_counter()
    try:
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL,
                              env=env or None)
    except subprocess.TimeoutExpired:
        return None, time.perf_counter() - start, f"timeout after {TIMEOUT} s"
    except OSError as exc:
        return None, time.perf_counter() - start, f"cannot run {argv[0]}: {exc}"
    failure = None
    if "Traceback (most recent call last)" in proc.stderr:
        failure = "traceback: " + proc.stderr.strip().splitlines()[-1][:300]
    return proc, time.perf_counter() - start, failure


def _rel(root: Path, file: str | None) -> str | None:
    """A reported path, relative to the project folder, with forward slashes."""
    if not file:
        return None
    path = Path(file)
    if not path.is_absolute() or not path.exists():
        candidate = root / file.lstrip("/")
        if candidate.exists():
            path = candidate
        elif not path.is_absolute():
            path = root / file
    try:
        return os.path.relpath(os.path.realpath(path), os.path.realpath(root)).replace(os.sep, "/")
    except ValueError:
        return file


def run_cli(tools: Tools, root: Path) -> Report:
    report = Report("cli")
    argv = [tools.mfa_lint, "scan", ".", "--format", "json", "--fail-on", "never", "--exclude", "expected.json"]
    proc, report.seconds, failure = _run(argv, root, tools.env)
    if failure:
        report.errors.append(failure)
    if proc is None:
        return report
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        report.errors.append(f"exit {proc.returncode}, no JSON: {proc.stderr.strip()[-300:]}")
        return report
    for f in data.get("findings", []):
        report.findings.append(Hit(f.get("rule_id"), _rel(root, f.get("file")), f.get("line"), f.get("resource"),
                                   message=f.get("message", "")))
    for n in data.get("notes", []):
        report.unjudged.append(Hit(None, _rel(root, n.get("file")), n.get("line"), n.get("resource"),
                                   message=n.get("message", "")))
    for e in data.get("errors", []):
        report.errors.append(f"{_rel(root, e.get('file'))}: {e.get('message', '')[:200]}")
    return report


def _checkov_resource(framework: str, resource: str) -> str:
    """checkov's resource id -> the address form of expected.json (CloudFormation: the logical id; data sources with
    `data.` as Terraform writes them)."""
    if framework == "cloudformation":
        return resource.rsplit(".", 1)[-1]
    prefix, rest = _split_modules(resource)
    if rest.split(".", 1)[0].endswith("_policy_document") and not rest.startswith("data."):
        rest = "data." + rest
    return prefix + rest


def run_checkov(tools: Tools, root: Path) -> Report:
    report = Report("checkov")
    if tools.checkov_dir is None:
        report.errors.append("no checkov external-checks folder")
        return report
    argv = [tools.checkov, "-d", ".", "--external-checks-dir", tools.checkov_dir, "--skip-download", "-o", "json",
            "--check", ",".join(tools.check_ids), "--framework", *CHECKOV_FRAMEWORKS]
    proc, report.seconds, failure = _run(argv, root, tools.env)
    if failure:
        report.errors.append(failure)
    if proc is None:
        return report
    out = proc.stdout.strip()
    if not out:
        if proc.returncode not in (0, 1):
            report.errors.append(f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
        return report
    try:
        data = json.loads(out)
    except ValueError:
        report.errors.append(f"exit {proc.returncode}, no JSON: {proc.stderr.strip()[-300:]}")
        return report
    for part in data if isinstance(data, list) else [data]:
        if not isinstance(part, dict):
            continue
        framework = part.get("check_type", "")
        results = part.get("results", {})
        for status, bucket in (("failed_checks", "failed"), ("passed_checks", "passed")):
            for rec in results.get(status, []):
                lines = rec.get("file_line_range") or [None, None]
                hit = Hit(rec.get("check_id"), _rel(root, rec.get("file_path")), lines[0],
                          _checkov_resource(framework, rec.get("resource", "")), last_line=lines[-1],
                          message=rec.get("check_name", ""))
                if bucket == "passed":
                    report.passed.append(hit)
                elif hit.rule == "MFA000":
                    hit.rule = None
                    report.unjudged.append(hit)
                else:
                    report.findings.append(hit)
    return report


def cfn_templates(root: Path) -> list[str]:
    """The project's CloudFormation templates (by their text), relative to the project."""
    out = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name == "expected.json" or not path.name.lower().endswith(CFN_EXT):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if CFN_TEMPLATE.search(text) and '"format_version"' not in text:
            out.append(path.relative_to(root).as_posix())
    return out


def run_cfnlint(tools: Tools, root: Path) -> Report:
    report = Report("cfnlint")
    templates = cfn_templates(root)
    if not templates:
        return report
    argv = [tools.cfn_lint, "--format", "json", "-a", "mfa_lint.cfnlint", "--include-checks", "I9000", "--", *templates]
    proc, report.seconds, failure = _run(argv, root, tools.env)
    if failure:
        report.errors.append(failure)
    if proc is None:
        return report
    try:
        matches = json.loads(proc.stdout or "[]")
    except ValueError:
        report.errors.append(f"exit {proc.returncode}, no JSON: {proc.stderr.strip()[-300:]}")
        return report
    for m in matches:
        rule_id = m.get("Rule", {}).get("Id", "")
        if not re.fullmatch(r"[EWI]9\d{3}", rule_id):
            if rule_id.startswith("E0"):
                report.errors.append(f"{m.get('Filename')}: {rule_id} {m.get('Message', '')[:200]}")
            continue
        loc = m.get("Location", {})
        path = loc.get("Path") or []
        resource = path[1] if len(path) > 1 and path[0] == "Resources" else None
        hit = Hit(f"MFA{rule_id[2:]}", _rel(root, m.get("Filename")), loc.get("Start", {}).get("LineNumber"),
                  resource, message=m.get("Message", ""))
        if hit.rule == "MFA000":
            hit.rule = None
            report.unjudged.append(hit)
        else:
            report.findings.append(hit)
    return report


RUNNERS = {"cli": run_cli, "checkov": run_checkov, "cfnlint": run_cfnlint}


# -------------------------------------------------------------------------------------------------------- matching

_MODULES = re.compile(r"^((?:module\.[^.\[]+(?:\[[^\]]*\])?\.)*)(.*)$")


def _split_modules(address: str) -> tuple[str, str]:
    match = _MODULES.match(address)
    return (match.group(1), match.group(2)) if match else ("", address)


def canonical(name: str | None) -> str | None:
    """One spelling of an address: no blanks, one kind of quote in instance keys."""
    if name is None:
        return None
    return re.sub(r"\s+", "", name).replace("\\\"", '"').replace("'", '"')


def _without_indices(name: str) -> str:
    return re.sub(r"\[[^\]]*\]", "", name)


def name_level(reported: str | None, accepted: list[str | None]) -> int:
    """How well a reported resource name fits an item's names: 3 the same, 2 the same without instance keys,
    1 the same without module prefixes (a surface naming a module's resource by its file), 0 not at all."""
    got = canonical(reported)
    names = [canonical(a) for a in accepted]
    if got in names:
        return 3
    if got is None or not any(names):
        return 0
    if _without_indices(got) in {_without_indices(n) for n in names if n}:
        return 2
    if _split_modules(_without_indices(got))[1] in {_split_modules(_without_indices(n))[1] for n in names if n}:
        return 1
    return 0


@dataclass
class Item:
    project: str
    kind: str  # finding | unjudged | silent
    rule: str | None
    file: str | None
    line: int | None
    resource: str | None
    resources: list[str | None]
    places: list[tuple[str | None, int | None]]  # (file, line) that count as the right line
    span: tuple[int, int] | None
    surfaces: tuple[str, ...]
    why: str
    constructs: list[str]
    fmt: str
    family: str = ""

    @property
    def label(self) -> str:
        what = f"{self.rule} " if self.rule else ""
        where = f"{self.file}:{self.line}" if self.line else (self.file or "")
        return f"{what}{self.resource or '(file)'} @ {where}"


def load_items(project: Path) -> tuple[dict[str, Any], list[Item]]:
    expected = json.loads((project / "expected.json").read_text())
    fmt = expected.get("format", "terraform")
    default_surfaces = FORMAT_SURFACES.get(fmt, SURFACES)
    items = []
    for kind, key in (("finding", "findings"), ("unjudged", "unjudged"), ("silent", "silent")):
        for row in expected.get(key, []):
            places = [(row.get("file"), row.get("line"))]
            places += [(a.get("file"), a.get("line")) for a in row.get("also", [])]
            span = tuple(row["span"]) if row.get("span") else None
            surfaces = tuple(s for s in default_surfaces if s in row.get("surfaces", default_surfaces))
            items.append(Item(project.name, kind, row.get("rule"), row.get("file"), row.get("line"),
                              row.get("resource"), [row.get("resource"), *row.get("resources", [])], places, span,
                              surfaces, row.get("why", ""), expected.get("constructs", []), fmt,
                              expected.get("family", "")))
    return expected, items


def _at_place(item: Item, hit: Hit) -> bool:
    """Whether a hit points where the item says (its line, an `also` line, its span; checkov: its range holds one)."""
    for file, line in item.places:
        if line is None:
            if file is None or hit.file == file or item.fmt == "plan":
                return True
            continue
        if hit.file != file or hit.line is None:
            continue
        last = hit.last_line if hit.last_line is not None else hit.line
        if hit.line <= line <= last:
            return True
        if item.span and file == item.file and hit.line <= item.span[1] and last >= item.span[0]:
            return True
    return False


def _place_level(item: Item, hit: Hit) -> int:
    """A hit at the item's exact place identifies it even under another resource name (e.g. the data source of
    the policy document the item's resource uses), as does the same file for an item with no resource."""
    if _at_place(item, hit) and any(line is not None for _, line in item.places):
        return 3
    if item.resource is None and hit.file is not None and hit.file == item.file:
        return 3
    return 0


def match(items: list[Item], hit: Hit, rule_matters: bool) -> Item | None:
    """The item a hit belongs to: best name or place, then same rule, same file, right line."""
    best, best_score = None, (0, 0, 0, 0)
    for item in items:
        level = max(name_level(hit.resource, item.resources), _place_level(item, hit))
        if level == 0:
            continue
        same_rule = int(not rule_matters or item.rule is None or item.rule == hit.rule)
        same_file = int(hit.file is not None and any(hit.file == f for f, _ in item.places))
        score = (level, same_rule, same_file, int(_at_place(item, hit)))
        if score > best_score:
            best, best_score = item, score
    return best


# ------------------------------------------------------------------------------------------------------- outcomes


@dataclass
class Outcome:
    project: str
    surface: str
    kind: str
    outcome: str
    item: str
    constructs: list[str]
    why: str
    detail: str = ""
    family: str = ""


def classify(items: list[Item], report: Report) -> tuple[list[Outcome], list[Outcome]]:
    """Each item's outcome on this surface, and what the surface reported that matches no item."""
    applicable = [i for i in items if report.surface in i.surfaces]
    by_item: dict[int, dict[str, list[Hit]]] = defaultdict(lambda: defaultdict(list))
    extras: list[Outcome] = []
    project = items[0].project if items else ""
    for hit in _dedupe(report.findings):
        item = match(applicable, hit, rule_matters=True)
        if item is None:
            if not any(match([i], hit, True) for i in items):  # an item of another surface is not an extra
                extras.append(Outcome(project, report.surface, "extra", "FALSE ALARM",
                                      f"{hit.rule} {hit.resource or '(file)'} @ {hit.file}:{hit.line}", [],
                                      "", hit.message[:200]))
            continue
        by_item[id(item)]["findings"].append(hit)
    for hit in _dedupe(report.unjudged):
        item = match(applicable, hit, rule_matters=False)
        if item is None:
            if not any(match([i], hit, False) for i in items):
                extras.append(Outcome(project, report.surface, "extra", "noise",
                                      f"{hit.resource or '(file)'} @ {hit.file}:{hit.line}", [], "",
                                      hit.message[:200]))
            continue
        by_item[id(item)]["unjudged"].append(hit)
    passed = {canonical(h.resource) for h in report.passed}
    outcomes = []
    for item in applicable:
        hits = by_item.get(id(item), {})
        findings, unjudged = hits.get("findings", []), hits.get("unjudged", [])
        same_rule = [h for h in findings if h.rule == item.rule]
        detail = ""
        if item.kind == "finding":
            if same_rule and any(_at_place(item, h) for h in same_rule):
                outcome = "at line"
                primary = Item(**{**asdict(item), "places": item.places[:1]})
                if not any(_at_place(primary, h) for h in same_rule):
                    detail = "at an alternative line: " + ", ".join(f"{h.file}:{h.line}" for h in same_rule)
            elif same_rule:
                outcome = "elsewhere"
                detail = ", ".join(f"{h.file}:{h.line}" for h in same_rule)
            elif findings:
                outcome = "other rule"
                detail = ", ".join(f"{h.rule} {h.file}:{h.line}" for h in findings)
            elif unjudged:
                outcome = "unjudged"
                detail = unjudged[0].message[:160]
            else:
                outcome = "SILENT"
                if report.surface == "checkov":
                    detail = "PASSED" if canonical(item.resource) in passed else "not listed"
        elif item.kind == "unjudged":
            if unjudged:
                outcome = "unjudged"
            elif findings:
                outcome = "finding"
                detail = ", ".join(f"{h.rule} {h.file}:{h.line}" for h in findings)
            else:
                outcome = "SILENT"
                if report.surface == "checkov":
                    detail = "PASSED" if canonical(item.resource) in passed else "not listed"
        else:
            if findings:
                outcome = "FALSE ALARM"
                detail = ", ".join(f"{h.rule} {h.file}:{h.line}" for h in findings)
            elif unjudged:
                outcome = "noise"
                detail = unjudged[0].message[:160]
            else:
                outcome = "ok"
        outcomes.append(Outcome(item.project, report.surface, item.kind, outcome, item.label, item.constructs,
                                item.why, detail, item.family))
    return outcomes, extras


def _dedupe(hits: list[Hit]) -> list[Hit]:
    seen, out = set(), []
    for h in hits:
        key = (h.rule, h.file, h.line, canonical(h.resource))
        if key not in seen:
            seen.add(key)
            out.append(h)
    return out


# -------------------------------------------------------------------------------------------------------- running


def measure(tools: Tools, project: Path, surfaces: tuple[str, ...]) -> dict[str, Any]:
    expected, items = load_items(project)
    wanted = {s for i in items for s in i.surfaces} | set(FORMAT_SURFACES.get(expected.get("format"), SURFACES))
    result: dict[str, Any] = {"project": project.name, "format": expected.get("format"),
                              "constructs": expected.get("constructs", []), "outcomes": [], "extras": [],
                              "errors": {}, "seconds": {}, "raw": {}}
    for surface in surfaces:
        if surface not in wanted:
            continue
        report = RUNNERS[surface](tools, project)
        outcomes, extras = classify(items, report)
        result["outcomes"] += [asdict(o) for o in outcomes]
        result["extras"] += [asdict(o) for o in extras]
        result["errors"][surface] = report.errors
        result["seconds"][surface] = round(report.seconds, 2)
        result["raw"][surface] = {"findings": [asdict(h) for h in report.findings],
                                  "unjudged": [asdict(h) for h in report.unjudged]}
    return result


def resolve_tools(args: argparse.Namespace) -> Tools:
    def exe(explicit: str | None, name: str) -> str:
        if explicit:
            return explicit
        if args.venv:
            return str(Path(args.venv) / "bin" / name)
        return name

    env = dict(os.environ)
    if args.tree:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(Path(args.tree).resolve()), env.get("PYTHONPATH")) if p)
    tools = Tools(exe(args.mfa_lint, "mfa-lint"), exe(args.checkov, "checkov"), exe(args.cfn_lint, "cfn-lint"),
                  args.checkov_dir, [], env)
    ids = set(ALWAYS_CHECK_IDS)
    try:
        listing = subprocess.run([tools.mfa_lint, "rules"], capture_output=True, text=True, timeout=60,
                                 env=env).stdout
        ids |= set(re.findall(r"^(MFA\d{3})\b", listing, re.MULTILINE))
        if tools.checkov_dir is None:
            tools.checkov_dir = subprocess.run([tools.mfa_lint, "checkov-dir"], capture_output=True, text=True,
                                               timeout=60, check=True, env=env).stdout.strip() or None
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"warning: {tools.mfa_lint}: {exc}", file=sys.stderr)
    tools.check_ids = sorted(ids)
    return tools


# ------------------------------------------------------------------------------------------------------ reporting


def _table(outcomes: list[dict], extras: list[dict], surface: str) -> list[str]:
    mine = [o for o in outcomes if o["surface"] == surface]
    if not mine:
        return [f"### {surface}", "", "(not run)", ""]
    count = Counter((o["kind"], o["outcome"]) for o in mine)
    extra = Counter(o["outcome"] for o in extras if o["surface"] == surface)

    def row(kind: str, names: tuple[str, ...]) -> str:
        total = sum(count[(kind, n)] for n in names)
        return f"| {kind} ({total}) | " + " | ".join(f"{count[(kind, n)]}" for n in names) + " |"

    return [
        f"### {surface}", "",
        "| expected findings | " + " | ".join(FINDING_OUTCOMES) + " |", "|---|" + "---|" * len(FINDING_OUTCOMES),
        row("finding", FINDING_OUTCOMES), "",
        "| expected unjudged | " + " | ".join(UNJUDGED_OUTCOMES) + " |", "|---|" + "---|" * len(UNJUDGED_OUTCOMES),
        row("unjudged", UNJUDGED_OUTCOMES), "",
        "| expected silent | " + " | ".join(SILENT_OUTCOMES) + " |", "|---|" + "---|" * len(SILENT_OUTCOMES),
        row("silent", SILENT_OUTCOMES), "",
        f"Reported but matching no item: {extra['FALSE ALARM']} findings (false alarms), {extra['noise']} "
        "could-not-judge reports (noise).", "",
    ]


def _families(outcomes: list[dict], extras: list[dict]) -> list[str]:
    """Per family of constructs and surface: expected findings found (at line / anywhere), SILENT, false alarms."""
    families = sorted({o["family"] for o in outcomes if o["family"]})
    if not families:
        return []
    lines = ["## Per family of constructs", "",
             "Per surface: findings at the line / found anywhere / expected findings; unjudged reported / expected; "
             "SILENT (findings + unjudged); FALSE ALARMS (silent items + unmatched findings).", "",
             "| family | " + " | ".join(SURFACES) + " |", "|---|" + "---|" * len(SURFACES)]
    project_family = {o["project"]: o["family"] for o in outcomes}
    for family in families:
        cells = []
        for surface in SURFACES:
            mine = [o for o in outcomes if o["family"] == family and o["surface"] == surface]
            if not mine:
                cells.append("-")
                continue
            n = Counter((o["kind"], o["outcome"]) for o in mine)
            total = sum(v for (k, _), v in n.items() if k == "finding")
            unjudged = sum(v for (k, _), v in n.items() if k == "unjudged")
            alarms = n[("silent", "FALSE ALARM")] + sum(
                1 for e in extras if e["surface"] == surface and e["outcome"] == "FALSE ALARM"
                and project_family.get(e["project"]) == family)
            cells.append(f"{n[('finding', 'at line')]} / {n[('finding', 'at line')] + n[('finding', 'elsewhere')]} / "
                         f"{total}; {n[('unjudged', 'unjudged')]} / {unjudged}; "
                         f"SILENT {n[('finding', 'SILENT')] + n[('unjudged', 'SILENT')]}; FA {alarms}")
        lines.append(f"| {family} | " + " | ".join(cells) + " |")
    return lines + [""]


def render(results: list[dict], title: str, tools: Tools | None) -> str:
    outcomes = [o for r in results for o in r["outcomes"]]
    extras = [o for r in results for o in r["extras"]]
    lines = [f"# {title}", ""]
    if tools:
        lines += [f"Executables: `{tools.mfa_lint}`, `{tools.checkov}`, `{tools.cfn_lint}`; checkov checks "
                  f"{', '.join(tools.check_ids)}.", ""]
    items = Counter(o["kind"] for o in outcomes if o["surface"] == "cli")
    lines += [f"{len(results)} projects; items (CLI): {items['finding']} findings, {items['unjudged']} unjudged, "
              f"{items['silent']} silent.", "", "## Per surface", ""]
    for surface in SURFACES:
        lines += _table(outcomes, extras, surface)
    lines += _families(outcomes, extras)
    lines += ["## Silent cases (expected a finding or an unjudged report, got nothing)", ""]
    silent = [o for o in outcomes if o["outcome"] == "SILENT"]
    by_construct: dict[str, Counter] = defaultdict(Counter)
    for o in silent:
        for c in o["constructs"]:
            by_construct[c][o["surface"]] += 1
    if by_construct:
        lines += ["| construct | cli | checkov | cfnlint |", "|---|---|---|---|"]
        for c, n in sorted(by_construct.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
            lines.append(f"| {c} | {n['cli']} | {n['checkov']} | {n['cfnlint']} |")
        lines.append("")
    for o in sorted(silent, key=lambda o: (o["project"], o["surface"])):
        extra = f" ({o['detail']})" if o["detail"] else ""
        lines.append(f"- **{o['surface']}** `{o['project']}`: {o['kind']} {o['item']}{extra}")
    lines += ["", "## False alarms and noise", ""]
    wrong = [o for o in outcomes + extras if o["outcome"] in ("FALSE ALARM", "noise", "finding")]
    for o in sorted(wrong, key=lambda o: (o["outcome"], o["project"], o["surface"])):
        extra = f" — {o['detail']}" if o["detail"] else ""
        lines.append(f"- {o['outcome']} **{o['surface']}** `{o['project']}`: {o['item']}{extra}")
    if not wrong:
        lines.append("(none)")
    lines += ["", "## Other outcomes (found elsewhere, other rule, unjudged instead of a finding)", ""]
    other = [o for o in outcomes if o["kind"] == "finding" and o["outcome"] in ("elsewhere", "other rule", "unjudged")]
    for o in sorted(other, key=lambda o: (o["outcome"], o["project"], o["surface"])):
        lines.append(f"- {o['outcome']} **{o['surface']}** `{o['project']}`: {o['item']} — {o['detail']}")
    lines += ["", "## Read errors", ""]
    errs = [(r["project"], s, e) for r in results for s, es in r["errors"].items() for e in es]
    lines += [f"- `{p}` {s}: {e}" for p, s, e in errs] or ["(none)"]
    lines += ["", "## Per project", "", "| project | format | cli | checkov | cfnlint |", "|---|---|---|---|---|"]
    for r in results:
        cells = []
        for surface in SURFACES:
            mine = [o for o in r["outcomes"] if o["surface"] == surface]
            bad = [o for o in mine if o["outcome"] not in ("at line", "ok") and not (
                o["kind"] == "unjudged" and o["outcome"] == "unjudged")]
            bad += [o for o in r["extras"] if o["surface"] == surface]
            if not mine and surface not in r["seconds"]:
                cells.append("-")
            elif not bad:
                cells.append("right")
            else:
                cells.append("; ".join(sorted({o["outcome"] for o in bad})))
        lines.append(f"| {r['project']} | {r['format']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def render_diff(before: list[dict], after: list[dict]) -> str:
    """Every item outcome that differs between two --details files."""
    def index(results: list[dict]) -> dict[tuple, str]:
        out = {}
        for r in results:
            for o in r["outcomes"]:
                out[(o["project"], o["surface"], o["kind"], o["item"])] = o["outcome"]
            for o in r["extras"]:
                out[(o["project"], o["surface"], "extra", o["item"])] = o["outcome"]
        return out

    b, a = index(before), index(after)
    lines = ["| project | surface | item | before | after |", "|---|---|---|---|---|"]
    for key in sorted(set(b) | set(a)):
        if b.get(key) != a.get(key):
            lines.append(f"| {key[0]} | {key[1]} | {key[2]} {key[3]} | {b.get(key, '-')} | {a.get(key, '-')} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set_dir", nargs="?", metavar="SET_DIR", help="folder of projects with expected.json")
    parser.add_argument("--venv", help="virtualenv whose bin/ holds mfa-lint, checkov and cfn-lint")
    parser.add_argument("--mfa-lint", help="mfa-lint executable (overrides --venv)")
    parser.add_argument("--checkov", help="checkov executable (overrides --venv)")
    parser.add_argument("--cfn-lint", help="cfn-lint executable (overrides --venv)")
    parser.add_argument("--checkov-dir", help="external-checks folder (default: what `mfa-lint checkov-dir` prints)")
    parser.add_argument("--tree", help="a checks/ folder to measure instead of the installed mfa_lint (put first on "
                        "PYTHONPATH of every run: e.g. a snapshot of main at one commit)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these projects (folder names or prefixes)")
    parser.add_argument("--surfaces", default=",".join(SURFACES), help="comma-separated subset of cli,checkov,cfnlint")
    parser.add_argument("--jobs", type=int, default=1, help="projects measured at once (default 1)")
    parser.add_argument("--out", help="write the markdown report here (default: stdout)")
    parser.add_argument("--details", help="write every outcome and raw report as JSON here")
    parser.add_argument("--title", default="mfa-lint on the held-out set")
    parser.add_argument("--diff", nargs=2, metavar=("BEFORE.json", "AFTER.json"),
                        help="compare two --details files instead of measuring")
    args = parser.parse_args(argv)
    if args.diff:
        before, after = (json.loads(Path(p).read_text())["results"] for p in args.diff)
        sys.stdout.write(render_diff(before, after))
        return 0
    if not args.set_dir:
        parser.error("give the held-out set folder")
    surfaces = tuple(s for s in args.surfaces.split(",") if s)
    unknown = set(surfaces) - set(SURFACES)
    if unknown:
        parser.error(f"unknown surfaces: {', '.join(sorted(unknown))}")
    root = Path(args.set_dir).resolve()
    projects = sorted(p.parent for p in root.glob("*/expected.json"))
    if args.only:
        projects = [p for p in projects if any(p.name == o or p.name.startswith(o) for o in args.only)]
    if not projects:
        parser.error(f"{root}: no project folders with an expected.json")
    tools = resolve_tools(args)

    def one(project: Path) -> dict:
        print(f"measuring {project.name} ...", file=sys.stderr, flush=True)
        return measure(tools, project, surfaces)

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(one, projects))
    report = render(results, args.title, tools)
    if args.out:
        Path(args.out).write_text(report)
    else:
        sys.stdout.write(report)
    if args.details:
        described = {k: v for k, v in asdict(tools).items() if k != "env"}  # no environment dump in the file
        described["tree"] = args.tree
        Path(args.details).write_text(json.dumps({"tools": described, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
