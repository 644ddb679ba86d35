"""The format registry: which format a file is, read through the formats' records (formats.base.Format).

The walk asks `is_candidate`, the triage `could_be_iac` and `may_hold_mfa` (cheap tests on the text, before any
parse), the scan and checkov's from-file path `read_sites`, `fix` `by_name(...).editable`. Readers are imported
only when a file of their format is read, so a scan of one policy file starts fast (no cfn-lint, hcl2 or checkov).

A file's formats are those that list its longest matching suffix (`.tf.json` before `.json`). Files with a JSON
suffix are decoded once and each JSON format asked in turn whether the document is its (plan, template, policy);
other files go to their format's reader. A named file with another suffix is tried as JSON, then as a template.
"""

from __future__ import annotations

import json
import re

from mfa_lint.core.findings import NO_FORMAT, Note
from mfa_lint.core.keys import MFA_KEYS, may_mention_mfa
from mfa_lint.core.policy_kinds import PolicyKind
from mfa_lint.formats.base import Format, NotOurs, Reading
from mfa_lint.formats.cloudformation import CLOUDFORMATION, looks_like_cloudformation_yaml
from mfa_lint.formats.plan import PLAN
from mfa_lint.formats.policy_json import POLICY, POLICY_TEMPLATE
from mfa_lint.formats.terraform import TERRAFORM, TERRAFORM_JSON
from mfa_lint.reading.context import ReadContext
from mfa_lint.reading.site import PolicySite, SourceError

#: Every format, in the order JSON documents are offered to them (a plan before a template before a policy).
FORMATS: tuple[Format, ...] = (TERRAFORM, TERRAFORM_JSON, POLICY_TEMPLATE, PLAN, CLOUDFORMATION, POLICY)
_BY_NAME = {f.name: f for f in FORMATS}
#: Every suffix a walk picks up, longest first.
SUFFIXES: tuple[str, ...] = tuple(sorted({s for f in FORMATS for s in f.extensions + f.json_extensions},
                                         key=lambda s: (-len(s), s)))

NOT_RECOGNISED = "not a Terraform, Terraform plan JSON, CloudFormation/SAM or IAM policy JSON file"

# A JSON file worth decoding names a key one of the JSON formats must have; `\u` escapes could spell them too.
_JSON_KEYS = re.compile(
    r"\"(?:" + "|".join(dict.fromkeys(k for f in FORMATS for k in f.json_keys)) + r")\"|\\u00"
)


def by_name(name: str) -> Format:
    return _BY_NAME[name]


def _suffix(path: str) -> str | None:
    lower = path.lower()
    return next((s for s in SUFFIXES if lower.endswith(s)), None)


def is_candidate(name: str) -> bool:
    """A file a walk picks up: some format reads its suffix."""
    return _suffix(name) is not None


#: The formats a JSON document is offered to, in order: JSON is told apart by content, whatever its suffix.
JSON_FORMATS: tuple[Format, ...] = tuple(f for f in FORMATS if f.claims is not None)


def _formats(path: str, text: str) -> tuple[tuple[Format, ...], tuple[Format, ...]]:
    """(JSON formats, text formats) that may read the file: every JSON format when its suffix is a JSON one (a suffix
    that some format also reads as text is JSON when the text is `{...}`), else the formats that read the suffix."""
    suffix = _suffix(path)
    if suffix is None:
        return (), ()
    as_text = tuple(f for f in FORMATS if suffix in f.extensions)
    if any(suffix in f.json_extensions for f in FORMATS) and (not as_text or text.lstrip().startswith("{")):
        return JSON_FORMATS, ()
    return (), as_text


def could_be_iac(path: str, text: str) -> bool:
    """False only when the text cannot be any of the formats (checked before any parse, for walked files)."""
    as_json, as_text = _formats(path, text)
    if as_json:
        return _JSON_KEYS.search(text) is not None
    if as_text:
        return any(f.could_be(text) for f in as_text)
    return True  # an unusual suffix: only named files get here, and the readers decide


def may_hold_mfa(path: str, text: str, context: ReadContext) -> bool:
    """The fast-path filter: False only when neither the file nor what it takes values from can hold an MFA key."""
    as_json, as_text = _formats(path, text)
    if not as_json and not as_text:
        return True  # not a usual suffix: let the readers decide what it is
    if may_mention_mfa(text):
        return True
    return any(f.may_hold_mfa(path, text, context) for f in (*as_text, *as_json) if f.may_hold_mfa is not None)


def references(path: str, text: str) -> set[str]:
    """The other files a file reads by a literal path (`file("p.yaml")`): their policies are judged through it."""
    _, as_text = _formats(path, text)
    return set().union(*(f.references(path, text) for f in as_text if f.references is not None))


def prepare(path: str) -> None:
    """Import the readers a file may need before its time budget starts (an import is not the file's fault)."""
    suffix = _suffix(path)
    for f in FORMATS:
        if suffix in f.extensions:
            f.prepare()


def read_sites(
    path: str, text: str, context: ReadContext, *, explicit: bool = False, kind: PolicyKind = PolicyKind.IDENTITY,
    tf_root: str | None = None, find_tf_root: bool = False,
) -> tuple[Format, list[PolicySite]]:
    """(format, sites) of one file; raises SourceError (bad input) or NotOurs (another kind of file)."""
    reading = Reading(path, text, context, kind, tf_root, find_tf_root)
    as_json, as_text = _formats(path, text)
    if as_json:
        return _read_json(reading, as_json, explicit)
    for fmt in as_text:
        try:
            return fmt, fmt.read(reading)
        except SourceError:
            if fmt.fallback is None or not text.lstrip().startswith("{"):
                raise
            fallback = by_name(fmt.fallback)
            return fallback, fallback.read(reading)
    if explicit and not as_text and text.lstrip().startswith("{"):  # a named policy.txt without the usual suffix
        try:
            return _read_json(reading, JSON_FORMATS, explicit)
        except SourceError:
            if "${" not in text:
                raise
            return POLICY_TEMPLATE, POLICY_TEMPLATE.read(reading)
    raise NotOurs()


def _read_json(reading: Reading, formats: tuple[Format, ...], explicit: bool) -> tuple[Format, list[PolicySite]]:
    """Decode once, then the first JSON format that claims the document reads it."""
    try:
        document = json.loads(reading.text)
    except RecursionError:
        raise SourceError("invalid JSON: nested too deeply") from None
    except ValueError as exc:
        if not explicit and not _JSON_KEYS.search(reading.text):
            raise NotOurs() from None
        raise SourceError(f"invalid JSON: {exc}") from None
    for fmt in formats:
        assert fmt.claims is not None
        if fmt.claims(document):
            return fmt, fmt.read(Reading(reading.path, reading.text, reading.context, reading.kind,
                                         reading.tf_root, reading.find_tf_root, document))
    raise NotOurs()


def comments_in(path: str, text: str) -> bool:
    """Whether a file's format has comments (where `# mfa-lint:ignore` lines can be), by its suffix and text."""
    as_json, as_text = _formats(path, text)
    return any(f.comments(text) for f in as_text or as_json)


def stdin_name(text: str) -> str:
    """The file name standard input stands for when none is given: its format sniffed from the text."""
    if text.lstrip().startswith(("{", "[")):
        return "stdin.json"
    return "stdin.yaml" if looks_like_cloudformation_yaml(text) else "stdin.tf"


# -- files of none of the formats ---------------------------------------------------------------------------------

#: Syntaxes other tools write policy-like files in (a statement list in another schema): a file of none of the
#: formats in one of them that names an MFA key gets a note, since silence would read as a clean file.
DATA_SYNTAX_SUFFIXES = (".json", ".yaml", ".yml")

# A statement's keys as mapping keys, in any schema (`Effect:`, `"effect":`, `condition:`): a file naming an MFA key
# without them (a key list, a description) is no policy at all, and no note.
_STATEMENT_KEYS = (re.compile(r"""["']?\beffect["']?\s*:""", re.IGNORECASE),
                   re.compile(r"""["']?\bconditions?["']?\s*:""", re.IGNORECASE))


def unread_mention(path: str, text: str) -> Note | None:
    """A walked YAML or JSON file with statement keys that names an MFA key (exactly, any case) but is none of the
    formats: the NO_FORMAT note that says so, else None."""
    if not path.lower().endswith(DATA_SYNTAX_SUFFIXES) or not all(k.search(text) for k in _STATEMENT_KEYS):
        return None
    lowered = text.lower()
    for key in MFA_KEYS.values():
        if key.lower() in lowered:
            return Note(f"mentions {key} but is no format mfa-lint reads", kind=NO_FORMAT)
    return None


