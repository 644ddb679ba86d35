"""Reporters: one module per output format, each `render(result, ...) -> str` over the same ScanResult."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable

from mfa_lint.scanning import ScanResult

FORMATS = ("text", "json", "sarif", "github")


def renderer(fmt: str) -> Callable[..., str]:
    """The `render` function of a format (imported on demand: a text run never loads the SARIF code)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    return importlib.import_module(f"mfa_lint.reporters.{fmt}").render


def relative_path(path: str, cwd: str | None = None) -> str:
    """The path relative to the working directory when it lies below it (what GitHub and SARIF viewers expect),
    else absolute; always with forward slashes."""
    cwd = cwd or os.getcwd()
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, cwd)
    except ValueError:  # another drive
        rel = os.pardir
    chosen = absolute if rel == os.pardir or rel.startswith(os.pardir + os.sep) else rel
    return chosen.replace(os.sep, "/")


__all__ = ["FORMATS", "ScanResult", "relative_path", "renderer"]
