"""Who is asking, and which areas and records they may reach.

Commissioners reach every area; coordinators only their own; carers only the route sheets of
the crews they are on. Another area's record answers NotFound, not Forbidden, so a coordinator
cannot learn what exists outside their areas; a role that may never do a thing gets Forbidden.
"""

from __future__ import annotations

from dataclasses import dataclass

from data.errors import Forbidden, NotFound

COMMISSIONER = "commissioner"
COORDINATOR = "coordinator"
CARER = "carer"
ROLES = (COMMISSIONER, COORDINATOR, CARER)


@dataclass(frozen=True)
class Actor:
    """Who is asking: their user id, role, the areas they coordinate, the carer they are.

    `user_id` is None for the system itself (the demo loader, evening jobs).
    """

    user_id: int | None
    role: str
    area_ids: frozenset[int] = frozenset()
    carer_id: int | None = None


SYSTEM = Actor(user_id=None, role=COMMISSIONER)


def require_role(actor: Actor, *roles: str) -> None:
    """Refuse (Forbidden) an actor whose role is not one of `roles`."""
    if actor.role not in roles:
        raise Forbidden(f"a {actor.role} may not do this")


def reaches_area(actor: Actor, area_id: int) -> bool:
    """Whether the actor's role covers `area_id` (commissioners: all; coordinators: their own)."""
    return actor.role == COMMISSIONER or (actor.role == COORDINATOR and area_id in actor.area_ids)


def require_area(actor: Actor, area_id: int, what: str) -> None:
    """Let commissioners and the area's coordinators through; NotFound for anyone else's area.

    `what` names the record for the message, e.g. "person 12". Carers are Forbidden: they
    reach route sheets only.
    """
    require_role(actor, COMMISSIONER, COORDINATOR)
    if not reaches_area(actor, area_id):
        raise NotFound(f"{what} not found")


def area_filter(actor: Actor) -> frozenset[int] | None:
    """The area ids a list may show: None for every area (commissioners)."""
    require_role(actor, COMMISSIONER, COORDINATOR)
    return None if actor.role == COMMISSIONER else actor.area_ids
