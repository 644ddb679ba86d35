"""What a scan is asked to do: every `mfa-lint scan` flag that changes which files are read and how."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from mfa_lint.files import DEFAULT_MAX_FILE_SIZE

#: Seconds one file may take to be read and analysed (checkov's HCL parse budget is also 10 s).
DEFAULT_PARSE_TIMEOUT = 10.0


@dataclass
class ScanOptions:
    kind: str = "identity"
    tf_root: str | None = None
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    #: skip a named file of no known format instead of reporting it (pre-commit passes every changed file)
    ignore_unknown: bool = False
    #: path -> text used instead of the file on disk (`fix --diff` re-scans its edits without writing them).
    overrides: Mapping[str, str] = field(default_factory=dict)
    #: gitignore-style globs a walk leaves out (`--exclude`, repeatable), anchored at the current directory
    exclude: tuple[str, ...] = ()
    #: skip what .gitignore files ignore (`--no-ignore` turns it off)
    respect_gitignore: bool = True
    #: worker processes (`--jobs`); None: one per CPU; 1: serial, in this process
    jobs: int | None = None
    #: parse every walked file, also those that cannot hold an MFA test, so that their syntax errors are reported
    check_syntax: bool = False
    #: seconds one file may take (`--parse-timeout`); 0 or None: no limit
    parse_timeout: float | None = DEFAULT_PARSE_TIMEOUT
    #: (folder, glob) pairs from a configuration file: gitignore-style globs anchored at the file's folder
    exclude_in: tuple[tuple[str, str], ...] = ()
    #: plain policy JSON: glob -> policy kind, first match wins; then the path (infer_kind), then `kind`
    kinds: tuple[tuple[str, str], ...] = ()
    infer_kind: bool = True
    select: frozenset[str] | None = None  # report only these rule ids (None: every rule)
    ignore: frozenset[str] = frozenset()  # never report these
    #: values for root module variables, later ones winning: ("file", var file path) and ("var", "name=value"),
    #: applied after the folder's own terraform.tfvars / *.auto.tfvars (`--var-file`, `--var`, `var-files`, `vars`)
    tf_vars: tuple[tuple[str, str], ...] = ()

