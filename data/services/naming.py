"""The ids stored records take in a night problem and plan (crews, carers, clients, calls)."""

from __future__ import annotations

import re

from data.models import Area


def area_slug(name: str) -> str:
    """The area's name in lower case with runs of other characters as single hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "area"


def crew_ref(area: Area, crew_number: int) -> str:
    """A crew's id in the night problem, e.g. "north-shropshire-car-2"."""
    return f"{area_slug(area.name)}-car-{crew_number}"


def carer_ref(carer_id: int) -> str:
    """A carer's id in the night problem: "k" and the carer's id."""
    return f"k{carer_id}"


def client_ref(person_id: int) -> str:
    """A person's client id in the night problem: "p" and the person's id."""
    return f"p{person_id}"


def need_call_ref(need_id: int) -> str:
    """The call id of a recurring need on a night: "n" and the need's id."""
    return f"n{need_id}"


def one_off_call_ref(call_id: int) -> str:
    """The call id of a one-off call: "o" and its id."""
    return f"o{call_id}"
