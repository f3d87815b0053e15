"""Tap-to-call links: a stored phone number as a `tel:` URI wants it."""

from __future__ import annotations


def dial_string(phone: str) -> str:
    """A phone number as a `tel:` link wants it: digits and a leading +, nothing else.

    In an international number the trunk "(0)" is written for callers at home and is not
    dialled: +44 (0)1632 960123 is +441632960123.
    """
    if phone.lstrip("( ").startswith("+"):
        phone = phone.replace("(0)", "")
    kept = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    return kept[:1] + kept[1:].replace("+", "")
