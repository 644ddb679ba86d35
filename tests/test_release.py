"""Packaging: the version in one place, the release guard, the SPDX license, workflows pinned by SHA."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import mfa_lint
import yaml
from mfa_lint.config import tomllib  # tomli on 3.10

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def guard(tag: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "check_release.py"), tag], capture_output=True,
                          text=True)


def test_version_lives_in_one_place():
    project = PYPROJECT["project"]
    assert "version" not in project and project["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "mfa_lint.__version__"}
    assert guard(f"v{mfa_lint.__version__}").returncode == 0
    bad = guard("v99.0.0")
    assert bad.returncode == 1 and f"is not v{mfa_lint.__version__}" in bad.stderr


def test_license_is_an_spdx_string_with_a_setuptools_that_reads_it():
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    (requirement,) = PYPROJECT["build-system"]["requires"]
    assert int(re.fullmatch(r"setuptools>=(\d+).*", requirement)[1]) >= 77  # PEP 639 license expressions


def test_tomli_only_where_tomllib_is_missing():
    deps = PYPROJECT["project"]["dependencies"]
    assert "tomli>=1.1; python_version < '3.11'" in deps
    assert not any(d.startswith("python-hcl2") for d in deps)


def test_workflows_pin_every_action_by_sha_and_publish_with_trusted_publishing():
    for workflow in (ROOT / ".github" / "workflows").glob("*.yml"):
        for job in yaml.safe_load(workflow.read_text())["jobs"].values():
            for step in job["steps"]:
                uses = step.get("uses", "")
                assert not uses or uses.startswith("./") or re.fullmatch(r"[\w./-]+@[0-9a-f]{40}", uses), uses
    publish = yaml.safe_load((ROOT / ".github" / "workflows" / "publish.yml").read_text())
    job = publish["jobs"]["publish"]
    assert job["permissions"]["id-token"] == "write" and "password" not in str(job)
    assert any("check_release.py" in s.get("run", "") for s in job["steps"])
    assert any("python -m build" in s.get("run", "") for s in job["steps"])
