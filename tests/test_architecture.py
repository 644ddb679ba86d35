"""The package's import graph: no circle between modules, and no import from a lower layer to a higher one.

Every `import` and `from ... import` statement is read with `ast`, also those inside functions (a lazy import is
still a dependency). The layers, lowest first, are the folders of `checks/mfa_lint/` (README, "Architecture"):

- core: policy analysis, pure and dependency-free;
- mfa_lint: the package's own `__init__`, the Python API over the core;
- reading: what every format reader shares (policy sites and spans, positions, the read context and its limits);
- formats: one wing per IaC language (reader, resource table, relevance test, suppression syntax), and the registry;
- scanning: `mfa-lint scan`: the walk, triage, parsing pool, judging sites, finding identity, results;
- surfaces: the host adapters (checkov, cfn-lint) and the reporters;
- commands: the command line, its settings, `fix`, the GitHub Action, the rule docs.

A module may import its own layer and the layers below it.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "checks" / "mfa_lint"

#: layer name -> the module prefixes in it, lowest layer first
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("core", ("mfa_lint.core",)),
    ("api", ("mfa_lint",)),
    ("reading", ("mfa_lint.reading",)),
    ("formats", ("mfa_lint.formats",)),
    ("scanning", ("mfa_lint.scanning",)),
    ("surfaces", ("mfa_lint.checkov", "mfa_lint.cfnlint", "mfa_lint.reporters")),
    ("commands", ("mfa_lint.cli", "mfa_lint.settings", "mfa_lint.config", "mfa_lint.fix", "mfa_lint.action",
                  "mfa_lint.rule_docs", "mfa_lint.install_check", "mfa_lint.__main__")),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    """The index of the layer whose prefix names the module most closely."""
    best, index = -1, -1
    for position, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, index = len(prefix), position
    return index


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute module a `from` import names (relative imports resolved against the importing module)."""
    if not node.level:
        return node.module or ""
    package = module.split(".")
    is_package = MODULES[module].name == "__init__.py"
    base = package if is_package else package[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str) -> set[str]:
    """The package modules `module` imports (a `from X import Y` of a submodule Y counts as an import of X.Y)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node)
            names = [f"{source}.{a.name}" if f"{source}.{a.name}" in MODULES else source for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in MODULES:  # `import mfa_lint.core.x` of a package attribute: its module
                name = name.rpartition(".")[0]
            if name.startswith("mfa_lint") and name != module:
                found.add(name)
    return found


GRAPH: dict[str, set[str]] = {m: imports(m) for m in MODULES}


def test_every_module_has_a_layer() -> None:
    assert [m for m in MODULES if layer_of(m) < 0] == []


def test_no_import_runs_from_a_lower_layer_to_a_higher_one() -> None:
    upward = sorted(
        f"{m} ({LAYERS[layer_of(m)][0]}) imports {t} ({LAYERS[layer_of(t)][0]})"
        for m, targets in GRAPH.items() for t in targets if layer_of(t) > layer_of(m)
    )
    assert upward == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_circle_between_modules() -> None:
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_circle() -> None:
    """The test above can fail: a made-up circle of three modules is found, a chain is not."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_core_imports_nothing_outside_itself() -> None:
    """The core is pure: no host, no parser, no other layer (only the standard library)."""
    outside = {m: sorted(t for t in targets if layer_of(t) != 0) for m, targets in GRAPH.items() if layer_of(m) == 0}
    assert {m: t for m, t in outside.items() if t} == {}
    for module in (m for m in MODULES if layer_of(m) == 0):
        tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                for name in names:
                    top = name.split(".")[0]
                    assert top in sys.stdlib_module_names or top == "mfa_lint" or top == "__future__", (module, name)




@pytest.mark.parametrize("layer", [name for name, _ in LAYERS])
def test_every_layer_holds_modules(layer: str) -> None:
    """A layer named in the order is a real folder (a renamed folder must not silently drop out of the check)."""
    members = defaultdict(list)
    for module in MODULES:
        members[LAYERS[layer_of(module)][0]].append(module)
    assert members[layer]
