"""Renders docs/rules/<ID>.md and the README's rule table from the catalog: `python -m mfa_lint.rule_docs docs/rules`
(run from the repository root).

Each rule's example lives in its module (core/rules/mfaNNN.py). A test keeps the pages in sync and checks that
each example fires / stays silent; the README's rule table is rendered here too (`readme_table`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mfa_lint.core.catalog import RULES, Rule


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
            ("`mfa-lint fix` replaces the operator where one replacement closes every escape; otherwise the finding "
             "says what to do for that statement." if rule.fixable else
             "No automatic fix: the finding says what to do for that statement."),
            "",
            rule.fix,
            "",
            "```json",
            json.dumps(good, indent=2),
            "```",
            "",
        ]
    )


README_START = "<!-- rule table: generated from the catalog by `python -m mfa_lint.rule_docs` -->"
README_END = "<!-- end of rule table -->"


def readme_table() -> str:
    """The README's rule table, one row per catalog record, between its markers."""
    rows = [
        README_START,
        "| id | cfn-lint | severity | security severity | name | applies to | fires on |",
        "|---|---|---|---|---|---|---|",
    ]
    rows += [
        f"| [{r.id}](docs/rules/{r.id}.md) | {r.cfn_lint_id} | {r.severity} (checkov {r.checkov_severity}) | "
        f"{r.security_severity:.1f} | {r.name} | {_kinds(r)} | {r.summary or r.title} |"
        for r in RULES.values()
    ]
    return "\n".join(rows + [README_END])


def with_readme_table(readme: str) -> str:
    """The README text with its rule table replaced by the generated one."""
    start, end = readme.index(README_START), readme.index(README_END) + len(README_END)
    return readme[:start] + readme_table() + readme[end:]


def write_all(folder: Path, readme: Path | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for rule in RULES.values():
        (folder / f"{rule.id}.md").write_text(render(rule))
    if readme is not None and readme.exists():
        readme.write_text(with_readme_table(readme.read_text()))


if __name__ == "__main__":
    pages = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules")
    write_all(pages, pages.parent.parent / "README.md")
