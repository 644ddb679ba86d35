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
from mfa_lint.config import ConfigError
from mfa_lint.core.policy_kinds import PolicyKind
from mfa_lint.scanning.options import SETTINGS, Setting, parse_kind

FORMATS = ("text", "json", "sarif", "github")
STDIN = "-"


def _checked(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """An argparse `type` from a setting's parser (ValueError -> a usage error naming the flag)."""

    def convert(value: str) -> Any:
        try:
            return parse(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = getattr(parse, "__name__", "value").strip("_").removeprefix("parse_")
    return convert


def _kind_arg(value: str) -> tuple[str | None, PolicyKind]:
    """`--kind KIND` (the default kind: glob None) or `--kind GLOB=KIND`."""
    pattern, _, kind = value.rpartition("=")
    if kind not in tuple(PolicyKind):
        raise ValueError(f"unknown policy kind {kind!r} (one of {', '.join(PolicyKind)}); use KIND or GLOB=KIND")
    if "=" in value and not pattern:
        raise ValueError("empty glob in GLOB=KIND")
    return (pattern or None), parse_kind(kind)


def _add_setting(parser: argparse.ArgumentParser, spec: Setting) -> None:
    """A setting's flag, as its declaration (scanning.options.ScanOptions) says."""
    text = spec.flag_help or spec.help
    if spec.switch is not None:
        parser.add_argument(*spec.flags, dest=spec.field, action="store_const", const=spec.switch, help=text)
    elif spec.choices:
        parser.add_argument(*spec.flags, dest=spec.field, choices=spec.choices, help=text)
    else:
        parser.add_argument(*spec.flags, dest=spec.field, action="append" if spec.repeat else "store",
                            type=_checked(spec.parse), metavar=spec.metavar, help=text)


def _add_scan_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .); - reads stdin")
    parser.add_argument("--kind", dest="kind_flags", action="append", type=_checked(_kind_arg),
                        metavar="[GLOB=]KIND",
                        help="policy kind of plain policy JSON: KIND sets the default (identity), GLOB=KIND the kind "
                        "of the files the glob matches (repeatable; first match wins; " + ", ".join(PolicyKind) + ")")
    for spec in SETTINGS.values():
        if spec.flags:
            _add_setting(parser, spec)
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument("--sarif", metavar="FILE", help="also write a SARIF report to FILE (from the same scan)")
    parser.add_argument("--sarif-suppressed", choices=("keep", "drop"), default="keep",
                        help="suppressed findings in SARIF: keep them as results with `suppressions` (default) or "
                        "drop them (GitHub code scanning ignores `suppressions` and would open alerts for them)")
    parser.add_argument("--summary", metavar="FILE",
                        help="append a Markdown summary (totals by rule, every finding, note, unreadable file and "
                        "suppression) to FILE; with --format github the default is $GITHUB_STEP_SUMMARY when set")
    parser.add_argument("--no-summary", action="store_true", help="write no Markdown summary")
    parser.add_argument("--ignore-unknown", action="store_true",
                        help="skip named files that are none of the formats (for pre-commit) instead of failing")
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
    next(a for a in fix._actions if a.dest == "paths").help = (
        "files or directories (default: .); - reads stdin and writes the fixed text to stdout")
    fix.add_argument("--diff", action="store_true",
                     help="print a unified diff instead of writing the files (the report then goes to stderr)")
    rules = sub.add_parser("rules", help="list the rules")
    checkov_dir = sub.add_parser("checkov-dir", help="print the directory to pass to checkov --external-checks-dir")
    return parser, {"scan": scan, "fix": fix, "rules": rules, "checkov-dir": checkov_dir}


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line, keyed like the configuration file (None: not given)."""
    from mfa_lint.formats.policy_json.kinds import anchor

    cwd = os.getcwd()
    given: dict[str, Any] = {}
    for key, spec in SETTINGS.items():
        value = getattr(args, spec.field, None) if spec.flags else None
        if value is not None and spec.repeat:
            value = spec.join(value) if spec.join else value[-1]
        if value is not None and spec.flag_at and spec.at:
            value = spec.at(cwd, value)
        given[key] = value
    kinds = [(anchor(glob, cwd), kind) for glob, kind in args.kind_flags or [] if glob is not None]
    defaults = [kind for glob, kind in args.kind_flags or [] if glob is None]
    given["kinds"] = tuple(kinds) or None
    given["kind"] = defaults[-1] if defaults else None
    return given


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


def _summary_file(args: argparse.Namespace) -> str | None:
    """Where the Markdown summary goes: --summary, else the job summary of a GitHub step with --format github."""
    if args.no_summary:
        return None
    if args.summary:
        return args.summary
    return (os.environ.get("GITHUB_STEP_SUMMARY") or None) if args.format == "github" else None


def _append_summary(path: str, result) -> int:
    """Append the summary within what is left of GitHub's 1 MiB per step; 0, or 2 when it cannot be written."""
    from mfa_lint.reporters.summary import LIMIT, Links, render

    try:
        used = os.path.getsize(path)
    except OSError:
        used = 0
    text = render(result, budget=max(LIMIT - used - 1024, 0), links=Links.from_env(os.environ))
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(("\n" if used else "") + text)
    except OSError as exc:
        print(f"mfa-lint: error: cannot write the summary {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


def _elsewhere(args: argparse.Namespace, summary: str | None) -> list[str]:
    """The other places this run's results go, for the annotation that says where the ones not shown are."""
    places = []
    if summary:
        places.append("the job summary" if summary == os.environ.get("GITHUB_STEP_SUMMARY") else f"{summary}")
    if args.sarif:
        places.append(f"the SARIF file {args.sarif} (code scanning)")
    return places


def _report(result, args: argparse.Namespace, fail_on: str, stream) -> int:
    from mfa_lint.reporters import renderer
    from mfa_lint.scanning import exit_code

    summary = _summary_file(args)
    text = renderer(args.format)(result, colour=_colour(args, stream), elsewhere=_elsewhere(args, summary),
                                 suppressed=args.sarif_suppressed)
    written = _emit(text, args, stream)
    if args.sarif:
        sarif = text if args.format == "sarif" else renderer("sarif")(result, suppressed=args.sarif_suppressed)
        written = _write(args.sarif, sarif) or written
    if summary:
        written = _append_summary(summary, result) or written
    return written or exit_code(result, fail_on)


def _stdin(args: argparse.Namespace, paths: list[str]) -> tuple[list[str], dict[str, str]]:
    """`scan -`: standard input stands for --stdin-filename (or `stdin.json|yaml|tf`, sniffed from the text)."""
    if STDIN not in paths:
        if args.stdin_filename:
            raise ConfigError("--stdin-filename needs the path - (standard input)")
        return paths, {}
    args.stdin_bytes = sys.stdin.buffer.read()  # as read: `fix -` gives it back with only the fixes changed
    text = args.stdin_bytes.decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    name = args.stdin_filename
    if not name:
        from mfa_lint.formats.registry import stdin_name

        name = stdin_name(text)
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
    for var_file in config["var-files"]:
        if not os.path.isfile(var_file):
            raise ConfigError(f"--var-file {var_file}: no such file ({config.origin('var-files')})")
    paths, overrides = _stdin(args, paths)
    return paths, config, config.options(ignore_unknown=args.ignore_unknown, overrides=overrides)


def _installation_ok() -> bool:
    from mfa_lint.install_check import hcl2_problem

    problem = hcl2_problem()
    if problem:
        print(f"mfa-lint: error: {problem}", file=sys.stderr)
    return problem is None


def cmd_scan(args: argparse.Namespace) -> int:
    from mfa_lint.config import show
    from mfa_lint.scanning import scan

    paths, config, options = _prepare(args)
    if args.show_config:
        sys.stdout.write(show(config))
        return 0
    return _report(scan(paths, options), args, options.fail_on, sys.stdout)


def cmd_fix(args: argparse.Namespace) -> int:
    from mfa_lint.config import show
    from mfa_lint.fix import describe, fix, unified_diff

    paths, config, options = _prepare(args)
    if args.show_config:
        sys.stdout.write(show(config))
        return 0
    if options.overrides:
        return _fix_stdin(args, paths, options.fail_on, options)
    plan, result = fix(paths, options, apply=not args.diff)
    if args.diff:  # bytes: the CRLF and BOM of the files stay in the patch, whatever the terminal's encoding
        sys.stdout.flush()
        sys.stdout.buffer.write(unified_diff(plan).encode("utf-8"))
        sys.stdout.buffer.flush()
    lines = describe(plan, written=not args.diff)
    if lines:  # stdout stays a clean diff, or a clean json/sarif/github report
        print("\n".join(lines), file=sys.stderr if args.diff or args.format != "text" else sys.stdout)
    return _report(result, args, options.fail_on, sys.stderr if args.diff else sys.stdout)


def _fix_stdin(args: argparse.Namespace, paths: list[str], fail_on: str, options) -> int:
    """`fix -`: the fixed text of standard input on stdout (all of it, unchanged where nothing is fixed or it cannot
    be read, as editors and pipes expect), or with --diff the patch; what was fixed and the report on stderr."""
    from mfa_lint.fix import describe, fix, unified_diff

    if len(paths) != 1:
        raise ConfigError("fix -: standard input is fixed on its own (the fixed text goes to stdout): name no other "
                          "path")
    data: bytes = args.stdin_bytes
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not args.diff:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        print(f"mfa-lint: error: {paths[0]}: not UTF-8 ({exc.reason} at byte {exc.start}): nothing fixed",
              file=sys.stderr)
        return 2
    bom = raw.startswith("\ufeff")
    raw = raw[1:] if bom else raw
    name = paths[0]
    plan, result = fix(paths, options, apply=False, texts={name: (raw, bom), os.path.normpath(name): (raw, bom)})
    if args.diff:
        out = unified_diff(plan)
    else:
        out = ("\ufeff" if bom else "") + (plan.files[0].fixed if plan.files else raw)
    sys.stdout.flush()
    sys.stdout.buffer.write(out.encode("utf-8"))
    sys.stdout.buffer.flush()
    lines = describe(plan, written=not args.diff)
    if lines:
        print("\n".join(lines), file=sys.stderr)
    return _report(result, args, fail_on, sys.stderr)


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
