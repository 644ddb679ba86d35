"""Companion search for MFA001 in (near) linear time.

A companion of S for context c is a Deny T that holds in c (where S does not) and covers S. Statements are bucketed
by the contexts they hold in, and inside a bucket indexed twice: by action (exact action, service of a wildcard
action, or "broad" for `*`, service wildcards, NotAction and a missing Action) and by the literal text before the
first wildcard of each resource (a T resource can contain S's resource only if that text is a prefix of it). S only
meets the smaller of the two candidate lists. Past a budget of comparisons per document the search stops: the
statements it could not finish are reported in a note, never judged by a guess (COMPANION_BUDGET).
"""

from __future__ import annotations

from collections import defaultdict

from mfa_lint.core.contexts import Context
from mfa_lint.core.coverage import MFA_SELF_SERVICE, statement_covers
from mfa_lint.core.evaluation import holds
from mfa_lint.core.globs import contains, matches_all
from mfa_lint.core.model import Statement

#: statement_covers calls per analysed document; a 20,000-statement policy of companion pairs needs about 20,000.
COMPANION_BUDGET = 200_000


def _service(pattern: str) -> str | None:
    """The lower-case service prefix of an action pattern, or None when the prefix has a wildcard."""
    service, sep, _ = pattern.lower().partition(":")
    return None if not sep or "*" in service or "?" in service else service


def _literal_prefix(pattern: str) -> str:
    """The text before the first wildcard (the whole pattern when it has none)."""
    cut = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=len(pattern))
    return pattern[:cut]


class _Bucket:
    """The Deny statements that hold in one context, indexed by action."""

    def __init__(self) -> None:
        self.broad: list[Statement] = []
        self.exact: dict[str, list[Statement]] = defaultdict(list)
        self.wild: dict[str, list[Statement]] = defaultdict(list)
        self.all: list[Statement] = []
        self.resource_broad: list[Statement] = []
        self.by_prefix: dict[str, list[Statement]] = defaultdict(list)

    def add(self, t: Statement) -> None:
        self.all.append(t)
        self._add_resources(t)
        actions = t.actions
        if actions is None or any(not isinstance(a, str) or matches_all(a) or _service(a) is None for a in actions):
            self.broad.append(t)
            return
        for a in {a.lower() for a in actions if isinstance(a, str)}:
            if "*" in a or "?" in a:
                self.wild[_service(a) or ""].append(t)
            else:
                self.exact[a].append(t)

    def _add_resources(self, t: Statement) -> None:
        if t.resources is None or any(not isinstance(r, str) for r in t.resources):
            self.resource_broad.append(t)
            return
        for prefix in {_literal_prefix(r) for r in t.resources}:
            self.by_prefix[prefix].append(t)

    def _by_action(self, s: Statement) -> list[list[Statement]]:
        if s.actions is None:
            return [self.broad]
        probe = next((a for a in s.actions if isinstance(a, str)
                      and not any(contains(x, a) for x in MFA_SELF_SERVICE)), None)
        if probe is None:
            return [self.all]
        service = _service(probe)
        if service is None:
            return [self.broad]
        parts = [self.broad, self.wild.get(service, [])]
        if "*" not in probe and "?" not in probe:
            parts.append(self.exact.get(probe.lower(), []))
        return parts

    def _by_resource(self, s: Statement) -> list[list[Statement]]:
        if s.resources is None:
            return [self.resource_broad, self.by_prefix.get("", [])]
        probe = next((r for r in s.resources if isinstance(r, str)), None)
        if probe is None:
            return [self.all]
        cut = len(_literal_prefix(probe))
        prefixes = (probe[:k] for k in range(cut + 1))
        return [self.resource_broad] + [self.by_prefix[p] for p in prefixes if p in self.by_prefix]

    def candidates(self, s: Statement) -> list[Statement]:
        """Every T that could cover S (a superset): the smaller of the action and resource candidate lists, in a
        stable order, without repeats."""
        by_action, by_resource = self._by_action(s), self._by_resource(s)
        parts = min(by_action, by_resource, key=lambda p: sum(len(x) for x in p))
        seen: set[int] = set()
        return [t for part in parts for t in part if not (id(t) in seen or seen.add(id(t)))]


class CompanionIndex:
    """Answers "does some companion cover S in context c?" for one document."""

    def __init__(self, statements: list[Statement], contexts: tuple[Context, ...], budget: int | None = None) -> None:
        self.budget = COMPANION_BUDGET if budget is None else budget
        self.spent = 0
        self.buckets: dict[str, _Bucket] = {c.id: _Bucket() for c in contexts}
        for t in statements:
            if t.effect != "Deny" or t.condition_opaque or t.unjudged:
                continue
            for c in contexts:
                if holds(t, c):
                    self.buckets[c.id].add(t)

    def covers(self, s: Statement, context: Context) -> bool | None:
        """Whether a companion covers S in `context`; None when the budget ran out before the answer."""
        for t in self.buckets[context.id].candidates(s):
            if t is s:
                continue
            if self.spent >= self.budget:
                return None
            self.spent += 1
            if statement_covers(t, s):
                return True
        return False
