"""Turn one CloudFormation policy property value into the documents the core analyses, and locate their parts.

Shared by the cfn-lint rules and the CLI's template reader. A value may be an object document, a JSON string,
`Fn::Sub` text (with `${...}` placeholders, GetAtt included), `Fn::ToJsonString`, or for SAM `Policies` a list of
documents, managed-policy names and policy templates. `Fn::If` branches are expanded (intrinsics module); every
part of each resulting document is located either at a path in the template (object documents) or at a file span
(JSON text whose position in the file is certain), falling back to the element holding the text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mfa_lint.core.analyzer import analyze_document
from mfa_lint.core.callers import Callers
from mfa_lint.core.findings import Finding
from mfa_lint.core.keys import may_mention_mfa
from mfa_lint.formats.cloudformation.embedded import text_origin
from mfa_lint.formats.cloudformation.intrinsics import (
    Offset,
    RefResolver,
    Satisfiable,
    any_node,
    expand,
    node_at,
    sub_parts,
    sub_strings,
    sub_substitute,
)
from mfa_lint.reading.json_positions import loads_with_positions
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
    """

    document: Any
    template_paths: Mapping[tuple, tuple] | None = None
    file_spans: Mapping[tuple, Span] | None = None
    holder: tuple = ()
    note: str | None = None

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


@dataclass(frozen=True)
class Located:
    """A finding and where it sits: a path in the property value, or a file Span."""

    finding: Finding
    target: tuple | Span


def mentions_mfa(value: Any, limit: int = 20_000) -> bool:
    """True when some key under `value`, or some JSON-looking text, looks MFA-related (bounded; errs towards True).

    Condition keys are mapping keys in an object document; in a JSON string or Fn::Sub text they are inside the text.
    """
    if isinstance(value, dict) and "Ref" in value:
        return True  # the whole document may be a parameter's default
    # keys and text values (JSON strings, Fn::Sub text) are both strings in the walk
    return any_node(value, lambda node: isinstance(node, str) and may_mention_mfa(node), limit)


def document_views(
    value: Any,
    *,
    statements_only: bool,
    resolve_ref: RefResolver,
    satisfiable: Satisfiable,
    lines: Lines,
) -> list[DocumentView]:
    """Every document in a policy property value, per Fn::If branch combination."""
    views: list[DocumentView] = []
    for variant in expand(value, resolve_ref, satisfiable):
        if statements_only:
            views.extend(_sam_views(variant.value, variant.sources))
        else:
            view = _view(variant.value, variant.sources, value, resolve_ref, lines)
            if view is not None:
                views.append(view)
    for view in views:  # what CloudFormation fills in at deploy time reaches the core as Unknown
        view.document = cloudformation_unknowns(view.document)
    return views


def analyze_value(
    value: Any,
    kind: str,
    *,
    statements_only: bool,
    resolve_ref: RefResolver,
    satisfiable: Satisfiable,
    lines: Lines,
    callers: Callers | None = None,
) -> tuple[list[Located], list[str]]:
    """Analyse every document in a policy property value; findings deduplicated across branch combinations.
    `callers`: who calls it, from what it is attached to (formats.cloudformation.attachments)."""
    located: list[Located] = []
    notes: list[str] = []
    seen: set = set()
    if not mentions_mfa(value):
        return located, notes
    views = document_views(
        value, statements_only=statements_only, resolve_ref=resolve_ref, satisfiable=satisfiable, lines=lines
    )
    for view in views:
        if view.note:
            notes.append(view.note)
            continue
        analysis = analyze_document(view.document, kind, callers)
        for note in analysis.notes:
            if note.message not in notes:
                notes.append(note.message)
        for finding in analysis.findings:
            target = view.target(finding.path)
            key = (finding.rule_id, finding.message, target)
            if key in seen:
                continue
            seen.add(key)
            located.append(Located(finding, target))
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


def _view(
    value: Any,
    sources: Mapping[tuple, tuple],
    original: Any,
    resolve_ref: RefResolver,
    lines: Lines,
) -> DocumentView | None:
    holder = sources.get((), ())
    if value is None:
        return None
    if isinstance(value, str):
        return _text_view(value, {}, original, holder, (), resolve_ref, lines, substitute=False)
    if not isinstance(value, dict):
        return DocumentView(value, template_paths=sources, holder=holder)
    parts = sub_parts(value)
    if parts is not None:
        text, variables, text_path = parts
        return _text_view(text, variables, original, holder, text_path, resolve_ref, lines, substitute=True)
    if len(value) == 1 and "Fn::ToJsonString" in value:
        inner = ("Fn::ToJsonString",)
        return DocumentView(value["Fn::ToJsonString"], template_paths=_subview(sources, inner), holder=holder)
    return DocumentView(value, template_paths=sources, holder=holder)


def _text_view(
    text: str,
    variables: Mapping[str, Any],
    original: Any,
    holder: tuple,
    text_path: tuple,
    resolve_ref: RefResolver,
    lines: Lines,
    *,
    substitute: bool,
) -> DocumentView:
    """A document given as JSON text (a string property or Fn::Sub text).

    The stdlib decodes it (fast); positions inside the text are worked out only when a finding asks for one.
    """
    try:
        document = _fast_loads(text)
    except SourceError as error:
        if not substitute:
            return DocumentView(None, holder=holder, note=f"policy is not valid JSON: {error}")
        try:  # a bare placeholder (`"Bool": {"k": ${Flag}}`) is only JSON once substituted
            document = _fast_loads(sub_substitute(text, variables, resolve_ref))
        except SourceError as second:
            return DocumentView(None, holder=holder, note=f"Fn::Sub policy is not valid JSON: {second}")
        return DocumentView(document, holder=holder)
    if substitute:
        document = sub_strings(document, variables, resolve_ref)
    spans = _TextSpans(text, lambda: _mapper(original, holder, text_path, text, lines))
    return DocumentView(document, file_spans=spans, holder=holder)


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

    def __init__(self, text: str, mapper: Callable[[], Callable[[Span], Span] | None]) -> None:
        self._text = text
        self._make_mapper = mapper
        self._spans: Mapping[tuple, Span] | None = None
        self._mapper: Callable[[Span], Span] | None = None

    def _load(self) -> Mapping[tuple, Span]:
        if self._spans is None:
            self._mapper = self._make_mapper()
            try:
                self._spans = loads_with_positions(self._text)[1] if self._mapper else {}
            except SourceError:
                self._spans = {}
        return self._spans

    def __getitem__(self, path: tuple) -> Span:
        span = self._load()[path]
        assert self._mapper is not None
        return self._mapper(span)

    def get(self, path: tuple, default: Any = None) -> Any:
        spans = self._load()
        return self._mapper(spans[path]) if path in spans and self._mapper else default

    def __iter__(self):
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def _mapper(original: Any, holder: tuple, text_path: tuple, text: str, lines: Lines):
    """Find the string node in the template and map positions inside it to the file, when that is certain."""
    if callable(lines):
        lines = lines()
    if not lines:
        return None
    container = node_at(original, holder)
    node = node_at(container, text_path) if text_path else container
    for candidate in (node, container):  # the string's own mark, else the `!Sub` tag's
        mark = getattr(candidate, "start_mark", None)
        if mark is not None:
            mapper = text_origin(lines, mark.line, mark.column, text)
            if mapper is not None:
                return mapper
    return None
