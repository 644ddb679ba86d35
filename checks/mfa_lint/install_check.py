"""Start-up check of the one installation mistake that breaks mfa-lint and checkov alike: upstream python-hcl2.

bc-python-hcl2 (the fork checkov pins) and upstream python-hcl2 install the same top-level module `hcl2`; whichever
is installed last overwrites the other's files, and then every Terraform file fails to read with an ImportError.
The marker is the distribution metadata pip leaves next to the module (`python_hcl2-*.dist-info`): looked up with
os.listdir, not importlib.metadata, whose import alone would double the start-up time of a small scan. Only when it
is there are the module's files checked against bc-python-hcl2's RECORD (sha256 per file): if bc-python-hcl2 was
installed last its files are intact and both tools work, so that is not an error.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os

REPAIR = "pip uninstall -y python-hcl2 && pip install --force-reinstall --no-deps bc-python-hcl2"
_UPSTREAM = ("python_hcl2-", "python-hcl2-")
_FORK = ("bc_python_hcl2-", "bc-python-hcl2-")
_METADATA = (".dist-info", ".egg-info")


def _fork_files_intact(site: str, names: list[str]) -> bool:
    """Whether every hcl2/ file bc-python-hcl2's RECORD lists is on disk with the recorded sha256."""
    records = [n for n in names if n.lower().startswith(_FORK) and n.lower().endswith(".dist-info")]
    if not records:
        return False
    try:
        with open(os.path.join(site, records[0], "RECORD"), encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return False
    checked = 0
    for line in lines:
        path, _, rest = line.partition(",")
        digest = rest.partition(",")[0]
        if not path.startswith("hcl2/") or not digest.startswith("sha256="):
            continue
        try:
            with open(os.path.join(site, path), "rb") as handle:
                actual = base64.urlsafe_b64encode(hashlib.sha256(handle.read()).digest()).rstrip(b"=").decode()
        except OSError:
            return False
        if actual != digest[len("sha256="):]:
            return False
        checked += 1
    return checked > 0


def hcl2_problem() -> str | None:
    """One line saying what is wrong with the installed `hcl2` module and how to repair it, or None."""
    try:
        spec = importlib.util.find_spec("hcl2")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return f"the hcl2 module of bc-python-hcl2 is missing; repair: {REPAIR}"
    for location in spec.submodule_search_locations:
        site = os.path.dirname(os.path.abspath(location))
        try:
            names = os.listdir(site)
        except OSError:
            continue
        for name in names:
            lower = name.lower()
            if lower.startswith(_UPSTREAM) and lower.endswith(_METADATA) and not _fork_files_intact(site, names):
                return (
                    f"upstream python-hcl2 ({name} in {site}) has overwritten the hcl2 module of bc-python-hcl2, "
                    f"which mfa-lint and checkov need; repair: {REPAIR}"
                )
    return None
