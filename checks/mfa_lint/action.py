"""The GitHub Action's logic (action.yml runs `python -m mfa_lint.action`), kept here so that it is tested.

The inputs come in environment variables (never interpolated into a shell script): MFA_LINT_PATH holds paths separated
by newlines (a YAML `|` block) or by spaces; quotes keep a path with spaces whole, as does a line that names an
existing path as it stands; globs are expanded (`**` too). A path that does not exist, or a glob that matches nothing,
fails the step loudly. One scan writes the annotations (at most 10 per level, see mfa_lint.reporters.github), the
job summary (every result: `$GITHUB_STEP_SUMMARY`, unless MFA_LINT_JOB_SUMMARY is false) and, when asked, the SARIF
file (suppressed findings dropped unless MFA_LINT_SARIF_SUPPRESSED is keep: code scanning ignores SARIF
`suppressions`); a SARIF file or summary that cannot be written fails the step.
"""

from __future__ import annotations

import glob
import os
import shlex
import sys
from collections.abc import Mapping

GLOB_CHARS = frozenset("*?[")


class ActionError(Exception):
    """An input the action cannot use (the message is shown as an error annotation)."""


def _tokens(line: str) -> list[str]:
    """The paths of one input line: the whole line when it names an existing path, else its shell words."""
    if os.path.lexists(line):
        return [line]
    try:
        return shlex.split(line)
    except ValueError as exc:
        raise ActionError(f"cannot split the path input line {line!r}: {exc}") from None


def expand_paths(text: str) -> list[str]:
    """Every path the `path` input names, globs expanded, in order, each once; ActionError for one that is missing."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for token in _tokens(line):
            if GLOB_CHARS & set(token) and not os.path.lexists(token):
                matches = sorted(glob.glob(token, recursive=True))
                if not matches:
                    raise ActionError(f"path input: {token!r} matches nothing")
                out.extend(matches)
            elif not os.path.lexists(token):
                raise ActionError(f"path input: {token!r} does not exist")
            else:
                out.append(token)
    return list(dict.fromkeys(out)) or ["."]


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = env.get(name, "").strip().lower() or default
    if value not in choices:
        raise ActionError(f"{name.removeprefix('MFA_LINT_').lower().replace('_', '-')} input: {value!r} is not one of "
                          + ", ".join(choices))
    return value


def scan_arguments(env: Mapping[str, str]) -> list[str]:
    """The `mfa-lint scan` arguments for the action's inputs (an empty input leaves the config file in charge)."""
    args = ["scan", "--format", "github"]
    for name, flag in (("MFA_LINT_FAIL_ON", "--fail-on"), ("MFA_LINT_CONFIG", "--config"),
                       ("MFA_LINT_SARIF_FILE", "--sarif")):
        value = env.get(name, "").strip()
        if value:
            args += [flag, value]
    if env.get("MFA_LINT_SARIF_FILE", "").strip():
        args += ["--sarif-suppressed", _choice(env, "MFA_LINT_SARIF_SUPPRESSED", ("drop", "keep"), "drop")]
    summary = env.get("GITHUB_STEP_SUMMARY", "").strip()
    if _choice(env, "MFA_LINT_JOB_SUMMARY", ("true", "false"), "true") == "false":
        args += ["--no-summary"]
    elif summary:
        args += ["--summary", summary]
    for kind in env.get("MFA_LINT_KIND", "").split():  # KIND or GLOB=KIND, space-separated
        args += ["--kind", kind]
    return args + ["--", *expand_paths(env.get("MFA_LINT_PATH", "."))]


def main(env: Mapping[str, str] | None = None) -> int:
    from mfa_lint.cli import main as cli_main

    env = os.environ if env is None else env
    try:
        args = scan_arguments(env)
    except ActionError as exc:
        print(f"::error title=mfa-lint::{exc}", flush=True)
        print(f"mfa-lint: error: {exc}", file=sys.stderr)
        return 2
    print("mfa-lint " + " ".join(shlex.quote(a) for a in args), file=sys.stderr, flush=True)
    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
