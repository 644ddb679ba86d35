"""Start-up check of the one installation mistake that breaks mfa-lint and checkov alike: upstream python-hcl2.

bc-python-hcl2 (the fork checkov pins) and upstream python-hcl2 install the same top-level module `hcl2`; whichever
is installed last overwrites the other's files, and then every Terraform file fails to read with an ImportError.
The marker is the distribution metadata pip leaves next to the module (`python_hcl2-*.dist-info`): looked up with
os.listdir, not importlib.metadata, whose import alone would double the start-up time of a small scan.
"""

from __future__ import annotations

import importlib.util
import os

REPAIR = "pip uninstall -y python-hcl2 && pip install --force-reinstall --no-deps bc-python-hcl2"
_UPSTREAM = ("python_hcl2-", "python-hcl2-")
_METADATA = (".dist-info", ".egg-info")


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
            if lower.startswith(_UPSTREAM) and lower.endswith(_METADATA):
                return (
                    f"upstream python-hcl2 ({name} in {site}) has overwritten the hcl2 module of bc-python-hcl2, "
                    f"which mfa-lint and checkov need; repair: {REPAIR}"
                )
    return None
