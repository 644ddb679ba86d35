"""Module context: a Terraform module is its whole directory, so a `.tf` file is read with its siblings' texts
(variables, locals and policy-document data sources defined next to it), and a module it calls with that module's;
read on its own (a root module), its variables take the values of its folder's tfvars files.

OpenTofu reads `.tofu` and `.tofu.json` files like `.tf` and `.tf.json`, and where a folder holds both `x.tf` and
`x.tofu` (or `x.tf.json` and `x.tofu.json`) it loads only the `.tofu` one (opentofu/opentofu,
internal/configs/parser_config_dir.go, filterTfPathsWithTofuAlternatives; "Extension Precedence" in OpenTofu's
"Files and Directories"); Terraform never loads a `.tofu` file. So a module has two views: OpenTofu's and
Terraform's. A file is read in OpenTofu's view when it is a `.tofu` file, or a `.tf` file in a folder that holds
`.tofu` files and none that replaces it; a `.tf` file a `.tofu` file replaces is live only for Terraform, and is read
in Terraform's view (its folder's `.tf` files). The modules a file calls are read in the view it is read in.
"""

from __future__ import annotations

import os

from mfa_lint.reading.context import ReadContext

#: The native syntax: Terraform's `.tf` and OpenTofu's `.tofu`; `.tf.json` / `.tofu.json` files are read on their own.
TERRAFORM_EXTENSIONS = (".tf", ".tofu")
#: The JSON syntax, Terraform's and OpenTofu's.
JSON_SYNTAX_EXTENSIONS = (".tf.json", ".tofu.json")
#: tfvars files Terraform loads by itself from the root module's folder, before the `*.auto.tfvars` ones.
TFVARS_NAMES = ("terraform.tfvars", "terraform.tfvars.json")
AUTO_TFVARS_SUFFIXES = (".auto.tfvars", ".auto.tfvars.json")
#: A Terraform suffix and the OpenTofu suffix of the file that replaces it, longest first.
_REPLACED_BY = ((".tf.json", ".tofu.json"), (".tf", ".tofu"))
_OPENTOFU_SUFFIXES = (".tofu", ".tofu.json")


def opentofu_twin(path: str) -> str | None:
    """The `.tofu` (`.tofu.json`) file that would replace a `.tf` (`.tf.json`) file for OpenTofu; None for others."""
    for terraform, opentofu in _REPLACED_BY:
        if path.endswith(terraform):
            return path[: -len(terraform)] + opentofu
    return None


def replaced_for_opentofu(path: str) -> bool:
    """A `.tf` / `.tf.json` file that OpenTofu does not load: a `.tofu` / `.tofu.json` file of its name is beside it."""
    twin = opentofu_twin(path)
    return twin is not None and os.path.isfile(twin)


def in_view(names: list[str], opentofu: bool) -> list[str]:
    """The files of one folder a view loads: OpenTofu's drops each `.tf` (`.tf.json`) file a `.tofu` (`.tofu.json`)
    file replaces; Terraform's drops every `.tofu` and `.tofu.json` file."""
    if not opentofu:
        return [n for n in names if not n.endswith(_OPENTOFU_SUFFIXES)]
    present = set(names)
    return [n for n in names if opentofu_twin(n) not in present]


def reads_as_opentofu(path: str, siblings: list[str] | None = None) -> bool:
    """Whether a file is read in OpenTofu's view of its module (see the module docstring). `siblings`: the names of
    its folder's configuration files when known (else the folder is listed)."""
    if path.endswith(_OPENTOFU_SUFFIXES):
        return True
    if replaced_for_opentofu(path):
        return False
    if siblings is None:
        try:
            siblings = os.listdir(os.path.dirname(path) or ".")
        except OSError:
            return False
    return any(n.endswith(_OPENTOFU_SUFFIXES) for n in siblings)


def module_texts(path: str, context: ReadContext) -> dict[str, str]:
    """path -> text of the other `.tf` / `.tofu` files of the file's folder that the file's view of its module loads
    (an unreadable one is reported when scanned)."""
    me = os.path.normpath(path)
    texts = context.folder_texts(os.path.dirname(path) or ".", TERRAFORM_EXTENSIONS)
    if not any(p.endswith(".tofu") for p in texts) and not me.endswith(".tofu"):
        return {p: t for p, t in texts.items() if p != me}  # no OpenTofu file: one view
    kept = set(in_view(list(texts), reads_as_opentofu(me, [os.path.basename(p) for p in texts])))
    return {p: t for p, t in texts.items() if p != me and p in kept}


def called_module_texts(directory: str, context: ReadContext, opentofu: bool = False) -> dict[str, str]:
    """path -> text of every `.tf` / `.tofu` file a view loads of a called module's folder (`opentofu`: the caller
    is read in OpenTofu's view), through the context's file cache (a module is called from many files)."""
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith(TERRAFORM_EXTENSIONS))
    except OSError:
        return {}
    texts = {os.path.join(directory, n): context.referenced(os.path.join(directory, n))
             for n in in_view(names, opentofu)}
    return {p: t for p, t in texts.items() if t is not None}


def tfvars_files(directory: str) -> list[str]:
    """The files Terraform loads by itself from a root module's folder, in the order they apply."""
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    fixed = [n for n in TFVARS_NAMES if n in names]
    auto = sorted(n for n in names if n.endswith(AUTO_TFVARS_SUFFIXES))
    return [os.path.join(directory, n) for n in fixed + auto if os.path.isfile(os.path.join(directory, n))]


#: Every syntax of a module's configuration files.
CONFIGURATION_SUFFIXES = TERRAFORM_EXTENSIONS + JSON_SYNTAX_EXTENSIONS


def configuration_files(directory: str) -> list[str]:
    """The configuration files of a module folder (`.tf`, `.tf.json`, `.tofu`, `.tofu.json`) in OpenTofu's view when
    it holds OpenTofu files, sorted, override files (`override.tf`, `*_override.tf`) last, since they change blocks
    declared elsewhere."""
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith(CONFIGURATION_SUFFIXES))
    except OSError:
        return []
    names = in_view(names, any(n.endswith(_OPENTOFU_SUFFIXES) for n in names))
    paths = [os.path.join(directory, n) for n in names if os.path.isfile(os.path.join(directory, n))]
    return sorted(paths, key=lambda p: _is_override(os.path.basename(p)))


def _is_override(name: str) -> bool:
    suffix = next(s for s in sorted(CONFIGURATION_SUFFIXES, key=len, reverse=True) if name.endswith(s))
    stem = name[: -len(suffix)]
    return stem == "override" or stem.endswith("_override")
