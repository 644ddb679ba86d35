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
from mfa_lint.locations.terraform import RESOURCES

# A .tf file that refers to variables or locals, and a file that defines them.
_TF_REFERENCE = re.compile(r"\b(?:var|local)\.")
_TF_DEFINITION = re.compile(r"^\s*(?:variable|locals)\b", re.MULTILINE)
# A .tf file whose policies may come from other files: file() / templatefile(), or a module call (the reader reads
# the called module's files with the caller's arguments).
_TF_READS_OTHER_FILES = re.compile(r"\b(?:file|templatefile)\s*\(|^\s*module\s+\"|\"template_file\"", re.MULTILINE)
# A policy document merging others (their statements may sit in the module's other files or in a module), and a
# policy that may be a module's output (`policy = module.x.policy_json`): a file holding a policy resource.
_TF_MERGES = re.compile(r"^\s*(?:source_policy_documents|override_policy_documents|source_json|override_json)\s*=",
                        re.MULTILINE)
_TF_MODULE_OUTPUT = re.compile(r"\bmodule\.[A-Za-z_][\w-]*\.")
_TF_POLICY_RESOURCE = re.compile(
    r"^\s*resource\s+\"(?:" + "|".join(map(re.escape, sorted(RESOURCES))) + r")\"", re.MULTILINE
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
    if path.lower().endswith(TERRAFORM_EXT) and _reads_other_files(text, module_texts):
        return True
    if not _TF_REFERENCE.search(text):
        return False
    if path.lower().endswith(TERRAFORM_EXT) and any(may_mention_mfa(other) for other in variable_texts):
        return True  # a variable's value (tfvars, a var file) may be the MFA key or the operator
    if not module_texts:
        return False
    # a policy (or a value in it) may come from a variable default or a local defined in another file
    return any(_defines_mfa_values(other) for other in module_texts.values())


def _reads_other_files(text: str, module_texts: dict[str, str] | None) -> bool:
    """The file's policies may be in other files: it reads files, calls a module, merges policy documents that its
    module's other files (or a module) hold, or holds a policy resource that reads a module's output."""
    if _TF_READS_OTHER_FILES.search(text):
        return True
    if _TF_MERGES.search(text) and (_TF_MODULE_OUTPUT.search(text) or any(
            may_mention_mfa(other) for other in (module_texts or {}).values())):
        return True
    return bool(_TF_MODULE_OUTPUT.search(text) and _TF_POLICY_RESOURCE.search(text))


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
