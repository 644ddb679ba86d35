"""Which files a scan reads: the walk (skipped folders, .gitignore, --exclude, symlink loops).

A walk skips what a user never wrote (SKIP_DIRS: version control, virtualenvs, installed packages, tool caches and
build output), whatever .gitignore files ignore (unless `respect_gitignore` is off: `--no-ignore`) and the `--exclude`
globs, and keeps the files some format reads (formats.registry.is_candidate). A file named explicitly is always read.
Every failure is a ScanError (one line naming the file).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from mfa_lint.formats.registry import is_candidate
from mfa_lint.reading.gitignore import IgnoreRules, parse_lines

#: Folders a walk never enters (a folder named explicitly is still walked). `.terraform` holds downloaded modules and
#: providers: the walk skips it, reading a module's own files does not need it.
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", "site-packages", "node_modules", ".terraform", ".tox", ".nox",
    "__pycache__", "cdk.out", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".serverless", ".aws-sam",
})


@dataclass(frozen=True)
class ScanError:
    """A file (or folder) that could not be read, and why, in one line."""

    file: str
    message: str


def collect_files(
    paths: Iterable[str], errors: list[ScanError], *, exclude: Iterable[tuple[str, str]] = (),
    respect_gitignore: bool = True,
) -> list[tuple[str, bool]]:
    """(file, named explicitly) for every candidate file under `paths`, each once, in a stable order.

    `exclude`: (folder, glob) pairs: gitignore-style globs anchored at the folder they were given in (the working
    directory for `--exclude`, a configuration file's folder for its `exclude`; a glob without `/` matches a name at
    any depth); like .gitignore they apply to walked files and folders, never to a file named on the command line.
    """
    out: list[tuple[str, bool]] = []
    seen: set[str] = set()
    excluded = IgnoreRules()
    for base, pattern in exclude:
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
            if is_candidate(name):
                path = os.path.normpath(os.path.join(dirpath, name))
                if not left_out(path, False):
                    yield path
