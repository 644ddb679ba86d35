"""The configuration file: `[tool.mfa-lint]` in pyproject.toml or a `.mfa-lint.toml`, found by walking up.

Every setting has one origin (default, file, or command-line flag) that `scan --show-config` prints. Flags override
the file; the file overrides the defaults. An unknown key or a bad value is a ConfigError naming the key and the
file (exit 2): a typo in `exlude` must not silently scan vendored code.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mfa_lint.scanning.options import SETTINGS, ScanOptions, Setting

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only (pyproject: tomli; python_version < "3.11")
    import tomli as tomllib

CONFIG_NAMES = (".mfa-lint.toml", "pyproject.toml")

#: The configuration-file keys: every user setting (scanning.options.SETTINGS, declared once on ScanOptions).
KEYS: dict[str, Setting] = SETTINGS


class ConfigError(Exception):
    """A configuration file (or a flag value) that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Value:
    value: Any
    origin: str  # "default", "command line", or "path/to/pyproject.toml"


@dataclass
class Config:
    """The settings in effect, each with where it came from."""

    settings: dict[str, Value] = field(default_factory=dict)
    file: str | None = None

    def __getitem__(self, key: str) -> Any:
        return self.settings[key].value

    def origin(self, key: str) -> str:
        return self.settings[key].origin

    def options(self, **given: Any) -> ScanOptions:
        """The ScanOptions these settings make (`given`: the fields the program sets, such as `overrides`)."""
        return ScanOptions(**{spec.field: self[key] for key, spec in KEYS.items()}, **given)


def find_config(start: str) -> str | None:
    """The nearest `.mfa-lint.toml`, or pyproject.toml with a [tool.mfa-lint] table, in `start` or above it."""
    directory = os.path.abspath(start)
    if not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate) and (name != "pyproject.toml" or _has_table(candidate)):
                return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _has_table(path: str) -> bool:
    try:
        return "mfa-lint" in _load(path).get("tool", {})
    except ConfigError:  # a broken pyproject.toml is ours to report only if it mentions our table
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                return "tool.mfa-lint" in handle.read()
        except OSError:
            return False


def _load(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def load_file(path: str) -> dict[str, Any]:
    """The checked settings of one configuration file (pyproject.toml: its [tool.mfa-lint] table)."""
    data = _load(path)
    where = path
    if os.path.basename(path) == "pyproject.toml":
        table = data.get("tool", {}).get("mfa-lint")
        if table is None:
            raise ConfigError(f"{path}: no [tool.mfa-lint] table")
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: tool.mfa-lint must be a table")
        data, where = table, f"{path} [tool.mfa-lint]"
    out: dict[str, Any] = {}
    for key, raw in data.items():
        spec = KEYS.get(key)
        if spec is None:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(KEYS)})")
        try:
            value = spec.parse(raw)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{where}: {key}: {exc}") from None
        # globs and folders in a configuration file are relative to its folder, wherever the scan is started
        out[key] = spec.at(os.path.dirname(os.path.abspath(path)), value) if spec.at else value
    return out


def resolve(flags: Mapping[str, Any], paths: list[str], config_path: str | None = None) -> Config:
    """Defaults, then the config file (given, or found from the scanned paths), then the flags that were given.

    `flags` holds only the flags given on the command line (None = not given), keyed like the config file.
    """
    if config_path is None:
        real = [p for p in paths if p != "-"] or ["."]
        try:
            start = os.path.commonpath([os.path.abspath(p) for p in real])
        except ValueError:  # paths on different drives
            start = os.path.abspath(real[0])
        config_path = find_config(start)
    elif not os.path.isfile(config_path):
        raise ConfigError(f"{config_path}: no such configuration file")
    config = Config(file=config_path)
    for key, spec in KEYS.items():
        config.settings[key] = Value(spec.default, "default")
    if config_path:
        shown = os.path.relpath(config_path) if not os.path.relpath(config_path).startswith(os.pardir) else config_path
        for key, value in load_file(config_path).items():
            config.settings[key] = Value(value, shown)
    for key, value in flags.items():
        if value is None:
            continue
        if key in ("exclude", "kinds") and config.settings[key].origin != "default":
            # flags add to the file's globs, and come first (first match wins)
            value = tuple(value) + tuple(config[key])
            config.settings[key] = Value(value, f"command line + {config.origin(key)}")
            continue
        if key in ("var-files", "vars") and config.settings[key].origin != "default":
            # flags add to the file's, and come after them (a later value wins, as on terraform's command line)
            value = tuple(config[key]) + tuple(value)
            config.settings[key] = Value(value, f"{config.origin(key)} + command line")
            continue
        config.settings[key] = Value(value, "command line")
    return config


def show(config: Config) -> str:
    """`scan --show-config`: every setting, its value and where it came from."""
    lines = [f"# configuration file: {config.file or 'none found'}"]
    for key, setting in config.settings.items():
        value, note = _toml(setting.value), ""
        if key == "kinds":
            value = "{ " + ", ".join(f'"{p}" = "{k}"' for p, k in setting.value) + " }"
        elif key == "exclude":
            value = "[" + ", ".join(f'"{p}"' for _, p in setting.value) + "]"
            folders = sorted({base for base, _ in setting.value})
            note = f"; globs from {', '.join(folders)}" if folders else ""
        lines.append(f"{key} = {value}  # {setting.origin}{note}")
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return f'"{value}"'
    items = sorted(value) if isinstance(value, frozenset) else value
    return "[" + ", ".join(f'"{v}"' for v in items) + "]"
