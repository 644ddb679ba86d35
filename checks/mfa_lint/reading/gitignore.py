""".gitignore matching for the walk, so `mfa-lint scan .` skips what git (and ruff, ripgrep) would skip.

Small and dependency-free on purpose (pathspec would be the one dependency, for ~100 lines). Implements gitignore(5):
comments and blank lines, `\\` escapes, trailing spaces, `!` negation (the last matching pattern wins, deeper files
override shallower ones), `/` anchoring (a slash at the start or in the middle anchors the pattern to the directory
of its .gitignore, otherwise it matches a name at any depth), trailing `/` (directories only), `*`, `?`, `[...]` and
`**` (leading `**/`, trailing `/**`, inner `/**/`). Like git, an ignored directory is not entered, so nothing below
it can be re-included. `--exclude` globs use the same syntax, anchored at the current directory.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

IGNORE_FILE = ".gitignore"


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]
    negated: bool
    dir_only: bool
    source: str


def _translate(body: str) -> str:
    """The regex for one pattern body (no `!`, no trailing `/`), matched against a slash-separated relative path."""
    anchored = "/" in body
    body = body.lstrip("/") if anchored else body
    out: list[str] = []
    i, n = 0, len(body)
    if body.startswith("**/"):
        out.append("(?:.*/)?")
        i = 3
    elif not anchored:
        out.append("(?:.*/)?")
    while i < n:
        ch = body[i]
        if body.startswith("/**/", i):
            out.append("/(?:.*/)?")
            i += 4
        elif body.startswith("/**", i) and i + 3 == n:
            out.append("/.*")
            i += 3
        elif ch == "*":
            while i < n and body[i] == "*":
                i += 1
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "[":
            end = body.find("]", i + 2 if body.startswith(("[!", "[^"), i) else i + 1)
            if end < 0:
                out.append(re.escape(ch))
                i += 1
                continue
            inner = body[i + 1 : end]
            if inner[:1] in ("!", "^"):
                inner = "^" + inner[1:].replace("\\", "\\\\")
            else:
                inner = inner.replace("\\", "\\\\")
            out.append(f"[{inner}]")
            i = end + 1
        elif ch == "\\" and i + 1 < n:
            out.append(re.escape(body[i + 1]))
            i += 2
        else:
            out.append(re.escape(ch))
            i += 1
    return "".join(out) + r"\Z"


def parse_line(line: str) -> Pattern | None:
    """One line of a .gitignore (or one --exclude glob); None for blank lines and comments."""
    line = line.rstrip("\n").rstrip("\r")
    if not line or line.startswith("#"):
        return None
    stripped = line.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(line):
        stripped += " "  # "foo\ " keeps its escaped trailing space
    line = stripped
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    elif line.startswith(("\\!", "\\#")):
        line = line[1:]
    dir_only = line.endswith("/") and not line.endswith("\\/")
    body = line.rstrip("/") if dir_only else line
    if not body:
        return None
    try:
        regex = re.compile(_translate(body), re.DOTALL)
    except re.error:
        return None  # git ignores a pattern it cannot read; so do we
    return Pattern(regex, negated, dir_only, line)


def parse_lines(lines: list[str] | tuple[str, ...]) -> list[Pattern]:
    return [p for p in map(parse_line, lines) if p is not None]


class IgnoreRules:
    """The patterns in force while walking, by the directory whose .gitignore (or exclude list) holds them."""

    def __init__(self) -> None:
        self._by_base: dict[str, list[Pattern]] = {}  # absolute base directory -> patterns, in file order

    def add(self, base: str, patterns: list[Pattern]) -> None:
        if patterns:
            self._by_base.setdefault(os.path.abspath(base), []).extend(patterns)

    def add_file(self, base: str, path: str) -> None:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                self.add(base, parse_lines(handle.read().splitlines()))
        except OSError:
            return  # an unreadable .gitignore ignores nothing

    def load_directory(self, directory: str) -> None:
        """Read `directory`'s .gitignore, if it has one (the walk calls this for every directory it enters)."""
        candidate = os.path.join(directory, IGNORE_FILE)
        if os.path.isfile(candidate):
            self.add_file(directory, candidate)

    def load_parents(self, top: str) -> None:
        """The ignore files that apply to `top` from above it: each directory's .gitignore up to the repository root
        (the nearest directory holding .git), and that repository's .git/info/exclude. Nothing above a repository."""
        top = os.path.abspath(top)
        chain: list[str] = []
        root = top if os.path.exists(os.path.join(top, ".git")) else None
        current = top
        while root is None:
            parent = os.path.dirname(current)
            if parent == current:
                chain = []  # not inside a repository: only the ignore files under `top` count
                break
            current = parent
            chain.append(current)
            if os.path.exists(os.path.join(current, ".git")):
                root = current
        if root is not None:
            exclude = os.path.join(root, ".git", "info", "exclude")
            if os.path.isfile(exclude):
                self.add_file(root, exclude)
        for directory in reversed(chain):
            self.load_directory(directory)

    def ignored(self, path: str, is_dir: bool) -> bool:
        """Whether `path` is ignored: patterns of shallower directories first, the last match decides."""
        if not self._by_base:
            return False
        path = os.path.abspath(path)
        ancestors: list[str] = []
        current = os.path.dirname(path)
        while True:
            ancestors.append(current)
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        verdict = False
        for base in reversed(ancestors):
            patterns = self._by_base.get(base)
            if not patterns:
                continue
            relative = path[len(base):].lstrip(os.sep).replace(os.sep, "/")
            for pattern in patterns:
                if (not pattern.dir_only or is_dir) and pattern.negated == verdict and pattern.regex.match(relative):
                    verdict = not pattern.negated
        return verdict
