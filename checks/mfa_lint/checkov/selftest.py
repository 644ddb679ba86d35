"""What the plugin takes from checkov beyond its custom-check API, checked once when the checks load.

Public (checkov's custom Python check API, what its docs show custom checks using): the base classes,
`scan_*_conf(conf)`, `CheckResult`, `entity_path` set by `run()`, `details`, `severity`, the conf's `__address__` /
`__start_line__` and a CloudFormation conf's `__file__`. Internal: the Terraform runners' `run_block(...,
full_file_path, ..., runner_filter, ...)` frame, checkov's TFDefinitionKey / TFModule fields and RunnerFilter's
`var_files`, from which checkov.locate takes the absolute path of a file, the file of a module call and the var
files checkov was given (no public API says any of them).

A checkov release that changes the public part makes every policy with MFA text MFA000 FAILED, with this module's
message; one that changes the internal part leaves only the public ways of finding a file (checkov.locate), and a
policy that then cannot be read from its file is MFA000 FAILED naming the change. Never silence.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
from dataclasses import dataclass
from typing import Any

LOG = logging.getLogger(__name__)

#: The checkov releases tested (oldest and newest in CI: .ci/checkov-oldest, .github/workflows/ci.yml); the same
#: range as the `checkov` extra in pyproject.toml (a test keeps them equal).
SUPPORTED = ">=3.2.439,<4"


@dataclass
class SelfTest:
    version: str = "unknown"
    api: str | None = None  # the public check API changed: nothing can be judged
    locator: str | None = None  # the runner frame changed: files are found by public surfaces only

    def advice(self) -> str:
        return (f"checkov {self.version} (mfa-lint is tested with checkov{SUPPORTED}): install a checkov in that "
                "range, or run `mfa-lint scan`")


RESULT = SelfTest()


def _fields(cls: Any) -> set[str]:
    if dataclasses.is_dataclass(cls):
        return {f.name for f in dataclasses.fields(cls)}
    return set(getattr(cls, "__annotations__", {})) | set(vars(cls))


def _locator_problem() -> str | None:
    """The Terraform runners still hand `run_block` a `full_file_path` that carries file and module call."""
    try:
        from checkov.terraform.modules.module_objects import TFDefinitionKey, TFModule
        from checkov.terraform.plan_runner import Runner as PlanRunner
        from checkov.terraform.runner import Runner
    except ImportError as error:
        return f"checkov's Terraform runner is not where it was ({error})"
    for runner in (Runner, PlanRunner):
        method = getattr(runner, "run_block", None)
        parameters = inspect.signature(method).parameters if method is not None else {}
        for name in ("full_file_path", "runner_filter"):
            if name not in parameters:
                return f"{runner.__module__}.Runner.run_block no longer takes {name}"
    try:
        from checkov.runner_filter import RunnerFilter

        if not hasattr(RunnerFilter(), "var_files"):
            return "checkov's RunnerFilter no longer holds var_files"
    except Exception as error:  # noqa: BLE001 - a changed constructor is the finding
        return f"checkov's RunnerFilter changed ({error!r})"
    missing = {"file_path", "tf_source_modules"} - _fields(TFDefinitionKey)
    missing |= {"path", "name", "foreach_idx", "nested_tf_module"} - _fields(TFModule)
    if missing:
        return f"checkov's TFDefinitionKey/TFModule lost {', '.join(sorted(missing))}"
    return None


def _api_problem(check: Any) -> str | None:
    """One of our checks, run as checkov runs it on an empty entity: the result, `entity_path` and `details`."""
    from checkov.common.models.enums import CheckResult

    entity_type = sorted(check.supported_entities)[0]
    try:
        result = check.run("/mfa-lint-selftest.tf", {}, "selftest", entity_type, {})
    except Exception as error:  # noqa: BLE001 - any failure is the finding
        return f"running a check failed: {error!r}"
    if not isinstance(result, dict) or result.get("result") is not CheckResult.UNKNOWN:
        return f"a check's run() returned {result!r}"
    if getattr(check, "entity_path", None) != f"/mfa-lint-selftest.tf:{entity_type}:selftest":
        return "checks are no longer told their entity_path"
    if not isinstance(getattr(check, "details", None), list):
        return "checks no longer carry details"
    return None


def run(check: Any) -> SelfTest:
    """Test checkov once (with one registered check); the result is kept in RESULT and logged when wrong."""
    try:
        from checkov.version import version
    except ImportError:
        version = "unknown"
    RESULT.version = str(version)
    RESULT.locator = _locator_problem()
    RESULT.api = _api_problem(check)
    for problem in (RESULT.api, RESULT.locator):
        if problem:
            LOG.warning("mfa-lint: checkov %s: %s; %s", RESULT.version, problem, RESULT.advice())
    return RESULT
