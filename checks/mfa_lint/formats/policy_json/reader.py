"""Reader for a plain IAM policy JSON file (what `aws iam get-policy-version` or the console editor holds).

The file is the document itself, so every document path maps straight to a token of the file; the policy kind is
not written anywhere in it and comes from the caller (`mfa-lint scan --kind`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mfa_lint.core.policy_kinds import PolicyKind
from mfa_lint.core.values import Unknown
from mfa_lint.reading.json_positions import loads_with_positions
from mfa_lint.reading.site import PolicySite, SourceError, Span
from mfa_lint.reading.unknowns import terraform_unknowns


def is_policy_document(doc: Any) -> bool:
    """A policy document is an object with a Statement (IAM spells the element names case-sensitively)."""
    return isinstance(doc, Mapping) and "Statement" in doc


def read_policy_json(path: str, text: str, kind: PolicyKind = PolicyKind.IDENTITY) -> list[PolicySite]:
    """One PolicySite for the whole file; `locate` answers with the exact key token of any element."""
    document, spans = loads_with_positions(text)
    # a policy file is often a Terraform template: its `${...}` (not IAM's `${aws:username}`) are unknown
    return _whole_file(path, document, spans, kind, terraform_unknowns)


def read_policy_template(path: str, text: str, kind: PolicyKind = PolicyKind.IDENTITY) -> list[PolicySite]:
    """A policy document written as a Terraform template (`*.json.tpl`, `*.tftpl`, a `.txt`): `${...}` are
    unknown values (each on its own), `$${aws:username}` is IAM's variable, positions are those of the file."""
    from mfa_lint.formats.terraform.hcl_templates import located_parts
    from mfa_lint.formats.terraform.template_json import Resolved, Template, decode

    parts = tuple(located_parts(text, escapes=False))
    values = tuple(None if isinstance(part, str) else Resolved(False) for part, _ in parts)
    try:
        document, spans = decode(Template(text, 1, 1, parts, values))
    except SourceError:
        directives = [p for p, _ in parts if not isinstance(p, str) and p.directive]
        if not directives or "Statement" not in text:
            raise
        # `%{ for }` / `%{ if }` over the template's variables: its statements exist only when it is rendered
        # (a .tf that reads it with templatefile() judges them); on its own it cannot be judged, which is no error
        shown = " ".join(directives[0].source.split())[:60]
        unknown = Unknown(f"rendered by {shown}")
        return [PolicySite(document=unknown, kind=kind, file=path, resource=None, span=Span(1, 1, 1, 2))]
    return _whole_file(path, document, spans, kind)


def _whole_file(
    path: str, document: Any, spans: dict[tuple, Span], kind: PolicyKind, mark: Callable[[Any], Any] = lambda d: d
) -> list[PolicySite]:
    """The one site of a file that is a policy document; every document path maps straight to a token of it."""
    if not is_policy_document(document):
        raise SourceError("not an IAM policy document: no top-level \"Statement\"")
    root = spans.get(()) or Span(1, 1, 1, 1)

    def locate(doc_path: tuple) -> Span | None:
        return spans.get(tuple(doc_path))

    return [PolicySite(document=mark(document), kind=kind, file=path, resource=None,
                       span=spans.get(("Statement",), root), locate=locate)]
