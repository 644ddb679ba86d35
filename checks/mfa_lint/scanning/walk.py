"""Which files a scan reads, and their text: the walk (skipped folders, .gitignore, --exclude, symlink loops) and the
size limit.

A walk skips what a user never wrote (SKIP_DIRS: version control, virtualenvs, installed packages, tool caches and
build output), whatever .gitignore files ignore (unless `respect_gitignore` is off: `--no-ignore`) and the `--exclude`
globs. A file named explicitly is always read. Every failure is a ScanError (one line naming the file) or a
SourceError for the caller to turn into one.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass

from mfa_lint.reading.site import SourceError
from mfa_lint.scanning.gitignore import IgnoreRules, parse_lines

#: The one file-size limit (`--max-file-size`): larger files are an error, never read.
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
#: The scan's size limit (`--max-file-size`) for files a policy references (`file()`, module folders): set by the
#: scan around each file it parses (a context variable: readers need no extra argument; each worker sets its own).
FILE_SIZE_LIMIT: ContextVar[int] = ContextVar("file_size_limit", default=DEFAULT_MAX_FILE_SIZE)

#: Folders a walk never enters (a folder named explicitly is still walked). `.terraform` holds downloaded modules and
#: providers: the walk skips it, reading a module's own files does not need it.
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", "site-packages", "node_modules", ".terraform", ".tox", ".nox",
    "__pycache__", "cdk.out", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".serverless", ".aws-sam",
})
TERRAFORM_EXT = (".tf",)
JSON_EXT = (".json",)
YAML_EXT = (".yaml", ".yml")
TEMPLATE_EXT = (".template",)
#: Terraform template files (`templatefile()`): a policy document in them is read with `${...}` unknown
POLICY_TEMPLATE_EXT = (".tpl", ".tftpl")
CANDIDATE_EXT = TERRAFORM_EXT + JSON_EXT + YAML_EXT + TEMPLATE_EXT + POLICY_TEMPLATE_EXT


@dataclass(frozen=True)
class ScanError:
    """A file (or folder) that could not be read, and why, in one line."""

    file: str
    message: str


def _is_candidate(name: str) -> bool:
    return name.lower().endswith(CANDIDATE_EXT)


def collect_files(
    paths: Iterable[str], errors: list[ScanError], *, exclude: Iterable[str] = (), respect_gitignore: bool = True,
    exclude_in: Iterable[tuple[str, str]] = (),
) -> list[tuple[str, bool]]:
    """(file, named explicitly) for every candidate file under `paths`, each once, in a stable order.

    `exclude`: gitignore-style globs anchored at the current directory (a glob without `/` matches a name at any
    depth); like .gitignore they apply to walked files and folders, never to a file named on the command line.
    `exclude_in`: (folder, glob) pairs of a configuration file, anchored at its folder.
    """
    out: list[tuple[str, bool]] = []
    seen: set[str] = set()
    excluded = IgnoreRules()
    excluded.add(os.getcwd(), parse_lines(list(exclude)))
    for base, pattern in exclude_in:  # a configuration file's globs: anchored at the file's folder
        excluded.add(base, parse_lines([pattern]))

    def add(path: str, explicit: bool) -> None:
        key = os.path.normcase(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            out.append((path, explicit))

    for raw in paths:
        path = os.path.normpath(raw)
        if not os.path.lexists(path):
            errors.append(ScanError(raw, "no such file or directory"))
        elif os.path.isdir(path):
            rules = IgnoreRules()
            if respect_gitignore:
                rules.load_parents(path)
            for file in _walk(path, errors, rules if respect_gitignore else None, excluded):
                add(file, False)
        else:
            add(path, True)
    return out


def _walk(top: str, errors: list[ScanError], gitignore: IgnoreRules | None, excluded: IgnoreRules) -> Iterable[str]:
    """os.walk with symlinked directories followed once (a loop is cut where it comes back), skipped folders and
    ignored paths left out."""
    visited: set[tuple[int, int]] = set()

    def on_error(exc: OSError) -> None:
        errors.append(ScanError(exc.filename or top, f"cannot read directory: {exc.strerror or exc}"))

    def left_out(path: str, is_dir: bool) -> bool:
        return excluded.ignored(path, is_dir) or (gitignore is not None and gitignore.ignored(path, is_dir))

    for dirpath, dirnames, filenames in os.walk(top, followlinks=True, onerror=on_error):
        try:
            st = os.stat(dirpath)
        except OSError as exc:
            on_error(exc)
            dirnames[:] = []
            continue
        if (st.st_dev, st.st_ino) in visited:
            dirnames[:] = []
            continue
        visited.add((st.st_dev, st.st_ino))
        if gitignore is not None:
            gitignore.load_directory(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if d not in SKIP_DIRS and not left_out(os.path.join(dirpath, d), True)
        )
        for name in sorted(filenames):
            if _is_candidate(name):
                path = os.path.normpath(os.path.join(dirpath, name))
                if not left_out(path, False):
                    yield path


def read_text(path: str, max_file_size: int, overrides: Mapping[str, str] | None = None) -> str:
    """The file as text (UTF-8, BOM dropped, CRLF read as LF: lines and columns stay those of the file).

    `overrides`: texts to use instead of the files (`fix --diff` re-scans its fixed texts without writing them).
    """
    if overrides and path in overrides:
        return overrides[path]
    try:
        st = os.stat(path)
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise SourceError("not a regular file")
    limit = max_file_size
    if st.st_size > limit:
        raise SourceError(f"file is {st.st_size} bytes, over the size limit of {limit} bytes (--max-file-size)")
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise SourceError(f"file is over the size limit of {limit} bytes (--max-file-size)")
    # UTF-16 with a byte order mark: what PowerShell's `terraform show -json > plan.json` writes (checkov reads it)
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        shown = "UTF-8 or UTF-16" if encoding == "utf-16" else "UTF-8"
        raise SourceError(f"not {shown} text (byte {exc.start})") from None
    return text.replace("\r\n", "\n")
