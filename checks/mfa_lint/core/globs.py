"""IAM wildcard patterns (`*`, `?`) compared as sets of strings: containment and overlap.

Both answers are safe approximations: `contains` may say False for an exotic pair that is really contained (then a
companion does not count, which only keeps a finding), and never says True wrongly.
"""

from __future__ import annotations

import re
from functools import lru_cache

MAX_PATTERN = 512


def _is_literal(pattern: str) -> bool:
    return "*" not in pattern and "?" not in pattern


_REGEX_STARS = 2  # more `*` than this could make a backtracking regex slow on hostile input


class _Wildcard:
    """Greedy two-pointer wildcard matching: O(len(pattern) * len(text)) at worst, no backtracking blow-up."""

    def __init__(self, pattern: str, ignore_case: bool) -> None:
        self.pattern, self.ignore_case = _norm(pattern, ignore_case), ignore_case

    def fullmatch(self, text: str) -> bool | None:
        p, t = self.pattern, _norm(text, self.ignore_case)
        i = j = 0
        star, mark = -1, 0
        while j < len(t):
            if i < len(p) and (p[i] == "?" or (p[i] != "*" and p[i] == t[j])):
                i, j = i + 1, j + 1
            elif i < len(p) and p[i] == "*":
                star, mark, i = i, j, i + 1
            elif star >= 0:
                i, mark = star + 1, mark + 1
                j = mark
            else:
                return None
        while i < len(p) and p[i] == "*":
            i += 1
        return True if i == len(p) else None


@lru_cache(maxsize=4096)
def _regex(pattern: str, ignore_case: bool) -> re.Pattern[str] | _Wildcard:
    """A matcher with `fullmatch(text)` (truthy on a match) for an IAM wildcard pattern."""
    if pattern.count("*") > _REGEX_STARS:
        return _Wildcard(pattern, ignore_case)
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _norm(pattern: str, ignore_case: bool) -> str:
    return pattern.lower() if ignore_case else pattern


def matches_all(pattern: str) -> bool:
    return bool(pattern) and set(pattern) == {"*"}


def contains(outer: str, inner: str, ignore_case: bool = True) -> bool:
    """Every string matched by `inner` is matched by `outer`."""
    if outer == inner or matches_all(outer):
        return True
    if len(outer) > MAX_PATTERN or len(inner) > MAX_PATTERN:
        return _norm(outer, ignore_case) == _norm(inner, ignore_case)
    if _is_literal(inner) and _is_literal(outer):
        return _norm(outer, ignore_case) == _norm(inner, ignore_case)
    if _is_literal(inner):  # the common case: a literal is inside a pattern when the pattern matches it
        return _regex(outer, ignore_case).fullmatch(inner) is not None
    if _is_literal(outer):
        return False  # a literal never contains a pattern with a wildcard
    return _contains_dp(outer, inner, ignore_case)


@lru_cache(maxsize=65536)
def _contains_dp(outer: str, inner: str, ignore_case: bool) -> bool:
    p, q = _norm(inner, ignore_case), _norm(outer, ignore_case)
    # ok[i][j]: inner[i:] is contained in outer[j:]
    ok = [[False] * (len(q) + 1) for _ in range(len(p) + 1)]
    ok[len(p)][len(q)] = True
    for j in range(len(q) - 1, -1, -1):
        ok[len(p)][j] = q[j] == "*" and ok[len(p)][j + 1]
    for i in range(len(p) - 1, -1, -1):
        for j in range(len(q) - 1, -1, -1):
            if q[j] == "*":
                ok[i][j] = ok[i][j + 1] or ok[i + 1][j]
            elif p[i] == "*":
                ok[i][j] = False
            elif q[j] == "?":
                ok[i][j] = ok[i + 1][j + 1]
            else:
                ok[i][j] = p[i] == q[j] and ok[i + 1][j + 1]
    return ok[0][0]


def overlap(a: str, b: str, ignore_case: bool = True) -> bool:
    """Some string is matched by both patterns."""
    if matches_all(a) or matches_all(b):
        return True
    if len(a) > MAX_PATTERN or len(b) > MAX_PATTERN:
        return True
    if _is_literal(a) and _is_literal(b):
        return _norm(a, ignore_case) == _norm(b, ignore_case)
    if _is_literal(a):
        return _regex(b, ignore_case).fullmatch(a) is not None
    if _is_literal(b):
        return _regex(a, ignore_case).fullmatch(b) is not None
    return _overlap_dp(a, b, ignore_case)


@lru_cache(maxsize=65536)
def _overlap_dp(a: str, b: str, ignore_case: bool) -> bool:
    p, q = _norm(a, ignore_case), _norm(b, ignore_case)
    n, m = len(p), len(q)
    # ok[i][j]: some string is matched by both p[i:] and q[j:]
    ok = [[False] * (m + 1) for _ in range(n + 1)]
    for i in range(n, -1, -1):
        for j in range(m, -1, -1):
            if i == n and j == m:
                ok[i][j] = True
                continue
            hit = False
            if i < n and p[i] == "*":
                hit = ok[i + 1][j] or (j < m and ok[i][j + 1])
            if not hit and j < m and q[j] == "*":
                hit = ok[i][j + 1] or (i < n and ok[i + 1][j])
            if not hit and i < n and j < m and p[i] != "*" and q[j] != "*":
                hit = (p[i] == "?" or q[j] == "?" or p[i] == q[j]) and ok[i + 1][j + 1]
            ok[i][j] = hit
    return ok[0][0]


def matches(pattern: str, text: str, ignore_case: bool = True) -> bool:
    """A literal string matched by a pattern."""
    if len(pattern) > MAX_PATTERN or len(text) > MAX_PATTERN:
        return contains(pattern, text.replace("*", "\0").replace("?", "\1"), ignore_case)
    if _is_literal(pattern):
        return _norm(pattern, ignore_case) == _norm(text, ignore_case)
    if not _ends_fit(_norm(pattern, ignore_case), _norm(text, ignore_case)):
        return False  # cheap: the literal text before the first and after the last wildcard must fit
    return _regex(pattern, ignore_case).fullmatch(text) is not None


def _ends_fit(pattern: str, text: str) -> bool:
    first = min(i for i in (pattern.find("*"), pattern.find("?")) if i >= 0)
    last = max(pattern.rfind("*"), pattern.rfind("?"))
    head, tail = pattern[:first], pattern[last + 1:]
    return len(head) + len(tail) <= len(text) and text.startswith(head) and text.endswith(tail)
