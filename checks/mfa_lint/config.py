"""The configuration file: `[tool.mfa-lint]` in pyproject.toml or a `.mfa-lint.toml`, found by walking up.

Every setting has one origin (default, file, or command-line flag) that `scan --show-config` prints. Flags override
the file; the file overrides the defaults. An unknown key or a bad value is a ConfigError naming the key and the
file (exit 2): a typo in `exlude` must not silently scan vendored code.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mfa_lint.core.catalog import POLICY_KINDS, RULES
from mfa_lint.files import DEFAULT_MAX_FILE_SIZE
from mfa_lint.kinds import anchor
from mfa_lint.scanning.options import DEFAULT_PARSE_TIMEOUT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only (pyproject: tomli; python_version < "3.11")
    import tomli as tomllib

CONFIG_NAMES = (".mfa-lint.toml", "pyproject.toml")
FAIL_ON = ("error", "warning", "never")
DEFAULT_KIND = "identity"


class ConfigError(Exception):
    """A configuration file (or a flag value) that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Setting:
    value: Any
    origin: str  # "default", "--flag", or "path/to/pyproject.toml"


def _rule_ids(value: Any) -> frozenset[str]:
    """Rule ids given as mfa-lint or cfn-lint ids (`MFA001`, `E9001`), or a prefix such as `MFA00`."""
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split() if part]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of rule ids")
    by_cfn = {r.cfn_lint_id.upper(): r.id for r in RULES.values()}
    out: set[str] = set()
    for raw in value:
        token = raw.strip().upper()
        matched = [rid for rid in RULES if rid.startswith(token)] or ([by_cfn[token]] if token in by_cfn else [])
        if not token or not matched:
            raise ValueError(f"unknown rule id {raw!r} (known: {', '.join(RULES)})")
        out.update(matched)
    return frozenset(out)


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError("expected a list of strings")
    return tuple(value)


def _kinds(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise ValueError('expected a table of glob = kind, e.g. "policies/scp/**" = "scp"')
    out = []
    for pattern, kind in value.items():
        out.append((pattern, _kind(kind)))
    return tuple(out)


def _kind(value: Any) -> str:
    if value not in POLICY_KINDS:
        raise ValueError(f"unknown policy kind {value!r} (one of {', '.join(POLICY_KINDS)})")
    return value


def _fail_on(value: Any) -> str:
    if value not in FAIL_ON:
        raise ValueError(f"expected one of {', '.join(FAIL_ON)}, not {value!r}")
    return value


def _jobs(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"expected a whole number of at least 1, not {value!r}")
    return value


def parse_seconds(value: Any) -> float:
    """Seconds (a number or its text); 0 means no limit."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"expected a number of seconds (0: no limit), not {value!r}")
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"not a number of seconds: {value!r}") from None
    if not 0 <= seconds < float("inf"):
        raise ValueError(f"expected a number of seconds (0: no limit), not {value!r}")
    return seconds


def var_file(value: Any) -> str:
    """A Terraform variable definitions file (`.tfvars` or `.tfvars.json`) that must exist."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected the path of a .tfvars file, not {value!r}")
    if not os.path.isfile(value):
        raise ValueError(f"no such file: {value}")
    return value


def _var_files(value: Any) -> tuple[str, ...]:
    return _strings(value)  # checked once anchored at the configuration file's folder (_anchored)


def var_assignment(value: Any) -> str:
    """`NAME=VALUE`, as terraform's `-var` takes it."""
    if not isinstance(value, str) or "=" not in value or not value.partition("=")[0].strip():
        raise ValueError(f"expected NAME=VALUE, not {value!r}")
    return value


def _vars(value: Any) -> tuple[str, ...]:
    """A table `name = value` (a TOML string is taken as `-var name=string`, anything else as its HCL/JSON text)."""
    if not isinstance(value, dict):
        raise ValueError('expected a table of name = value, e.g. { mfa_operator = "Bool" }')
    out = []
    for name, raw in value.items():
        text = raw if isinstance(raw, str) else json.dumps(raw)
        out.append(var_assignment(f"{name}={text}"))
    return tuple(out)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, not {value!r}")
    return value


def parse_size(value: Any) -> int:
    """A byte count, optionally with a K/M/G suffix (powers of 1024): `10M`, `500K`, 1048576."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"expected a size such as 10M or 500K, not {value!r}")
    text = str(value).strip().upper().removesuffix("B")
    factor = 1
    for suffix, multiple in (("K", 1024), ("M", 1024**2), ("G", 1024**3)):
        if text.endswith(suffix):
            text, factor = text[:-1], multiple
            break
    try:
        size = int(float(text) * factor)
    except ValueError:
        raise ValueError(f"not a size: {value!r} (e.g. 10M, 500K, 1048576)") from None
    if size <= 0:
        raise ValueError("the size must be positive")
    return size


@dataclass(frozen=True)
class Key:
    """One configuration key: how its file value is checked, and its default."""

    parse: Callable[[Any], Any]
    default: Any
    help: str


KEYS: dict[str, Key] = {
    "exclude": Key(_strings, (), "globs of files and folders not to scan (besides .gitignore and .venv etc.)"),
    "kinds": Key(_kinds, (), "glob = kind for plain policy JSON; first match wins, before the path inference"),
    "kind": Key(_kind, DEFAULT_KIND, "policy kind of plain policy JSON that no glob and no path names"),
    "infer-kind": Key(_bool, True, "infer the kind of plain policy JSON from folder and file names (scps/, trust/)"),
    "fail-on": Key(_fail_on, "error", "lowest finding severity that makes the exit code 1"),
    "select": Key(_rule_ids, None, "report only these rules (mfa-lint or cfn-lint ids)"),
    "ignore": Key(_rule_ids, frozenset(), "never report these rules"),
    "jobs": Key(_jobs, None, "worker processes (default: the number of CPUs)"),
    "parse-timeout": Key(parse_seconds, DEFAULT_PARSE_TIMEOUT, "time budget of one file (seconds; 0: no limit)"),
    "respect-gitignore": Key(_bool, True, "skip files that .gitignore ignores in a walk"),
    "check-syntax": Key(_bool, False, "parse every file in a walk so that syntax errors are reported"),
    "max-file-size": Key(parse_size, DEFAULT_MAX_FILE_SIZE, "files larger than this are errors"),
    "tf-root": Key(str, None, "Terraform configuration a plan JSON was made from"),
    "var-files": Key(_var_files, (), "tfvars files whose values root module variables take (after the folder's own "
                     "terraform.tfvars and *.auto.tfvars; later files win), as terraform's -var-file"),
    "vars": Key(_vars, (), "values of root module variables (name = value), as terraform's -var; they win over "
                "every tfvars and var file"),
}


@dataclass
class Config:
    """The settings in effect, each with where it came from."""

    settings: dict[str, Setting] = field(default_factory=dict)
    file: str | None = None

    def __getitem__(self, key: str) -> Any:
        return self.settings[key].value

    def origin(self, key: str) -> str:
        return self.settings[key].origin


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
            out[key] = _anchored(key, value, os.path.dirname(os.path.abspath(path)))
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{where}: {key}: {exc}") from None
    return out


def _anchored(key: str, value: Any, directory: str) -> Any:
    """Globs and folders in a config file are relative to the file's folder, wherever the scan is started."""
    if key == "exclude":  # gitignore-style, anchored at the file's folder (see files.collect_files)
        return tuple((directory, p) for p in value)
    if key == "kinds":
        return tuple((anchor(p, directory), k) for p, k in value)
    if key == "tf-root":
        return os.path.join(directory, value)
    if key == "var-files":
        return tuple(var_file(os.path.join(directory, p)) for p in value)
    return value


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
        config.settings[key] = Setting(spec.default, "default")
    if config_path:
        shown = os.path.relpath(config_path) if not os.path.relpath(config_path).startswith(os.pardir) else config_path
        for key, value in load_file(config_path).items():
            config.settings[key] = Setting(value, shown)
    for key, value in flags.items():
        if value is None:
            continue
        if key in ("exclude", "kinds") and config.settings[key].origin != "default":
            # flags add to the file's globs, and come first (first match wins)
            value = tuple(value) + tuple(config[key])
            config.settings[key] = Setting(value, f"command line + {config.origin(key)}")
            continue
        if key in ("var-files", "vars") and config.settings[key].origin != "default":
            # flags add to the file's, and come after them (a later value wins, as on terraform's command line)
            value = tuple(config[key]) + tuple(value)
            config.settings[key] = Setting(value, f"{config.origin(key)} + command line")
            continue
        config.settings[key] = Setting(value, "command line")
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
