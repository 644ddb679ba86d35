"""The `mfa-lint` command: scan, fix, rules, checkov-dir.

Exit codes: 0 clean; 1 a finding at or above --fail-on; 2 a usage error, a bad configuration file, a broken
installation, or an input that could not be read or parsed (every finding from the other files is still reported).
Imports stay lazy: `scan` on one small file must start fast, and checkov is loaded only by `checkov-dir`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from mfa_lint import __version__
from mfa_lint.config import ConfigError, parse_seconds, parse_size
from mfa_lint.core.catalog import POLICY_KINDS
from mfa_lint.scanning.options import DEFAULT_PARSE_TIMEOUT

FORMATS = ("text", "json", "sarif", "github")
STDIN = "-"


def _checked(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse `type` from a config-file parser (ValueError -> a usage error naming the flag)."""

    def convert(value: str) -> Any:
        try:
            return parse(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__.strip("_")
    return convert


def _kind_arg(value: str) -> tuple[str | None, str]:
    """`--kind KIND` (the default kind: glob None) or `--kind GLOB=KIND`."""
    pattern, _, kind = value.rpartition("=")
    if kind not in POLICY_KINDS:
        raise ValueError(f"unknown policy kind {kind!r} (one of {', '.join(POLICY_KINDS)}); use KIND or GLOB=KIND")
    if "=" in value and not pattern:
        raise ValueError("empty glob in GLOB=KIND")
    return (pattern or None), kind


def _rules_arg(value: str) -> frozenset[str]:
    from mfa_lint.config import KEYS

    return KEYS["select"].parse(value)


def _jobs_arg(value: str) -> int:
    from mfa_lint.config import KEYS

    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"not a number of processes: {value!r}") from None
    return KEYS["jobs"].parse(number)


def _add_scan_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .); - reads stdin")
    parser.add_argument("--kind", action="append", type=_checked(_kind_arg), metavar="[GLOB=]KIND",
                        help="policy kind of plain policy JSON: KIND sets the default (identity), GLOB=KIND the kind "
                        "of the files the glob matches (repeatable; first match wins; " + ", ".join(POLICY_KINDS) + ")")
    parser.add_argument("--no-infer-kind", dest="infer_kind", action="store_const", const=False,
                        help="do not infer the kind of plain policy JSON from its path (scps/, trust-policy.json)")
    parser.add_argument("--tf-root", metavar="DIR", help="Terraform configuration a plan JSON was made from")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument("--sarif", metavar="FILE", help="also write a SARIF report to FILE (from the same scan)")
    parser.add_argument("--fail-on", choices=("error", "warning", "never"),
                        help="lowest finding severity that makes the exit code 1 (default: error)")
    parser.add_argument("--select", action="append", type=_checked(_rules_arg), metavar="IDS",
                        help="report only these rules (comma-separated mfa-lint or cfn-lint ids; repeatable)")
    parser.add_argument("--ignore", action="append", type=_checked(_rules_arg), metavar="IDS",
                        help="never report these rules (comma-separated ids; repeatable)")
    parser.add_argument("--max-file-size", type=_checked(parse_size), metavar="SIZE",
                        help="skip (as an error) files larger than this (default: 10M)")
    parser.add_argument("--exclude", action="append", metavar="GLOB",
                        help="leave out walked files and folders matching GLOB (gitignore syntax, from the current "
                        "directory; repeatable; adds to the configuration file's); named files are always read")
    parser.add_argument("--no-ignore", dest="respect_gitignore", action="store_const", const=False,
                        help="also walk what .gitignore files ignore (.venv, node_modules, .terraform etc. stay "
                        "skipped)")
    parser.add_argument("--jobs", "-j", type=_checked(_jobs_arg), metavar="N",
                        help="worker processes (default: one per CPU; 1: serial)")
    parser.add_argument("--check-syntax", action="store_const", const=True,
                        help="parse every walked file, also those that cannot hold an MFA condition, so that their "
                        "syntax errors are reported (slower; by default such files are not parsed)")
    parser.add_argument("--parse-timeout", type=_checked(parse_seconds), metavar="SECONDS",
                        help=f"give up on a file after this long, as an error (default: {DEFAULT_PARSE_TIMEOUT:g}; "
                        "0: no limit)")
    parser.add_argument("--ignore-unknown", action="store_true",
                        help="skip named files that are none of the formats (for pre-commit) instead of failing")
    parser.add_argument("--skip-unrelated", action="store_true", help=argparse.SUPPRESS)  # the default since 0.2
    parser.add_argument("--stdin-filename", metavar="NAME",
                        help="with PATH -: the file name standard input stands for (its format, kind and folder)")
    parser.add_argument("--config", metavar="FILE",
                        help="configuration file (default: the nearest .mfa-lint.toml or pyproject.toml with "
                        "[tool.mfa-lint], from the scanned paths upwards)")
    parser.add_argument("--show-config", action="store_true",
                        help="print the settings in effect and where each comes from, then exit")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour text output (default: auto, only on a terminal)")


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    parser = argparse.ArgumentParser(
        prog="mfa-lint",
        description="Find IAM policies whose MFA conditions fail open (Terraform, plan JSON, CloudFormation, "
        "IAM policy JSON).",
        epilog="Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or configuration error, broken "
        "installation, or unreadable input.",
    )
    parser.add_argument("--version", action="version", version=f"mfa-lint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    scan = sub.add_parser("scan", help="report MFA conditions that fail open")
    _add_scan_options(scan)
    fix = sub.add_parser("fix", help="apply the mechanical fixes (MFA001, MFA002), then report what is left")
    _add_scan_options(fix)
    fix.add_argument("--diff", action="store_true",
                     help="print a unified diff instead of writing the files (the report then goes to stderr)")
    rules = sub.add_parser("rules", help="list the rules")
    checkov_dir = sub.add_parser(
        "checkov-dir", help="print the directory to pass to checkov --external-checks-dir",
        description="Print the folder of mfa-lint's checkov checks (for a checkov installed next to mfa-lint), or "
        "with --export write a self-contained copy for a checkov that cannot import mfa-lint (checkov-action, "
        "pipx, brew).")
    checkov_dir.add_argument("--export", metavar="DIR",
                             help="write a self-contained external-checks folder to DIR (a loader and mfa-lint as "
                             "a zip; needs only checkov) and print DIR")
    checkov_dir.add_argument("--check", action="store_true",
                             help="with --export: write nothing; exit 1 when DIR is not what --export would write "
                             "(a stale export)")
    return parser, {"scan": scan, "fix": fix, "rules": rules, "checkov-dir": checkov_dir}


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    """The flags given on the command line, keyed like the configuration file (None: not given)."""
    from mfa_lint.kinds import anchor

    cwd = os.getcwd()
    kinds = [(anchor(glob, cwd), kind) for glob, kind in args.kind or [] if glob is not None]
    defaults = [kind for glob, kind in args.kind or [] if glob is None]
    return {
        "exclude": tuple((cwd, glob) for glob in args.exclude) if args.exclude else None,
        "kinds": tuple(kinds) or None,
        "kind": defaults[-1] if defaults else None,
        "infer-kind": args.infer_kind,
        "fail-on": args.fail_on,
        "select": frozenset().union(*args.select) if args.select else None,
        "ignore": frozenset().union(*args.ignore) if args.ignore else None,
        "jobs": args.jobs,
        "parse-timeout": args.parse_timeout,
        "respect-gitignore": args.respect_gitignore,
        "check-syntax": args.check_syntax,
        "max-file-size": args.max_file_size,
        "tf-root": args.tf_root,
    }


def _options(args: argparse.Namespace, config, overrides: dict[str, str]):
    from mfa_lint.scan import ScanOptions

    return ScanOptions(
        kind=config["kind"], tf_root=config["tf-root"], max_file_size=config["max-file-size"],
        ignore_unknown=args.ignore_unknown, overrides=overrides,
        exclude_in=config["exclude"], respect_gitignore=config["respect-gitignore"], jobs=config["jobs"],
        check_syntax=config["check-syntax"], parse_timeout=config["parse-timeout"] or None, kinds=config["kinds"],
        infer_kind=config["infer-kind"], select=config["select"], ignore=config["ignore"],
    )


def _colour(args: argparse.Namespace, stream) -> bool:
    if args.color != "auto":
        return args.color == "always"
    if args.output or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def _write(path: str, text: str) -> int:
    """0, or 2 with one line on stderr when the file cannot be written."""
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        print(f"mfa-lint: error: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


def _emit(text: str, args: argparse.Namespace, stream) -> int:
    """Write the report to --output or to `stream`; 0, or 2 when the output file cannot be written."""
    if args.output:
        return _write(args.output, text)
    stream.write(text)
    stream.flush()
    return 0


def _report(result, args: argparse.Namespace, fail_on: str, stream) -> int:
    from mfa_lint.reporters import renderer
    from mfa_lint.scan import exit_code

    text = renderer(args.format)(result, colour=_colour(args, stream))
    written = _emit(text, args, stream)
    if args.sarif:
        written = _write(args.sarif, text if args.format == "sarif" else renderer("sarif")(result)) or written
    return written or exit_code(result, fail_on)


def _stdin(args: argparse.Namespace, paths: list[str]) -> tuple[list[str], dict[str, str]]:
    """`scan -`: standard input stands for --stdin-filename (or `stdin.json|yaml|tf`, sniffed from the text)."""
    if STDIN not in paths:
        if args.stdin_filename:
            raise ConfigError("--stdin-filename needs the path - (standard input)")
        return paths, {}
    text = sys.stdin.buffer.read().decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    name = args.stdin_filename
    if not name:
        from mfa_lint.scanning.formats import looks_like_cloudformation_yaml

        stripped = text.lstrip()
        name = "stdin.json" if stripped.startswith(("{", "[")) else (
            "stdin.yaml" if looks_like_cloudformation_yaml(text) else "stdin.tf"
        )
    return [name if p == STDIN else p for p in paths], {os.path.normpath(name): text, name: text}


def _prepare(args: argparse.Namespace):
    """(paths, config, options) of scan and fix; raises ConfigError for a bad file, flag or path."""
    from mfa_lint.config import resolve

    paths = args.paths or ["."]
    # standard input stands for --stdin-filename: its folder is where the configuration file is looked for
    config = resolve(_flags(args), [args.stdin_filename or p if p == STDIN else p for p in paths], args.config)
    tf_root = config["tf-root"]
    if tf_root is not None and not os.path.isdir(tf_root):
        raise ConfigError(f"--tf-root {tf_root}: no such directory ({config.origin('tf-root')})")
    paths, overrides = _stdin(args, paths)
    return paths, config, _options(args, config, overrides)


def _installation_ok() -> bool:
    from mfa_lint.install_check import hcl2_problem

    problem = hcl2_problem()
    if problem:
        print(f"mfa-lint: error: {problem}", file=sys.stderr)
    return problem is None


def cmd_scan(args: argparse.Namespace) -> int:
    from mfa_lint.config import show
    from mfa_lint.scan import scan

    paths, config, options = _prepare(args)
    if args.show_config:
        sys.stdout.write(show(config))
        return 0
    return _report(scan(paths, options), args, config["fail-on"], sys.stdout)


def cmd_fix(args: argparse.Namespace) -> int:
    from mfa_lint.config import show
    from mfa_lint.fix import describe, fix, unified_diff

    paths, config, options = _prepare(args)
    if args.show_config:
        sys.stdout.write(show(config))
        return 0
    if options.overrides:
        raise ConfigError("fix cannot edit standard input: use scan -")
    plan, result = fix(paths, options, apply=not args.diff)
    if args.diff:  # bytes: the CRLF and BOM of the files stay in the patch, whatever the terminal's encoding
        sys.stdout.flush()
        sys.stdout.buffer.write(unified_diff(plan).encode("utf-8"))
        sys.stdout.buffer.flush()
    lines = describe(plan, written=not args.diff)
    if lines:  # stdout stays a clean diff, or a clean json/sarif/github report
        print("\n".join(lines), file=sys.stderr if args.diff or args.format != "text" else sys.stdout)
    return _report(result, args, config["fail-on"], sys.stderr if args.diff else sys.stdout)


def cmd_rules(_: argparse.Namespace) -> int:
    from mfa_lint.core.catalog import RULES

    header = ("ID", "CFN-LINT", "SEVERITY", "NAME", "TITLE")
    rows = [header] + [(r.id, r.cfn_lint_id, r.severity, r.name, r.title) for r in RULES.values()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return 0


def cmd_checkov_dir(args: argparse.Namespace) -> int:
    try:
        from mfa_lint.checkov import checks_dir
    except ImportError as exc:
        print(f"mfa-lint: error: the checkov plugin is not available: {exc}", file=sys.stderr)
        return 2
    if args.check and not args.export:
        print("mfa-lint: error: --check needs --export DIR", file=sys.stderr)
        return 2
    if not args.export:
        print(checks_dir())
        return 0
    from mfa_lint.checkov.export import export, stale

    if args.check:
        problems = stale(args.export)
        for problem in problems:
            print(f"mfa-lint: {args.export}: {problem}; run `mfa-lint checkov-dir --export {args.export}`",
                  file=sys.stderr)
        return 1 if problems else 0
    try:
        export(args.export)
    except OSError as exc:
        print(f"mfa-lint: error: cannot write {args.export}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(args.export)
    return 0


COMMANDS = {"scan": cmd_scan, "fix": cmd_fix, "rules": cmd_rules, "checkov-dir": cmd_checkov_dir}
NEEDS_HCL2 = frozenset({"scan", "fix", "checkov-dir"})


def main(argv: Sequence[str] | None = None) -> int:
    parser, subparsers = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # a bad flag after `scan` gets scan's usage, not the top-level one
        (subparsers.get(args.command) or parser).error(f"unrecognized arguments: {' '.join(extra)}")
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    if args.command in NEEDS_HCL2 and not _installation_ok():
        return 2
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        print(f"mfa-lint: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mfa-lint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `mfa-lint scan | head`: stop quietly, without a second error at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
