"""Companion search for MFA001 (and MFA002's access-key gap) in (near) linear time.

A companion of S for context c is a Deny T that holds in c (where S does not) and covers S. IAM applies every
matching Deny, so several companions together cover S when the union of their (actions x resources) covers S's
(rules.md, "Companions are a union"): S's action and resource lists are split into pieces (one action x one
resource; a NotAction/NotResource or a missing element stays one piece) and each piece needs a T that covers it.
Statements are bucketed by the contexts they surely hold in, and inside a bucket indexed twice: by action (exact
action, service of a wildcard action, or "broad" for `*`, service wildcards, NotAction and a missing Action) and by
the literal text before the first wildcard of each resource (a T resource can contain S's resource only if that
text is a prefix of it). S only meets the smaller of the two candidate lists, walked lazily. Past a budget of
comparisons per document the search stops at once for every later statement (linear also then): the statements it
could not finish are reported in a note, never judged by a guess (COMPANION_BUDGET).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import defaultdict
from collections.abc import Iterator

from mfa_lint.core.contexts import Context
from mfa_lint.core.coverage import MFA_SELF_SERVICE, statement_covers
from mfa_lint.core.evaluation import holds_surely
from mfa_lint.core.globs import contains, matches_all
from mfa_lint.core.model import Statement

#: statement_covers calls per analysed document; a 20,000-statement policy of companion pairs needs about 20,000.
COMPANION_BUDGET = 100_000


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

    def candidates(self, s: Statement) -> Iterator[Statement]:
        """Every T that could cover S (a superset): the smaller of the action and resource candidate lists, in a
        stable order, without repeats, produced lazily (a search that stops early builds no list)."""
        by_action, by_resource = self._by_action(s), self._by_resource(s)
        parts = min(by_action, by_resource, key=lambda p: sum(len(x) for x in p))
        seen: set[int] = set()
        for part in parts:
            for t in part:
                if id(t) not in seen:
                    seen.add(id(t))
                    yield t


def _items(items: list | None) -> list[list | None]:
    """The pieces of one element: each entry of a list alone; a missing element (or a NotX) is one piece."""
    return [None] if items is None else [[x] for x in items]


def pieces(s: Statement) -> Iterator[Statement]:
    """S split into one action x one resource (self-service actions left out: they may stay open)."""
    actions = [a for a in _items(s.actions)
               if a is None or not (isinstance(a[0], str) and any(contains(x, a[0]) for x in MFA_SELF_SERVICE))]
    for a, r in itertools.product(actions, _items(s.resources)):
        yield dataclasses.replace(
            s,
            actions=a if a is not None else s.actions,
            resources=r if r is not None else s.resources,
        )


class CompanionIndex:
    """Answers "do companions cover S in context c?" for one document (Deny companions; `effect="Allow"` indexes
    the Allow statements instead, for an SCP allow-list)."""

    def __init__(self, statements: list[Statement], contexts: tuple[Context, ...], budget: int | None = None,
                 effect: str = "Deny") -> None:
        self.budget = COMPANION_BUDGET if budget is None else budget
        self.spent = 0
        self.buckets: dict[str, _Bucket] = {c.id: _Bucket() for c in contexts}
        for t in statements:
            if t.effect != effect or t.condition_opaque or t.unjudged:
                continue
            for c in contexts:
                if holds_surely(t, c):
                    self.buckets[c.id].add(t)

    def _one_covers(self, s: Statement, bucket: _Bucket, whole: Statement) -> bool | None:
        for t in bucket.candidates(s):
            if t is whole:
                continue
            if self.spent >= self.budget:
                return None
            self.spent += 1
            if statement_covers(t, s):
                return True
        return False

    def covers(self, s: Statement, context: Context) -> bool | None:
        """Whether companions cover S in `context`; None when the budget ran out before the answer."""
        bucket = self.buckets[context.id]
        if not bucket.all:
            return False
        if self.spent >= self.budget:
            return None
        single = self._one_covers(s, bucket, s)
        if single is not False:
            return single
        if len(s.actions or [None]) * len(s.resources or [None]) <= 1:
            return False
        for piece in pieces(s):
            answer = self._one_covers(piece, bucket, s)
            if answer is not True:
                return answer
        return True
