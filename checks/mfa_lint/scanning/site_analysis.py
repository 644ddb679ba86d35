"""One policy site analysed by the core, every variant of it included, for every surface (CLI scan, checkov's
from-file verdict): the same findings and notes whichever surface asks.

A site with variants (a bounded unknown: a CloudFormation parameter's allowed values, a variable a `validation` pins
to a set, each value built into its own document) is judged as the core judges an unknown value (core.variants): a
rule is reported for a statement only when every variant gives it there (once, as the first variant words it);
where some variants give it and others do not, a note says the verdict depends on those values; a rule only
`alternative` variants give (a non-default allowed value) is a note naming that value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mfa_lint.core.analyzer import analyze_document
from mfa_lint.core.findings import Finding, Note
from mfa_lint.core.variants import Tried, combine
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
    variants = site.variants
    tried = [Tried(v.label, analyze_document(v.document, site.kind, site.callers), v.alternative, v.values, v.document)
             for v in variants]
    findings, notes = combine(tried)
    return SiteAnalysis([(f, variants[i].locate) for i, f in findings], [(n, variants[i].locate) for i, n in notes])
