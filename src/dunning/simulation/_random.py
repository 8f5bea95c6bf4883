"""Counter-based random draws shared by every policy of a simulation (common random numbers).

A draw is a pure function of (seed, subject, day, slot): whatever a policy decides, the same
customer meets the same luck on the same day, so the difference between two policies run on
the same seed is the policy's effect, not noise from reshuffled draws.
"""

from __future__ import annotations

import hashlib
from typing import Final

__all__: list[str] = []

_MASK: Final = (1 << 64) - 1
_GOLDEN: Final = 0x9E3779B97F4A7C15
_SCALE: Final = 1.0 / (1 << 53)


def _mix(value: int) -> int:
    # splitmix64's finaliser: a bijection on 64-bit integers with good avalanche.
    value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9 & _MASK
    value = (value ^ (value >> 27)) * 0x94D049BB133111EB & _MASK
    return value ^ (value >> 31)


def subject_seed(seed: int, subject: str) -> int:
    """A 64-bit seed for one subject (an invoice or a customer id), stable across processes."""
    digest = hashlib.blake2b(f"{seed}\x1f{subject}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def uniform(subject: int, day: int, slot: int) -> float:
    """A uniform draw in [0, 1) for a subject seed, a day number and a slot."""
    # `_mix` written out: a run draws hundreds of thousands of times.
    value = (subject + (day * 64 + slot + 1) * _GOLDEN) & _MASK
    value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9 & _MASK
    value = (value ^ (value >> 27)) * 0x94D049BB133111EB & _MASK
    return ((value ^ (value >> 31)) >> 11) * _SCALE
