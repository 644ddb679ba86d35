"""Derive, from the sources of truth, every Terraform attribute and CloudFormation property that can hold a policy.

The location tables (`RESOURCES` in mfa_lint's Terraform and CloudFormation tables) are written by hand; this script
lists the *candidates* they are checked against (tests/test_policy_attributes.py: every candidate is in a table or
in the deliberately skipped list, every table row is a candidate):

- Terraform: `terraform providers schema -json` of hashicorp/aws (offline: a filesystem mirror, default
  /opt/tf-plugins, as fixtures/plan/generate.sh), every resource and data source, nested blocks included
  (`inline_policy.*.policy`).
- CloudFormation: cfn-lint's bundled provider schemas (us-east-1), every resource type, nested properties included
  (`Policies.*.PolicyDocument`, `Replicas.*.ResourcePolicy.PolicyDocument`), `$ref`, `anyOf`/`oneOf` followed.

A candidate is a value that can carry JSON (Terraform: a string or a list of strings; CloudFormation: a string, a
free-form object or an untyped value) whose name speaks of a policy (`policy`, `*_policy`, `policy_document`,
`access_policies`, `PolicyDocument`, `KeyPolicy`, …; `content`/`Content` of a resource type named like a policy), or
whose description calls it a policy document (`IAM policy`, `JSON policy`, `resource-based policy`, `policy
document`, …). Names that end like a reference or a scalar (`*_arn`, `*_id`, `*_name`, `*_type`, `PolicyName`,
`PolicyArn`, …) are not candidates: they name a policy, they never hold one.

Usage:
  python scripts/policy_attributes.py                 # both files (the Terraform one needs terraform)
  python scripts/policy_attributes.py terraform [--schema schema.json]
  python scripts/policy_attributes.py cloudformation
  python scripts/policy_attributes.py docs            # the generated part of docs/locations.md

Writes tests/data/policy_attributes/{terraform,cloudformation}.json. Tests never need terraform: they read the
Terraform file; for CloudFormation they derive the candidates again from the installed cfn-lint.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "policy_attributes"
PROVIDER = "registry.terraform.io/hashicorp/aws"
PROVIDER_VERSION = "5.100.0"
REGION = "us-east-1"

#: The first sentence of a description that calls the value a policy document.
_DESCRIBED = re.compile(
    r"\bpolicy document\b|\bJSON(?:[- ]formatted)? (?:resource[- ]based |IAM |access |permissions? )?polic(?:y|ies)\b"
    r"|\b(?:IAM|resource[- ]based|access|permissions?|trust|key|endpoint|auth) polic(?:y|ies),? (?:in|as) JSON\b",
    re.IGNORECASE,
)
#: Terraform names: a word of the name is `policy`/`policies`; or, in a type named like a policy, a name that says
#: it holds a document (`content`, `document`, `json`, `*_json`); or a statement.
_TF_NAME = re.compile(r"(?:^|_)(?:polic(?:y|ies)|statements?)(?:_|$)")
_TF_DOCUMENT_NAME = re.compile(r"^(?:content|document|json)$|_json$")
#: Last words that make a name a reference or a scalar, never a document.
_TF_NOT_DOCUMENT = re.compile(
    r"_(?:arns?|ids?|names?|types?|versions?|revision|revision_id|hash|label|number|scope|behavior|region|regions"
    r"|runtime|language|period_in_minutes|duration_seconds|check|prefix)$"
)
_CFN_NAME = re.compile(r"Polic(?:y|ies)|^Statements?$")
_CFN_DOCUMENT_NAME = re.compile(r"^(?:Content|Document|Json)$|Json$")
_CFN_NOT_DOCUMENT = re.compile(
    r"(?:Arns?|Ids?|Names?|Types?|Versions?|Revision|RevisionId|Hash|Label|Number|Scope|Behavior|Description"
    r"|Language|Runtime|Identifier|Region|Regions|Prefix)$"
)


def _described(description: str | None) -> bool:
    first = re.split(r"(?<=[.!?])\s", (description or "").strip(), maxsplit=1)[0]
    return bool(_DESCRIBED.search(first))


def _short(description: str | None) -> str:
    text = " ".join((description or "").split())
    return text if len(text) <= 160 else text[:157] + "..."


# ------------------------------------------------------------------------------------------------------ Terraform


def _tf_attributes(block: Mapping[str, Any], path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], dict]]:
    """Every attribute under a block: nested blocks (`name.*`) and framework nested attributes included."""
    for name, attribute in (block.get("attributes") or {}).items():
        yield path + (name,), attribute
        nested = attribute.get("nested_type")
        if nested:
            step = () if nested.get("nesting_mode") == "single" else ("*",)
            yield from _tf_attributes(nested, path + (name, *step))
    for name, nested_block in (block.get("block_types") or {}).items():
        step = () if nested_block.get("nesting_mode") == "single" else ("*",)
        yield from _tf_attributes(nested_block.get("block") or {}, path + (name, *step))


def _tf_value_type(attribute: Mapping[str, Any]) -> str | None:
    """`string` or `list(string)`/`set(string)`: the types that can carry JSON text; None for the others."""
    kind = attribute.get("type")
    if kind == "string":
        return "string"
    if isinstance(kind, list) and len(kind) == 2 and kind[0] in ("list", "set") and kind[1] == "string":
        return f"{kind[0]}(string)"
    return None


def _tf_signal(resource_type: str, path: tuple[str, ...], attribute: Mapping[str, Any]) -> str | None:
    name = path[-1]
    if _TF_NOT_DOCUMENT.search(name):
        return None
    if _TF_NAME.search(name):
        return "name"
    if _TF_DOCUMENT_NAME.search(name) and "polic" in resource_type:
        return "name"
    if _described(attribute.get("description")):
        return "description"
    return None


def terraform_candidates(schema: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Candidates from `terraform providers schema -json` output, sorted by (block, type, path)."""
    provider = schema["provider_schemas"][PROVIDER]
    found: list[dict[str, Any]] = []
    for block, key in (("resource", "resource_schemas"), ("data", "data_source_schemas")):
        for resource_type, resource_schema in sorted(provider[key].items()):
            for path, attribute in _tf_attributes(resource_schema["block"], ()):
                value_type = _tf_value_type(attribute)
                signal = value_type and _tf_signal(resource_type, path, attribute)
                if not signal:
                    continue
                read_only = bool(attribute.get("computed")) and not (
                    attribute.get("optional") or attribute.get("required")
                )
                found.append({
                    "block": block,
                    "type": resource_type,
                    "path": ".".join(path),
                    "value": value_type,
                    "read_only": read_only,
                    "signal": signal,
                    "description": _short(attribute.get("description")),
                })
    return sorted(found, key=lambda c: (c["block"], c["type"], c["path"]))


def terraform_schema() -> dict[str, Any]:
    """`terraform providers schema -json` for hashicorp/aws, offline from the filesystem mirror."""
    mirror = os.environ.get("TF_PLUGIN_MIRROR", "/opt/tf-plugins")
    with tempfile.TemporaryDirectory() as scratch:
        rc = Path(scratch, "terraformrc")
        rc.write_text(
            "provider_installation {\n"
            f'  filesystem_mirror {{\n    path    = "{mirror}"\n'
            '    include = ["registry.terraform.io/hashicorp/*"]\n  }\n'
            '  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n'
        )
        Path(scratch, "main.tf").write_text(
            'terraform {\n  required_providers {\n'
            f'    aws = {{ source = "hashicorp/aws", version = "{PROVIDER_VERSION}" }}\n  }}\n}}\n'
        )
        env = {**os.environ, "TF_CLI_CONFIG_FILE": str(rc), "TF_IN_AUTOMATION": "1", "TF_INPUT": "0",
               "CHECKPOINT_DISABLE": "1", "TF_PLUGIN_CACHE_DIR": ""}
        subprocess.run(["terraform", "init", "-backend=false", "-no-color"], cwd=scratch, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        out = subprocess.run(["terraform", "providers", "schema", "-json"], cwd=scratch, env=env, check=True,
                             capture_output=True, text=True)
        version = subprocess.run(["terraform", "version", "-json"], cwd=scratch, env=env, check=True,
                                 capture_output=True, text=True)
    schema = json.loads(out.stdout)
    schema["terraform_version"] = json.loads(version.stdout).get("terraform_version")
    return schema


def terraform_data(schema: Mapping[str, Any]) -> dict[str, Any]:
    candidates = terraform_candidates(schema)
    return {
        "source": f"terraform providers schema -json: {PROVIDER} {PROVIDER_VERSION}, terraform "
                  f"{schema.get('terraform_version', '?')}",
        "regenerate": "python scripts/policy_attributes.py terraform",
        "types": {
            "resource": len(schema["provider_schemas"][PROVIDER]["resource_schemas"]),
            "data": len(schema["provider_schemas"][PROVIDER]["data_source_schemas"]),
        },
        "candidates": candidates,
    }


# ------------------------------------------------------------------------------------------------- CloudFormation


def _resolve(root: Mapping[str, Any], node: Any, seen: frozenset[str]) -> tuple[Any, frozenset[str]] | None:
    """Follow `$ref` (local to the schema); None on a cycle."""
    while isinstance(node, Mapping) and "$ref" in node:
        ref = node["$ref"]
        if ref in seen or not isinstance(ref, str) or not ref.startswith("#/"):
            return None
        seen = seen | {ref}
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node, seen


def _types(node: Mapping[str, Any]) -> set[str]:
    kind = node.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()


def _cfn_nodes(
    root: Mapping[str, Any], node: Any, path: tuple[str, ...], seen: frozenset[str]
) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """(path, node) for every property under `node`; a node's `types` merges its anyOf/oneOf alternatives."""
    resolved = _resolve(root, node, seen)
    if resolved is None or not isinstance(resolved[0], Mapping):
        return
    node, seen = resolved
    alternatives = []
    for combinator in ("anyOf", "oneOf", "allOf"):
        for alternative in node.get(combinator) or []:
            resolved_alternative = _resolve(root, alternative, seen)
            if resolved_alternative and isinstance(resolved_alternative[0], Mapping):
                alternatives.append(resolved_alternative[0])
    types = _types(node).union(*(_types(a) for a in alternatives))
    free_object = "object" in types and not any(n.get("properties") for n in (node, *alternatives))
    yield path, {"types": types, "free_object": free_object, "format": node.get("format"),
                 "description": node.get("description")}
    for candidate in (node, *alternatives):
        for name, child in (candidate.get("properties") or {}).items():
            yield from _cfn_nodes(root, child, path + (name,), seen)
        items = candidate.get("items")
        if isinstance(items, Mapping):
            yield from _cfn_nodes(root, items, path + ("*",), seen)


def _cfn_value(info: Mapping[str, Any]) -> str | None:
    """How the value can carry a document: `object|string`, `object`, `string`, `any`; None when it cannot."""
    types = info["types"]
    if not types:
        return "any"
    kinds = [k for k in ("object", "string") if k == "string" and k in types or k == "object" and info["free_object"]]
    return "|".join(kinds) or None


def _cfn_signal(resource_type: str, path: tuple[str, ...], info: Mapping[str, Any]) -> str | None:
    name = path[-1]
    if _CFN_NOT_DOCUMENT.search(name):
        return None
    if _CFN_NAME.search(name):
        return "name"
    if _CFN_DOCUMENT_NAME.search(name) and "Polic" in resource_type:
        return "name"
    if _described(info["description"]):
        return "description"
    return None


def cloudformation_candidates(region: str = REGION) -> list[dict[str, Any]]:
    """Candidates from the installed cfn-lint's provider schemas, sorted by (type, path)."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    found: dict[tuple[str, str], dict[str, Any]] = {}
    for resource_type in sorted(PROVIDER_SCHEMA_MANAGER.get_resource_types(region)):
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, resource_type).schema
        properties = {"type": "object", "properties": schema.get("properties") or {}}
        read_only = {tuple(p.split("/")[2:]) for p in schema.get("readOnlyProperties") or ()
                     if p.startswith("/properties/")}
        for path, info in _cfn_nodes(schema, properties, (), frozenset()):
            if not path or path[-1] == "*":
                continue
            value = _cfn_value(info)
            signal = value and _cfn_signal(resource_type, path, info)
            if signal:
                unstarred = tuple(step for step in path if step != "*")
                found.setdefault((resource_type, ".".join(path)), {
                    "type": resource_type,
                    "path": ".".join(path),
                    "value": value,
                    "read_only": any(unstarred[:n] in read_only for n in range(1, len(unstarred) + 1)),
                    "signal": signal,
                    "description": _short(info["description"]),
                })
    return [found[key] for key in sorted(found)]


def cloudformation_data() -> dict[str, Any]:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
    from cfnlint.version import __version__

    return {
        "source": f"cfn-lint {__version__} provider schemas, {REGION}",
        "regenerate": "python scripts/policy_attributes.py cloudformation",
        "cfn_lint": __version__,
        "types": len(PROVIDER_SCHEMA_MANAGER.get_resource_types(REGION)),
        "candidates": cloudformation_candidates(),
    }


# ------------------------------------------------------------------------------------------------------------ docs

DOCS = ROOT / "docs" / "locations.md"
DOCS_START = "<!-- generated by `python scripts/policy_attributes.py docs`: do not edit below -->"
DOCS_END = "<!-- end of generated part -->"
#: Inputs of the data sources that build a document, read by the policy-document reader (not a table row).
MERGE_INPUTS = ("source_policy_documents", "override_policy_documents")
_RESOLVED = {
    "attached_policy_kind": "role when attached only to roles, else identity",
    "organizations_policy_kind": "scp or rcp by its type (other Organizations policy types are not IAM)",
}


def _kind_text(kind: Any) -> str:
    """A resolver's rule in words, or the kind's name (a plain string or a str-valued enum member)."""
    if callable(kind):
        return _RESOLVED.get(getattr(kind, "__name__", ""), "decided by the resource's attributes")
    return str(getattr(kind, "value", kind))


def _data(name: str) -> dict[str, Any]:
    return json.loads((DATA / f"{name}.json").read_text())


def render_docs() -> str:
    """The generated part of docs/locations.md: numbers, every table row with its kind, the skipped reasons."""
    sys.path.insert(0, str(ROOT / "checks"))
    from mfa_lint.formats.cloudformation import resources as cfn_table
    from mfa_lint.formats.terraform import resources as tf_table

    skipped = _data("skipped")
    terraform, cloudformation = _data("terraform"), _data("cloudformation")
    tf_rows = [(t, ".".join(a.path), _kind_text(a.kind)) for t, attrs in tf_table.RESOURCES.items() for a in attrs]
    cfn_rows = [(t, ".".join(p.path), _kind_text(p.kind)) for t, props in cfn_table.RESOURCES.items() for p in props]
    merged = len(tf_table.POLICY_DOCUMENT_DATA_SOURCES) * len(MERGE_INPUTS)
    tf_skipped = sum(map(len, skipped["terraform"].values()))
    cfn_skipped = sum(map(len, skipped["cloudformation"].values()))
    out = [
        DOCS_START,
        "",
        "| | candidates | in the table | resource types | skipped |",
        "|---|---|---|---|---|",
        f"| Terraform ({terraform['source'].split(': ', 1)[1]}) | {len(terraform['candidates'])} of "
        f"{terraform['types']['resource']} resource and {terraform['types']['data']} data source schemas | "
        f"{len(tf_rows)} attributes (+ {merged} merge inputs of `aws_iam_policy_document`) | {len(tf_table.RESOURCES)}"
        f" | {tf_skipped} |",
        f"| CloudFormation ({cloudformation['source']}) | {len(cloudformation['candidates'])} of "
        f"{cloudformation['types']} resource schemas | {len(cfn_rows)} properties | {len(cfn_table.RESOURCES)} | "
        f"{cfn_skipped} |",
        "",
        "### Terraform",
        "",
        "| resource type | attribute | kind |",
        "|---|---|---|",
        *(f"| `{t}` | `{path}` | {kind} |" for t, path, kind in tf_rows),
        *(f"| `data.{t}` | `statement` blocks, `{'`, `'.join(MERGE_INPUTS)}` | of the resources using it |"
          for t in tf_table.POLICY_DOCUMENT_DATA_SOURCES),
        "",
        "### CloudFormation",
        "",
        "| resource type | property | kind |",
        "|---|---|---|",
        *(f"| `{t}` | `{path}` | {kind} |" for t, path, kind in cfn_rows),
        "",
        "### Deliberately skipped",
        "",
        "| reason | Terraform | CloudFormation |",
        "|---|---|---|",
    ]
    for reason in dict.fromkeys([*skipped["terraform"], *skipped["cloudformation"]]):
        counts = [len(skipped[language].get(reason, ())) for language in ("terraform", "cloudformation")]
        out.append(f"| {reason} | {counts[0]} | {counts[1]} |")
    return "\n".join([*out, "", DOCS_END])


def docs_text(current: str) -> str:
    """docs/locations.md with its generated part replaced."""
    head, _, rest = current.partition(DOCS_START)
    _, _, tail = rest.partition(DOCS_END)
    return head + render_docs() + tail


# ------------------------------------------------------------------------------------------------------------ main


def _write(name: str, data: Mapping[str, Any]) -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    target = DATA / f"{name}.json"
    head = {key: value for key, value in data.items() if key != "candidates"}
    lines = [json.dumps(candidate, ensure_ascii=False) for candidate in data["candidates"]]
    # one candidate a line: a provider or cfn-lint upgrade shows as added and removed lines
    text = json.dumps(head, indent=1, ensure_ascii=False)[:-2] + ',\n "candidates": [\n  '
    target.write_text(text + ",\n  ".join(lines) + "\n ]\n}\n")
    print(f"wrote {target.relative_to(ROOT)}: {len(data['candidates'])} candidates")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("which", nargs="?", choices=("terraform", "cloudformation", "both", "docs"), default="both")
    parser.add_argument("--schema", help="a saved `terraform providers schema -json` output instead of running it")
    args = parser.parse_args(argv)
    if args.which == "docs":
        DOCS.write_text(docs_text(DOCS.read_text()))
        print(f"wrote {DOCS.relative_to(ROOT)}")
        return 0
    if args.which in ("terraform", "both"):
        if args.schema:
            schema = json.loads(Path(args.schema).read_text())
        else:
            schema = terraform_schema()
        _write("terraform", terraform_data(schema))
    if args.which in ("cloudformation", "both"):
        _write("cloudformation", cloudformation_data())
    return 0


if __name__ == "__main__":
    sys.exit(main())
