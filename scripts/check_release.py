"""Release guard: `python scripts/check_release.py v0.2.0` fails unless the tag, the package version and the
CHANGELOG agree (run by .github/workflows/publish.yml before building, and by hand before tagging)."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def package_version() -> str:
    """`__version__` of checks/mfa_lint/__init__.py, read without importing the package (what setuptools does)."""
    tree = ast.parse((ROOT / "checks" / "mfa_lint" / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__version__" for t in node.targets):
            return ast.literal_eval(node.value)
    raise SystemExit("checks/mfa_lint/__init__.py has no __version__")


def changelog_versions() -> list[str]:
    return re.findall(r"^## \[?(\d+\.\d+\.\d+[^\]\s]*)\]?", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)


def problems(tag: str) -> list[str]:
    version = package_version()
    out = []
    if tag.removeprefix("v") != version:
        out.append(f"tag {tag} is not v{version} (checks/mfa_lint/__init__.py)")
    if version not in changelog_versions():
        out.append(f"CHANGELOG.md has no '## {version}' entry")
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python scripts/check_release.py vX.Y.Z")
    found = problems(sys.argv[1])
    for problem in found:
        print(f"release: {problem}", file=sys.stderr)
    sys.exit(1 if found else 0)
