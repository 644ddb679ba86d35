"""What a scan is asked to do: every setting, declared once.

Each setting is one field of ScanOptions declared with `setting(...)`: its default, its configuration-file key
(`[tool.mfa-lint]`, `.mfa-lint.toml`), its command-line flag, how a value is checked and its help. The configuration
file (mfa_lint.config), the command line and `--show-config` (mfa_lint.cli) read SETTINGS; nothing else spells a
setting. Fields without `setting(...)` are given by the program (standard input, `fix --diff`), not by a user.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from mfa_lint.core.catalog import NOTES, RULES
from mfa_lint.core.policy_kinds import PolicyKind
from mfa_lint.formats.policy_json.kinds import anchor
from mfa_lint.reading import limits

FAIL_ON = ("error", "warning", "never")


# -- how values are checked (a configuration-file value, or a flag's text): ValueError says why ------------------


def parse_rule_ids(value: Any) -> frozenset[str]:
    """Rule ids given as mfa-lint or cfn-lint ids (`MFA001`, `E9001`), or a prefix such as `MFA00`."""
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split() if part]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of rule ids")
    records = {**RULES, **NOTES}  # MFA000 / I9000: the unjudged result (a note on the CLI)
    by_cfn = {r.cfn_lint_id.upper(): r.id for r in records.values()}
    out: set[str] = set()
    for raw in value:
        token = raw.strip().upper()
        matched = [rid for rid in records if rid.startswith(token)] or ([by_cfn[token]] if token in by_cfn else [])
        if not token or not matched:
            raise ValueError(f"unknown rule id {raw!r} (known: {', '.join(sorted(records))})")
        out.update(matched)
    return frozenset(out)


def parse_globs(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError("expected a list of strings")
    return tuple(value)


def parse_kind(value: Any) -> PolicyKind:
    if value not in tuple(PolicyKind):
        raise ValueError(f"unknown policy kind {value!r} (one of {', '.join(PolicyKind)})")
    return PolicyKind(value)


def parse_kinds(value: Any) -> tuple[tuple[str, PolicyKind], ...]:
    if not isinstance(value, dict):
        raise ValueError('expected a table of glob = kind, e.g. "policies/scp/**" = "scp"')
    return tuple((pattern, parse_kind(kind)) for pattern, kind in value.items())


def parse_fail_on(value: Any) -> str:
    if value not in FAIL_ON:
        raise ValueError(f"expected one of {', '.join(FAIL_ON)}, not {value!r}")
    return value


def parse_jobs(value: Any) -> int:
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            raise ValueError(f"not a number of processes: {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"expected a whole number of at least 1, not {value!r}")
    return value


def parse_seconds(value: Any) -> float:
    """Seconds (a number or its text); 0 means no limit."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"expected a number of seconds (0: no limit), not {value!r}")
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"not a number of seconds: {value!r}") from None
    if not 0 <= seconds < float("inf"):
        raise ValueError(f"expected a number of seconds (0: no limit), not {value!r}")
    return seconds


def parse_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, not {value!r}")
    return value


def parse_size(value: Any) -> int:
    """A byte count, optionally with a K/M/G suffix (powers of 1024): `10M`, `500K`, 1048576."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"expected a size such as 10M or 500K, not {value!r}")
    text = str(value).strip().upper().removesuffix("B")
    factor = 1
    for suffix, multiple in (("K", 1024), ("M", 1024**2), ("G", 1024**3)):
        if text.endswith(suffix):
            text, factor = text[:-1], multiple
            break
    try:
        size = int(float(text) * factor)
    except ValueError:
        raise ValueError(f"not a size: {value!r} (e.g. 10M, 500K, 1048576)") from None
    if size <= 0:
        raise ValueError("the size must be positive")
    return size


def parse_var_files(value: Any) -> tuple[str, ...]:
    """Terraform variable definition files (`.tfvars`, `.tfvars.json`): one path or a list."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError("expected the path of a .tfvars file, or a list of them")
    return tuple(value)


def parse_vars(value: Any) -> tuple[str, ...]:
    """Root module variable values: `NAME=VALUE` (a flag, as terraform's -var), or a table `name = value` (a TOML
    string is taken as `-var name=string`, anything else as its JSON text, which HCL reads the same)."""
    if isinstance(value, str):
        items = [value]
    elif isinstance(value, dict):
        items = [f"{name}={raw if isinstance(raw, str) else json.dumps(raw)}" for name, raw in value.items()]
    else:
        raise ValueError('expected NAME=VALUE, or a table of name = value, e.g. { mfa_operator = "Bool" }')
    for item in items:
        if "=" not in item or not item.partition("=")[0].strip():
            raise ValueError(f"expected NAME=VALUE, not {item!r}")
    return tuple(items)


def parse_folder(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a folder, not {value!r}")
    return value


# -- values from where they were given ---------------------------------------------------------------------------


def _globs_at(directory: str, value: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """`exclude` globs anchored at the folder they were given in (gitignore-style; see scanning.walk)."""
    return tuple((directory, glob) for glob in value)


def _kinds_at(directory: str, value: tuple[tuple[str, PolicyKind], ...]) -> tuple[tuple[str, PolicyKind], ...]:
    return tuple((anchor(pattern, directory), kind) for pattern, kind in value)


def _folder_at(directory: str, value: str) -> str:
    return os.path.join(directory, value)


def _files_at(directory: str, value: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(os.path.join(directory, path) for path in value)


def _joined(lists: list[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(item for values in lists for item in values)


def _union(values: list[frozenset[str]]) -> frozenset[str]:
    return frozenset().union(*values)


@dataclass(frozen=True)
class Setting:
    """One user setting: a ScanOptions field, a configuration-file key, a command-line flag.

    - `parse`: checks a configuration-file value or a flag's text (ValueError names the problem).
    - `at`: a configuration-file value that names files (globs, a folder) made absolute against the file's folder;
      `flag_at`: a flag's value too, against the working directory.
    - `flags`, `metavar`, `choices`, `flag_help` (default: `help`): the flag; `switch` (True/False): a flag
      without a value that sets it;
      `repeat`: a repeatable flag whose values are joined by `join` (default: the last wins).
    - `field`, `default`: filled in from ScanOptions.
    """

    key: str
    parse: Callable[[Any], Any]
    help: str
    flags: tuple[str, ...] = ()
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    switch: bool | None = None
    repeat: bool = False
    join: Callable[[list[Any]], Any] | None = None
    at: Callable[[str, Any], Any] | None = None
    flag_at: bool = False
    flag_help: str = ""
    field: str = ""
    default: Any = None


def setting(default: Any, key: str, parse: Callable[[Any], Any], help: str, **flag: Any) -> Any:
    """A ScanOptions field that is a user setting (see Setting)."""
    return field(default=default, metadata={"setting": Setting(key, parse, help, **flag)})


@dataclass
class ScanOptions:
    #: (folder, glob) pairs: gitignore-style globs a walk leaves out, anchored at the folder they were given in
    exclude: tuple[tuple[str, str], ...] = setting(
        (), "exclude", parse_globs, "globs of files and folders not to scan (besides .gitignore and .venv etc.)",
        flags=("--exclude",), metavar="GLOB", repeat=True, join=lambda lists: tuple(g for v in lists for g in v),
        at=_globs_at, flag_at=True,
        flag_help="leave out walked files and folders matching GLOB (gitignore syntax, from the current directory; "
        "repeatable; adds to the configuration file's); named files are always read")
    kinds: tuple[tuple[str, PolicyKind], ...] = setting(
        (), "kinds", parse_kinds, "glob = kind for plain policy JSON; first match wins, before the path inference",
        at=_kinds_at)
    kind: PolicyKind = setting(
        PolicyKind.IDENTITY, "kind", parse_kind, "policy kind of plain policy JSON that no glob and no path names")
    infer_kind: bool = setting(
        True, "infer-kind", parse_bool,
        "infer the kind of plain policy JSON from folder and file names (scps/, trust/)",
        flags=("--no-infer-kind",), switch=False,
        flag_help="do not infer the kind of plain policy JSON from its path (scps/, trust-policy.json)")
    fail_on: str = setting(
        "error", "fail-on", parse_fail_on, "lowest finding severity that makes the exit code 1",
        flags=("--fail-on",), choices=FAIL_ON,
        flag_help="lowest finding severity that makes the exit code 1 (default: error)")
    select: frozenset[str] | None = setting(
        None, "select", parse_rule_ids, "report only these rules (mfa-lint or cfn-lint ids)",
        flags=("--select",), metavar="IDS", repeat=True, join=_union,
        flag_help="report only these rules (comma-separated mfa-lint or cfn-lint ids; repeatable)")
    ignore: frozenset[str] = setting(
        frozenset(), "ignore", parse_rule_ids, "never report these rules",
        flags=("--ignore",), metavar="IDS", repeat=True, join=_union,
        flag_help="never report these rules (comma-separated ids; repeatable)")
    jobs: int | None = setting(
        None, "jobs", parse_jobs, "worker processes (default: the number of CPUs)",
        flags=("--jobs", "-j"), metavar="N", flag_help="worker processes (default: one per CPU; 1: serial)")
    parse_timeout: float | None = setting(
        limits.PARSE_TIMEOUT, "parse-timeout", parse_seconds, "time budget of one file (seconds; 0: no limit)",
        flags=("--parse-timeout",), metavar="SECONDS",
        flag_help=f"give up on a file after this long, as an error (default: {limits.PARSE_TIMEOUT:g}; 0: no limit)")
    respect_gitignore: bool = setting(
        True, "respect-gitignore", parse_bool, "skip files that .gitignore ignores in a walk",
        flags=("--no-ignore",), switch=False,
        flag_help="also walk what .gitignore files ignore (.venv, node_modules, .terraform etc. stay skipped)")
    check_syntax: bool = setting(
        False, "check-syntax", parse_bool, "parse every file in a walk so that syntax errors are reported",
        flags=("--check-syntax",), switch=True,
        flag_help="parse every walked file, also those that cannot hold an MFA condition, so that their syntax "
        "errors are reported (slower; by default such files are not parsed)")
    max_file_size: int = setting(
        limits.MAX_FILE_SIZE, "max-file-size", parse_size, "files larger than this are errors",
        flags=("--max-file-size",), metavar="SIZE",
        flag_help="skip (as an error) files larger than this (default: 10M)")
    tf_root: str | None = setting(
        None, "tf-root", parse_folder, "Terraform configuration a plan JSON was made from",
        flags=("--tf-root",), metavar="DIR", at=_folder_at,
        flag_help="the root module folder a plan JSON was made from, so its findings point at the resources' lines "
        "(default: the plan's folder or a parent up to the repository root, when it declares the plan's resources)")
    var_files: tuple[str, ...] = setting(
        (), "var-files", parse_var_files,
        "tfvars files whose values root module variables take, after the folder's own terraform.tfvars and "
        "*.auto.tfvars (later files win), as terraform's -var-file",
        flags=("--var-file",), metavar="FILE", repeat=True, join=_joined, at=_files_at, flag_at=True,
        flag_help="a .tfvars / .tfvars.json file whose values root module variables take, after the folder's own "
        "terraform.tfvars and *.auto.tfvars (repeatable; later files win; adds to the configuration file's), as "
        "terraform's -var-file")
    vars: tuple[str, ...] = setting(
        (), "vars", parse_vars,
        "values of root module variables (name = value), as terraform's -var; they win over every tfvars and var file",
        flags=("--var",), metavar="NAME=VALUE", repeat=True, join=_joined,
        flag_help="the value of a root module variable, as terraform's -var (repeatable; wins over every tfvars and "
        "var file; adds to the configuration file's)")
    #: skip a named file of no known format instead of reporting it (pre-commit passes every changed file)
    ignore_unknown: bool = False
    #: path -> text used instead of the file on disk (`fix --diff` re-scans its edits without writing them; `scan -`)
    overrides: Mapping[str, str] = field(default_factory=dict)

    @property
    def tf_vars(self) -> tuple[tuple[str, str], ...]:
        """What sets root module variables beyond their folders' tfvars files, in the order it applies: the var files,
        then the `-var` values (the reader's VariableInputs)."""
        return tuple(("file", path) for path in self.var_files) + tuple(("var", value) for value in self.vars)


#: key -> Setting, in declaration order
SETTINGS: dict[str, Setting] = {
    f.metadata["setting"].key: replace(f.metadata["setting"], field=f.name, default=f.default)
    for f in fields(ScanOptions) if "setting" in f.metadata
}
