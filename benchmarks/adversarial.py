"""Large and adversarial policies through `analyze_document`: the core must stay linear in statements, also once the
companion search has spent its budget (core/companions.py, COMPANION_BUDGET).

Shapes (N statements of each half, so 2N in all):

- `cond`: N `Null true` denies over `*` that never cover (each has a region test the `Bool false` denies lack),
  then N `Bool false` denies; every deny meets every `Null` deny as a candidate;
- `prefix`: N `Null true` denies whose resources share the `Bool false` denies' literal prefix but never contain
  them (`arn:aws:s3:::b*/xI` against `arn:aws:s3:::bJ/*`);
- `pairs`: N companion pairs (each `Bool false` deny has its own `Null true` deny): one comparison each;
- `union`: N `Bool false` denies over two services, each covered by two `Null true` denies together;
- `allow-gaps`: N `Allow BoolIfExists true`, each with a `Null true` deny that closes its access-key gap.

Usage: python benchmarks/adversarial.py [--n 10000] [--repeat 2] [shape ...]
Prints seconds (best of --repeat), findings and notes per shape; no timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from mfa_lint import analyze_document

BOOL_FALSE = {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
NULL_TRUE = {"Null": {"aws:MultiFactorAuthPresent": "true"}}
IFEXISTS_TRUE = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}


def _st(effect: str, condition: dict, action: object, resource: object = "*") -> dict:
    return {"Effect": effect, "Action": action, "Resource": resource, "Condition": condition}


def cond(n: int) -> list[dict]:
    nulls = [_st("Deny", {**NULL_TRUE, "StringEquals": {"aws:RequestedRegion": f"r{i}"}}, "*") for i in range(n)]
    return nulls + [_st("Deny", BOOL_FALSE, "s3:GetObject", f"arn:aws:s3:::b{i}/*") for i in range(n)]


def prefix(n: int) -> list[dict]:
    nulls = [_st("Deny", NULL_TRUE, "s3:*", f"arn:aws:s3:::b*/x{i}") for i in range(n)]
    return nulls + [_st("Deny", BOOL_FALSE, "s3:GetObject", f"arn:aws:s3:::b{i}/*") for i in range(n)]


def pairs(n: int) -> list[dict]:
    out = []
    for i in range(n):
        action, resource = f"svc{i % 300}:Action{i}", f"arn:aws:s3:::b{i}/*"
        out += [_st("Deny", BOOL_FALSE, action, resource), _st("Deny", NULL_TRUE, action, resource)]
    return out


def union(n: int) -> list[dict]:
    out = []
    for i in range(n // 2):
        a, b = f"svc{i}:Read", f"svc{i}:Write"
        out += [_st("Deny", BOOL_FALSE, [a, b]), _st("Deny", NULL_TRUE, a), _st("Deny", NULL_TRUE, b)]
    return out


def allow_gaps(n: int) -> list[dict]:
    out = []
    for i in range(n):
        action = f"svc{i}:*"
        out += [_st("Allow", IFEXISTS_TRUE, action), _st("Deny", NULL_TRUE, action)]
    return out


SHAPES: dict[str, Callable[[int], list[dict]]] = {
    "cond": cond, "prefix": prefix, "pairs": pairs, "union": union, "allow-gaps": allow_gaps,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("shapes", nargs="*", default=list(SHAPES))
    args = parser.parse_args(argv)
    print(f"| shape | statements | seconds (best of {args.repeat}) | findings | notes |")
    print("|---|---|---|---|---|")
    for name in args.shapes:
        document = {"Statement": SHAPES[name](args.n)}
        best, analysis = float("inf"), None
        for _ in range(args.repeat):
            start = time.perf_counter()
            analysis = analyze_document(document, "identity")
            best = min(best, time.perf_counter() - start)
        assert analysis is not None
        print(f"| {name} | {len(document['Statement'])} | {best:.2f} | {len(analysis.findings)} | "
              f"{len(analysis.notes)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
