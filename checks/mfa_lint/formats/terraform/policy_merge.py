"""`aws_iam_policy_document` merging, exactly as the AWS provider does it, with every statement's place kept.

The provider (internal/service/iam/policy_document_data_source.go, dataSourcePolicyDocumentRead, and
policy_model.go, `iamPolicyDoc.Merge`) builds the `json` attribute in this order:

1. `source_json` (provider 3.x; since 4.0 it must be empty, a plan fails otherwise) is the starting document;
2. each `source_policy_documents` entry, in order (null entries skipped), is merged in; a Sid already seen in the
   source documents is an error ("duplicate Sid ... in source_policy_documents");
3. the data source's own `statement` blocks are merged in (a Sid repeated among them is an error);
4. each `override_policy_documents` entry, in order, is merged in; then `override_json` (provider 3.x).

`Merge` appends a statement without a Sid, replaces the first statement with the same Sid in place (so an override
can turn `BoolIfExists` into `Bool` without moving the statement), and appends one whose Sid is new. Input
documents are decoded into the provider's model (`json.Unmarshal` into iamPolicyDoc): a condition value that is a
string, a list of strings or a boolean (rendered "true"/"false") is kept; a number is dropped with its condition
entry (checked with terraform 1.11 and provider 5.100.0: `{"NumericGreaterThan": {"aws:MultiFactorAuthAge": 3600}}`
in an override disappears from the rendered json). Key names match case-insensitively, as encoding/json does.

Where the provider would fail (duplicate Sids, a document that is no JSON object), a note says so and the statements
are judged as written: silence would hide them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from mfa_lint.core.findings import MALFORMED, UNRESOLVED, Note
from mfa_lint.core.values import Unknown
from mfa_lint.reading.site import Span


@dataclass
class LocatedDocument:
    """A policy document and where its parts sit: spans by document path, each carrying its file when that is not
    the file being read (Span.file). `judged_at`: the data source this document is (judged at its own block)."""

    document: Any
    spans: dict[tuple, Span] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    judged_at: str | None = None


class DocumentResolver(Protocol):
    """Resolves an input document written in a module (module_instance.ModuleInstance): a data source of the module,
    a module output, or any expression, with where its parts sit."""

    def resolve_document(self, node: Any, key: str, text: str) -> LocatedDocument: ...


@dataclass
class _Statement:
    statement: dict[str, Any]
    spans: dict[tuple, Span]  # relative to the statement

    @property
    def sid(self) -> str:
        sid = _get(self.statement, "Sid")
        return sid if isinstance(sid, str) else ""


@dataclass
class Inputs:
    """A data source's input documents, as written (each entry resolved by the reader), and what they are called."""

    source_json: LocatedDocument | None = None
    sources: list[tuple[str, LocatedDocument | None]] = field(default_factory=list)  # (shown text, document)
    overrides: list[tuple[str, LocatedDocument | None]] = field(default_factory=list)
    override_json: LocatedDocument | None = None

    @property
    def empty(self) -> bool:
        return not (self.source_json or self.sources or self.overrides or self.override_json)


def merge(own: LocatedDocument, inputs: Inputs) -> LocatedDocument:
    """The document the provider renders: `own` (the data source's statement blocks) merged with its inputs."""
    notes: list[Note] = []
    merged: list[_Statement] = []
    header: dict[str, Any] = {}
    if inputs.source_json is not None:
        _merge_into(merged, header, _unmarshal(inputs.source_json, "source_json", notes), notes)
    seen: set[str] = set()
    for index, (shown, document) in enumerate(inputs.sources):
        if document is None:
            continue  # a null entry: skipped, as the provider does
        statements = _unmarshal(document, f"source_policy_documents[{index}] ({shown})", notes)
        if statements is None:
            continue
        for statement in statements:
            if statement.sid and statement.sid in seen:
                notes.append(Note(f"the AWS provider rejects this document: duplicate Sid {statement.sid!r} in "
                                  "source_policy_documents (both statements are checked)", kind=MALFORMED))
                statement = _Statement(statement.statement, statement.spans)
                merged.append(statement)  # as written: not merged over the other
                continue
            if statement.sid:
                seen.add(statement.sid)
            _merge_into(merged, header, [statement], notes)
    own_statements = _unmarshal(own, None, notes) or []
    sids = [s.sid for s in own_statements if s.sid]
    for sid in sorted({s for s in sids if sids.count(s) > 1}):
        notes.append(Note(f"the AWS provider rejects this document: duplicate Sid {sid!r} among its statements "
                          "(each is checked)", kind=MALFORMED))
    own_header = {k: v for k, v in own.document.items() if k != "Statement"} if isinstance(own.document, dict) \
        else {}
    _merge_into(merged, header, [], notes, document_header=own_header)
    own_sids: set[str] = set()
    for statement in own_statements:
        if statement.sid in own_sids:
            merged.append(statement)  # a duplicate the provider rejects: kept as written, not merged over the other
            continue
        own_sids.add(statement.sid)
        _merge_into(merged, header, [statement], notes)
    for index, (shown, document) in enumerate(inputs.overrides):
        if document is None:
            continue
        _merge_into(merged, header, _unmarshal(document, f"override_policy_documents[{index}] ({shown})", notes),
                    notes)
    if inputs.override_json is not None:
        _merge_into(merged, header, _unmarshal(inputs.override_json, "override_json", notes), notes)
    document: dict[str, Any] = dict(header)
    document.setdefault("Version", "2012-10-17")
    document["Statement"] = [s.statement for s in merged]
    spans: dict[tuple, Span] = {}
    for index, statement in enumerate(merged):
        for path, span in statement.spans.items():
            spans[("Statement", index) + path] = span
    return LocatedDocument(document, spans, notes + own.notes)


def _merge_into(
    merged: list[_Statement], header: dict[str, Any], statements: list[_Statement] | None, notes: list[Note],
    document_header: dict[str, Any] | None = None,
) -> None:
    """iamPolicyDoc.Merge: Sid-less statements appended, a known Sid replaced in place, a new Sid appended."""
    if document_header:
        if isinstance(document_header.get("Id"), str) and document_header["Id"]:
            header["Id"] = document_header["Id"]
        version = document_header.get("Version")
        if isinstance(version, str) and version > str(header.get("Version", "")):
            header["Version"] = version
    for statement in statements or []:
        if statement.sid:
            for index, existing in enumerate(merged):
                if existing.sid == statement.sid:
                    merged[index] = statement
                    break
            else:
                merged.append(statement)
        else:
            merged.append(statement)


def _get(mapping: dict[str, Any], name: str) -> Any:
    """encoding/json matches field names case-insensitively (an exact match first)."""
    if name in mapping:
        return mapping[name]
    lowered = name.lower()
    for key, value in mapping.items():
        if isinstance(key, str) and key.lower() == lowered:
            return value
    return None


def _unmarshal(located: LocatedDocument, label: str | None, notes: list[Note]) -> list[_Statement] | None:
    """A document as the provider's model reads it: its statements, each with its spans; None (and a note) when it
    cannot be read. `label` None: the data source's own statements (already in the provider's shape)."""
    document = located.document
    if label is not None:
        notes.extend(note for note in located.notes if note not in notes)  # what was not read of the input itself
    if isinstance(document, Unknown):
        notes.append(Note(f"unresolved value: {label} is {document.raw}: the statements it contributes are not "
                          "checked", kind=document.kind))
        return None
    if not isinstance(document, dict):
        notes.append(Note(f"the AWS provider rejects this document: {label} is not a JSON object", kind=MALFORMED))
        return None
    statements = _get(document, "Statement")
    if statements is None:
        return []
    if isinstance(statements, Unknown):
        notes.append(Note(f"unresolved value: the statements of {label} are {statements.raw}: they are not checked",
                          kind=UNRESOLVED))
        return None
    listed = statements if isinstance(statements, list) else [statements]
    if not isinstance(statements, list) and label is not None:
        notes.append(Note(f"the AWS provider rejects this document: the Statement of {label} is not a list "
                          "(its statement is checked)", kind=MALFORMED))
    out: list[_Statement] = []
    for index, statement in enumerate(listed):
        prefix = ("Statement", index) if isinstance(statements, list) else ("Statement",)
        spans = {path[len(prefix):]: span for path, span in located.spans.items() if path[:len(prefix)] == prefix}
        if not isinstance(statement, dict):
            out.append(_Statement(statement, spans))  # an unresolved statement: the core notes it
            continue
        out.append(_Statement(_as_model(statement) if label is not None else statement, spans))
    return out


def _as_model(statement: dict[str, Any]) -> dict[str, Any]:
    """A statement as iamPolicyStatement keeps it: the condition values the provider's UnmarshalJSON reads."""
    condition_key = next((k for k in statement if isinstance(k, str) and k.lower() == "condition"), None)
    if condition_key is None or not isinstance(statement[condition_key], dict):
        return statement
    condition: dict[Any, Any] = {}
    for operator, block in statement[condition_key].items():
        if not isinstance(block, dict):
            condition[operator] = block  # unresolved: left to the core
            continue
        kept: dict[Any, Any] = {}
        for key, values in block.items():
            if isinstance(values, bool):
                kept[key] = "true" if values else "false"
            elif isinstance(values, (int, float)):
                continue  # encoding/json gives float64, which UnmarshalJSON's type switch drops
            else:
                kept[key] = values
        if kept:
            condition[operator] = kept
    copy = dict(statement)
    if condition:
        copy[condition_key] = condition
    else:
        del copy[condition_key]
    return copy


def with_file(spans: dict[tuple, Span], file: str | None) -> dict[tuple, Span]:
    """Spans that sit in `file` (None: the file being read), marked so (a span already marked keeps its file)."""
    if file is None:
        return spans
    return {path: span if span.file is not None else replace(span, file=file) for path, span in spans.items()}
