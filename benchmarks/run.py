"""Benchmarks: `mfa-lint scan` against checkov and cfn-lint, and against the floor of just parsing the files.

Everything is measured in one run on one machine, so the ratios compare like with like:

- `mfa-lint scan` over corpora of 100 / 1,000 / 5,000 files: wall time, files/s, peak memory (RSS);
- checkov with only the plugin's checks vs checkov with one built-in IAM check (CKV_AWS_62), at 100 and 1,000 files:
  their ratio is the plugin's cost inside checkov; checkov-with-plugin / scan is how much faster the CLI is;
- cfn-lint over the CloudFormation part, with and without the rules (one reused Runner each, best of a few runs);
- the floor: reading and parsing the same files with the same parsers (hcl2, cfn-lint's decoder, json), in-process;
- `mfa-lint scan` start-up on one small file.

Usage: python benchmarks/run.py [--sizes 100,1000,5000] [--quick] [--profile]
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
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import Corpus, generate  # noqa: E402

BIN = Path(sys.executable).parent
GNU_TIME = "/usr/bin/time"
CHECKOV_FRAMEWORKS = ["--framework", "terraform", "cloudformation"]
TARGETS = {
    "scan_vs_checkov": 10.0,  # scan at least 10x faster than checkov with only the plugin's checks
    "skip_vs_checkov": 10.0,  # the same, with --skip-unrelated (files without MFA text are not parsed)
    "plugin_cost": 1.15,  # checkov with the plugin <= 1.15x checkov with one built-in check
    "cfn_rules_cost": 1.05,  # cfn-lint with the rules <= 1.05x without
    "scan_vs_floor": 2.0,  # scan within 2x of the parse floor
    "startup": 0.3,  # seconds, scan of one small file
}


@dataclass
class Timed:
    seconds: float
    peak_mb: float | None = None


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
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(argv)}\n{done.stderr[-2000:]}")
    peak_kb: float | None
    if stats:
        text = Path(stats.name).read_text().strip().splitlines()
        os.unlink(stats.name)
        peak_kb = float(text[-1]) if text and text[-1].isdigit() else None
    else:  # the max over all children so far: exact only when this child is the largest yet
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        peak_kb = after if after > before else None
    return Timed(seconds, peak_kb / 1024 if peak_kb else None)


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
    argv = [tool("checkov"), "-d", str(corpus.root), *CHECKOV_FRAMEWORKS, "-c", checks, "--skip-download",
            "--quiet", "-o", "json"]
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
            start = time.perf_counter()
            count = len(list(runner.run()))
            best = min(best, time.perf_counter() - start)
        results.append((best, count))
    return results[0][0], results[1][0], results[0][1], results[1][1]


def parse_floor(corpus: Corpus, runs: int) -> tuple[float, float]:
    """Seconds to read and parse every file once with the parser of its format (hcl2.loads for .tf, cfn-lint's
    decoder for templates); and the same with the bare Lark parse the Terraform reader does instead of hcl2.loads."""
    import hcl2
    from cfnlint.decode.decode import decode_str
    from hcl2.parser import Hcl2

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
    lark = min(run(lambda text: Hcl2.lark_parser.parse(text + "\n")) for _ in range(runs))
    return full, lark


def measure_startup(workdir: Path, runs: int = 5) -> dict[str, float]:
    small = {
        "policy.json": json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}),
        "main.tf": 'resource "aws_iam_policy" "p" {\n  policy = jsonencode({ Statement = [] })\n}\n',
        "template.yaml": 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n'
                         "    Properties:\n      PolicyDocument:\n        Statement: []\n",
    }
    out = {}
    for name, text in small.items():
        path = workdir / name
        path.write_text(text)
        out[name] = best_of(runs, lambda p=path: timed_run(scan_argv([p]))).seconds
    return out


def profile_scan(corpus: Corpus, top: int = 25) -> str:
    """cProfile of an in-process scan: what dominates the time."""
    from mfa_lint.scan import ScanOptions, scan

    profiler = cProfile.Profile()
    profiler.enable()
    scan([str(corpus.root)], ScanOptions())
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

    names = ("mfa-lint", "checkov", "cfn-lint", "bc-python-hcl2")
    return ", ".join(f"{n} {version(n)}" for n in names)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="corpus sizes (default 100,1000,5000)")
    parser.add_argument("--quick", action="store_true", help="100 files only")
    parser.add_argument("--checkov-max", type=int, default=1000, help="largest corpus checkov runs on (default 1000)")
    parser.add_argument("--cfn-lint-max", type=int, default=1000,
                        help="largest corpus cfn-lint runs on (default 1000)")
    parser.add_argument("--no-checkov", action="store_true", help="skip checkov (the slowest part)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of scan on the 1,000-file corpus")
    parser.add_argument("--keep", metavar="DIR", help="write the corpora under DIR and keep them")
    args = parser.parse_args(argv)
    sizes = [100] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="mfa-lint-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    print(f"# mfa-lint benchmarks, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"# machine: {machine()}")
    print(f"# versions: {versions()}", flush=True)
    rows, ratios = [], {key: [] for key in TARGETS}
    try:
        startup = measure_startup(work)
        ratios["startup"].append(startup["policy.json"])
        for size in sizes:
            root = work / f"corpus_{size}"
            if root.exists():
                shutil.rmtree(root)
            corpus = generate(root, size)
            megabytes = sum(p.stat().st_size for p in corpus.files) / 1024**2
            scan, summary = measure_scan(corpus, work)
            if summary["files"] != size or summary["unreadable"]:
                raise SystemExit(f"scan read {summary['files']} of {size} files: {summary}")
            skip, skip_summary = measure_scan(corpus, work, "--skip-unrelated")
            if skip_summary["findings"] != summary["findings"]:
                raise SystemExit(f"--skip-unrelated changed the findings: {skip_summary} vs {summary}")
            runs = 3 if size <= 1000 else 1
            floor, floor_lark = parse_floor(corpus, runs)
            row = {"files": size, "MB": megabytes, "scan": scan.seconds, "files/s": size / scan.seconds,
                   "peak": scan.peak_mb, "findings": summary["findings"], "floor": floor, "floor_lark": floor_lark,
                   "scan/floor": scan.seconds / floor, "skip": skip.seconds}
            ratios["scan_vs_floor"].append(row["scan/floor"])
            if not args.no_checkov and size <= args.checkov_max:
                from mfa_lint.checkov import CHECK_IDS

                plugin = measure_checkov(corpus, ",".join(CHECK_IDS), external=True)
                builtin = measure_checkov(corpus, "CKV_AWS_62", external=False)
                row.update({"ckv_plugin": plugin.seconds, "ckv_plugin_peak": plugin.peak_mb,
                            "ckv_builtin": builtin.seconds, "plugin/builtin": plugin.seconds / builtin.seconds,
                            "ckv/scan": plugin.seconds / scan.seconds, "ckv/skip": plugin.seconds / skip.seconds})
                ratios["plugin_cost"].append(row["plugin/builtin"])
                ratios["scan_vs_checkov"].append(row["ckv/scan"])
                ratios["skip_vs_checkov"].append(row["ckv/skip"])
            if size <= args.cfn_lint_max:
                cfn = corpus.cloudformation
                without, with_rules, n_without, n_with = measure_cfn_lint(cfn, 3 if size <= 100 else 2)
                row.update({"cfn_files": len(cfn), "cfn_without": without, "cfn_with": with_rules,
                            "cfn_rules": with_rules / without, "cfn_matches": n_with - n_without})
                ratios["cfn_rules_cost"].append(row["cfn_rules"])
            rows.append(row)
            print(f"# measured {size} files ({time.perf_counter() - began:.0f} s so far)", file=sys.stderr, flush=True)
        print()
        print(table(rows))
        print()
        print("Start-up (`mfa-lint scan` on one small file, best of 5): "
              + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in startup.items()))
        print()
        print(targets(ratios))
        if args.profile:
            size = 1000 if 1000 in sizes else sizes[-1]
            print(f"\ncProfile of scan over the {size}-file corpus (by own time):\n")
            print(profile_scan(Corpus(work / f"corpus_{size}", [])))
        print(f"\n# total {time.perf_counter() - began:.0f} s")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def table(rows: list[dict]) -> str:
    head = ["files", "MB", "scan s", "files/s", "scan peak MB", "findings", "parse floor s (hcl2 / lark)",
            "scan ÷ floor", "checkov+plugin s", "checkov CKV_AWS_62 s", "plugin ÷ built-in", "checkov ÷ scan",
            "cfn-lint files", "cfn-lint s (without / with rules)", "rules cost", "scan --skip-unrelated s",
            "checkov ÷ skip-unrelated"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [
            str(r["files"]), _fmt(r["MB"], ".1f"), _fmt(r["scan"]), _fmt(r["files/s"], ".0f"), _fmt(r["peak"], ".0f"),
            str(r["findings"]), f"{r['floor']:.2f} / {r['floor_lark']:.2f}", _fmt(r["scan/floor"], ".2f", "×"),
            _fmt(r.get("ckv_plugin")), _fmt(r.get("ckv_builtin")), _fmt(r.get("plugin/builtin"), ".2f", "×"),
            _fmt(r.get("ckv/scan"), ".2f", "×"), str(r.get("cfn_files", "–")),
            (f"{r['cfn_without']:.2f} / {r['cfn_with']:.2f}" if "cfn_with" in r else "–"),
            (f"{(r['cfn_rules'] - 1) * 100:+.1f}%" if "cfn_rules" in r else "–"),
            _fmt(r["skip"]), _fmt(r.get("ckv/skip"), ".2f", "×"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets(ratios: dict[str, list[float]]) -> str:
    def worst(key: str, at_most: bool) -> float | None:
        values = ratios[key]
        return (max(values) if at_most else min(values)) if values else None

    lines = ["| target | goal | measured (worst size) | verdict |", "|---|---|---|---|"]
    specs = [
        ("scan vs checkov with only the plugin's checks", "scan_vs_checkov", "≥ 10× faster", False, "×"),
        ("scan --skip-unrelated vs checkov with only the plugin's checks", "skip_vs_checkov", "≥ 10× faster", False,
         "×"),
        ("plugin cost inside checkov (plugin only ÷ CKV_AWS_62 only)", "plugin_cost", "≤ 1.15×", True, "×"),
        ("cfn-lint rules cost (with ÷ without)", "cfn_rules_cost", "≤ 1.05×", True, "×"),
        ("scan vs parse floor (scan ÷ floor)", "scan_vs_floor", "≤ 2×", True, "×"),
        ("start-up, one small policy file", "startup", "< 0.3 s", True, " s"),
    ]
    for label, key, goal, at_most, unit in specs:
        value = worst(key, at_most)
        lines.append(f"| {label} | {goal} | {_fmt(value, '.3f' if unit == ' s' else '.2f', unit)} | "
                     f"{_verdict(value, TARGETS[key], at_most=at_most)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
