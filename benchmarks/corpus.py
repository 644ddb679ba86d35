"""A synthetic IaC corpus for the benchmarks: Terraform and CloudFormation mixed, about one file in ten with an MFA
condition, one in fifty large.

Deterministic (a seed), so two runs on two machines time the same bytes. The mix: 60% Terraform (`.tf`, 25 files a
module directory, policies as `jsonencode`, heredocs and `aws_iam_policy_document`, next to non-IAM resources), 20%
CloudFormation YAML, 20% CloudFormation JSON.

Like a real checkout, the repository also holds what a user never wrote and a scan must skip (`distractions`): a
`.venv` with installed packages' JSON and YAML (and one file over the size limit), `node_modules`, and a `build/`
folder that `.gitignore` ignores, full of IaC copies with findings that must not be reported.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

FILES_PER_DIR = 25
ACTIONS = ["s3:GetObject", "s3:PutObject", "ec2:DescribeInstances", "dynamodb:Query", "sqs:SendMessage",
           "logs:PutLogEvents", "kms:Decrypt", "lambda:InvokeFunction", "sns:Publish", "iam:GetUser"]
MFA_CONDITIONS = [
    ("Deny", {"Bool": {"aws:MultiFactorAuthPresent": "false"}}),  # MFA001
    ("Deny", {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),  # correct
    ("Allow", {"Bool": {"aws:MultiFactorAuthPresent": "true"}}),  # correct
    ("Allow", {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}),  # MFA002
    ("Deny", {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}}),  # MFA001
]


@dataclass
class Corpus:
    root: Path
    files: list[Path] = field(default_factory=list)

    @property
    def terraform(self) -> list[Path]:
        return [p for p in self.files if p.suffix == ".tf"]

    @property
    def cloudformation(self) -> list[Path]:
        return [p for p in self.files if p.suffix in (".yaml", ".json")]


def _statements(rnd: random.Random, mfa: bool) -> list[dict]:
    out = []
    for i in range(rnd.randint(2, 6)):
        out.append({"Sid": f"S{i}", "Effect": "Allow", "Action": rnd.sample(ACTIONS, rnd.randint(1, 4)),
                    "Resource": f"arn:aws:s3:::bucket-{rnd.randint(0, 999)}/*"})
    if mfa:
        effect, condition = rnd.choice(MFA_CONDITIONS)
        out.append({"Sid": "Mfa", "Effect": effect, "Action": "s3:*", "Resource": "*", "Condition": condition})
    return out


def _hcl(value: object, indent: int = 4) -> str:
    """A JSON value written as an HCL expression (what `jsonencode(...)` holds)."""
    pad = " " * indent
    if isinstance(value, dict):
        inner = "".join(f"{pad}  {json.dumps(k)} = {_hcl(v, indent + 2)}\n" for k, v in value.items())
        return "{\n" + inner + pad + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_hcl(v, indent) for v in value) + "]"
    return json.dumps(value)


def _terraform_resource(rnd: random.Random, name: str, mfa: bool) -> str:
    policy = {"Version": "2012-10-17", "Statement": _statements(rnd, mfa)}
    style = rnd.randrange(3)
    if style == 0:
        return (f'resource "aws_iam_policy" "{name}" {{\n  name   = "{name}"\n'
                f"  policy = jsonencode({_hcl(policy)})\n}}\n")
    if style == 1:
        return (f'resource "aws_iam_role_policy" "{name}" {{\n  name   = "{name}"\n  role   = aws_iam_role.r.id\n'
                f"  policy = <<EOT\n{json.dumps(policy, indent=2)}\nEOT\n}}\n")
    blocks = []
    for statement in policy["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        lines = [f'    effect    = "{statement["Effect"]}"', f"    actions   = {json.dumps(actions)}",
                 f'    resources = ["{statement["Resource"]}"]']
        for test, pairs in statement.get("Condition", {}).items():
            for variable, value in pairs.items():
                lines.append(f'    condition {{\n      test     = "{test}"\n      variable = "{variable}"\n'
                             f'      values   = ["{value}"]\n    }}')
        blocks.append("  statement {\n" + "\n".join(lines) + "\n  }")
    return (f'data "aws_iam_policy_document" "{name}" {{\n' + "\n".join(blocks) + "\n}\n\n"
            f'resource "aws_iam_policy" "{name}" {{\n  name   = "{name}"\n'
            f"  policy = data.aws_iam_policy_document.{name}.json\n}}\n")


def _terraform_file(rnd: random.Random, index: int, mfa: bool, large: bool) -> str:
    parts = [f'resource "aws_s3_bucket" "b{index}" {{\n  bucket = "bucket-{index}"\n'
             f'  tags = {{ team = "t{index % 7}" }}\n}}\n']
    count = 40 if large else rnd.randint(1, 3)
    for j in range(count):
        parts.append(_terraform_resource(rnd, f"p{index}_{j}", mfa and j == count - 1))
    parts.append(f'resource "aws_instance" "i{index}" {{\n  ami           = "ami-123456"\n'
                 '  instance_type = "t3.micro"\n}\n')
    return "\n".join(parts)


def _template(rnd: random.Random, index: int, mfa: bool, large: bool) -> dict:
    resources: dict = {f"Bucket{index}": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": f"bucket-{index}"}}}
    count = 40 if large else rnd.randint(1, 3)
    for j in range(count):
        document = {"Version": "2012-10-17", "Statement": _statements(rnd, mfa and j == count - 1)}
        if rnd.random() < 0.5:
            resources[f"Policy{j}"] = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": document}}
        else:
            resources[f"Role{j}"] = {"Type": "AWS::IAM::Role", "Properties": {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                "Policies": [{"PolicyName": "inline", "PolicyDocument": document}]}}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Description": f"benchmark template {index}",
            "Resources": resources}


def _yaml(template: dict) -> str:
    import yaml

    return yaml.safe_dump(template, sort_keys=False, width=120)


def generate(root: Path, count: int, seed: int = 2024) -> Corpus:
    """Write `count` files under `root` and return them."""
    rnd = random.Random(seed)
    corpus = Corpus(root)
    for index in range(count):
        folder = root / f"dir_{index // FILES_PER_DIR:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        mfa, large = index % 10 == 0, index % 50 == 7
        shape = index % 5
        if shape < 3:
            path = folder / f"main_{index:05d}.tf"
            path.write_text(_terraform_file(rnd, index, mfa, large))
        elif shape == 3:
            path = folder / f"template_{index:05d}.yaml"
            path.write_text(_yaml(_template(rnd, index, mfa, large)))
        else:
            path = folder / f"template_{index:05d}.json"
            path.write_text(json.dumps(_template(rnd, index, mfa, large), indent=2))
        corpus.files.append(path)
    return corpus


def distractions(root: Path, count: int) -> int:
    """Write the folders a scan must skip (about a third as many files as the corpus) and a .gitignore; returns how
    many files were written."""
    written = 0
    site = root / ".venv" / "lib" / "python3.11" / "site-packages"
    for index in range(max(10, count // 6)):
        package = site / f"pkg{index:04d}"
        package.mkdir(parents=True, exist_ok=True)
        (package / "metadata.json").write_text(json.dumps({"name": f"pkg{index}", "Statement": "not a policy",
                                                           "Resources": list(range(20))}))
        (package / "config.yaml").write_text(f"Resources:\n  name: pkg{index}\n  items: [1, 2, 3]\n")
        written += 2
    (site / "huge.json").write_text(json.dumps({"Resources": ["x" * 100] * 110_000}))  # 11 MB: over the limit
    written += 1
    for index in range(max(10, count // 12)):
        module = root / "node_modules" / f"mod{index:04d}"
        module.mkdir(parents=True, exist_ok=True)
        (module / "package.json").write_text(json.dumps({"name": f"mod{index}", "version": "1.0.0"}))
        written += 1
    build = root / "build"
    build.mkdir(exist_ok=True)
    rnd = random.Random(7)
    for index in range(max(5, count // 20)):
        (build / f"generated_{index:04d}.tf").write_text(_terraform_file(rnd, index, True, False))
        written += 1
    (root / ".gitignore").write_text("# build output\nbuild/\n")
    return written


if __name__ == "__main__":  # python benchmarks/corpus.py DIR COUNT
    import sys

    made = generate(Path(sys.argv[1]), int(sys.argv[2]))
    print(f"{len(made.files)} files under {made.root}")
