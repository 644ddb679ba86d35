"""Module context: a Terraform module is its whole directory, so a `.tf` file is read with its siblings' texts
(variables, locals and policy-document data sources defined next to it), and a module it calls with that module's;
read on its own (a root module), its variables take the values of its folder's tfvars files."""

from __future__ import annotations

import os

from mfa_lint.reading.context import ReadContext

#: Terraform's native syntax; `.tf.json` files are read on their own.
TERRAFORM_EXTENSIONS = (".tf",)
#: tfvars files Terraform loads by itself from the root module's folder, before the `*.auto.tfvars` ones.
TFVARS_NAMES = ("terraform.tfvars", "terraform.tfvars.json")
AUTO_TFVARS_SUFFIXES = (".auto.tfvars", ".auto.tfvars.json")



def module_texts(path: str, context: ReadContext) -> dict[str, str]:
    """path -> text of the other `.tf` files of the file's folder (an unreadable one is reported when scanned)."""
    me = os.path.normpath(path)
    texts = context.folder_texts(os.path.dirname(path) or ".", TERRAFORM_EXTENSIONS)
    return {p: t for p, t in texts.items() if p != me}


def called_module_texts(directory: str, context: ReadContext) -> dict[str, str]:
    """path -> text of every `.tf` file of a called module's folder, through the context's file cache (a module is
    called from many files)."""
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith(TERRAFORM_EXTENSIONS))
    except OSError:
        return {}
    texts = {os.path.join(directory, n): context.referenced(os.path.join(directory, n)) for n in names}
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
