"""Which file (and which module call) a checkov entity comes from, from what checkov tells a check.

Public surfaces first: the check's `entity_path` ("<file>:<type>:<name>", the file relative to the scanned folder,
or absolute when checkov scans files), the conf's `__address__` (`module.<call>["<key>"].<type>.<name>`) and
`__start_line__`, a CloudFormation conf's `__file__`. They do not say where the scanned folder is, which file holds
a module call, nor which var files checkov was given, so these are taken from the Terraform runner's `run_block`
frame (`full_file_path`, a TFDefinitionKey: `file_path`, `tf_source_modules`; `runner_filter.var_files`), and the
first two only trusted when they agree with the public surfaces. `checkov.selftest` checks at load time that this
frame still looks so; when neither works, the entity's file is "not found" and a policy that needs it is reported as
unjudged (MFA000), never silently passed. Imports nothing from checkov.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_MAX_FRAMES = 40
#: Levels of nested module calls followed up to the outermost caller (the CLI follows limits.MODULE_CALL_DEPTH down).
_MAX_CHAIN = 32
#: `module.a["k"].module.b[0].` prefixes of an address, one call each
_CALL = re.compile(r'module\.([\w-]+)(\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?\.')


@dataclass(frozen=True)
class ModuleCall:
    """The outermost caller of the module an entity is in: the CLI reads the call from there, follows the calls down
    with their arguments, and names the module's resources with the whole chain (`module.a.module.b["k"].<address>`,
    as terraform and checkov do)."""

    path: str
    address: str


def address_calls(conf: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """The module calls in the conf's `__address__` (public): [(name, for_each key or None)], outermost first."""
    address = conf.get("__address__")
    if isinstance(address, list):  # some checkov versions wrap attributes in lists
        address = address[0] if address else None
    if not isinstance(address, str):
        return []
    calls: list[tuple[str, str | None]] = []
    position = 0
    while True:
        match = _CALL.match(address, position)
        if match is None:
            return calls
        index = match.group(2)
        key = None
        if index and index.startswith('["'):
            try:
                key = json.loads(index[1:-1])
            except ValueError:
                key = None
        calls.append((match.group(1), key))
        position = match.end()


def start_line(conf: Mapping[str, Any]) -> int | None:
    value = conf.get("__start_line__", conf.get("__startline__"))
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, int) else None


def _holds_block(path: str, line: int | None, name: str) -> bool:
    """The file's line `line` names the block `"<name>"` (the public check of a guessed path: checkov's relative
    path plus the conf's `__start_line__`)."""
    if line is None:
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, start=1):
                if number == line:
                    return f'"{name}"' in text
    except OSError:
        return False
    return False


def _same_file(absolute: str, scanned: str) -> bool:
    """checkov's relative `scanned` path ("/modules/x/main.tf") names `absolute`."""
    tail = os.path.normpath(scanned.lstrip("/\\"))
    return os.path.normpath(absolute).endswith(os.sep + tail) or os.path.normpath(absolute) == tail


def terraform_file(scanned: str, conf: Mapping[str, Any], name: str) -> str | None:
    """The file a Terraform check runs on, or None when it cannot be told.

    `scanned` is the file part of the check's `entity_path`: absolute when checkov scans files (`-f`), else relative
    to the scanned folder, which checkov does not tell a check: then the runner frame's path, if it is that file,
    else the path relative to the working directory if that file opens this block at `__start_line__`.
    """
    if os.path.isabs(scanned) and os.path.isfile(scanned) and _holds_block(scanned, start_line(conf), name):
        return scanned
    key = _definition_key()
    path = key if isinstance(key, str) else getattr(key, "file_path", None)
    if isinstance(path, str) and os.path.isfile(path) and _same_file(path, scanned):
        return path
    relative = scanned.lstrip("/\\")
    if relative and os.path.isfile(relative) and _holds_block(relative, start_line(conf), name):
        return os.path.abspath(relative)
    return None


def terraform_module_call(conf: Mapping[str, Any]) -> ModuleCall | None:
    """The outermost module call above the module the entity is in, with the address of the whole chain.

    The chain of calls and their `for_each` keys come from the public `__address__`; the file holding the outermost
    call from the runner frame's `tf_source_modules` (innermost call first, `nested_tf_module` its caller), used
    only when its chain of names is the address's.
    """
    calls = address_calls(conf)
    if not calls:
        return None
    module = getattr(_definition_key(), "tf_source_modules", None)
    names: list[str] = []
    path: str | None = None
    for _ in range(_MAX_CHAIN):
        if module is None:
            break
        name, path = getattr(module, "name", None), getattr(module, "path", None)
        if not isinstance(path, str) or not name:
            return None
        names.append(str(name))
        module = getattr(module, "nested_tf_module", None)
    else:
        return None
    if list(reversed(names)) != [name for name, _ in calls] or path is None or not os.path.isfile(path):
        return None
    address = ".".join(f"module.{name}" + ("" if key is None else f"[{json.dumps(key)}]") for name, key in calls)
    return ModuleCall(path, address)


def runner_var_files() -> tuple[str, ...]:
    """The var files checkov was given (`--var-file`): no public API says them, so from the `runner_filter` of the
    runner's `run_block` frame (checkov.selftest checks that it is still there)."""
    runner_filter = _frame_local("runner_filter")
    files = getattr(runner_filter, "var_files", None)
    if not isinstance(files, (list, tuple)):
        return ()
    return tuple(os.path.abspath(f) for f in files if isinstance(f, str) and os.path.isfile(f))


def in_module(conf: Mapping[str, Any]) -> bool:
    """The entity sits in a called module (public: its `__address__` starts with `module.`)."""
    return bool(address_calls(conf))


def _definition_key() -> Any:
    """checkov's `full_file_path` (TFDefinitionKey, or a str for plans) in the runner's `run_block` frame."""
    return _frame_local("full_file_path")


def _frame_local(name: str) -> Any:
    """A local of the runner's `run_block` frame (the check runs below it)."""
    frame = sys._getframe(1)
    for _ in range(_MAX_FRAMES):
        if frame is None:
            return None
        if frame.f_code.co_name == "run_block" and name in frame.f_locals:
            return frame.f_locals[name]
        frame = frame.f_back
    return None


def cloudformation_file(conf: Mapping[str, Any], scanned: str, name: str) -> str | None:
    """The template a CloudFormation check runs on: checkov (3.2.439 and later) marks every mapping of the conf with
    `__file__`; before, the check's `entity_path` file, absolute (`-f`) or relative to the working directory, if
    that template names the resource."""
    properties = conf.get("Properties")
    path = properties.get("__file__") if isinstance(properties, Mapping) else None
    if isinstance(path, str) and os.path.isfile(path):
        return path
    for candidate in (scanned, scanned.lstrip("/\\")):
        if candidate and os.path.isfile(candidate) and _names(candidate, name):
            return os.path.abspath(candidate)
    return None


def _names(path: str, name: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return re.search(rf"""^\s*["']?{re.escape(name)}["']?\s*:""", handle.read(), re.MULTILINE) is not None
    except OSError:
        return False
