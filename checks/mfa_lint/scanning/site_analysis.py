"""One policy site analysed by the core, every variant of it included, for every surface (CLI scan, checkov's
from-file verdict): the same findings and notes whichever surface asks.

A site with variants (a variable a `validation` pins to a set, each allowed value built into its own document) is a
bounded unknown, judged as the core judges an unknown value: a rule is reported for a statement only when every
variant gives it there (once, as the first variant words it); where some variants give it and others do not, a note
says the verdict depends on those variables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mfa_lint.core.analyzer import analyze_document
from mfa_lint.core.findings import UNRESOLVED, Finding, Note
from mfa_lint.reading.site import PolicySite, Span

Locate = Callable[[tuple], "Span | None"]


@dataclass
class SiteAnalysis:
    """Findings and notes of a site, each with the locator of the document (variant) it was found in."""

    findings: list[tuple[Finding, Locate]] = field(default_factory=list)
    notes: list[tuple[Note, Locate]] = field(default_factory=list)


def analyze_site(site: PolicySite) -> SiteAnalysis:
    if not site.variants:
        analysis = analyze_document(site.document, site.kind, site.callers)
        return SiteAnalysis([(f, site.locate) for f in analysis.findings], [(n, site.locate) for n in analysis.notes])
    runs = [(variant, analyze_document(variant.document, site.kind, site.callers)) for variant in site.variants]
    keys = [{(f.rule_id, f.statement_index) for f in analysis.findings} for _, analysis in runs]
    common = set.intersection(*keys)
    result = SiteAnalysis()
    seen: set[tuple] = set()
    first_variant, first = runs[0]
    result.findings = [(f, first_variant.locate) for f in first.findings if (f.rule_id, f.statement_index) in common]
    for variant, analysis in runs:
        for note in analysis.notes:
            if (note.message, note.path) not in seen:
                seen.add((note.message, note.path))
                result.notes.append((note, variant.locate))
    undecided = set.union(*keys) - common
    shown = "; ".join(variant.label for variant, _ in runs)
    for index in sorted({i for _, i in undecided}, key=lambda i: -1 if i is None else i):
        rules = ", ".join(sorted({rule for rule, i in undecided if i == index}))
        path: tuple = ("Statement", index) if index is not None else ()
        message = f"unresolved value: whether {rules} applies depends on values a validation allows (tried {shown})"
        result.notes.append((Note(message, path, index, kind=UNRESOLVED), site.locate))
    return result
