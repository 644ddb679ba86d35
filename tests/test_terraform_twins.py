"""Terraform itself is the ground truth for the evaluator: a Terraform fixture with a plan twin (fixtures/plan/src/
<name>/ holds the same files, plus a provider.tf where the fixture has no provider block, planned offline by
fixtures/plan/generate.sh) must evaluate, with mfa-lint's own reader, to exactly the documents terraform rendered in
the plan, in every module, and give the same verdicts."""

from __future__ import annotations

import json

import pytest
from fixture_cases import FIXTURES, load_case
from mfa_lint.core.values import Unknown
from mfa_lint.formats.terraform.hcl_reader import read_terraform
from plan_truth import is_document, load_plan, origins, rendered

PLAN_SOURCES = FIXTURES / "plan" / "src"
TWINS = sorted(p.name for p in PLAN_SOURCES.iterdir() if (FIXTURES / "terraform" / p.name).is_dir())


def _twin_files(name: str) -> dict[str, str]:
    folder = FIXTURES / "terraform" / name
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.endswith(".expect.json")}


def _read(name: str) -> tuple[dict[str, object], set[str]]:
    """Address -> the document mfa-lint's reader evaluates for it (every .tf file of the twin, and the modules they
    call); and the data sources it judges only inside the documents that merge them."""
    folder = FIXTURES / "terraform" / name
    texts = {p.name: p.read_text() for p in sorted(folder.glob("*.tf"))}
    documents: dict[str, object] = {}
    merged: set[str] = set()
    for file_name, text in texts.items():
        others = {k: v for k, v in texts.items() if k != file_name}
        for site in read_terraform(str(folder / file_name), text, others):
            if site.merged_into is not None:
                merged.add(str(site.resource))
            else:
                documents.setdefault(str(site.resource), site.document)
    return documents, merged


def _plain(value: object) -> object:
    return json.loads(json.dumps(value, default=lambda v: f"<unknown {v}>" if isinstance(v, Unknown) else str(v)))


_SETS = ("Action", "NotAction", "Resource", "NotResource")


def _sets_sorted(document: object) -> object:
    """The document with the values the AWS provider keeps as sets (a statement's actions, resources, principals'
    identifiers, condition values) in one order: terraform renders a set in its own order, not as written."""
    if not isinstance(document, dict) or not isinstance(document.get("Statement"), list):
        return document

    def ordered(value: object) -> object:
        return sorted(value, key=str) if isinstance(value, list) else value

    statements = []
    for statement in document["Statement"]:
        if isinstance(statement, dict):
            statement = {k: ordered(v) if k in _SETS else v for k, v in statement.items()}
            for key in ("Principal", "NotPrincipal"):
                if isinstance(statement.get(key), dict):
                    statement[key] = {k: ordered(v) for k, v in statement[key].items()}
            if isinstance(statement.get("Condition"), dict):
                statement["Condition"] = {op: {k: ordered(v) for k, v in block.items()} if isinstance(block, dict)
                                          else block for op, block in statement["Condition"].items()}
        statements.append(statement)
    return {**document, "Statement": statements}


def _same(read: object, planned: object) -> bool:
    return _sets_sorted(_plain(read)) == _sets_sorted(planned)


def test_there_are_twins() -> None:
    assert len(TWINS) >= 5, TWINS


@pytest.mark.parametrize("name", TWINS)
def test_twin_sources_are_the_same_files(name: str) -> None:
    plan_files = {str(p.relative_to(PLAN_SOURCES / name)): p.read_text()
                  for p in sorted((PLAN_SOURCES / name).rglob("*")) if p.is_file() and p.name != "provider.tf"}
    assert plan_files == _twin_files(name)


@pytest.mark.parametrize("name", TWINS)
def test_the_reader_evaluates_what_terraform_rendered(name: str) -> None:
    """Every document terraform rendered, in every module, is what the reader evaluates for it; a resource whose
    policy is a data source's `json` (of this module, or of a called module through an output) is judged at the
    data source, whose document is compared."""
    plan = load_plan(name)
    documents, merged = _read(name)
    found = rendered(plan)
    assert found, "the plan renders no policy"
    for address, document in found.items():
        if address in merged:
            continue  # its statements are compared in the documents that merge it
        if address not in documents:
            sources = origins(plan["configuration"], address) & set(documents)
            assert sources, f"{address}: mfa-lint's reader does not see it"
            assert any(_same(documents[source], document) for source in sources), address
            continue
        assert _sets_sorted(_plain(documents[address])) == _sets_sorted(document), address


@pytest.mark.parametrize("name", TWINS)
def test_verdicts_agree_with_the_plan(name: str) -> None:
    """The terraform fixture's findings are the plan's (a data source's finding is the plan's finding on the
    resources that use its json, through module outputs too; the plan judges no data source that nothing uses)."""
    hcl = load_case(next((FIXTURES / "terraform" / name).glob("*.tf.expect.json")))
    plan_case = load_case(FIXTURES / "plan" / f"{name}.plan.json.expect.json")
    plan = load_plan(name)
    users: dict[str, set[str]] = {}
    for address in rendered(plan):
        for origin in origins(plan["configuration"], address):
            users.setdefault(origin, set()).add(address)
    expected = set()
    for finding in hcl.findings:
        resource = finding.resource or ""
        for user in users.get(resource, set()) if is_document(resource) else {resource}:
            if not is_document(user):
                expected.add((finding.rule, user))
    assert {(f.rule, f.resource) for f in plan_case.findings} == expected
