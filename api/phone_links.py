"""Tap-to-call links: a stored phone number as a `tel:` URI wants it."""

from __future__ import annotations


def dial_string(phone: str) -> str:
    """A phone number as a `tel:` link wants it: digits and a leading +, nothing else."""
    kept = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    return kept[:1] + kept[1:].replace("+", "")
