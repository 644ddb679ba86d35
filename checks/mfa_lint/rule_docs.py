"""Renders docs/rules/<ID>.md from the catalog: `python -m mfa_lint.rule_docs docs/rules`.

Each rule's example lives in its module (core/rules/mfaNNN.py). A test keeps the pages in sync and checks that
each example fires / stays silent; the README's rule table is rendered here too (`readme_table`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mfa_lint.core.catalog import RULES, Rule

#: rule id -> (statement that fires, the statement fixed)
EXAMPLES: dict[str, tuple[dict, dict]] = {r.id: r.example for r in RULES.values() if r.example}


def _kinds(rule: Rule) -> str:
    return ", ".join(sorted(rule.kinds)) if rule.kinds else "every policy kind"


def render(rule: Rule) -> str:
    bad, good = rule.example or ({}, {})
    return "\n".join(
        [
            f"# {rule.id} {rule.name}: {rule.title}",
            "",
            "| mfa-lint / checkov | cfn-lint | severity | security severity | checkov severity | applies to |",
            "|---|---|---|---|---|---|",
            f"| {rule.id} | {rule.cfn_lint_id} | {rule.severity} | {rule.security_severity:.1f} | "
            f"{rule.checkov_severity} | {_kinds(rule)} |",
            "",
            "## Why",
            rule.rationale,
            "",
            f"## Fires on (as a `{rule.example_kind}` policy)",
            "```json",
            json.dumps(bad, indent=2),
            "```",
            "",
            "## Fix",
            rule.fix,
            "",
            "```json",
            json.dumps(good, indent=2),
            "```",
            "",
        ]
    )


def readme_table() -> str:
    """The README's rule table, one row per catalog record."""
    rows = [
        "| id | cfn-lint | severity | security severity | applies to | what it finds |",
        "|---|---|---|---|---|---|",
    ]
    rows += [
        f"| [{r.id}](docs/rules/{r.id}.md) | {r.cfn_lint_id} | {r.severity} ({r.checkov_severity}) | "
        f"{r.security_severity:.1f} | {_kinds(r)} | {r.title} |"
        for r in RULES.values()
    ]
    return "\n".join(rows) + "\n"


def write_all(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for rule in RULES.values():
        (folder / f"{rule.id}.md").write_text(render(rule))


if __name__ == "__main__":
    write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules"))
