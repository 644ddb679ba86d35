"""Turn one CloudFormation policy property value into the documents the core analyses, and locate their parts.

Shared by the cfn-lint rules, the checkov checks and the CLI's template reader. A value may be an object document,
a JSON string, JSON text CloudFormation assembles (`Fn::Sub` with `${...}` placeholders in either form, `Fn::Join`
of strings, Refs and mappings), `Fn::ToJsonString`, or for SAM `Policies` a list of documents, managed-policy names
and policy templates. Intrinsics are evaluated as CloudFormation deploys the template (intrinsics module, with the
template's parameters and mappings): one document per `Fn::If` combination and per combination of allowed parameter
values. Every part of each document is located either at a path in the template (object documents) or at a file
span (JSON text whose place in the file is certain: assembled module), falling back to the element holding the text.

The documents of one `Fn::If` combination that differ only in allowed parameter values are one policy, judged as
one (core.variants): `judge_views` does that for the cfn-lint rules; the CLI's reader makes them one site whose
variants scanning.site_analysis judges the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mfa_lint.core.analyzer import analyze_document
from mfa_lint.core.callers import Callers
from mfa_lint.core.findings import READER_LIMIT, Finding, Note
from mfa_lint.core.keys import may_mention_mfa
from mfa_lint.core.variants import Tried, combine
from mfa_lint.formats.cloudformation.assembled import assemble
from mfa_lint.formats.cloudformation.intrinsics import (
    Names,
    Offset,
    RefResolver,
    Satisfiable,
    Variant,
    any_node,
    expand,
    render_strings,
)
from mfa_lint.formats.cloudformation.parameters import TemplateNames
from mfa_lint.reading.json_positions import loads_with_positions
from mfa_lint.reading.limits import PARAMETER_VARIANTS
from mfa_lint.reading.site import SourceError, Span
from mfa_lint.reading.unknowns import cloudformation_unknowns

# The template's lines, or a callable giving them on first need (cfn-lint reads the file only for JSON text).
Lines = Sequence[str] | Callable[[], "Sequence[str] | None"] | None


@dataclass
class DocumentView:
    """One document to analyse and how to locate its parts.

    `template_paths`: document path -> path in the property value (object documents).
    `file_spans`: document path -> file Span (JSON text whose place in the file is certain).
    `holder`: path in the property value of the element holding the document (fallback location).
    `conditions`: the Fn::If choices it was built with; `label`: the allowed parameter values it was built with
    (empty when none); `alternative`: some parameter took a non-default allowed value; `limited`: some parameter
    was not tried (limits.PARAMETER_VARIANTS).
    """

    document: Any
    template_paths: Mapping[tuple, tuple] | None = None
    file_spans: Mapping[tuple, Span] | None = None
    holder: tuple = ()
    note: str | None = None
    conditions: dict[str, bool] = field(default_factory=dict)
    label: str = ""
    values: tuple[tuple[str, str], ...] = ()
    alternative: bool = False
    limited: bool = False

    def target(self, path: tuple) -> tuple | Span:
        """Where a document path sits: a path in the property value, or a file Span."""
        path = tuple(path)
        if self.template_paths is not None:
            for n in range(len(path), -1, -1):
                found = self.template_paths.get(path[:n])
                if found is not None:
                    return found
        if self.file_spans is not None:
            for n in range(len(path), 0, -1):
                span = self.file_spans.get(path[:n])
                if span is not None:
                    return span
        return self.holder

    def group(self) -> tuple:
        """The Fn::If combination: views of one group are one policy tried with several parameter values."""
        return tuple(sorted(self.conditions.items()))


@dataclass(frozen=True)
class Located:
    """A finding and where it sits: a path in the property value, or a file Span."""

    finding: Finding
    target: tuple | Span


@dataclass(frozen=True)
class LocatedNote:
    """A note (a part that could not be judged) and where it sits: a path in the property value (`()`: the value
    itself), or a file Span."""

    message: str
    target: tuple | Span
    path: tuple = ()  # the path in the document the note is about


def mentions_mfa(value: Any, limit: int = 20_000) -> bool:
    """True when some key under `value`, or some JSON-looking text, looks MFA-related (bounded; errs towards True).

    Condition keys are mapping keys in an object document; in a JSON string or Fn::Sub text they are inside the text.
    A Ref or a mapping may bring the whole document (or the MFA text) from elsewhere in the template.
    """
    if isinstance(value, dict) and ("Ref" in value or "Fn::FindInMap" in value):
        return True  # the whole document may be a parameter's default or a mapping's value
    # keys and text values (JSON strings, Fn::Sub text) are both strings in the walk
    return any_node(value, lambda node: isinstance(node, str) and may_mention_mfa(node), limit)


def document_views(
    value: Any,
    *,
    statements_only: bool,
    resolve_ref: RefResolver,
    satisfiable: Satisfiable,
    lines: Lines,
    names: Names | None = None,
) -> list[DocumentView]:
    """Every document in a policy property value, per Fn::If branch combination and allowed parameter values.
    `names`: what the template's Refs and mappings stand for (else `resolve_ref` alone)."""
    views: list[DocumentView] = []
    for variant in expand(value, resolve_ref, satisfiable, names=names):
        if statements_only:
            built = _sam_views(render_strings(variant.value, variant.resolve), variant.sources)
        else:
            view = _view(variant, value, lines)
            built = [view] if view is not None else []
        for view in built:
            view.conditions = dict(variant.conditions)
            view.label = variant.describe()
            view.values = variant.values()
            view.alternative = variant.alternative
            view.limited = variant.limited
        views.extend(built)
    describe = names.unknown if isinstance(names, TemplateNames) else None
    for view in views:  # what CloudFormation fills in at deploy time reaches the core as Unknown
        view.document = cloudformation_unknowns(view.document, describe)
    return views


@dataclass
class Judged:
    """What one policy value gives: findings with the view they were found in, and notes (with their view when
    they come from a document, None for a note on the value itself)."""

    findings: list[tuple[Finding, DocumentView]] = field(default_factory=list)
    notes: list[tuple[Note | str, DocumentView | None]] = field(default_factory=list)


def judge_views(views: Sequence[DocumentView], kind: str,
                analyze: Callable[[Any, str], Any] = analyze_document) -> Judged:
    """Analyse the views of one value: each Fn::If combination on its own, and within one the documents built with
    allowed parameter values together (core.variants.combine). Findings deduplicated across combinations."""
    judged = Judged()
    groups: dict[tuple, list[DocumentView]] = {}
    for view in views:
        groups.setdefault(view.group(), []).append(view)
    seen: set = set()
    limited = False
    for group in groups.values():
        usable = []
        for view in group:
            if view.note:
                judged.notes.append((view.note, None))
            else:
                usable.append(view)
            limited = limited or view.limited
        tried = [Tried(view.label, analyze(view.document, kind), view.alternative, view.values, view.document)
                 for view in usable]
        findings, notes = combine(tried)
        for index, finding in findings:
            view = usable[index]
            key = (finding.rule_id, finding.message, view.target(finding.path))
            if key not in seen:
                seen.add(key)
                judged.findings.append((finding, view))
        for index, note in notes:
            judged.notes.append((note, usable[index]))
    if limited:
        judged.notes.append((Note(f"more than {PARAMETER_VARIANTS} combinations of allowed parameter values: some "
                                  "parameters were judged at their default only", kind=READER_LIMIT), None))
    return judged


def analyze_value(
    value: Any,
    kind: str,
    *,
    statements_only: bool,
    resolve_ref: RefResolver,
    satisfiable: Satisfiable,
    lines: Lines,
    callers: Callers | None = None,
    names: Names | None = None,
) -> tuple[list[Located], list[LocatedNote]]:
    """Analyse every document in a policy property value (judge_views): findings deduplicated across branch
    combinations and the notes (what could not be judged), each where it sits. `callers`: who calls it, from what
    it is attached to (formats.cloudformation.attachments)."""
    if not mentions_mfa(value):
        return [], []
    views = document_views(value, statements_only=statements_only, resolve_ref=resolve_ref,
                           satisfiable=satisfiable, lines=lines, names=names)
    judged = judge_views(views, kind, lambda document, kind: analyze_document(document, kind, callers))
    located = [Located(finding, view.target(finding.path)) for finding, view in judged.findings]
    notes: list[LocatedNote] = []
    seen: set[str] = set()
    for note, view in judged.notes:
        message = note if isinstance(note, str) else note.message
        if message in seen:
            continue
        seen.add(message)
        target = view.target(note.path) if view is not None and not isinstance(note, str) else ()
        notes.append(LocatedNote(message, target, () if isinstance(note, str) else tuple(note.path)))
    return located, notes


def _subview(sources: Mapping[tuple, tuple], prefix: tuple) -> Mapping[tuple, tuple]:
    if isinstance(sources, Offset):
        return Offset(sources.prefix + prefix)
    n = len(prefix)
    return {path[n:]: src for path, src in sources.items() if path[:n] == prefix}


def _sam_views(value: Any, sources: Mapping[tuple, tuple]) -> list[DocumentView]:
    """SAM Policies: a document, or a list of documents, managed-policy names and policy templates (skipped)."""
    items = [(value, ())] if isinstance(value, dict) else []
    if isinstance(value, list):
        items = [(item, (index,)) for index, item in enumerate(value)]
    views = []
    for item, prefix in items:
        if isinstance(item, dict) and "Statement" in item:
            paths = _subview(sources, prefix)
            views.append(DocumentView(item, template_paths=paths, holder=sources.get(prefix, ())))
    return views


def _view(variant: Variant, original: Any, lines: Lines) -> DocumentView | None:
    value, sources = variant.value, variant.sources
    holder = sources.get((), ())
    if value is None:
        return None
    if isinstance(value, str) or (isinstance(value, dict) and len(value) == 1
                                  and ("Fn::Sub" in value or "Fn::Join" in value)):
        view = _text_view(variant, original, holder, lines)
        if view is not None:
            return view
    if not isinstance(value, dict):
        return DocumentView(value, template_paths=sources, holder=holder)
    if len(value) == 1 and "Fn::ToJsonString" in value:
        inner = ("Fn::ToJsonString",)
        document = render_strings(value["Fn::ToJsonString"], variant.resolve)
        return DocumentView(document, template_paths=_subview(sources, inner), holder=holder)
    return DocumentView(render_strings(value, variant.resolve), template_paths=sources, holder=holder)


def _text_view(variant: Variant, original: Any, holder: tuple, lines: Lines) -> DocumentView | None:
    """A document given as JSON text: a string, or text CloudFormation assembles (Fn::Sub, Fn::Join).

    The stdlib decodes it (fast); positions inside the text are worked out only when a finding asks for one. None
    when the value is no text after all (a Join of an unknown list): it is then an unresolved value.
    """
    assembled = assemble(variant.value, variant.sources, original, None, variant.resolve)
    if assembled is None:
        return None
    what = "policy" if isinstance(variant.value, str) else f"{next(iter(variant.value))} policy"
    quoted = False
    try:
        document = _fast_loads(assembled.text)
    except SourceError as error:
        bare = assembled.quote_bare_unknowns()
        try:
            document = _fast_loads(bare.text)
        except SourceError:
            return DocumentView(None, holder=holder, note=f"{what} is not valid JSON: {error}")
        assembled, quoted = bare, True

    def mapper() -> Callable[[Span], Span | None] | None:
        lines_now = lines() if callable(lines) else lines
        if not lines_now:
            return None
        placed = assemble(variant.value, variant.sources, original, lines_now, variant.resolve)
        if placed is not None and quoted:
            placed = placed.quote_bare_unknowns()
        return placed.span if placed is not None else None

    return DocumentView(document, file_spans=_TextSpans(assembled.text, mapper), holder=holder)


def _fast_loads(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        return loads_with_positions(text)[0]  # iterative, depth-limited; raises SourceError
    except ValueError:
        loads_with_positions(text)  # the same one-line reason the rest of mfa-lint gives
        raise SourceError("invalid JSON") from None


class _TextSpans(Mapping):
    """File spans of the elements of JSON text, computed on first use (most texts never need them)."""

    def __init__(self, text: str, mapper: Callable[[], Callable[[Span], Span | None] | None]) -> None:
        self._text = text
        self._make_mapper = mapper
        self._spans: Mapping[tuple, Span] | None = None
        self._mapper: Callable[[Span], Span | None] | None = None

    def _load(self) -> Mapping[tuple, Span]:
        if self._spans is None:
            self._mapper = self._make_mapper()
            try:
                self._spans = loads_with_positions(self._text)[1] if self._mapper else {}
            except SourceError:
                self._spans = {}
        return self._spans

    def __getitem__(self, path: tuple) -> Span:
        found = self.get(path)
        if found is None:
            raise KeyError(path)
        return found

    def get(self, path: tuple, default: Any = None) -> Any:
        spans = self._load()
        if path not in spans or self._mapper is None:
            return default
        mapped = self._mapper(spans[path])
        return default if mapped is None else mapped

    def __iter__(self):
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())
