"""The `mfa-lint` command: scan, fix, rules, checkov-dir.

Exit codes: 0 clean; 1 a finding at or above --fail-on; 2 a usage error or an input that could not be read or parsed
(every finding from the other files is still reported). Imports stay lazy: `scan` on one small file must start fast,
and checkov is loaded only by `checkov-dir`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from mfa_lint import __version__
from mfa_lint.core.catalog import POLICY_KINDS
from mfa_lint.files import DEFAULT_MAX_FILE_SIZE
from mfa_lint.scanning.options import DEFAULT_PARSE_TIMEOUT

FORMATS = ("text", "json", "sarif", "github")


def _size(value: str) -> int:
    """A byte count, optionally with a K/M/G suffix (powers of 1024)."""
    text = value.strip().upper().removesuffix("B")
    factor = 1
    for suffix, multiple in (("K", 1024), ("M", 1024**2), ("G", 1024**3)):
        if text.endswith(suffix):
            text, factor = text[:-1], multiple
            break
    try:
        size = int(float(text) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {value!r} (e.g. 10M, 500K, 1048576)") from None
    if size <= 0:
        raise argparse.ArgumentTypeError("the size must be positive")
    return size


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of processes: {value!r}") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError("--jobs must be at least 1")
    return jobs


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not seconds >= 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError("the time must be a number of seconds, 0 for no limit")
    return seconds


def _add_scan_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .)")
    parser.add_argument("--kind", choices=POLICY_KINDS, default="identity",
                        help="policy kind of plain IAM policy JSON files (default: identity)")
    parser.add_argument("--tf-root", metavar="DIR", help="Terraform configuration a plan JSON was made from")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument("--fail-on", choices=("error", "warning", "never"), default="error",
                        help="lowest finding severity that makes the exit code 1 (default: error)")
    parser.add_argument("--max-file-size", type=_size, default=DEFAULT_MAX_FILE_SIZE, metavar="SIZE",
                        help="skip (as an error) files larger than this (default: 10M)")
    parser.add_argument("--ignore-unknown", action="store_true",
                        help="skip named files that are none of the formats (for pre-commit) instead of failing")
    parser.add_argument("--check-syntax", action="store_true",
                        help="parse every walked file, also those that cannot hold an MFA condition, so that their "
                        "syntax errors are reported (slower; by default such files are not parsed)")
    parser.add_argument("--skip-unrelated", action="store_true", help=argparse.SUPPRESS)  # the default since 0.2
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                        help="leave out walked files and folders matching GLOB (gitignore syntax, from the current "
                        "directory; repeatable); named files are always read")
    parser.add_argument("--no-ignore", action="store_true",
                        help="also walk what .gitignore files ignore (.venv, node_modules, .terraform etc. stay "
                        "skipped)")
    parser.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                        help="worker processes (default: one per CPU; 1: serial)")
    parser.add_argument("--parse-timeout", type=_seconds, default=DEFAULT_PARSE_TIMEOUT, metavar="SECONDS",
                        help=f"give up on a file after this long, as an error (default: {DEFAULT_PARSE_TIMEOUT:g}; "
                        "0: no limit)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour text output (default: auto, only on a terminal)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mfa-lint",
        description="Find IAM policies whose MFA conditions fail open (Terraform, plan JSON, CloudFormation, "
        "IAM policy JSON).",
        epilog="Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or unreadable input.",
    )
    parser.add_argument("--version", action="version", version=f"mfa-lint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    scan = sub.add_parser("scan", help="report MFA conditions that fail open")
    _add_scan_options(scan)
    fix = sub.add_parser("fix", help="apply the mechanical fixes (MFA001, MFA002), then report what is left")
    _add_scan_options(fix)
    fix.add_argument("--diff", action="store_true",
                     help="print a unified diff instead of writing the files (the report then goes to stderr)")
    sub.add_parser("rules", help="list the rules")
    sub.add_parser("checkov-dir", help="print the directory to pass to checkov --external-checks-dir")
    return parser


def _options(args: argparse.Namespace):
    from mfa_lint.scan import ScanOptions

    return ScanOptions(kind=args.kind, tf_root=args.tf_root, max_file_size=args.max_file_size,
                       ignore_unknown=args.ignore_unknown, exclude=tuple(args.exclude),
                       respect_gitignore=not args.no_ignore, jobs=args.jobs, check_syntax=args.check_syntax,
                       parse_timeout=args.parse_timeout or None)


def _colour(args: argparse.Namespace, stream) -> bool:
    if args.color != "auto":
        return args.color == "always"
    if args.output or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def _emit(text: str, args: argparse.Namespace, stream) -> int:
    """Write the report to --output or to `stream`; 0, or 2 when the output file cannot be written."""
    if not args.output:
        stream.write(text)
        stream.flush()
        return 0
    try:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        print(f"mfa-lint: error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


def _report(result, args: argparse.Namespace, stream) -> int:
    from mfa_lint.reporters import renderer
    from mfa_lint.scan import exit_code

    text = renderer(args.format)(result, colour=_colour(args, stream))
    return _emit(text, args, stream) or exit_code(result, args.fail_on)


def cmd_scan(args: argparse.Namespace) -> int:
    from mfa_lint.scan import scan

    return _report(scan(args.paths or ["."], _options(args)), args, sys.stdout)


def cmd_fix(args: argparse.Namespace) -> int:
    from mfa_lint.fix import describe, fix, unified_diff

    plan, result = fix(args.paths or ["."], _options(args), apply=not args.diff)
    if args.diff:
        sys.stdout.write(unified_diff(plan))
        sys.stdout.flush()
    lines = describe(plan)
    if lines:  # stdout stays a clean diff, or a clean json/sarif/github report
        print("\n".join(lines), file=sys.stderr if args.diff or args.format != "text" else sys.stdout)
    return _report(result, args, sys.stderr if args.diff else sys.stdout)


def cmd_rules(_: argparse.Namespace) -> int:
    from mfa_lint.core.catalog import RULES

    header = ("ID", "CFN-LINT", "SEVERITY", "NAME", "TITLE")
    rows = [header] + [(r.id, r.cfn_lint_id, r.severity, r.name, r.title) for r in RULES.values()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return 0


def cmd_checkov_dir(_: argparse.Namespace) -> int:
    try:
        from mfa_lint.checkov import checks_dir
    except ImportError as exc:
        print(f"mfa-lint: error: the checkov plugin is not available: {exc}", file=sys.stderr)
        return 2
    print(checks_dir())
    return 0


COMMANDS = {"scan": cmd_scan, "fix": cmd_fix, "rules": cmd_rules, "checkov-dir": cmd_checkov_dir}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("mfa-lint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `mfa-lint scan | head`: stop quietly, without a second error at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
