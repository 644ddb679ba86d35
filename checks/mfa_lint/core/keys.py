"""The MFA condition keys, and keys that look like them (a typo is a different key, always absent)."""

from __future__ import annotations

PRESENT = "aws:multifactorauthpresent"
AGE = "aws:multifactorauthage"
MFA_KEYS = {PRESENT: "aws:MultiFactorAuthPresent", AGE: "aws:MultiFactorAuthAge"}
_LIKE_DISTANCE = 3


def canonical(key: str) -> str:
    """Condition key names are case-insensitive."""
    return key.lower()


def is_mfa_key(key: str) -> bool:
    return canonical(key) in MFA_KEYS


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, stopping early once every path exceeds `limit` (returns limit + 1)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _pieces(target: str, count: int = _LIKE_DISTANCE + 1) -> tuple[str, ...]:
    size = -(-len(target) // count)
    return tuple(target[i : i + size] for i in range(0, len(target), size))


# A key within edit distance 3 of an MFA key keeps one of its 4 pieces intact (3 edits spoil at most 3 of them),
# and the other MFA-like keys contain "multifactor": text with none of these cannot hold an MFA test.
_HINTS = tuple(sorted({p for target in MFA_KEYS for p in _pieces(target)} | {"multifactor"}))


def may_mention_mfa(text: str) -> bool:
    """Cheap pre-filter: False only when `text` cannot contain an MFA key or an MFA-like key (any case)."""
    lowered = text.lower()
    return any(hint in lowered for hint in _HINTS)


def mfa_like_target(key: str) -> str | None:
    """For a key that is not an MFA key but looks like one, the MFA key it was probably meant to be."""
    low = canonical(key)
    if low in MFA_KEYS or len(low) > 200:
        return None
    best: tuple[int, str] | None = None
    for target, spelled in MFA_KEYS.items():
        distance = edit_distance(low, target, _LIKE_DISTANCE)
        if distance <= _LIKE_DISTANCE and (best is None or distance < best[0]):
            best = (distance, spelled)
    if best:
        return best[1]
    if "multifactor" in low:
        return MFA_KEYS[AGE] if "age" in low.rsplit("multifactor", 1)[-1] else MFA_KEYS[PRESENT]
    return None
