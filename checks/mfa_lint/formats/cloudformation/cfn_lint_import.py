"""Import cfn-lint's template decoder without paying for sympy (and networkx) until a template needs them.

`import cfnlint.decode` runs cfnlint/__init__, which imports the rules, the template model and the condition solver,
which imports sympy: most of a 0.5-1 s start-up for one small template. sympy is used only when conditions are
solved (a template with `Conditions` / `Fn::If`). While cfn-lint is first imported, `sympy` and the submodules it
names are stand-ins whose attributes are `_Deferred` placeholders; the first real use of any of them imports sympy
and puts the real objects back into every cfn-lint module that holds a placeholder, so afterwards cfn-lint runs on
real sympy objects only. Nothing is deferred when cfn-lint or sympy is already imported (a cfn-lint or checkov
process): then this is a plain import.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from typing import Any

#: What cfn-lint imports at start-up but uses only for some templates: the condition solver's algebra and the
#: resource graph (a template with no Conditions and no cycle check needs neither).
DEFERRED = frozenset({"sympy", "networkx"})

_lock = threading.RLock()
_stand_ins: dict[str, types.ModuleType] = {}
_placeholders: list[_Deferred] = []


class _Deferred:
    """A name cfn-lint imported from sympy; any use imports sympy and swaps the real objects in everywhere."""

    __slots__ = ("_module", "_name")

    def __init__(self, module: str, name: str) -> None:
        object.__setattr__(self, "_module", module)
        object.__setattr__(self, "_name", name)

    def _real(self) -> Any:
        resolve()
        return getattr(importlib.import_module(self._module), self._name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._real()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)

    def __instancecheck__(self, instance: Any) -> bool:
        return isinstance(instance, self._real())

    def __subclasscheck__(self, subclass: type) -> bool:
        return issubclass(subclass, self._real())

    def __mro_entries__(self, bases: tuple) -> tuple:
        return (self._real(),)

    def __eq__(self, other: object) -> bool:
        return self._real() == other

    def __hash__(self) -> int:
        return hash(self._real())

    def __repr__(self) -> str:
        return f"<deferred {self._module}.{self._name}>"


class _StandIn(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        with _lock:
            if id(self) not in {id(m) for m in _stand_ins.values()}:  # after resolve(): the real module's
                return getattr(importlib.import_module(self.__name__), name)
            placeholder = _Deferred(self.__name__, name)
            _placeholders.append(placeholder)
            return placeholder


class _Finder:
    """Answers `import sympy...` with stand-ins while cfn-lint is being imported."""

    @staticmethod
    def find_spec(name: str, path: Any = None, target: Any = None) -> Any:
        if name.split(".", 1)[0] in DEFERRED:
            return importlib.machinery.ModuleSpec(name, _Loader(), is_package=True)
        return None


class _Loader:
    @staticmethod
    def create_module(spec: Any) -> types.ModuleType:
        module = _StandIn(spec.name)
        module.__path__ = []  # a package: `from sympy.logic.boolalg import X` finds its stand-in submodules
        _stand_ins[spec.name] = module
        return module

    @staticmethod
    def exec_module(module: types.ModuleType) -> None:
        return None


def import_cfn_lint_decoder() -> Any:
    """`cfnlint.decode.decode.decode_str`, with sympy deferred when this is the first import of cfn-lint."""
    with _lock:
        if "cfnlint" in sys.modules or any(name in sys.modules for name in DEFERRED):
            from cfnlint.decode.decode import decode_str

            return decode_str
        finder = _Finder()
        sys.meta_path.insert(0, finder)
        try:
            from cfnlint.decode.decode import decode_str
        finally:
            sys.meta_path.remove(finder)
            for name in _stand_ins:
                if sys.modules.get(name) is _stand_ins[name]:
                    del sys.modules[name]  # a later `import sympy` gets the real one
        return decode_str


def resolve() -> None:
    """Import sympy for real and put its objects in place of every placeholder cfn-lint's modules hold."""
    with _lock:
        if not _placeholders and not _stand_ins:
            return
        pending = {id(p): p for p in _placeholders}
        stand_ins = {id(m): name for name, m in _stand_ins.items()}
        _placeholders.clear()
        _stand_ins.clear()
        real = {key: getattr(importlib.import_module(p._module), p._name) for key, p in pending.items()}
        real.update({key: importlib.import_module(name) for key, name in stand_ins.items()})
        for name, module in list(sys.modules.items()):
            if not name.startswith("cfnlint") or module is None:
                continue
            namespace = getattr(module, "__dict__", {})
            for attr, value in list(namespace.items()):
                if type(value) in (_Deferred, _StandIn) and id(value) in real:
                    namespace[attr] = real[id(value)]
