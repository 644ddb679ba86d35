"""Shared test setup: the suite never writes to the job summary of the CI step it runs in."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_job_summary(monkeypatch):
    """`--format github` appends to $GITHUB_STEP_SUMMARY when set (as on GitHub's runners): tests that want a summary
    set it to a file of their own."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
