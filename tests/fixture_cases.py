"""Loads the fixtures and what each declares (fixtures/README.md), for every surface's tests."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SIDE = ".expect.json"
_COMMON = frozenset({"about", "kind", "kind_from_path", "findings", "unknown", "surfaces"})
#: keys one folder or a few fixtures add (fixtures/README.md); any other key is a typo nobody would check
_EXTRA = frozenset({"referenced", "outcome", "reason", "host_limits", "unknown_no_mfa_text"})


@dataclass(frozen=True)
class Expected:
    rule: str
    resource: str | None
    line: int | None


@dataclass
class FixtureCase:
    path: Path
    about: str
    kind: str
    findings: list[Expected]
    unknown: list[str] = field(default_factory=list)
    surfaces: list[str] | None = None
    kind_from_path: bool = False  # the CLI is given no --kind: it must infer `kind` from the path (or keep identity)
    extra: dict = field(default_factory=dict)  # keys of one folder's own (hostile: outcome, reason, host_limits)

    @property
    def id(self) -> str:
        return str(self.path.relative_to(FIXTURES))

    @property
    def unknown_no_mfa_text(self) -> list[str]:
        """Unknown resources whose policy cannot be read and shows no MFA text (rules.md "Unjudged": not
        unjudged): no MFA000 on checkov, no I9000 on cfn-lint."""
        return list(self.extra.get("unknown_no_mfa_text", []))

    @property
    def unjudged(self) -> list[str]:
        """Unknown resources with MFA text: MFA000 FAILED on checkov (I9000 on cfn-lint, a note on the CLI)."""
        return [r for r in self.unknown if r not in self.unknown_no_mfa_text]

    def runs_on(self, surface: str) -> bool:
        return self.surfaces is None or surface in self.surfaces

    def expected_multiset(self, *, lines: bool = True) -> Counter:
        return Counter((e.rule, e.resource, e.line if lines else None) for e in self.findings)


def load_case(sidecar: Path) -> FixtureCase:
    data = json.loads(sidecar.read_text())
    unread = set(data) - _COMMON - _EXTRA
    assert not unread, f"{sidecar}: sidecar keys no test reads: {sorted(unread)}"
    assert set(data.get("unknown_no_mfa_text", [])) <= set(data.get("unknown", [])), f"{sidecar}: not in unknown"
    return FixtureCase(
        path=sidecar.with_name(sidecar.name[: -len(SIDE)]),
        about=data.get("about", ""),
        kind=data.get("kind", "identity"),
        findings=[Expected(f["rule"], f.get("resource"), f.get("line")) for f in data.get("findings", [])],
        unknown=list(data.get("unknown", [])),
        surfaces=data.get("surfaces"),
        kind_from_path=bool(data.get("kind_from_path", False)),
        extra={k: v for k, v in data.items() if k not in _COMMON},
    )


def cases(folder: str) -> list[FixtureCase]:
    """Every fixture with a sidecar under fixtures/<folder> (recursively)."""
    return [load_case(p) for p in sorted((FIXTURES / folder).rglob(f"*{SIDE}"))]
