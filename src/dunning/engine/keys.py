"""Stable idempotency keys.

A key joins the policy id, the customer, the invoice, the kind of occurrence, the rule and the
occurrence number with ``:``; a ``%`` or ``:`` inside an identifier is percent-encoded so that
two different occurrences never share a key. Keys hold no timestamps and no randomness:
evaluating the same inputs again gives the same keys.

>>> occurrence_key("b2c", "C-1", "INV-1", "step", "after-2", 0)
'b2c:C-1:INV-1:step:after-2:0'
>>> occurrence_key("b2c", "C:1", "INV-1", "stage", "call")
'b2c:C%3A1:INV-1:stage:call'
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

__all__ = ["consolidated_key", "customer_key", "digest", "escape", "occurrence_key"]


def escape(part: str) -> str:
    """Percent-encode ``%`` and ``:`` in one part of a key."""
    if "%" in part or ":" in part:
        return part.replace("%", "%25").replace(":", "%3A")
    return part


def occurrence_key(
    policy_id: str, customer_id: str, invoice_id: str, kind: str, rule: str, number: object = None
) -> str:
    """The key of one occurrence of a rule for one invoice."""
    parts = [policy_id, customer_id, invoice_id, kind, rule]
    if number is not None:
        parts.append(str(number))
    return ":".join(escape(part) for part in parts)


def customer_key(policy_id: str, customer_id: str, kind: str, *rest: object) -> str:
    """The key of a customer-level occurrence (suspension, plan offer)."""
    return ":".join(escape(str(part)) for part in (policy_id, customer_id, kind, *rest))


def consolidated_key(
    policy_id: str, customer_id: str, kind: str, channel: str, covers: Iterable[str]
) -> str:
    """The key of one consolidated message or task: a digest of the occurrences it covers.

    A function of what it covers only (never of the run date), so that a re-run the next day
    after a crash gives the same key to the same message and a provider's duplicate check
    stops a second send.

    >>> consolidated_key("b2c", "C-1", "message", "email", ["b2c:C-1:I2:x", "b2c:C-1:I1:x"])
    'b2c:C-1:message:email:4210752919c9297e'
    """
    return customer_key(policy_id, customer_id, kind, channel, digest(covers))


def digest(covers: Iterable[str]) -> str:
    """The last part of a consolidated key: 16 hex digits of the SHA-256 of `covers`, sorted.

    >>> digest(["b2c:C-1:I2:x", "b2c:C-1:I1:x"])
    '4210752919c9297e'
    """
    return hashlib.sha256("\n".join(sorted(covers)).encode()).hexdigest()[:16]
