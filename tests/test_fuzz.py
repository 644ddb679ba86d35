"""Property tests: random structures and random text never make the core or a reader raise anything unexpected.

The core (`analyze_document`) must never raise, for any policy kind; `loads_with_positions` must agree with
`json.loads` on valid JSON and raise only SourceError otherwise; every reader must raise only SourceError. The
inputs are random JSON-like trees (also with non-string keys, NaN and infinities), policy-shaped trees whose
conditions mix real operators and MFA keys with junk, and real files with random edits (a character dropped,
inserted or replaced), which reach the error paths of the parsers far more often than uniformly random text.
"""

from __future__ import annotations

import json
import math
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from mfa_lint import POLICY_KINDS, RULES, analyze_document
from mfa_lint.reading.json_positions import loads_with_positions
from mfa_lint.reading.site import PolicySite, SourceError

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ------------------------------------------------------------------------------------------------ strategies

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(
    max_size=20)
keys = st.text(max_size=12) | st.integers() | st.none() | st.booleans() | st.floats(allow_nan=False)

trees = st.recursive(scalars, lambda c: st.lists(c, max_size=5) | st.dictionaries(keys, c, max_size=5), max_leaves=40)
json_trees = st.recursive(json_scalars, lambda c: st.lists(c, max_size=5) | st.dictionaries(st.text(max_size=12), c,
                                                                                            max_size=5), max_leaves=40)

OPERATORS = ["Bool", "BoolIfExists", "Null", "StringEquals", "StringNotEquals", "StringLike", "StringNotLike",
             "StringEqualsIgnoreCase", "NumericGreaterThan", "NumericLessThan", "NumericLessThanEquals",
             "NumericGreaterThanIfExists", "NumericLessThanIfExists", "NumericNotEquals", "DateGreaterThan",
             "IpAddress", "ArnLike", "ArnNotLike", "BinaryEquals", "ForAllValues:Bool", "ForAnyValue:StringEquals",
             "ForAllValues:StringLike", "stringEquals", "Bool ", "", "IfExists"]
MFA_KEYS = ["aws:MultiFactorAuthPresent", "aws:multifactorauthpresent", "AWS:MULTIFACTORAUTHAGE",
            "aws:MultiFactorAuthAge", "aws:MultiFactorAuthPresnt", "MultiFactorAuthPresent", "aws:PrincipalType",
            "aws:PrincipalArn", "aws:username", "aws:PrincipalTag/team", "${aws:username}", ""]
VALUES = ["true", "false", "True", "FALSE", "flase", "0", "3600", "-1", "1e400", "NaN", "User", "AssumedRole",
          "arn:aws:iam::*:user/*", "arn:aws:sts::*:assumed-role/*", "${var.x}", "var.x", "local.x",
          "data.a.b.json", "*", "f*", ""]
ACTIONS = ["*", "s3:*", "iam:*", "iam:CreateVirtualMFADevice", "sts:AssumeRole", "ec2:Run*", "iam:GetUser", ""]

condition_values = (st.sampled_from(VALUES) | st.booleans() | st.integers() | st.floats() | st.none()
                    | st.lists(st.sampled_from(VALUES) | st.booleans() | st.integers(), max_size=3)
                    | st.just({"Ref": "P"}) | st.just({"Fn::If": ["C", "true", "false"]}) | trees)
condition_blocks = st.dictionaries(
    st.sampled_from(OPERATORS) | st.text(max_size=8),
    st.dictionaries(st.sampled_from(MFA_KEYS) | st.text(max_size=8), condition_values, max_size=3) | trees,
    max_size=4,
)
statements = st.fixed_dictionaries(
    {},
    optional={
        "Sid": st.text(max_size=8) | scalars,
        "Effect": st.sampled_from(["Allow", "Deny", "deny", ""]) | trees,
        "Action": st.sampled_from(ACTIONS) | st.lists(st.sampled_from(ACTIONS), max_size=4) | trees,
        "NotAction": st.sampled_from(ACTIONS) | st.lists(st.sampled_from(ACTIONS), max_size=4),
        "Resource": st.sampled_from(["*", "arn:aws:s3:::b/*"]) | trees,
        "NotResource": st.sampled_from(["*", "arn:aws:s3:::b/*"]),
        "Principal": st.sampled_from(["*", {"AWS": "*"}, {"AWS": "arn:aws:iam::1:root"}]) | trees,
        "Condition": condition_blocks | trees,
    },
)
policies = st.fixed_dictionaries(
    {"Statement": st.lists(statements | trees, max_size=5) | statements | trees},
    optional={"Version": st.sampled_from(["2012-10-17", "2008-10-17"]) | scalars, "Id": scalars},
)
kinds = st.sampled_from(POLICY_KINDS)


def _json_safe(value: Any) -> Any:
    """The tree with NaN/inf replaced and keys made strings, so json.dumps can write it."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


@st.composite
def edited(draw: st.DrawFn, texts: st.SearchStrategy[str]) -> str:
    """A text with a few random edits: drop, insert or replace a character, or cut it off."""
    text = draw(texts)
    alphabet = st.sampled_from(list('{}[]":,=\n\\$<>!&*#- \'') + ["EOT", "${", "<<EOT\n", "\x00"])
    for _ in range(draw(st.integers(0, 4))):
        if not text:
            break
        i = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["drop", "insert", "replace", "cut"]))
        if action == "drop":
            text = text[:i] + text[i + 1:]
        elif action == "insert":
            text = text[:i] + draw(alphabet) + text[i:]
        elif action == "replace":
            text = text[:i] + draw(alphabet) + text[i + 1:]
        else:
            text = text[:i]
    return text


def _use_sites(sites: list[PolicySite]) -> None:
    """What the scan does with a reader's answer: analyse each document and locate each finding and note."""
    assert isinstance(sites, list)
    for site in sites:
        assert site.kind in POLICY_KINDS
        analysis = analyze_document(site.document, site.kind, site.callers)
        for item in [*analysis.findings, *analysis.notes]:
            site.locate(tuple(item.path))


# ---------------------------------------------------------------------------------------------------- the core


@FUZZ
@given(document=trees | policies, kind=kinds)
def test_analyze_document_never_raises(document: Any, kind: str) -> None:
    analysis = analyze_document(document, kind)
    assert all(f.rule_id in RULES and isinstance(f.path, tuple) for f in analysis.findings)
    assert all(isinstance(n.message, str) for n in analysis.notes)


@FUZZ
@given(document=policies, kind=kinds)
def test_analyze_document_as_json_text_never_raises(document: Any, kind: str) -> None:
    analysis = analyze_document(json.dumps(_json_safe(document)), kind)
    assert all(f.rule_id in RULES for f in analysis.findings)


@FUZZ
@given(text=st.text(max_size=200) | edited(policies.map(lambda d: json.dumps(_json_safe(d)))), kind=kinds)
def test_analyze_document_on_random_text_never_raises(text: str, kind: str) -> None:
    analyze_document(text, kind)


@FUZZ
@given(conditions=condition_blocks, effect=st.sampled_from(["Allow", "Deny"]), kind=kinds)
def test_random_condition_blocks(conditions: Any, effect: str, kind: str) -> None:
    """Findings on random conditions point into the document: at the statement or at one of its operators."""
    document = {"Version": "2012-10-17",
                "Statement": [{"Effect": effect, "Action": "*", "Resource": "*", "Condition": conditions}]}
    for finding in analyze_document(document, kind).findings:
        assert finding.path[:2] == ("Statement", 0)
        if len(finding.path) > 2:
            assert finding.path[2] == "Condition" and finding.path[3] in conditions


# --------------------------------------------------------------------------------------- JSON with positions


@FUZZ
@given(value=json_trees, indent=st.sampled_from([None, 0, 1, 2, "\t"]), ascii_only=st.booleans())
def test_loads_with_positions_agrees_with_json_loads(value: Any, indent: Any, ascii_only: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    decoded, spans = loads_with_positions(text)
    assert decoded == json.loads(text)
    assert () in spans


@FUZZ
@given(text=st.text(max_size=100) | edited(json_trees.map(json.dumps)) | edited(
    policies.map(lambda d: json.dumps(_json_safe(d), indent=2))))
def test_loads_with_positions_raises_only_source_error(text: str) -> None:
    try:
        decoded, _ = loads_with_positions(text)
    except SourceError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert decoded == json.loads(text)  # what it accepts is valid JSON, decoded the same way


@FUZZ
@given(line=st.integers(1, 10_000), column=st.integers(1, 500), value=json_trees)
def test_positions_shift_with_the_enclosing_file(line: int, column: int, value: Any) -> None:
    text = json.dumps(value, indent=1)
    _, base = loads_with_positions(text)
    _, shifted = loads_with_positions(text, line=line, column=column)
    for path, span in base.items():
        moved = shifted[path]
        assert moved.line == span.line + line - 1
        assert moved.column == span.column + (column - 1 if span.line == 1 else 0)


# ----------------------------------------------------------------------------------------------------- readers

HCL_FRAGMENTS = [
    'resource "aws_iam_policy" "p" {\n', "}\n", '  policy = jsonencode({\n', "  })\n", "  Statement = [{\n",
    "  }]\n", '  Effect = "Deny"\n', '  Condition = { Bool = { "aws:MultiFactorAuthPresent" = "false" } }\n',
    '  policy = <<EOT\n{"Statement": []}\nEOT\n', 'data "aws_iam_policy_document" "d" {\n', "  statement {\n",
    "  condition {\n", '    test = "Bool"\n', '    variable = "aws:MultiFactorAuthPresent"\n',
    '    values = ["false"]\n', "  policy = data.aws_iam_policy_document.d.json\n", 'variable "v" { default = 1 }\n',
    "locals { x = local.x }\n", "  policy = var.v\n", '  dynamic "statement" {\n', "  for_each = var.v\n",
    '  policy = "${jsonencode(local.x)}"\n', "  x = [for a in b : a if a]\n", '  y = {"a" = 1, b = [1, 2,]}\n',
    "  z = a ? b : c\n", "# comment\n", "/* block */\n", "  policy = file(\"x.json\")\n", "  count = 2\n",
]
CFN_FRAGMENTS = [
    'AWSTemplateFormatVersion: "2010-09-09"\n', "Resources:\n", "  P:\n", "    Type: AWS::IAM::ManagedPolicy\n",
    "    Type: AWS::IAM::Role\n", "    Properties:\n", "      PolicyDocument:\n", "      AssumeRolePolicyDocument:\n",
    "        Statement:\n", "          - Effect: Deny\n", '            Action: "*"\n', "            Condition:\n",
    "              Bool:\n", '                aws:MultiFactorAuthPresent: "false"\n',
    "              !If [C, {}, {}]\n", "      PolicyDocument: !Sub '{\"Statement\": []}'\n", "Conditions:\n",
    "  C: !Equals [a, b]\n", "Parameters:\n", "  X: {Type: String, Default: 'false'}\n", "  - &a [1]\n",
    "  - *a\n", "Transform: AWS::Serverless-2016-10-31\n", "    Type: AWS::Serverless::Function\n",
    "      Policies:\n", "        - Statement: []\n", "Metadata: {cfn-lint: {config: {ignore_checks: [E9001]}}}\n",
]
hcl_texts = st.lists(st.sampled_from(HCL_FRAGMENTS), max_size=16).map("".join)


def _hcl(value: Any) -> str:
    """A JSON-like tree written as an HCL expression (what `jsonencode(...)` holds)."""
    if isinstance(value, dict):
        return "{\n" + "".join(f"  {json.dumps(str(k))} = {_hcl(v)}\n" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_hcl(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value).replace("${", "$${").replace("%{", "%%{")
    if value is None:
        return "null"
    return json.dumps(value)


def _terraform(policy: Any, resource_type: str, form: str) -> str:
    policy = _json_safe(policy)
    if form == "jsonencode":
        value = f"jsonencode({_hcl(policy)})"
    elif form == "heredoc":
        value = "<<EOT\n" + json.dumps(policy, indent=2) + "\nEOT"
    else:
        value = json.dumps(json.dumps(policy)).replace("${", "$${")
    return f'resource "{resource_type}" "p" {{\n  policy = {value}\n  assume_role_policy = {value}\n}}\n'


def _document_block(statements: list[Any]) -> str:
    body = []
    for statement in statements:
        lines = ["  statement {"]
        for key, value in statement.items():
            if key == "Condition" and isinstance(value, dict):
                for test, pairs in value.items():
                    for variable, values in (pairs.items() if isinstance(pairs, dict) else [("", pairs)]):
                        lines.append(f"    condition {{\n      test = {_hcl(test)}\n      variable = {_hcl(variable)}"
                                     f"\n      values = {_hcl(_json_safe(values))}\n    }}")
            else:
                lines.append(f"    {key.lower()} = {_hcl(_json_safe(value))}")
        body.append("\n".join(lines) + "\n  }")
    return 'data "aws_iam_policy_document" "d" {\n' + "\n".join(body) + "\n}\n"


tf_resource_types = st.sampled_from(["aws_iam_policy", "aws_iam_role", "aws_iam_user_policy", "aws_s3_bucket_policy",
                                     "aws_organizations_policy", "aws_iam_role_policy", "aws_foo_bar"])
tf_forms = st.sampled_from(["jsonencode", "heredoc", "string"])
terraform_texts = st.builds(_terraform, policies, tf_resource_types, tf_forms) | st.lists(statements, max_size=3).map(
    _document_block)
cfn_texts = st.lists(st.sampled_from(CFN_FRAGMENTS), max_size=16).map("".join)


def _template(policy: Any, resource_type: str) -> dict[str, Any]:
    return {"AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {"P": {"Type": resource_type, "Properties": {"PolicyDocument": policy,
                                                                        "AssumeRolePolicyDocument": policy}}}}


resource_types = st.sampled_from(["AWS::IAM::ManagedPolicy", "AWS::IAM::Role", "AWS::S3::BucketPolicy",
                                  "AWS::IAM::Policy", "AWS::Organizations::Policy", "AWS::Foo::Bar"])
templates = st.builds(_template, policies | trees, resource_types).map(_json_safe)


@FUZZ
@given(text=st.text(max_size=300) | hcl_texts | terraform_texts | edited(terraform_texts | hcl_texts))
def test_read_terraform_raises_only_source_error(text: str) -> None:
    from mfa_lint.formats.terraform.hcl_reader import read_terraform

    try:
        sites = read_terraform("main.tf", text, module_texts={"other.tf": 'locals { x = "false" }\n'})
    except SourceError:
        return
    _use_sites(sites)


def _plan(resources: Any, values: Any, address: Any, type_: Any) -> dict[str, Any]:
    resource = {"address": address, "type": type_, "name": "p", "mode": "managed", "values": values}
    return {"format_version": "1.2", "planned_values": {"root_module": {"resources": [resource, *resources],
                                                                        "child_modules": [{"resources": resources}]}},
            "resource_changes": [{"address": address, "type": type_, "change": {"after": values}}]}


plan_values = st.fixed_dictionaries({}, optional={
    "policy": policies.map(lambda d: json.dumps(_json_safe(d))) | st.text(max_size=30) | trees,
    "assume_role_policy": policies.map(lambda d: json.dumps(_json_safe(d))) | trees,
    "content": policies.map(lambda d: json.dumps(_json_safe(d))) | trees,
    "inline_policy": st.lists(st.fixed_dictionaries({"policy": st.text(max_size=30) | trees}), max_size=2) | trees,
    "type": st.sampled_from(["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"]) | trees,
}) | trees
plans = st.builds(_plan, st.lists(trees, max_size=3), plan_values, st.text(max_size=20) | trees,
                  st.sampled_from(["aws_iam_policy", "aws_iam_role", "aws_organizations_policy",
                                   "aws_s3_bucket_policy", "aws_iam_user_policy"]) | trees)


@FUZZ
@given(doc=plans | trees.filter(lambda t: isinstance(t, dict)))
def test_read_plan_raises_only_source_error(doc: Any) -> None:
    from mfa_lint.formats.plan.reader import read_plan

    try:
        sites = read_plan("plan.json", doc)
    except SourceError:
        return
    _use_sites(sites)


@FUZZ
@given(text=st.text(max_size=300) | cfn_texts | edited(cfn_texts)
       | templates.map(lambda t: yaml.safe_dump(t, sort_keys=False))
       | edited(templates.map(lambda t: json.dumps(t, indent=1))))
def test_read_cloudformation_raises_only_source_error(text: str) -> None:
    from mfa_lint.formats.cloudformation.reader import read_cloudformation

    try:
        sites = read_cloudformation("template.yaml", text)
    except SourceError:
        return
    _use_sites(sites)


@FUZZ
@given(text=st.text(max_size=200) | edited(policies.map(lambda d: json.dumps(_json_safe(d), indent=2))), kind=kinds)
def test_read_policy_json_raises_only_source_error(text: str, kind: str) -> None:
    from mfa_lint.formats.policy_json.reader import read_policy_json

    try:
        sites = read_policy_json("policy.json", text, kind)
    except SourceError:
        return
    _use_sites(sites)


def test_the_edit_strategy_makes_invalid_input() -> None:
    """The mutation strategy really reaches the error paths (otherwise the tests above prove little)."""
    seen = {"error": 0, "ok": 0}

    @settings(max_examples=100, deadline=None)
    @given(text=edited(policies.map(lambda d: json.dumps(_json_safe(d)))))
    def probe(text: str) -> None:
        assume(text)
        try:
            loads_with_positions(text)
            seen["ok"] += 1
        except SourceError:
            seen["error"] += 1

    probe()
    assert seen["error"] >= 10 and seen["ok"] >= 10, seen
