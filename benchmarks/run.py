"""Benchmarks: `mfa-lint scan` against checkov and cfn-lint, and against the floor of just parsing the files.

Everything is measured in one run on one machine, so the ratios compare like with like. The corpus is a generated
repository (benchmarks/corpus.py) that also holds a `.venv`, `node_modules` and a git-ignored `build/` folder, which
every mfa-lint scan must skip (checkov skips hidden folders and node_modules itself and is given `--skip-path build`):

- `mfa-lint scan` three ways: the default (files that cannot hold an MFA test are not parsed; one worker per CPU),
  `--jobs 1` (the same, serial) and `--check-syntax` (every file parsed): wall time, files/s, peak RSS;
- checkov with only the plugin's checks vs checkov with one built-in IAM check (CKV_AWS_62), each run several times
  alternately: the spread of their ratio is the plugin's cost inside checkov; checkov-with-plugin / scan is how much
  faster the CLI is;
- cfn-lint over the CloudFormation part, with and without the rules (one reused Runner each, best of a few runs);
- the floor: reading and parsing every file with the same parsers (hcl2 as checkov does, and mfa-lint's own HCL
  parse; cfn-lint's decoder, json), in-process;
- start-up: `mfa-lint scan` on one small file of each format.

Usage: python benchmarks/run.py [--sizes 100,1000] [--large] [--quick] [--profile]
`--large` adds 10,000 files (about 5 more minutes; checkov and cfn-lint are not run at that size).
No timing is asserted anywhere: this prints figures, docs/benchmarks.md records them.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import Corpus, distractions, generate  # noqa: E402

BIN = Path(sys.executable).parent
GNU_TIME = "/usr/bin/time"
CHECKOV_FRAMEWORKS = ["--framework", "terraform", "cloudformation"]
CHECKOV_SKIP = ["--skip-path", "build"]  # what .gitignore ignores; checkov skips .venv and node_modules itself
TARGETS = {
    "scan_vs_checkov": 10.0,  # default scan at least 10x faster than checkov with only the plugin's checks
    "plugin_cost": 1.15,  # checkov with the plugin <= 1.15x checkov with one built-in check
    "cfn_rules_cost": 1.05,  # cfn-lint with the rules <= 1.05x without
    "startup": 0.3,  # seconds, scan of one small file of any format
}


@dataclass
class Timed:
    seconds: float
    peak_mb: float | None = None
    cpu: float = 0.0  # user + system seconds of the process and every child it waited for (workers included)


def tool(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def timed_run(argv: Sequence[str], *, ok: Sequence[int] = (0, 1, 2)) -> Timed:
    """Wall time and peak RSS of one subprocess (GNU time's %M when present, else getrusage of the children)."""
    stats = None
    if os.path.exists(GNU_TIME):
        stats = tempfile.NamedTemporaryFile(suffix=".time", delete=False)
        stats.close()
        argv = [GNU_TIME, "-f", "%M", "-o", stats.name, *argv]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(argv)}\n{done.stderr[-2000:]}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    peak_kb: float | None
    if stats:
        text = Path(stats.name).read_text().strip().splitlines()
        os.unlink(stats.name)
        peak_kb = float(text[-1]) if text and text[-1].isdigit() else None
    else:  # the max over all children so far: exact only when this child is the largest yet
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        peak_kb = after if after > before else None
    return Timed(seconds, peak_kb / 1024 if peak_kb else None, cpu)


def best_of(runs: int, measure: Callable[[], Timed]) -> Timed:
    results = [measure() for _ in range(runs)]
    return min(results, key=lambda t: t.seconds)


# ------------------------------------------------------------------------------------------------------ the tools


def scan_argv(paths: Sequence[str | Path], report: str = os.devnull, *extra: str) -> list[str]:
    return [tool("mfa-lint"), "scan", "--format", "json", "--output", report, *extra, *map(str, paths)]


def measure_scan(corpus: Corpus, workdir: Path, *extra: str) -> tuple[Timed, dict]:
    report = workdir / "scan.json"
    timed = timed_run(scan_argv([corpus.root], str(report), *extra))
    summary = json.loads(report.read_text())["summary"]
    return timed, summary


def measure_checkov(corpus: Corpus, checks: str, external: bool) -> Timed:
    argv = [tool("checkov"), "-d", str(corpus.root), *CHECKOV_FRAMEWORKS, *CHECKOV_SKIP, "-c", checks,
            "--skip-download", "--quiet", "-o", "json"]
    if external:
        from mfa_lint.checkov import checks_dir

        argv += ["--external-checks-dir", checks_dir()]
    return timed_run(argv)


def measure_cfn_lint(files: list[Path], runs: int) -> tuple[float, float, int, int]:
    """(seconds without our rules, seconds with them, matches without, matches with): one Runner each, reused."""
    from cfnlint.api import Runner
    from cfnlint.config import ConfigMixIn

    templates = [str(p) for p in files]
    results = []
    for extra in ([], ["mfa_lint.cfnlint"]):
        runner = Runner(ConfigMixIn([], templates=templates, append_rules=extra))
        best, count = float("inf"), 0
        for _ in range(runs):
            start = time.process_time()  # CPU: cfn-lint is serial, and CPU time does not drift with the load
            count = len(list(runner.run()))
            best = min(best, time.process_time() - start)
        results.append((best, count))
    return results[0][0], results[1][0], results[0][1], results[1][1]


def parse_floor(corpus: Corpus, runs: int) -> tuple[float, float]:
    """Seconds to read and parse every file once with the parser of its format (hcl2.loads for .tf, what checkov
    does; cfn-lint's decoder for templates); and the same with mfa-lint's own HCL parse (tree-sitter-hcl and the
    tree the evaluator walks) instead of hcl2.loads."""
    import hcl2
    from cfnlint.decode.decode import decode_str
    from mfa_lint.formats.terraform.hcl_syntax import parse_hcl

    def run(parse_tf: Callable[[str], object]) -> float:
        start = time.perf_counter()
        for path in corpus.files:
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".tf":
                parse_tf(text)
            else:
                if path.suffix == ".json":
                    json.loads(text)
                decode_str(text)
        return time.perf_counter() - start

    run(hcl2.loads)  # warm-up: builds the parsers, loads the schemas
    full = min(run(hcl2.loads) for _ in range(runs))
    own = min(run(parse_hcl) for _ in range(runs))
    return full, own


def measure_startup(workdir: Path, runs: int = 5) -> dict[str, Timed]:
    workdir = workdir / "startup"
    workdir.mkdir(exist_ok=True)
    small = {
        "policy.json": json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}),
        "main.tf": 'resource "aws_iam_policy" "p" {\n  policy = jsonencode({ Statement = [] })\n}\n',
        "template.yaml": 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n'
                         "    Properties:\n      PolicyDocument:\n        Statement: []\n",
        "conditions.yaml": 'AWSTemplateFormatVersion: "2010-09-09"\nConditions:\n  East: !Equals [!Ref "AWS::Region", '
                           'us-east-1]\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n'
                           "      PolicyDocument: !If [East, {Statement: []}, {Statement: []}]\n",
        "plan.json": json.dumps({"format_version": "1.2", "terraform_version": "1.11.0", "planned_values": {
            "root_module": {"resources": [{"address": "aws_iam_policy.p", "mode": "managed", "type": "aws_iam_policy",
                                           "name": "p", "values": {"policy": "{\"Statement\": []}"}}]}}}),
    }
    out = {}
    for name, text in small.items():
        path = workdir / name
        path.write_text(text)
        out[name] = best_of(runs, lambda p=path: timed_run(scan_argv([p])))
    return out


def profile_scan(corpus: Corpus, top: int = 25) -> str:
    """cProfile of an in-process scan: what dominates the time."""
    from mfa_lint.scanning import ScanOptions, scan

    profiler = cProfile.Profile()
    profiler.enable()
    scan([str(corpus.root)], ScanOptions(jobs=1, check_syntax=True))
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


# ------------------------------------------------------------------------------------------------------ the table


def _fmt(value: float | None, spec: str = ".2f", suffix: str = "") -> str:
    return "–" if value is None else f"{value:{spec}}{suffix}"


def _verdict(value: float | None, target: float, *, at_most: bool) -> str:
    if value is None:
        return "not measured"
    return "met" if (value <= target if at_most else value >= target) else "MISSED"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), {cpu}, Python {platform.python_version()}"
            f", {platform.system()} {platform.release()}")


def versions() -> str:
    from importlib.metadata import version

    names = ("mfa-lint", "checkov", "cfn-lint", "bc-python-hcl2", "tree-sitter", "tree-sitter-hcl")
    return ", ".join(f"{n} {version(n)}" for n in names)


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def parallel_capacity(burns: int = 8, size: int = 2_000_000) -> float:
    """How much faster the same pure-CPU work runs on one process per CPU than on one process, right now: on a
    machine shared with other work (or a scheduler that shares CPU per session) this is well under the CPU count,
    and it bounds what `--jobs` can gain in the same run."""
    from concurrent.futures import ProcessPoolExecutor

    start = time.perf_counter()
    for _ in range(burns):
        _burn(size)
    serial = time.perf_counter() - start
    start = time.perf_counter()
    with ProcessPoolExecutor(len(os.sched_getaffinity(0))) as pool:
        list(pool.map(_burn, [size] * burns))
    return serial / (time.perf_counter() - start)


def spread(values: list[float]) -> str:
    ordered = sorted(values)
    if len(ordered) == 1:
        return f"{ordered[0]:.2f}×"
    return f"{statistics.median(ordered):.2f}× ({ordered[0]:.2f}–{ordered[-1]:.2f}, {len(ordered)} runs)"


def check_scan(summary: dict, corpus: Corpus, what: str) -> None:
    """Every scan must walk exactly the corpus (nothing from .venv, node_modules or build/) and read it all."""
    if summary["files_walked"] != len(corpus.files) or summary["unreadable"]:
        raise SystemExit(f"{what}: walked {summary['files_walked']} files of {len(corpus.files)}: {summary}")


def measure_size(size: int, work: Path, args: argparse.Namespace, ratios: dict[str, list[float]]) -> dict:
    root = work / f"repo_{size}"
    if root.exists():
        shutil.rmtree(root)
    corpus = generate(root, size)
    skipped = distractions(root, size)
    megabytes = sum(p.stat().st_size for p in corpus.files) / 1024**2
    default, summary = measure_scan(corpus, work)
    check_scan(summary, corpus, "scan")
    serial, serial_summary = measure_scan(corpus, work, "--jobs", "1")
    check_scan(serial_summary, corpus, "scan --jobs 1")
    full, full_summary = measure_scan(corpus, work, "--check-syntax")
    check_scan(full_summary, corpus, "scan --check-syntax")
    full_serial, _ = measure_scan(corpus, work, "--check-syntax", "--jobs", "1")
    capacity = parallel_capacity()
    if not summary["findings"] == serial_summary["findings"] == full_summary["findings"]:
        raise SystemExit(f"the modes disagree: {summary} {serial_summary} {full_summary}")
    floor, floor_own = parse_floor(corpus, 3 if size <= 1000 else 1)
    row = {"files": size, "skipped": skipped, "MB": megabytes, "findings": summary["findings"],
           "scan_cpu": default.cpu, "serial_cpu": serial.cpu, "full_cpu": full.cpu,
           "unrelated": summary["files_skipped_unrelated"], "scan": default.seconds, "peak": default.peak_mb,
           "serial": serial.seconds, "serial_peak": serial.peak_mb, "full": full.seconds, "full_peak": full.peak_mb,
           "full_serial": full_serial.seconds, "capacity": capacity,
           "floor": floor, "floor_own": floor_own}
    ratios["jobs"].append(serial.seconds / default.seconds)
    ratios["jobs_full"].append(full_serial.seconds / full.seconds)
    ratios["capacity"].append(capacity)
    if not args.no_checkov and size <= args.checkov_max:
        from mfa_lint.checkov import CHECK_IDS

        plugin_runs, builtin_runs, scan_runs = [], [], []
        for _ in range(args.checkov_runs if size <= 1000 else 1):  # alternately: load drifts hit all alike
            plugin_runs.append(measure_checkov(corpus, ",".join(CHECK_IDS), external=True))
            scan_runs.append(measure_scan(corpus, work)[0])  # paired with the run before it: checkov ÷ scan
            builtin_runs.append(measure_checkov(corpus, "CKV_AWS_62", external=False))
        costs = [p.seconds / b.seconds for p, b in zip(plugin_runs, builtin_runs, strict=True)]
        cpu_costs = [p.cpu / b.cpu for p, b in zip(plugin_runs, builtin_runs, strict=True)]
        speedups = [p.seconds / t.seconds for p, t in zip(plugin_runs, scan_runs, strict=True)]
        cpu_speedups = [p.cpu / t.cpu for p, t in zip(plugin_runs, scan_runs, strict=True)]
        plugin = statistics.median(t.seconds for t in plugin_runs)
        plugin_cpu = statistics.median(t.cpu for t in plugin_runs)
        row.update({"ckv_plugin": plugin, "ckv_builtin": statistics.median(t.seconds for t in builtin_runs),
                    "ckv_plugin_cpu": plugin_cpu, "ckv_builtin_cpu": statistics.median(t.cpu for t in builtin_runs),
                    "ckv_peak": max((t.peak_mb or 0) for t in plugin_runs) or None, "plugin_costs": costs,
                    "plugin_cpu_costs": cpu_costs, "ckv/scan": statistics.median(speedups),
                    "ckv/serial": plugin / serial.seconds, "ckv/scan_cpu": statistics.median(cpu_speedups),
                    "speedups": speedups, "cpu_speedups": cpu_speedups})
        ratios["plugin_cpu_cost"].extend(cpu_costs)
        ratios["plugin_cost"].extend(costs)
        ratios["scan_vs_checkov"].append(row["ckv/scan"])
        ratios["scan_vs_checkov_cpu"].append(row["ckv/scan_cpu"])
    if size <= args.cfn_lint_max:
        cfn = corpus.cloudformation
        without, with_rules, n_without, n_with = measure_cfn_lint(cfn, 3 if size <= 100 else 2)
        row.update({"cfn_files": len(cfn), "cfn_without": without, "cfn_with": with_rules,
                    "cfn_rules": with_rules / without})
        ratios["cfn_rules_cost"].append(row["cfn_rules"])
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return row


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000", help="corpus sizes (default 100,1000)")
    parser.add_argument("--large", action="store_true", help="add 10,000 files (scans and floor only)")
    parser.add_argument("--quick", action="store_true", help="100 files only, checkov once")
    parser.add_argument("--checkov-max", type=int, default=1000, help="largest corpus checkov runs on (default 1000)")
    parser.add_argument("--checkov-runs", type=int, default=3,
                        help="checkov runs per variant, for the spread of the plugin's cost (default 3)")
    parser.add_argument("--cfn-lint-max", type=int, default=1000,
                        help="largest corpus cfn-lint runs on (default 1000)")
    parser.add_argument("--no-checkov", action="store_true", help="skip checkov (the slowest part)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of scan on the largest corpus")
    parser.add_argument("--keep", metavar="DIR", help="write the corpora under DIR and keep them")
    args = parser.parse_args(argv)
    sizes = [100] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.large and 10_000 not in sizes:
        sizes.append(10_000)
    if args.quick:
        args.checkov_runs = 1

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="mfa-lint-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    print(f"# mfa-lint benchmarks, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"# machine: {machine()}")
    print(f"# versions: {versions()}", flush=True)
    rows, ratios = [], {key: [] for key in [*TARGETS, "jobs", "jobs_full", "capacity", "plugin_cpu_cost",
                                                     "scan_vs_checkov_cpu"]}
    print(f"# load average at start: {' '.join(f'{v:.1f}' for v in os.getloadavg())}", flush=True)
    try:
        startup = measure_startup(work)
        ratios["startup"].extend(t.cpu for name, t in startup.items() if name != "conditions.yaml")
        for size in sizes:
            rows.append(measure_size(size, work, args, ratios))
            print(f"# measured {size} files ({time.perf_counter() - began:.0f} s so far)", file=sys.stderr, flush=True)
        print()
        print(table(rows))
        print()
        print("Start-up (`mfa-lint scan` on one small file, best of 5, wall (CPU)): "
              + ", ".join(f"{name} {t.seconds:.3f} s ({t.cpu:.3f} s)" for name, t in startup.items())
              + "; conditions.yaml has `Conditions`, so cfn-lint's condition solver (sympy) is imported")
        print()
        print(targets(ratios))
        if args.profile:
            root = work / "profile"
            generate(root, sizes[-1])
            print(f"\ncProfile of scan --jobs 1 --check-syntax over {sizes[-1]} files (by own time):\n")
            print(profile_scan(Corpus(root, [])))
        print(f"\n# total {time.perf_counter() - began:.0f} s")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def table(rows: list[dict]) -> str:
    head = ["files (+ skipped)", "MB", "findings", "scan s (CPU s)", "files/s", "peak MB", "--jobs 1 s",
            "--check-syntax s (--jobs 1)",
            "parse floor s (hcl2 / mfa-lint)", "checkov + plugin s (CPU s)", "checkov CKV_AWS_62 s (CPU s)",
            "plugin ÷ built-in: wall; CPU", "checkov ÷ scan (run pairs): wall; CPU", "checkov ÷ --jobs 1",
            "cfn-lint CPU s (files; without / with rules)", "rules cost"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [
            f"{r['files']:,} (+{r['skipped']:,})", _fmt(r["MB"], ".1f"), str(r["findings"]),
            f"{r['scan']:.2f} ({r['scan_cpu']:.2f})",
            _fmt(r["files"] / r["scan"], ".0f"), _fmt(r["peak"], ".0f"), _fmt(r["serial"]),
            f"{r['full']:.2f} ({r['full_serial']:.2f})",
            f"{r['floor']:.2f} / {r['floor_own']:.2f}",
            f"{r['ckv_plugin']:.2f} ({r['ckv_plugin_cpu']:.2f})" if "ckv_plugin" in r else "–",
            f"{r['ckv_builtin']:.2f} ({r['ckv_builtin_cpu']:.2f})" if "ckv_builtin" in r else "–",
            f"{spread(r['plugin_costs'])}; {spread(r['plugin_cpu_costs'])}" if "plugin_costs" in r else "–",
            f"{spread(r['speedups'])}; {spread(r['cpu_speedups'])}" if "speedups" in r else "–",
            _fmt(r.get("ckv/serial"), ".1f", "×"),
            (f"{r['cfn_files']}; {r['cfn_without']:.2f} / {r['cfn_with']:.2f}" if "cfn_with" in r else "–"),
            (f"{(r['cfn_rules'] - 1) * 100:+.1f}%" if "cfn_rules" in r else "–"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets(ratios: dict[str, list[float]]) -> str:
    def worst(key: str, at_most: bool) -> float | None:
        values = ratios[key]
        return (max(values) if at_most else min(values)) if values else None

    lines = ["| target | goal | measured | verdict |", "|---|---|---|---|"]
    specs = [
        ("default scan vs checkov with only the plugin's checks (median of run pairs, worst size)", "scan_vs_checkov",
         "≥ 10× faster", False),
        ("the same in CPU time", "scan_vs_checkov_cpu", "≥ 10× faster", False),
        ("plugin cost inside checkov (plugin only ÷ CKV_AWS_62 only, wall, worst run)", "plugin_cost", "≤ 1.15×",
         True),
        ("the same in CPU time (what the load does not drift), worst run", "plugin_cpu_cost", "≤ 1.15×", True),
        ("cfn-lint rules cost (with ÷ without, worst size)", "cfn_rules_cost", "≤ 1.05×", True),
        ("start-up, one small file (slowest format, CPU time; without Conditions)", "startup", "< 0.3 s", True),
    ]
    for label, key, goal, at_most in specs:
        value = worst(key, at_most)
        unit, spec = (" s", ".3f") if key == "startup" else ("×", ".2f")
        target = TARGETS.get(key.removesuffix("_cpu"), TARGETS["plugin_cost"])
        lines.append(f"| {label} | {goal} | {_fmt(value, spec, unit)} | {_verdict(value, target, at_most=at_most)} |")
    if ratios["plugin_cost"]:
        lines.append(f"\nPlugin cost over every checkov run pair: wall {spread(ratios['plugin_cost'])}, CPU "
                     f"{spread(ratios['plugin_cpu_cost'])}.")
    if ratios["jobs"]:
        lines.append("Speed-up of one worker per CPU over --jobs 1, by size: default "
                     + ", ".join(f"{v:.2f}×" for v in ratios["jobs"]) + "; --check-syntax "
                     + ", ".join(f"{v:.2f}×" for v in ratios["jobs_full"]) + "; the machine's parallel capacity at"
                     " the time (pure-CPU work on every CPU vs one process) "
                     + ", ".join(f"{v:.2f}×" for v in ratios["capacity"]) + ".")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
