"""`mfa-lint checkov-dir --export DIR`: a self-contained external-checks folder for a checkov that cannot import
mfa-lint (checkov-action's container, a pipx or brew checkov).

What checkov does with an external-checks folder (checkov/common/checks/base_check_registry.py,
`load_external_checks`, 3.0 to 3.3): `os.walk` over it; every folder walked is put on `sys.path`; in a folder with an
`__init__.py`, every `*.py` not starting with `__` is executed as a top-level module named after the file; an
exception is logged and skipped. `.yaml`/`.yml`/`.json` files there are read as graph checks. With
`--external-checks-public-key`, every `*.py` under the folder must carry a `# checkov-digest:` signature.

So the folder holds exactly three files: `__init__.py`, the loader `mfa_lint_checkov_checks.py` (the plain folder's
loader with its stamped block filled in: mfa-lint's version, the bundle's name and SHA-256, the check ids and
resource types its stand-in checks fail when the bundle cannot be loaded), and the bundle `mfa_lint-<version>.zip`:
the `mfa_lint` package as a zip, which checkov neither executes nor reads as graph checks, imported by the loader
with zipimport under the name `mfa_lint` only. Signing the two `.py` files signs the bundle too (the loader pins its
SHA-256). The files are byte-for-byte reproducible, so a stale export shows as a diff (or `--check`).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from pathlib import Path

import mfa_lint
from mfa_lint.checkov import CHECK_IDS, checks_dir
from mfa_lint.formats.cloudformation import resources as cfn_table
from mfa_lint.formats.terraform import resources as tf_table

LOADER = "mfa_lint_checkov_checks.py"
INIT = "__init__.py"
INIT_TEXT = '"""mfa-lint\'s checks for checkov, written by `mfa-lint checkov-dir --export`: do not edit."""\n'
_BUNDLE = re.compile(r"^mfa_lint-.+\.zip$")
STAMPED = re.compile(r"(# --- stamped by [^\n]*\n)(.*?)(# --- end stamped ---\n)", re.DOTALL)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: the trailer of a file signed for `checkov --external-checks-public-key` (checkov 3.3)
SIGNATURE = b"# checkov-digest: "
_KEEP = (".py", ".json", ".md")


def bundle_name(version: str = mfa_lint.__version__) -> str:
    return f"mfa_lint-{version}.zip"


def bundle_bytes() -> bytes:
    """The installed `mfa_lint` package as a reproducible zip (sorted entries, fixed times; no caches)."""
    package = Path(mfa_lint.__file__).resolve().parent
    files = sorted(p for p in package.rglob("*") if p.is_file() and p.suffix in _KEEP
                   and "__pycache__" not in p.parts and p.parent.name != "external")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in files:
            info = zipfile.ZipInfo(f"mfa_lint/{path.relative_to(package).as_posix()}", _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    return buffer.getvalue()


def _tuple(values: object, indent: str = "    ") -> str:
    """A Python tuple literal, wrapped at 120 columns like the rest of the code."""
    items = [repr(v) for v in values]  # type: ignore[attr-defined]
    if len(items) == 1:
        return f"({items[0]},)"
    one_line = f"({', '.join(items)})"
    if len(one_line) <= 100:
        return one_line
    lines, line = [], indent
    for item in items:
        piece = f"{item}, "
        if len(line) + len(piece.rstrip()) > 120:
            lines.append(line.rstrip())
            line = indent
        line += piece
    lines.append(line.rstrip())
    return "(\n" + "\n".join(lines) + "\n)"


def stamped_block(version: str | None, bundle: str | None, sha256: str | None) -> str:
    """The loader's stamped constants: mfa-lint's version and bundle, the ids and resource types of its checks."""
    return "\n".join([
        f"VERSION = {version!r}",
        f"BUNDLE = {bundle!r}",
        f"BUNDLE_SHA256 = {sha256!r}",
        f"CHECK_IDS = {_tuple(CHECK_IDS)}",
        f"TERRAFORM_RESOURCES = {_tuple(sorted(tf_table.RESOURCES))}",
        f"TERRAFORM_DATA = {_tuple(sorted(tf_table.POLICY_DOCUMENT_DATA_SOURCES))}",
        f"CLOUDFORMATION_RESOURCES = {_tuple(sorted(cfn_table.RESOURCES))}",
    ]) + "\n"


def plain_loader() -> str:
    return (Path(checks_dir()) / LOADER).read_text(encoding="utf-8")


def loader_source(version: str | None, bundle: str | None, sha256: str | None) -> str:
    """The plain folder's loader with its stamped block filled in."""
    text = plain_loader()
    match = STAMPED.search(text)
    if match is None:
        raise RuntimeError(f"{LOADER}: the stamped block is missing")
    return text[: match.start(2)] + stamped_block(version, bundle, sha256) + text[match.end(2):]


def export_files() -> dict[str, bytes]:
    """File name -> bytes of the export folder."""
    bundle = bundle_bytes()
    name = bundle_name()
    loader = loader_source(mfa_lint.__version__, name, hashlib.sha256(bundle).hexdigest())
    return {INIT: INIT_TEXT.encode(), LOADER: loader.encode(), name: bundle}


def unsigned(data: bytes) -> bytes:
    """A file without the `# checkov-digest: ...` line checkov's signed external checks end with."""
    body, _, last = data.rstrip(b"\n").rpartition(b"\n")
    return body + b"\n" if last.startswith(SIGNATURE) else data


def stale(directory: str) -> list[str]:
    """What differs between `directory` and a fresh export (empty: current)."""
    wanted = export_files()
    problems = []
    for name, data in wanted.items():
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            problems.append(f"{name} is missing")
        elif unsigned(Path(path).read_bytes()) != data:
            problems.append(f"{name} differs from mfa-lint {mfa_lint.__version__}'s")
    for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
        if _BUNDLE.match(name) and name not in wanted:
            problems.append(f"{name} is another version's bundle")
    return problems


def export(directory: str) -> list[str]:
    """Write the folder (other files in it, such as your own checks, are left alone; other mfa-lint bundles are
    removed). Returns the paths written."""
    os.makedirs(directory, exist_ok=True)
    written = []
    for name in os.listdir(directory):
        if _BUNDLE.match(name) and name != bundle_name():
            os.remove(os.path.join(directory, name))
    for name, data in export_files().items():
        path = os.path.join(directory, name)
        if name == INIT and os.path.isfile(path):
            continue  # the folder's own __init__.py (its other checks may rely on it)
        with open(path, "wb") as handle:
            handle.write(data)
        written.append(path)
    return written
