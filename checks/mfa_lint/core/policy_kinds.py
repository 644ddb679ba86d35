"""The policy kinds: which callers a policy meets, so which request contexts and rules apply to it."""

from __future__ import annotations

from enum import Enum


class PolicyKind(str, Enum):
    """A policy's kind. A `str` Enum: `PolicyKind.SCP == "scp"`, it hashes, formats and serialises as its value, so
    kinds given as text (a flag, a config file, the Python API) and kinds from the resource tables mix freely."""

    IDENTITY = "identity"  # attached to IAM users or groups (or unknown principals): every request context
    ROLE = "role"  # a role's own policy: met by its sessions only
    TRUST = "trust"  # a role's trust policy (AssumeRole*)
    SCP = "scp"  # an organizations service control policy
    RCP = "rcp"  # an organizations resource control policy
    RESOURCE = "resource"  # a resource policy (bucket, key, queue, topic ...)
    UNKNOWN = "unknown"  # not known (a policy document data source used by no resource)

    __str__ = str.__str__
    __format__ = str.__format__
    __hash__ = str.__hash__
