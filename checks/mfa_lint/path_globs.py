"""Path globs for `kinds`, `exclude` and `--kind GLOB=KIND`: `**` spans folders, `*` and `?` stay inside one.

A glob without `/` matches the file name anywhere (as in .gitignore); an absolute glob (a config file's globs are
made absolute against the file's folder) matches the absolute path; any other glob matches the path relative to the
working directory.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache


@lru_cache(maxsize=256)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """The regular expression of a path glob (forward slashes; `**/` may match no folder at all)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif ch == "*":
            out.append("[^/]*")
            i += 1
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(ch))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _slashes(path: str) -> str:
    return path.replace(os.sep, "/")


def glob_matches(pattern: str, path: str) -> bool:
    """Whether `path` (a file as the scan names it) matches `pattern` (see the module docstring)."""
    pattern = _slashes(pattern).rstrip("/")
    regex = compile_glob(pattern)
    if "/" not in pattern:
        return bool(regex.match(os.path.basename(path)))
    if pattern.startswith("/") or re.match(r"[A-Za-z]:/", pattern):
        return bool(regex.match(_slashes(os.path.abspath(path))))
    relative = _slashes(os.path.normpath(os.path.relpath(os.path.abspath(path))))
    return bool(regex.match(relative) or regex.match(_slashes(os.path.normpath(path))))


def anchor(pattern: str, directory: str) -> str:
    """A config file's glob made absolute against the file's folder (a bare name stays a name glob)."""
    pattern = _slashes(pattern)
    if "/" not in pattern.rstrip("/") or pattern.startswith("/"):
        return pattern
    return _slashes(os.path.join(os.path.abspath(directory), pattern.removeprefix("./")))
