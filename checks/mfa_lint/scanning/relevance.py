"""The skip filter: a walked file that cannot hold an MFA test is not parsed (the default fast path).

Most of a repository holds no MFA condition, and parsing is the costly part. A file is left unparsed when no MFA key
(nor a key within edit distance 3 of one, see core.keys.may_mention_mfa) occurs in its text, nor in what it may take
values from: for Terraform, the variables and locals defined in the other files of its module, the tfvars files of
its folder and the var files given to the scan (and a file that calls `file()` / `templatefile()`, calls a module or
reads a module's output is always parsed, since the policy may be in what it reads). Syntax errors in such files are
then terraform's and cfn-lint's business; `--check-syntax` parses every file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from functools import lru_cache

from mfa_lint.core.keys import MFA_KEYS, may_mention_mfa
from mfa_lint.files import CANDIDATE_EXT, JSON_EXT, TERRAFORM_EXT, YAML_EXT

# A .tf file that refers to variables, locals or policy documents (one may merge another's statements), and a file
# that defines them.
_TF_REFERENCE = re.compile(r"\b(?:var|local|data\.aws_iam_policy_document)\.")
_TF_DEFINITION = re.compile(r"^\s*(?:variable|locals|data\s+\"aws_iam_policy_document\")\b", re.MULTILINE)
# A .tf file whose policies may come from other files: file() / templatefile(), a module call (the reader reads
# the called module's files with the caller's arguments), or a module's output (`module.x.policy_json`).
_TF_READS_OTHER_FILES = re.compile(
    r"\b(?:file|templatefile)\s*\(|^\s*module\s+\"|\"template_file\"|\bmodule\.[A-Za-z_][\w-]*", re.MULTILINE
)

# `file("${path.module}/p.yaml")` with a literal path (the common case: yamldecode(file(...)) leaves no position in
# the file it reads, so only the call says which file was read)
_TF_LITERAL_FILE = re.compile(r'\b(?:file|templatefile)\s*\(\s*"(?:\$\{path\.(?:module|root)\}/)?([^"$]+)"')


def literal_file_reads(path: str, text: str) -> set[str]:
    """The files a .tf reads through `file()`/`templatefile()` with a literal path (relative to its folder)."""
    if not path.lower().endswith(TERRAFORM_EXT):
        return set()
    folder = os.path.dirname(path)
    return {os.path.normpath(os.path.join(folder, m.group(1))) for m in _TF_LITERAL_FILE.finditer(text)}


def may_hold_mfa(
    path: str, text: str, module_texts: dict[str, str] | None, variable_texts: Iterable[str] = ()
) -> bool:
    """False only when neither the file nor what it references can hold an MFA key. `variable_texts`: what may set
    the module's variables from outside (its folder's tfvars files, the scan's var files and `-var` values)."""
    if not path.lower().endswith(CANDIDATE_EXT):
        return True  # not a usual extension: let the readers decide what it is
    if may_mention_mfa(text):
        return True
    if path.lower().endswith(TERRAFORM_EXT) and _TF_READS_OTHER_FILES.search(text):
        return True
    if not _TF_REFERENCE.search(text):
        return False
    if path.lower().endswith(TERRAFORM_EXT) and any(may_mention_mfa(other) for other in variable_texts):
        return True  # a variable's value (tfvars, a var file) may be the MFA key or the operator
    if not module_texts:
        return False
    # a policy (or a value in it) may come from a variable default or a local defined in another file
    return any(_defines_mfa_values(other) for other in module_texts.values())


@lru_cache(maxsize=4096)
def _defines_mfa_values(text: str) -> bool:
    """A module file that defines variables or locals and mentions MFA (cached: every file of the module asks)."""
    return _TF_DEFINITION.search(text) is not None and may_mention_mfa(text)


# A statement's keys as mapping keys, in any schema (`Effect:`, `"effect":`, `condition:`): a file naming an MFA key
# without them (a key list, a description) is no policy at all, and no note.
_STATEMENT_KEYS = (re.compile(r"""["']?\beffect["']?\s*:""", re.IGNORECASE),
                   re.compile(r"""["']?\bconditions?["']?\s*:""", re.IGNORECASE))
NO_FORMAT = "mentions {key} but is no format mfa-lint reads"


def unread_mention(path: str, text: str) -> str | None:
    """A walked YAML or JSON file with statement keys that names an MFA key (exactly, any case) but is none of the
    formats (a statement list in another tool's schema): the note that says so, else None. Silence there would read
    as a clean file."""
    if not path.lower().endswith(JSON_EXT + YAML_EXT) or not all(k.search(text) for k in _STATEMENT_KEYS):
        return None
    lowered = text.lower()
    for key in MFA_KEYS.values():
        if key.lower() in lowered:
            return NO_FORMAT.format(key=key)
    return None
