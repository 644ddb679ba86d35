"""Real-world agreement and reach: every surface of mfa-lint over directories of public IaC, side by side.

For each directory given on the command line:

- the CLI: `python -m mfa_lint scan DIR --format json` (findings, notes, errors, wall time);
- checkov with the plugin: `checkov -d DIR --external-checks-dir <mfa-lint checkov-dir> --skip-download -o json
  --check MFA001,... --framework terraform terraform_plan cloudformation` (FAILED and PASSED per resource; what
  checkov lists in neither is UNKNOWN, which it never shows);
- cfn-lint with the rules: `cfn-lint --format json -a mfa_lint.cfnlint -- <templates>` over the CloudFormation
  templates of the directory that mention an MFA key;
- reach: how many MFA conditions the text holds (occurrences of `aws:MultiFactorAuthPresent` / `...Age`, any case,
  in a key or `variable = ...` position, in files that are not docs or program code) against how many MFA tests the
  CLI actually judged (every value known) or left unresolved. The second count comes from a worker that runs the
  CLI in-process and records each document handed to the core.

Results are normalised to (rule, file, resource) (and the line for cfn-lint), and every disagreement between
surfaces is listed. Output: markdown (stdout or --out), and optionally the raw details as JSON (--details).

Which mfa-lint is measured is chosen by PYTHONPATH (or --tree DIR, the `checks/` folder of a checkout); the
interpreter by --python (default: this one). Nothing here depends on any particular repository being present.

Usage: python benchmarks/realworld.py [--tree checks/] [--out report.md] [--details d.json]
       [--no-checkov] [--no-cfnlint] DIR [DIR ...]
       python benchmarks/realworld.py --diff before.json after.json   (totals side by side)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RULES = ("MFA001", "MFA002", "MFA003", "MFA004", "MFA005", "MFA006")
#: the could-not-judge result (checkov MFA000, cfn-lint I9000): counted apart from findings, never a disagreement
UNJUDGED = "MFA000"
CHECKOV_FRAMEWORKS = ("terraform", "terraform_plan", "cloudformation")
TIMEOUT = 1800

#: an MFA key in a condition position: a JSON/YAML/HCL map key (`"aws:MultiFactorAuthAge": ...`,
#: `aws:MultiFactorAuthPresent = ...`, also inside escaped JSON text) or the `variable` of a condition block.
MFA_KEY = r"aws:multifactorauth(?:present|age)"
MFA_CONDITION = re.compile(
    rf"{MFA_KEY}\\?[\"']?\s*[:=]|variable\\?[\"']?\s*[:=]\s*\\?[\"']?{MFA_KEY}", re.IGNORECASE
)
#: files whose MFA text is not a policy mfa-lint should read (docs, program code, test snapshots)
NOT_IAC = (".md", ".rst", ".adoc", ".html", ".py", ".go", ".rego", ".ts", ".js", ".java", ".rb", ".snap", ".ipynb",
           ".cs", ".kt", ".sh", ".rs", ".csv", ".sarif", ".svg")
SKIP_DIRS = {".git", ".terraform", "node_modules", ".venv", "venv", "__pycache__"}
CFN_TEMPLATE = re.compile(r"AWSTemplateFormatVersion|^[\"']?Resources[\"']?\s*:|\"Resources\"\s*:", re.MULTILINE)
CFN_EXT = (".yaml", ".yml", ".json", ".template")


# ------------------------------------------------------------------------------------------------------ text side


def iter_files(root: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        out.extend(Path(dirpath) / name for name in sorted(filenames))
    return out


def read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def text_conditions(root: Path) -> dict[str, int]:
    """Per file (relative to root): MFA keys in condition positions, in files that may hold a policy."""
    return {file: len(lines) for file, lines in text_condition_lines(root).items()}


def text_condition_lines(root: Path) -> dict[str, list[int]]:
    """Per file (relative to root): the line of each MFA key in a condition position."""
    found: dict[str, list[int]] = {}
    for path in iter_files(root):
        if path.name.lower().endswith(NOT_IAC):
            continue
        text = read(path)
        plan = _plan_policies_text(text) if path.name.lower().endswith(".json") else None
        if plan is not None:  # a plan repeats each policy (planned values, changes, prior state): count it once
            lines = [1] * len(MFA_CONDITION.findall(plan))
        else:
            lines = [text.count("\n", 0, m.start()) + 1 for m in MFA_CONDITION.finditer(text)]
        if lines:
            found[path.relative_to(root).as_posix()] = lines
    return found


def _plan_policies_text(text: str) -> str | None:
    """For a Terraform plan JSON: the planned values of its managed resources' changes, as JSON text; else None."""
    if '"format_version"' not in text or not ('"resource_changes"' in text or '"planned_values"' in text):
        return None
    try:
        plan = json.loads(text)
    except ValueError:
        return None
    if not isinstance(plan, dict) or "planned_values" not in plan and "resource_changes" not in plan:
        return None
    changes = plan.get("resource_changes") or []  # none: a plan of data sources only, nothing is deployed
    after = [(rc.get("change") or {}).get("after") for rc in changes
             if isinstance(rc, dict) and rc.get("mode", "managed") == "managed"]
    return json.dumps(after)


def mfa_templates(root: Path) -> list[Path]:
    """CloudFormation templates (by their text) under root that mention an MFA key: what cfn-lint is given."""
    out = []
    for path in iter_files(root):
        if not path.name.lower().endswith(CFN_EXT):
            continue
        text = read(path)
        if re.search(MFA_KEY, text, re.IGNORECASE) and CFN_TEMPLATE.search(text):
            out.append(path)
    return out


# ------------------------------------------------------------------------------------------------------- surfaces


@dataclass
class Run:
    seconds: float = 0.0
    failure: str | None = None  # a crash, a timeout, unreadable output


def _env(tree: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if tree:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (tree, env.get("PYTHONPATH", "")) if p)
    return env


def _run(argv: list[str], env: dict[str, str], cwd: str | None = None) -> tuple[subprocess.CompletedProcess | None,
                                                                                 float, str | None]:
    start = time.perf_counter()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, time.perf_counter() - start, f"timeout after {TIMEOUT} s"
    seconds = time.perf_counter() - start
    failure = None
    if "Traceback (most recent call last)" in proc.stderr:
        failure = "traceback: " + proc.stderr.strip().splitlines()[-1][:300]
    return proc, seconds, failure


def run_cli(python: str, env: dict[str, str], root: Path) -> tuple[dict[str, Any], Run]:
    proc, seconds, failure = _run([python, "-m", "mfa_lint", "scan", str(root), "--format", "json",
                                   "--fail-on", "never"], env)
    run = Run(seconds, failure)
    if proc is None:
        return {}, run
    try:
        return json.loads(proc.stdout), run
    except ValueError:
        run.failure = run.failure or f"exit {proc.returncode}, no JSON: {proc.stderr.strip()[-300:]}"
        return {}, run


def checkov_dir(python: str, env: dict[str, str]) -> str:
    proc = subprocess.run([python, "-m", "mfa_lint", "checkov-dir"], capture_output=True, text=True, env=env,
                          check=True)
    return proc.stdout.strip()


def run_checkov(python: str, env: dict[str, str], root: Path, external: str) -> tuple[list[dict], Run]:
    checkov = Path(python).parent / "checkov"
    argv = [str(checkov) if checkov.exists() else "checkov", "-d", str(root), "--external-checks-dir", external,
            "--skip-download", "-o", "json", "--check", ",".join((UNJUDGED, *RULES)),
            "--framework", *CHECKOV_FRAMEWORKS]
    proc, seconds, failure = _run(argv, env)
    run = Run(seconds, failure)
    if proc is None:
        return [], run
    out = proc.stdout.strip()
    if not out:
        return [], run
    try:
        data = json.loads(out)
    except ValueError:
        run.failure = run.failure or f"exit {proc.returncode}, no JSON: {proc.stderr.strip()[-300:]}"
        return [], run
    reports = data if isinstance(data, list) else [data]
    return [r for r in reports if isinstance(r, dict)], run


def run_cfnlint(python: str, env: dict[str, str], templates: list[Path]) -> tuple[list[dict], Run]:
    if not templates:
        return [], Run()
    cfnlint = Path(python).parent / "cfn-lint"
    argv = [str(cfnlint) if cfnlint.exists() else "cfn-lint", "--format", "json", "-a", "mfa_lint.cfnlint",
            "--include-checks", "I9000", "--", *map(str, templates)]
    proc, seconds, failure = _run(argv, env)
    run = Run(seconds, failure)
    if proc is None:
        return [], run
    try:
        return json.loads(proc.stdout or "[]"), run
    except ValueError:
        run.failure = run.failure or f"exit {proc.returncode}, no JSON: {proc.stderr.strip()[-300:]}"
        return [], run


def run_reach(python: str, env: dict[str, str], root: Path) -> tuple[dict[str, dict[str, int]], Run]:
    proc, seconds, failure = _run([python, os.path.abspath(__file__), "--reach-worker", str(root)], env)
    run = Run(seconds, failure)
    if proc is None:
        return {}, run
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1]), run
    except (ValueError, IndexError):
        run.failure = run.failure or f"reach worker: {proc.stderr.strip()[-300:]}"
        return {}, run


# ---------------------------------------------------------------------------------------------------- reach worker


def _mfa_tests(document: Any) -> tuple[int, int]:
    """(judged, unresolved) MFA tests of one document, as the core parses it."""
    from mfa_lint.core.model import parse_document

    judged = unresolved = 0
    for statement in parse_document(document).statements:
        for test in statement.tests:
            if not (getattr(test, "is_mfa", False) or re.search(MFA_KEY, str(test.key), re.IGNORECASE)):
                continue
            unknown = getattr(test, "has_unknown", False)
            if unknown or getattr(statement, "unjudged", False) or statement.effect is None:
                unresolved += 1
            else:
                judged += 1
    return judged, unresolved


def reach_worker(root: str) -> None:
    """Run the CLI in-process, recording each (site, document) given to the core; print per-file test counts."""
    import mfa_lint.cli as cli
    import mfa_lint.core.analyzer as analyzer
    import mfa_lint.scanning  # noqa: F401  (whatever the scan is split into gets imported with it)

    original = analyzer.analyze_document
    seen: set[tuple] = set()
    per_file: dict[str, Counter] = defaultdict(Counter)

    def recording(document: Any, kind: str = "identity", *args: Any, **kwargs: Any) -> Any:
        frame, site = sys._getframe(1), None
        for _ in range(6):
            if frame is None:
                break
            candidate = frame.f_locals.get("site")
            if candidate is not None and hasattr(candidate, "file"):
                site = candidate
                break
            frame = frame.f_back
        file = os.path.relpath(site.file, root) if site is not None else "?"
        resource = getattr(site, "resource", None)
        try:  # the same document reached twice for one resource (two readers' paths, two kinds) counts once
            key = (file, resource, json.dumps(document, sort_keys=True, default=str))
        except (TypeError, ValueError):
            key = (file, resource, repr(document))
        if key not in seen:
            seen.add(key)
            try:
                judged, unresolved = _mfa_tests(document)
            except Exception:  # the core reports it itself; count the document only
                judged = unresolved = 0
            per_file[file]["judged"] += judged
            per_file[file]["unresolved"] += unresolved
            per_file[file]["documents"] += 1
        return original(document, kind, *args, **kwargs)

    # every module that imported the name, and the analyzer itself for modules imported later in the run
    for name, module in list(sys.modules.items()):
        if name.startswith("mfa_lint") and getattr(module, "analyze_document", None) is original:
            module.analyze_document = recording  # type: ignore[attr-defined]
    argv = ["scan", root, "--format", "json", "--fail-on", "never"]
    with contextlib.redirect_stdout(io.StringIO()) as help_text:
        with contextlib.suppress(SystemExit):
            cli.main(["scan", "--help"])
    if "--jobs" in help_text.getvalue():
        argv += ["--jobs", "1"]  # a process pool would analyse out of sight of the recorder
    with contextlib.redirect_stdout(io.StringIO()):
        cli.main(argv)
    print(json.dumps({f: dict(c) for f, c in per_file.items()}))


# ------------------------------------------------------------------------------------------------------ comparing


def rel(root: Path, file: str) -> str:
    path = Path(file)
    if not path.exists() and (root / file.lstrip("/")).exists():
        path = root / file.lstrip("/")  # checkov's file_path: "/" + the path relative to the scanned directory
    try:
        return os.path.relpath(os.path.realpath(path), os.path.realpath(root)).replace(os.sep, "/")
    except ValueError:
        return file


_MODULE_PREFIX = re.compile(r"^(?:module\.[^.\[]+(?:\[[^\]]*\])?\.)+")


def checkov_resource(framework: str, resource: str) -> str:
    """checkov's resource id -> the CLI's naming (CloudFormation logical id; `data.` for data sources; no
    `module.x.` prefix: checkov names a module's resources by the call that reached them, the CLI by their file)."""
    if framework == "cloudformation":
        return resource.rsplit(".", 1)[-1]
    resource = _MODULE_PREFIX.sub("", resource)
    if resource.split(".", 1)[0].endswith("_policy_document"):
        return "data." + resource
    return resource


def cli_resource(resource: str | None) -> str | None:
    return _MODULE_PREFIX.sub("", resource) if resource else resource


@dataclass
class Result:
    name: str
    root: Path
    text: dict[str, int] = field(default_factory=dict)
    text_lines: dict[str, list[int]] = field(default_factory=dict)
    reach: dict[str, dict[str, int]] = field(default_factory=dict)
    cli: dict[str, Any] = field(default_factory=dict)
    checkov_failed: set[tuple[str, str, str]] = field(default_factory=set)
    checkov_passed: set[tuple[str, str, str]] = field(default_factory=set)
    checkov_lines: dict[tuple[str, str, str], str] = field(default_factory=dict)
    checkov_unjudged: set[tuple[str, str, str]] = field(default_factory=set)
    cfnlint: list[tuple[str, str, int]] = field(default_factory=list)
    cfnlint_unjudged: list[tuple[str, str, int]] = field(default_factory=list)
    cfnlint_templates: list[str] = field(default_factory=list)
    cfnlint_other: Counter = field(default_factory=Counter)
    runs: dict[str, Run] = field(default_factory=dict)
    disagreements: list[tuple[str, str]] = field(default_factory=list)


def measure(root: Path, python: str, env: dict[str, str], external: str | None, do_cfnlint: bool) -> Result:
    result = Result(root.name, root)
    result.text_lines = text_condition_lines(root)
    result.text = {file: len(lines) for file, lines in result.text_lines.items()}
    result.cli, result.runs["cli"] = run_cli(python, env, root)
    result.reach, result.runs["reach"] = run_reach(python, env, root)
    if result.cli.get("findings") and not any(c.get("documents") for c in result.reach.values()):
        result.runs["reach"].failure = "recorded no document although the CLI has findings (analyze_document moved?)"
    if external:
        reports, result.runs["checkov"] = run_checkov(python, env, root, external)
        for report in reports:
            framework = report.get("check_type", "")
            checks = report.get("results", {})
            for status, bucket in (("failed_checks", result.checkov_failed), ("passed_checks", result.checkov_passed)):
                for record in checks.get(status, []):
                    key = (record["check_id"], rel(root, record["file_path"]),
                           checkov_resource(framework, record["resource"]))
                    if record["check_id"] == UNJUDGED:
                        if status == "failed_checks":
                            result.checkov_unjudged.add(key)
                        continue
                    bucket.add(key)
                    lines = record.get("file_line_range") or []
                    result.checkov_lines[key] = "-".join(map(str, lines))
    if do_cfnlint:
        templates = mfa_templates(root)
        result.cfnlint_templates = [p.relative_to(root).as_posix() for p in templates]
        matches, result.runs["cfnlint"] = run_cfnlint(python, env, templates)
        for match in matches:
            rule_id = match.get("Rule", {}).get("Id", "")
            if len(rule_id) == 5 and rule_id[1] == "9":
                line = match.get("Location", {}).get("Start", {}).get("LineNumber", 0)
                hit = (f"MFA{rule_id[2:]}", rel(root, match.get("Filename", "")), line)
                (result.cfnlint_unjudged if hit[0] == UNJUDGED else result.cfnlint).append(hit)
            else:
                result.cfnlint_other[rule_id[:1] + "0000" if rule_id.endswith("0000") else rule_id] += 1
    compare(root, result, external is not None, do_cfnlint)
    return result


def _mfa_text_within(result: Result, key: tuple[str, str, str]) -> bool:
    """Whether the resource's block (checkov's line range) holds an MFA key in a condition position."""
    lines = result.text_lines.get(key[1], [])
    span = result.checkov_lines.get(key, "")
    try:
        first, last = (int(x) for x in span.split("-"))
    except ValueError:
        return bool(lines)
    return any(first <= line <= last for line in lines)


def compare(root: Path, result: Result, checkov: bool, cfnlint: bool) -> None:
    findings = result.cli.get("findings", [])
    notes = result.cli.get("notes", [])
    cli_keys = {(f["rule_id"], rel(root, f["file"]), cli_resource(f["resource"])) for f in findings
                if f.get("resource")}
    noted: dict[tuple[str, str | None], set[str]] = defaultdict(set)  # (file, resource) -> rules the notes name
    for n in notes:
        noted[(rel(root, n["file"]), cli_resource(n.get("resource")))] |= set(re.findall(r"MFA00\d", n["message"]))
    out = result.disagreements
    if checkov:
        for key in sorted(cli_keys):
            if key in result.checkov_failed:
                continue
            where = "PASSED" if key in result.checkov_passed else "UNKNOWN (not listed)"
            out.append(("checkov " + where.split()[0] + " / CLI finding", f"{key[0]} {key[1]} {key[2]}"))
        for key in sorted(result.checkov_failed - cli_keys):
            label = "checkov FAILED / CLI note" if (key[1], key[2]) in noted else "checkov FAILED / CLI nothing"
            out.append((label, f"{key[0]} {key[1]} {key[2]} (lines {result.checkov_lines.get(key, '?')})"))
        passed_noted: dict[tuple[str, str], list[str]] = defaultdict(list)
        for key in sorted(result.checkov_passed):  # the CLI could not judge an MFA test checkov says is fine
            rules = noted.get((key[1], key[2]))
            if rules is None or key in cli_keys or (rules and key[0] not in rules):
                continue
            if _mfa_text_within(result, key):
                passed_noted[(key[1], key[2])].append(key[0])
        for (file, resource), rules in sorted(passed_noted.items()):
            out.append(("checkov PASSED / CLI note", f"{'/'.join(rules)} {file} {resource}"))
    if cfnlint:
        templates = set(result.cfnlint_templates)
        cli_lines = Counter((f["rule_id"], rel(root, f["file"]), f["line"]) for f in findings
                            if rel(root, f["file"]) in templates)
        lint_lines = Counter(result.cfnlint)
        for key in sorted((cli_lines - lint_lines).elements()):
            out.append(("cfn-lint nothing / CLI finding", f"{key[0]} {key[1]}:{key[2]}"))
        for key in sorted((lint_lines - cli_lines).elements()):
            out.append(("cfn-lint finding / CLI nothing", f"{key[0]} {key[1]}:{key[2]}"))


# ------------------------------------------------------------------------------------------------------ reporting


def reach_rows(result: Result) -> list[tuple[str, int, int, int]]:
    """(file, text conditions, judged, unresolved) for every file where the text holds more than was judged."""
    rows = []
    for file in sorted(set(result.text) | set(result.reach)):
        text = result.text.get(file, 0)
        counts = result.reach.get(file, {})
        judged, unresolved = counts.get("judged", 0), counts.get("unresolved", 0)
        if text > judged:
            rows.append((file, text, judged, unresolved))
    return rows


def totals(result: Result) -> dict[str, Any]:
    findings = result.cli.get("findings", [])
    by_rule = Counter(f["rule_id"] for f in findings)
    judged = sum(c.get("judged", 0) for c in result.reach.values())
    unresolved = sum(c.get("unresolved", 0) for c in result.reach.values())
    text = sum(result.text.values())
    reached = sum(min(n, result.reach.get(f, {}).get("judged", 0)) for f, n in result.text.items())
    return {
        "text": text,
        "text_files": len(result.text),
        "judged": judged,
        "reached": reached,
        "unresolved": unresolved,
        "findings": len(findings),
        "by_rule": " ".join(f"{r}:{by_rule[r]}" for r in RULES if by_rule[r]) or "-",
        "notes": len(result.cli.get("notes", [])),
        "errors": len(result.cli.get("errors", [])),
        "checkov_failed": len(result.checkov_failed),
        "checkov_passed": len(result.checkov_passed),
        "checkov_unjudged": len(result.checkov_unjudged),
        "cfnlint_unjudged": len(result.cfnlint_unjudged),
        "cfnlint": len(result.cfnlint),
        "cfnlint_templates": len(result.cfnlint_templates),
        "disagreements": len(result.disagreements),
    }


def _summary(results: list[Result], title: str) -> list[str]:
    """The title and the table of every directory's totals, with a total row."""
    lines = [f"# {title}", ""]
    lines += [
        "Reach: `text` = MFA keys in condition positions in the files (any case, not docs/code); `reached` = of "
        "those, judged with every value known, counted per file (capped at the text count); `judged`/`unres` = MFA "
        "tests the CLI handed to the core with all values known / with an unresolved value.",
        "",
        "| directory | text (files) | reached | judged | unres | CLI findings | by rule | notes | errors | "
        "checkov FAILED / PASSED / MFA000 | cfn-lint (templates) / I9000 | disagreements | CLI s | checkov s | "
        "cfn-lint s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    grand: Counter = Counter()
    for r in results:
        t = totals(r)
        for k, v in t.items():
            if isinstance(v, int):
                grand[k] += v

        def secs(name: str, run: dict[str, Run] = r.runs) -> str:
            got = run.get(name)
            if got is None:
                return "-"
            return f"{got.seconds:.1f}" + (" CRASH" if got.failure else "")

        lines.append(
            f"| {r.name} | {t['text']} ({t['text_files']}) | {t['reached']} | {t['judged']} | {t['unresolved']} | "
            f"{t['findings']} | {t['by_rule']} | {t['notes']} | {t['errors']} | "
            f"{t['checkov_failed']} / {t['checkov_passed']} / {t['checkov_unjudged']} | "
            f"{t['cfnlint']} ({t['cfnlint_templates']}) / {t['cfnlint_unjudged']} | "
            f"{t['disagreements']} | {secs('cli')} | {secs('checkov')} | {secs('cfnlint')} |"
        )
    lines.append(
        f"| **total** | {grand['text']} ({grand['text_files']}) | {grand['reached']} | {grand['judged']} | "
        f"{grand['unresolved']} | {grand['findings']} | | {grand['notes']} | {grand['errors']} | "
        f"{grand['checkov_failed']} / {grand['checkov_passed']} / {grand['checkov_unjudged']} | {grand['cfnlint']} "
        f"({grand['cfnlint_templates']}) / {grand['cfnlint_unjudged']} | {grand['disagreements']} | | | |"
    )
    return lines


def _details(r: Result) -> list[str]:
    """One directory's section: failures, findings, disagreements, unjudged files, errors, notes."""
    lines = ["", f"## {r.name}", ""]
    failures = [f"- {name}: {run.failure}" for name, run in r.runs.items() if run.failure]
    if failures:
        lines += ["Crashes / failures:", *failures, ""]
    findings = r.cli.get("findings", [])
    if findings:
        lines.append("CLI findings:")
        for f in findings:
            lines.append(f"- {f['rule_id']} `{rel(r.root, f['file'])}:{f['line']}` "
                         f"{f['resource'] or ''} ({f['policy_kind']})")
        lines.append("")
    if r.disagreements:
        labels = Counter(label for label, _ in r.disagreements)
        lines.append("Disagreements (" + ", ".join(f"{k}: {v}" for k, v in sorted(labels.items())) + "):")
        lines += [f"- {label}: `{what}`" for label, what in r.disagreements]
        lines.append("")
    rows = reach_rows(r)
    if rows:
        lines.append("Files whose MFA conditions were not all judged (text / judged / unresolved):")
        lines += [f"- `{file}`: {text} / {judged} / {unres}" for file, text, judged, unres in rows]
        lines.append("")
    errors = r.cli.get("errors", [])
    if errors:
        lines.append(f"CLI errors ({len(errors)}):")
        lines += [f"- `{rel(r.root, e['file'])}`: {e['message'][:200]}" for e in errors[:30]]
        if len(errors) > 30:
            lines.append(f"- ... {len(errors) - 30} more")
        lines.append("")
    notes = r.cli.get("notes", [])
    if notes:
        mfa_files = set(r.text)
        on_mfa = [n for n in notes if rel(r.root, n["file"]) in mfa_files]
        lines.append(f"CLI notes: {len(notes)}, of which {len(on_mfa)} on files with MFA text:")
        lines += [f"- `{rel(r.root, n['file'])}:{n['line']}` {n.get('resource') or ''}: {n['message'][:200]}"
                  for n in on_mfa]
        lines.append("")
    if r.cfnlint_other:
        lines.append("cfn-lint other rule ids on these templates (not compared): "
                     + ", ".join(f"{k}:{v}" for k, v in sorted(r.cfnlint_other.items())))
        lines.append("")
    return lines


def render(results: list[Result], title: str) -> str:
    lines = _summary(results, title)
    for r in results:
        lines += _details(r)
    return "\n".join(lines) + "\n"


def details(results: list[Result]) -> dict[str, Any]:
    return {
        r.name: {
            "totals": totals(r),
            "text": r.text,
            "reach": r.reach,
            "cli": r.cli,
            "checkov_failed": sorted(r.checkov_failed),
            "checkov_passed": sorted(r.checkov_passed),
            "cfnlint": r.cfnlint,
            "cfnlint_templates": r.cfnlint_templates,
            "disagreements": r.disagreements,
            "runs": {k: {"seconds": round(v.seconds, 2), "failure": v.failure} for k, v in r.runs.items()},
        }
        for r in results
    }


def render_diff(before: dict[str, Any], after: dict[str, Any]) -> str:
    """Markdown: the totals of two --details files side by side (before -> after), one row per directory."""
    keys = ("text", "reached", "unresolved", "findings", "notes", "errors", "checkov_failed", "checkov_passed",
            "cfnlint", "disagreements")
    lines = ["| directory | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    grand = {k: [0, 0] for k in keys}
    for name in [*before, *(n for n in after if n not in before)]:
        b, a = before.get(name, {}).get("totals", {}), after.get(name, {}).get("totals", {})
        cells = []
        for k in keys:
            x, y = b.get(k, 0), a.get(k, 0)
            grand[k][0] += x
            grand[k][1] += y
            cells.append(f"{x}" if x == y else f"{x} → **{y}**")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("| **total** | " + " | ".join(f"{x}" if x == y else f"{x} → **{y}**" for x, y in grand.values())
                 + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", metavar="DIR")
    parser.add_argument("--tree", help="the checks/ folder of the mfa-lint checkout to measure (else PYTHONPATH)")
    parser.add_argument("--python", default=sys.executable, help="interpreter with mfa-lint's dependencies")
    parser.add_argument("--out", help="write the markdown report here (default: stdout)")
    parser.add_argument("--details", help="write every result as JSON here")
    parser.add_argument("--title", default="mfa-lint on real-world repositories")
    parser.add_argument("--no-checkov", action="store_true")
    parser.add_argument("--no-cfnlint", action="store_true")
    parser.add_argument("--diff", nargs=2, metavar=("BEFORE.json", "AFTER.json"),
                        help="compare two --details files instead of measuring")
    parser.add_argument("--reach-worker", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.reach_worker:
        reach_worker(args.reach_worker)
        return 0
    if args.diff:
        before, after = (json.loads(Path(p).read_text()) for p in args.diff)
        sys.stdout.write(render_diff(before, after))
        return 0
    if not args.dirs:
        parser.error("give at least one directory")
    env = _env(args.tree)
    external = None if args.no_checkov else checkov_dir(args.python, env)
    results = []
    for d in args.dirs:
        root = Path(d).resolve()
        if not root.is_dir():
            parser.error(f"{d}: not a directory")
        print(f"measuring {root.name} ...", file=sys.stderr, flush=True)
        result = measure(root, args.python, env, external, not args.no_cfnlint)
        results.append(result)
    report = render(results, args.title)
    if args.out:
        Path(args.out).write_text(report)
    else:
        sys.stdout.write(report)
    if args.details:
        Path(args.details).write_text(json.dumps(details(results), indent=1, default=list))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
