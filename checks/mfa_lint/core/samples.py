"""Sample principals of each caller class, named by nobody, for deciding by evaluation whom a statement's principal
tests (`aws:PrincipalType`, `aws:PrincipalArn`, `aws:userid`, …) let through.

Each sample carries the request values IAM sets for its principal (reference_policies_condition-keys.html:
aws:PrincipalArn is a role's ARN for its sessions, aws:userid is `role-id:session-name`, aws:username exists only
for IAM users, aws:PrincipalIsAWSService is true only for service principals, aws:AssumedRoot only in sts:AssumeRoot
sessions; anonymous requests carry aws:PrincipalType `Anonymous` and aws:PrincipalAccount `anonymous`). A key a
class's requests may or may not hold (a principal tag, the organization) is unknown: a test on it can hold.

"A role nobody named" (rules.md, MFA004): the names, ids and account of a sample are made of a character that no
literal or pattern of the tests contains, and are longer than any of them, so an exemption for `role/app` or
`role/a*` does not exempt the sample; only a pattern that matches every role does. The question asked is
existential ("can some principal of this class pass the tests?"), so each literal of the tests also gives samples
that carry it (an `ArnEquals aws:PrincipalArn …:role/ci` keeps role sessions).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import lru_cache

from mfa_lint.core.callers import PRINCIPAL_MEMBERS, Caller, CallerClass, Callers, classify_arn
from mfa_lint.core.contexts import evaluate
from mfa_lint.core.model import Test
from mfa_lint.core.values import Unknown

ARN, TYPE, USERID, USERNAME = "aws:principalarn", "aws:principaltype", "aws:userid", "aws:username"
ACCOUNT, ORG, IS_SERVICE = "aws:principalaccount", "aws:principalorgid", "aws:principalisawsservice"
SERVICE_NAME, ASSUMED_ROOT = "aws:principalservicename", "aws:assumedroot"
TAG_PREFIX = "aws:principaltag/"
#: the principal keys modelled here; a test on any other key is assumed able to hold
KEYS = (ARN, TYPE, USERID, USERNAME, ACCOUNT, ORG, IS_SERVICE, SERVICE_NAME, ASSUMED_ROOT)
#: joint samples per class at most; past it the class is "unsure" (kept, never decided by a guess)
MAX_SAMPLES = 256
_FILLERS = "qzxjvkwyfgbmphucdrtlnosiea"
_DIGITS = "9876543210"
#: longer literals fall back to literal comparison in core/globs.py anyway (MAX_PATTERN)
_MAX_TEXT = 1024


def is_principal_test(test: Test) -> bool:
    """A test on a key whose value depends on who the principal is."""
    key = test.canonical_key
    return test.operator is not None and (key in KEYS or key.startswith(TAG_PREFIX))


@dataclass(frozen=True)
class Sample:
    """One principal: its request values (a key not listed is absent unless it is unknown for the class)."""

    name: str  # for messages (MFA004: "role sessions", "the root user")
    cls: CallerClass
    values: dict[str, str]
    unknown: frozenset[str] = field(default=frozenset())  # keys whose presence or value is not known

    def with_value(self, key: str, value: str) -> Sample:
        return Sample(self.name, self.cls, {**self.values, key: value}, self.unknown - {key})


@dataclass(frozen=True)
class Unnamed:
    """The made-up parts of samples: text no literal of the tests singles out."""

    text: str  # a name, session, user id tail
    account: str  # a 12-digit account id

    @classmethod
    def for_tests(cls, tests: list[Test]) -> Unnamed:
        literals = [str(v) for t in tests for v in t.values if not isinstance(v, Unknown)]
        used = set("".join(literals).lower())
        char = next((c for c in _FILLERS if c not in used), "q")
        length = min(max((len(v) for v in literals), default=0) + 3, _MAX_TEXT)
        digit = next((d for d in _DIGITS if d not in used), None)
        if digit is None:  # every digit occurs somewhere: take the one that occurs least
            joined = "".join(literals)
            digit = min(_DIGITS, key=joined.count)
        return cls(char * max(length, 8), digit * 12)


@lru_cache(maxsize=256)
def base_samples(unnamed: Unnamed) -> tuple[Sample, ...]:
    """One sample per kind of principal (two for IAM users: a user and the root user)."""
    t, a = unnamed.text, unnamed.account
    signed = {ACCOUNT: a, IS_SERVICE: "false"}
    unknown_signed = frozenset({ORG})
    role_arn = f"arn:aws:iam::{a}:role/{t}"
    return (
        Sample("IAM users", CallerClass.IAM_USERS, {
            ARN: f"arn:aws:iam::{a}:user/{t}", TYPE: "User", USERID: f"AIDA{t.upper()}", USERNAME: t, **signed,
        }, unknown_signed),
        Sample("the root user", CallerClass.IAM_USERS, {
            ARN: f"arn:aws:iam::{a}:root", TYPE: "Account", USERID: a, **signed,
        }, unknown_signed),
        Sample("role sessions", CallerClass.ROLE_SESSIONS, {
            ARN: role_arn, TYPE: "AssumedRole", USERID: f"AROA{t.upper()}:{t}", **signed,
        }, unknown_signed),
        Sample("IAM Identity Center (SSO) sessions", CallerClass.SSO_SESSIONS, {
            ARN: f"arn:aws:iam::{a}:role/aws-reserved/sso.amazonaws.com/{t}/AWSReservedSSO_{t}_{t}",
            TYPE: "AssumedRole", USERID: f"AROA{t.upper()}:{t}@{t}", **signed,
        }, unknown_signed),
        Sample("sessions of a role assumed by AWS services", CallerClass.SERVICE_ROLE_SESSIONS, {
            ARN: role_arn, TYPE: "AssumedRole", USERID: f"AROA{t.upper()}:{t}", **signed,
        }, unknown_signed),
        Sample("role sessions from SAML/OIDC federation", CallerClass.FEDERATED_ROLE_SESSIONS, {
            ARN: role_arn, TYPE: "AssumedRole", USERID: f"AROA{t.upper()}:{t}", **signed,
        }, unknown_signed),
        Sample("federated users", CallerClass.FEDERATED_USERS, {
            ARN: f"arn:aws:sts::{a}:federated-user/{t}", TYPE: "FederatedUser", USERID: f"{a}:{t}", **signed,
        }, unknown_signed),
        # choice (semantics.md): an AssumeRoot session is the member account's root user, marked by aws:AssumedRoot
        Sample("root sessions from sts:AssumeRoot", CallerClass.ASSUMED_ROOT, {
            ARN: f"arn:aws:iam::{a}:root", TYPE: "Account", USERID: a, ASSUMED_ROOT: "true", **signed,
        }, unknown_signed),
        Sample("AWS services", CallerClass.AWS_SERVICES, {
            IS_SERVICE: "true", SERVICE_NAME: f"{t}.amazonaws.com",
        }, frozenset({ARN, TYPE, USERID, ACCOUNT, ORG})),
        # the caller of AssumeRoleWithSAML/WebIdentity has no AWS identity yet: what IAM sets is not documented
        Sample("federated users (SAML)", CallerClass.SAML_FEDERATION, {}, frozenset(KEYS)),
        Sample("web-identity (OIDC) users", CallerClass.WEB_IDENTITY, {}, frozenset(KEYS)),
        Sample("anonymous (unsigned) requests", CallerClass.ANONYMOUS, {
            TYPE: "Anonymous", USERID: "anonymous", ACCOUNT: "anonymous",
        }),
    )


def _instantiate(pattern: str, unnamed: Unnamed) -> str:
    """A value a pattern matches, made of unnamed text where the pattern leaves room."""
    return pattern.replace("*", unnamed.text).replace("?", unnamed.text[0])


def _userid_classes(value: str) -> set[CallerClass] | None:
    """Which classes a literal aws:userid can belong to; None: any."""
    if value.startswith("AROA"):
        return {CallerClass.ROLE_SESSIONS, CallerClass.SSO_SESSIONS, CallerClass.SERVICE_ROLE_SESSIONS,
                CallerClass.FEDERATED_ROLE_SESSIONS}
    if value.startswith("AIDA"):
        return {CallerClass.IAM_USERS}
    if value.isdigit():
        return {CallerClass.IAM_USERS, CallerClass.ASSUMED_ROOT}
    if value == "anonymous":
        return {CallerClass.ANONYMOUS}
    return None


def _arn_class(value: str) -> set[CallerClass]:
    cls = classify_arn(value)
    if cls == CallerClass.PRINCIPALS:
        return {CallerClass.IAM_USERS, CallerClass.ASSUMED_ROOT} if value.endswith(":root") else set(CallerClass)
    if cls == CallerClass.ROLE_SESSIONS:
        return {CallerClass.ROLE_SESSIONS, CallerClass.SERVICE_ROLE_SESSIONS, CallerClass.FEDERATED_ROLE_SESSIONS}
    return {cls}


def _variants(tests: list[Test], unnamed: Unnamed) -> dict[str, list[tuple[str, set[CallerClass] | None]]]:
    """Per key, the values the tests' literals give, each with the classes it can belong to (None: any)."""
    out: dict[str, list[tuple[str, set[CallerClass] | None]]] = {}
    for t in tests:
        key = t.canonical_key
        if key not in (ARN, USERID, USERNAME, ACCOUNT, SERVICE_NAME):
            continue
        for raw in t.values:
            if isinstance(raw, Unknown) or "${" in raw:
                continue
            value = _instantiate(raw, unnamed)
            if key == ARN:
                owners: set[CallerClass] | None = _arn_class(value)
            elif key == USERID:
                owners = _userid_classes(value)
            elif key == USERNAME:
                owners = {CallerClass.IAM_USERS}
            elif key == SERVICE_NAME:
                owners = {CallerClass.AWS_SERVICES}
            else:
                owners = None
            out.setdefault(key, []).append((value, owners))
    return out


def samples_for(tests: list[Test], unnamed: Unnamed | None = None,
                classes: frozenset[CallerClass] | None = None) -> list[Sample] | None:
    """Every sample principal worth trying for these tests (unnamed ones and ones carrying the tests' literals), of
    the given classes (None: all); None when there are too many combinations to try."""
    unnamed = unnamed or Unnamed.for_tests(tests)
    variants = _variants(tests, unnamed)
    out: list[Sample] = []
    for base in base_samples(unnamed):
        if classes is not None and base.cls not in classes:
            continue
        choices = []
        for key, values in variants.items():
            if key in base.unknown:
                continue
            own = [v for v, owners in values if owners is None or base.cls in owners]
            if own:
                choices.append([(key, None)] + [(key, v) for v in own])
        combos = 1
        for c in choices:
            combos *= len(c)
        if combos > MAX_SAMPLES or len(out) + combos > MAX_SAMPLES * 4:
            return None
        for combo in itertools.product(*choices):
            sample = base
            for key, value in combo:
                if value is not None:
                    sample = sample.with_value(key, value)
            out.append(sample)
    return out


Prepared = list[tuple[Test, "list[str] | None"]]


def prepare(tests: list[Test]) -> Prepared:
    """Each test with its literal values (None when an unresolved value or an IAM policy variable decides it)."""
    out: Prepared = []
    for test in tests:
        values = test.values
        unknown = any(isinstance(v, Unknown) or "${" in v for v in values)
        out.append((test, None if unknown else [str(v) for v in values]))
    return out


def verdict(test: Test, sample: Sample, *, tags_absent: bool = False, values: list[str] | None = None) -> bool | None:
    """Whether the test holds for the sample's requests; None when an unknown key or value decides it.

    `tags_absent`: principal tags evaluate as absent (MFA004: a deny scoped by a tag is scoped), else unknown.
    """
    key = test.canonical_key
    if key.startswith(TAG_PREFIX):
        if not tags_absent:
            return None
        request = None
    elif key in sample.unknown or key not in KEYS:
        return None
    else:
        request = sample.values.get(key)
    if values is None:
        (_, values), = prepare([test])
        if values is None:
            return None
    return evaluate(test.operator, request, values)


def applies(tests: list[Test] | Prepared, sample: Sample, *, tags_absent: bool = False) -> bool | None:
    """The AND of the tests for this sample: False as soon as one is false, None when one cannot be decided."""
    prepared = tests if tests and isinstance(tests[0], tuple) else prepare(tests)  # type: ignore[arg-type]
    outcome: bool | None = True
    for test, values in prepared:
        v = None if values is None else verdict(test, sample, tags_absent=tags_absent, values=values)
        if v is False:
            return False
        if v is None:
            outcome = None
    return outcome


def passing_classes(tests: list[Test], classes: frozenset[CallerClass] | None = None) -> set[CallerClass] | None:
    """The classes (of `classes`, None: all) some sample of which may pass the tests (True or undecided); None when
    there are too many samples to try."""
    samples = samples_for(tests, classes=classes)
    if samples is None:
        return None
    prepared = prepare(tests)
    passing: set[CallerClass] = set()
    for sample in samples:
        if sample.cls not in passing and applies(prepared, sample) is not False:
            passing.add(sample.cls)
    return passing


def narrow(callers: Callers, tests: list[Test]) -> Callers:
    """The callers some of whose principals the statement's principal tests let through (when unsure: kept).

    "Principals of any type" are split into their members only when a test tells them apart.
    """
    principal_tests = [t for t in tests if is_principal_test(t)]
    if not principal_tests or not callers:
        return callers
    wanted = frozenset(c for m in callers for c in (PRINCIPAL_MEMBERS if m.cls == CallerClass.PRINCIPALS else (m.cls,)))
    passing = passing_classes(principal_tests, wanted)
    if passing is None:
        return callers
    kept: list[Caller] = []
    for caller in callers:
        if caller.cls == CallerClass.PRINCIPALS:
            members = [c for c in PRINCIPAL_MEMBERS if c in passing]
            kept.extend([caller] if len(members) == len(PRINCIPAL_MEMBERS) else [Caller(c) for c in members])
        elif caller.cls in passing:
            kept.append(caller)
    return Callers.of(*kept)
