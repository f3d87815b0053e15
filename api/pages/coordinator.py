"""The coordinator's pages: their areas, people and their calls (add, edit, pause, cancel for a
night, one-off calls), tonight's plan as a timeline per crew with the unassigned calls and why,
publishing again, and importing people from a CSV spreadsheet.

Every page calls the same services as the API, and every form is read by the API's own request
schemas first, so a value the API refuses is refused here with the same message, beside its
field. Another area's person, call or night answers 404, as in the API.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import BackgroundTasks, Depends, Request, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from api.deps import SessionDep, SettingsDep
from api.pages import page_router
from api.pages.coordinator_forms import (
    FORM,
    FormState,
    Posted,
    PostedDep,
    check_required,
    optional,
    saved_or_shown_again,
    validated,
)
from api.pages.night_timeline import build_timeline, night_title
from api.pages.session import CoordinatorDep, CsrfDep
from api.pages.templating import render, see_other
from api.schemas.common import PathId
from api.schemas.needs import CancellationCreate, NeedCreate, OneOffCallCreate
from api.schemas.people import PersonCreate
from data.errors import DomainError, Invalid
from data.models import Area, Need, Person
from data.services import areas, needs, people, pins
from data.services.access import Actor
from data.services.csv_import import (
    MOST_BYTES,
    PERSON_COLUMNS,
    ImportReport,
    example_file,
    import_people_and_needs,
)
from data.services.needs import CancellationFields, NeedFields, OneOffFields
from data.services.night_overview import night_overview
from data.services.notifications import notify_committed_publication
from data.services.people import (
    SECRET_FIELDS,
    Geocoder,
    PersonFields,
    current_night,
    geocoder_from_settings,
)
from data.services.pins import PinFields
from data.services.publication import (
    REPUBLISHED,
    prepare_night,
    solve_prepared,
    write_publication,
)
from data.settings import Settings

router = page_router()

HOME = "/coordinator"
ALL = 500
PEOPLE_PER_PAGE = 100
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PRIORITIES = ("critical", "standard", "optional")
CANCEL_REASONS = ("in hospital", "respite", "family staying", "away")
PUBLISH_SECONDS = (2, 10, 30)

# A person's form has the same fields as a person's columns in an import file.
PERSON_FIELDS = PERSON_COLUMNS
PERSON_REQUIRED = {"name": "their name", "address": "their address", "start_date": "a date"}
NEED_FIELDS = (
    "label",
    "weekdays",
    "earliest",
    "latest",
    "minutes",
    "priority",
    "skills",
    "start_date",
    "end_date",
    "after_need_id",
    "min_gap_minutes",
    "max_gap_minutes",
    "paused",
)
NEED_REQUIRED = {
    "label": "what the call is for",
    "weekdays": "the nights of the week",
    "earliest": "the earliest start, like 23:00",
    "latest": "the latest start, like 23:30",
    "minutes": "the minutes of care",
    "start_date": "the date the call starts from",
}
ONE_OFF_FIELDS = ("night", "label", "earliest", "latest", "minutes", "priority", "skills", "note")
ONE_OFF_REQUIRED = {
    "night": "the night",
    "label": "what the call is for",
    "earliest": "the earliest start, like 23:00",
    "latest": "the latest start, like 23:30",
    "minutes": "the minutes of care",
}
CANCEL_FIELDS = ("night", "reason", "note")
PIN_FIELDS = ("call", "crew_number", "start")


def _skills(text: str) -> list[str]:
    return [s.strip() for s in text.replace(";", ",").split(",") if s.strip()]


def _weekdays_text(days: list[int]) -> str:
    if sorted(days) == list(range(7)):
        return "every night"
    return ", ".join(WEEKDAY_NAMES[d] for d in sorted(days))


def _person_url(person_id: int, saved: str) -> str:
    """The person's page, saying what was just saved."""
    return f"{HOME}/people/{person_id}?saved={saved}"


def _night_url(area_id: int, night: date) -> str:
    return f"{HOME}/areas/{area_id}/nights/{night.isoformat()}"


def _my_areas(session: Session, actor: Actor) -> list[Area]:
    return list(areas.list_areas(session, actor, limit=ALL).items)


def _page(
    request: Request, actor: Actor, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    return render(
        request,
        f"pages/coordinator/{name}.html",
        {"weekday_names": WEEKDAY_NAMES, "weekdays_text": _weekdays_text, **context},
        actor=actor,
        status_code=status_code,
    )


# Home


@router.get("/coordinator")
def coordinator_home(request: Request, session: SessionDep, actor: CoordinatorDep) -> Response:
    """The coordinator's areas, each with tonight's plan at a glance and its pages."""
    rows = []
    for area in _my_areas(session, actor):
        night = current_night(area)
        overview = night_overview(session, actor, area.id, night)
        rows.append({"area": area, "night": night, "overview": overview})
    return _page(request, actor, "home", {"rows": rows, "night_title": night_title})


# People


@router.get("/coordinator/areas/{area_id}/people")
def people_page(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    area_id: PathId,
    offset: int = 0,
    imported: int | None = None,
) -> Response:
    """The area's people by name, a page at a time."""
    area = areas.get_area(session, actor, area_id)
    found = people.list_people(
        session, actor, area_id=area.id, offset=max(offset, 0), limit=PEOPLE_PER_PAGE
    )
    return _page(
        request,
        actor,
        "people",
        {"area": area, "found": found, "per_page": PEOPLE_PER_PAGE, "imported": imported},
    )


def _person_form_page(
    request: Request,
    actor: Actor,
    settings: Settings,
    state: FormState,
    *,
    area: Area,
    person: Person | None,
    status_code: int = 200,
) -> Response:
    geocoding = geocoder_from_settings(settings) is not None
    return _page(
        request,
        actor,
        "person_form",
        {"area": area, "person": person, "form": state, "geocoding": geocoding},
        status_code,
    )


def _person_data(posted: Posted, state: FormState) -> PersonCreate | None:
    check_required(state, PERSON_REQUIRED)
    data = optional(posted.values, PERSON_FIELDS)
    body = validated(PersonCreate, {k: v for k, v in data.items() if v is not None}, state)
    return body if body is not None and not state.errors else None


def _saved_person_form(
    request: Request,
    actor: Actor,
    settings: Settings,
    posted: Posted,
    *,
    area: Area,
    person: Person | None,
    saved: str,
    save: Callable[[PersonCreate, Geocoder | None], Person],
) -> Response:
    """Save the person's form and go to their page, or show the form again (422)."""
    state = FormState(dict(posted.values))
    geocoder = geocoder_from_settings(settings)
    return saved_or_shown_again(
        request,
        state,
        _person_data(posted, state),
        lambda body: _person_url(save(body, geocoder).id, saved),
        fields=PERSON_FIELDS,
        show_again=lambda: _person_form_page(
            request, actor, settings, state, area=area, person=person, status_code=422
        ),
    )


@router.get("/coordinator/areas/{area_id}/people/new")
def new_person_page(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    settings: SettingsDep,
    area_id: PathId,
) -> Response:
    """An empty form for a new person of the area."""
    area = areas.get_area(session, actor, area_id)
    state = FormState({"start_date": date.today().isoformat()})
    return _person_form_page(request, actor, settings, state, area=area, person=None)


@router.post("/coordinator/areas/{area_id}/people/new")
def create_person_form(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    settings: SettingsDep,
    _: CsrfDep,
    area_id: PathId,
    posted: PostedDep,
) -> Response:
    """Add the person and go to their page, or show the form again with each field's error."""
    area = areas.get_area(session, actor, area_id)
    return _saved_person_form(
        request,
        actor,
        settings,
        posted,
        area=area,
        person=None,
        saved="created",
        save=lambda body, geocoder: people.create_person(
            session, actor, PersonFields(**body.model_dump()), geocoder=geocoder
        ),
    )


def _person_context(session: Session, actor: Actor, person: Person) -> dict[str, Any]:
    area = areas.get_area(session, actor, person.area_id)
    tonight = current_night(area)
    person_needs = needs.list_needs(session, actor, person_id=person.id, limit=ALL).items
    one_offs = [
        c
        for c in needs.list_one_off_calls(session, actor, person_id=person.id, limit=ALL).items
        if c.night >= tonight
    ]
    cancellations = [
        c
        for c in needs.list_cancellations(session, actor, person_id=person.id, limit=ALL).items
        if c.night >= tonight
    ]
    return {
        "area": area,
        "person": person,
        "needs": person_needs,
        "labels": {n.id: n.label for n in person_needs},
        "one_offs": one_offs,
        "cancellations": cancellations,
        "tonight": tonight,
        "reasons": CANCEL_REASONS,
    }


@router.get("/coordinator/people/{person_id}")
def person_page(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    person_id: PathId,
    saved: str | None = None,
) -> Response:
    """A person: their details, their recurring calls, coming one-off calls and cancellations,
    and the form to cancel their calls for a night."""
    person = people.get_person(session, actor, person_id)
    context = _person_context(session, actor, person)
    state = FormState({"night": context["tonight"].isoformat()})
    return _page(request, actor, "person", {**context, "cancel_form": state, "saved": saved})


@router.get("/coordinator/people/{person_id}/edit")
def edit_person_page(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    settings: SettingsDep,
    person_id: PathId,
) -> Response:
    """The person's form filled in with what is stored (the access notes and key-safe code are
    never shown here: they are read, audited, on route sheets)."""
    person = people.get_person(session, actor, person_id)
    area = areas.get_area(session, actor, person.area_id)
    values = {
        name: ("" if getattr(person, name) is None else str(getattr(person, name)))
        for name in PERSON_FIELDS
        if name not in SECRET_FIELDS
    }
    return _person_form_page(request, actor, settings, FormState(values), area=area, person=person)


@router.post("/coordinator/people/{person_id}/edit")
def update_person_form(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    settings: SettingsDep,
    _: CsrfDep,
    person_id: PathId,
    posted: PostedDep,
) -> Response:
    """Save the person's changes (an empty secret field keeps what is stored; its "remove" box
    removes it), or show the form again with each field's error."""
    person = people.get_person(session, actor, person_id)
    area = areas.get_area(session, actor, person.area_id)

    def save(body: PersonCreate, geocoder: Geocoder | None) -> Person:
        changes = body.model_dump()
        for name in SECRET_FIELDS:
            if posted.text(f"remove_{name}"):
                changes[name] = None
            elif not posted.text(name):
                del changes[name]
        return people.update_person(session, actor, person.id, changes, geocoder=geocoder)

    return _saved_person_form(
        request, actor, settings, posted, area=area, person=person, saved="updated", save=save
    )


# Recurring calls (needs)


def _need_form_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    state: FormState,
    *,
    person: Person,
    need: Need | None,
    status_code: int = 200,
) -> Response:
    others = [
        n
        for n in needs.list_needs(session, actor, person_id=person.id, limit=ALL).items
        if need is None or n.id != need.id
    ]
    return _page(
        request,
        actor,
        "need_form",
        {
            "person": person,
            "need": need,
            "form": state,
            "others": others,
            "priorities": PRIORITIES,
            "weekday_long": WEEKDAY_LONG,
        },
        status_code,
    )


def _need_state(posted: Posted) -> FormState:
    values: dict[str, Any] = dict(posted.values)
    values["weekdays"] = posted.lists.get("weekdays", [])
    return FormState(values)


def _need_data(posted: Posted, state: FormState, person_id: int) -> NeedCreate | None:
    check_required(state, NEED_REQUIRED)
    data: dict[str, Any] = {
        k: v
        for k, v in optional(posted.values, NEED_FIELDS).items()
        if v is not None and k not in ("weekdays", "skills", "paused")
    }
    data.update(
        person_id=person_id,
        weekdays=posted.lists.get("weekdays", []),
        skills=_skills(posted.text("skills")),
        paused=bool(posted.text("paused")),
    )
    body = validated(NeedCreate, data, state)
    return body if body is not None and not state.errors else None


def _saved_need_form(
    request: Request,
    session: Session,
    actor: Actor,
    posted: Posted,
    *,
    person: Person,
    need: Need | None,
    save: Callable[[NeedCreate], Need],
) -> Response:
    """Save the call's form and go back to the person, or show the form again (422)."""
    state = _need_state(posted)

    def save_and_go_back(body: NeedCreate) -> str:
        save(body)
        return _person_url(person.id, "need")

    return saved_or_shown_again(
        request,
        state,
        _need_data(posted, state, person.id),
        save_and_go_back,
        fields=NEED_FIELDS,
        show_again=lambda: _need_form_page(
            request, session, actor, state, person=person, need=need, status_code=422
        ),
    )


def _need_values(need: Need) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: "" if getattr(need, name) is None else str(getattr(need, name))
        for name in NEED_FIELDS
        if name not in ("weekdays", "skills", "paused")
    }
    values.update(
        weekdays=[str(d) for d in need.weekdays],
        skills=", ".join(need.skills),
        paused="yes" if need.paused else "",
    )
    return values


@router.get("/coordinator/people/{person_id}/needs/new")
def new_need_page(
    request: Request, session: SessionDep, actor: CoordinatorDep, person_id: PathId
) -> Response:
    """An empty form for a new recurring call of the person."""
    person = people.get_person(session, actor, person_id)
    state = FormState(
        {
            "weekdays": [str(d) for d in range(7)],
            "priority": "standard",
            "start_date": max(person.start_date, date.today()).isoformat(),
        }
    )
    return _need_form_page(request, session, actor, state, person=person, need=None)


@router.post("/coordinator/people/{person_id}/needs/new")
def create_need_form(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    _: CsrfDep,
    person_id: PathId,
    posted: PostedDep,
) -> Response:
    """Add the call and go back to the person, or show the form again with the errors."""
    person = people.get_person(session, actor, person_id)
    return _saved_need_form(
        request,
        session,
        actor,
        posted,
        person=person,
        need=None,
        save=lambda body: needs.create_need(session, actor, NeedFields(**body.model_dump())),
    )


@router.get("/coordinator/needs/{need_id}/edit")
def edit_need_page(
    request: Request, session: SessionDep, actor: CoordinatorDep, need_id: PathId
) -> Response:
    """The call's form filled in with what is stored."""
    need = needs.get_need(session, actor, need_id)
    person = people.get_person(session, actor, need.person_id)
    return _need_form_page(
        request, session, actor, FormState(_need_values(need)), person=person, need=need
    )


@router.post("/coordinator/needs/{need_id}/edit")
def update_need_form(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    _: CsrfDep,
    need_id: PathId,
    posted: PostedDep,
) -> Response:
    """Save the call's changes, or show the form again with the errors."""
    need = needs.get_need(session, actor, need_id)
    person = people.get_person(session, actor, need.person_id)
    return _saved_need_form(
        request,
        session,
        actor,
        posted,
        person=person,
        need=need,
        save=lambda body: needs.update_need(
            session, actor, need.id, body.model_dump(exclude={"person_id"})
        ),
    )


@router.post("/coordinator/needs/{need_id}/remove")
def remove_need_form(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    _: CsrfDep,
    need_id: PathId,
) -> Response:
    """Remove the call for good (from its edit page); refused while another call follows it."""
    need = needs.get_need(session, actor, need_id)
    person = people.get_person(session, actor, need.person_id)
    try:
        needs.delete_need(session, actor, need.id)
    except DomainError as error:
        state = FormState(_need_values(need))
        state.refuse(FORM, error.detail)
        return _need_form_page(
            request, session, actor, state, person=person, need=need, status_code=409
        )
    return see_other(request, _person_url(person.id, "need-removed"))


@router.post("/coordinator/needs/{need_id}/pause")
def pause_need_form(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    _: CsrfDep,
    need_id: PathId,
    posted: PostedDep,
) -> Response:
    """Pause the call (`paused=yes`: left out of every night until resumed) or resume it."""
    need = needs.get_need(session, actor, need_id)
    paused = posted.text("paused") == "yes"
    needs.update_need(session, actor, need.id, {"paused": paused})
    return see_other(request, _person_url(need.person_id, "paused" if paused else "resumed"))


# A night's cancellations and one-off calls


@router.post("/coordinator/people/{person_id}/cancellations")
def cancel_for_night_form(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    _: CsrfDep,
    person_id: PathId,
    posted: PostedDep,
) -> Response:
    """Cancel the person's calls for one night, or show their page with the form's errors."""
    person = people.get_person(session, actor, person_id)
    state = FormState(dict(posted.values))
    check_required(state, {"night": "the night", "reason": "why (in hospital, respite...)"})
    data = {k: v for k, v in optional(posted.values, CANCEL_FIELDS).items() if v is not None}

    def save(body: CancellationCreate) -> str:
        needs.create_cancellation(session, actor, CancellationFields(**body.model_dump()))
        return _person_url(person.id, "cancelled")

    def show_again() -> Response:
        context = _person_context(session, actor, person)
        return _page(request, actor, "person", {**context, "cancel_form": state}, 422)

    return saved_or_shown_again(
        request,
        state,
        validated(CancellationCreate, {**data, "person_id": person.id}, state),
        save,
        fields=CANCEL_FIELDS,
        show_again=show_again,
    )


@router.post("/coordinator/cancellations/{cancellation_id}/withdraw")
def withdraw_cancellation_form(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    _: CsrfDep,
    cancellation_id: PathId,
) -> Response:
    """Withdraw a cancellation: the person's calls that night count again."""
    cancellation = needs.get_cancellation(session, actor, cancellation_id)
    needs.delete_cancellation(session, actor, cancellation.id)
    return see_other(request, _person_url(cancellation.person_id, "withdrawn"))


def _one_off_page(
    request: Request, actor: Actor, state: FormState, person: Person, status_code: int = 200
) -> Response:
    context = {"person": person, "form": state, "priorities": PRIORITIES}
    return _page(request, actor, "one_off_form", context, status_code)


@router.get("/coordinator/people/{person_id}/one-off-calls/new")
def new_one_off_page(
    request: Request, session: SessionDep, actor: CoordinatorDep, person_id: PathId
) -> Response:
    """An empty form for a call on one night only (tonight unless changed)."""
    person = people.get_person(session, actor, person_id)
    area = areas.get_area(session, actor, person.area_id)
    state = FormState({"night": current_night(area).isoformat(), "priority": "standard"})
    return _one_off_page(request, actor, state, person)


@router.post("/coordinator/people/{person_id}/one-off-calls/new")
def create_one_off_form(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    _: CsrfDep,
    person_id: PathId,
    posted: PostedDep,
) -> Response:
    """Add the one-off call and go back to the person, or show the form with the errors."""
    person = people.get_person(session, actor, person_id)
    state = FormState(dict(posted.values))
    check_required(state, ONE_OFF_REQUIRED)
    data: dict[str, Any] = {
        k: v
        for k, v in optional(posted.values, ONE_OFF_FIELDS).items()
        if v is not None and k != "skills"
    }
    data.update(person_id=person.id, skills=_skills(posted.text("skills")))

    def save(body: OneOffCallCreate) -> str:
        needs.create_one_off_call(session, actor, OneOffFields(**body.model_dump()))
        return _person_url(person.id, "one-off")

    return saved_or_shown_again(
        request,
        state,
        validated(OneOffCallCreate, data, state),
        save,
        fields=ONE_OFF_FIELDS,
        show_again=lambda: _one_off_page(request, actor, state, person, 422),
    )


@router.post("/coordinator/one-off-calls/{call_id}/remove")
def remove_one_off_form(
    request: Request, session: SessionDep, actor: CoordinatorDep, _: CsrfDep, call_id: PathId
) -> Response:
    """Remove a one-off call."""
    call = needs.get_one_off_call(session, actor, call_id)
    needs.delete_one_off_call(session, actor, call.id)
    return see_other(request, _person_url(call.person_id, "removed"))


# Tonight's plan


@router.get("/coordinator/areas/{area_id}/tonight")
def tonight_page(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    area_id: PathId,
    night: date | None = None,
) -> Response:
    """The night under way in the area (or about to start), or the `night` asked for."""
    area = areas.get_area(session, actor, area_id)
    chosen = night or current_night(area)
    return see_other(request, _night_url(area.id, chosen))


def _night_page(
    request: Request,
    session: Session,
    actor: Actor,
    area_id: int,
    night: date,
    *,
    pin_form: FormState | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The night page: the overview, its timeline, the night's pins and the pin form."""
    overview = night_overview(session, actor, area_id, night)
    plan = overview.plan
    zone = ZoneInfo(overview.area.timezone)
    timeline = None
    plan_error = None
    if plan is not None:
        try:
            timeline = build_timeline(
                overview.area, overview.night, plan.plan, overview.crews, overview.calls
            )
        except (KeyError, TypeError, ValueError) as error:
            # Stored plans are written by the solver; one that cannot be read is shown as
            # such, as the route sheets do, rather than failing the whole page.
            plan_error = f"version {plan.version} cannot be read ({error!r}); publish again"
    night_pins = pins.list_pins(session, actor, area_id, night)
    plan_calls = {str(c["id"]) for c in plan.problem.get("calls", [])} if plan else set()

    def local_time(at: datetime) -> str:
        return at.astimezone(zone).strftime("%H:%M on %-d %b")

    context = {
        "overview": overview,
        "area": overview.area,
        "night": overview.night,
        "title": night_title(overview.night),
        "plan": plan,
        "timeline": timeline,
        "plan_error": plan_error,
        "earlier": overview.night - timedelta(days=1),
        "later": overview.night + timedelta(days=1),
        "tonight": current_night(overview.area),
        "publish_seconds": PUBLISH_SECONDS,
        "local_time": local_time,
        "pins": night_pins,
        "pinned": {p.call for p in night_pins},
        "pin_calls": sorted(
            (overview.calls[c] for c in plan_calls if c in overview.calls),
            key=lambda call: (call.person_name, call.earliest),
        ),
        "pin_form": pin_form or FormState({"call": request.query_params.get("pin", "")}),
        **extra,
    }
    return _page(request, actor, "night", context, status_code)


@router.get("/coordinator/areas/{area_id}/nights/{night}")
def night_page(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    area_id: PathId,
    night: date,
    published: int | None = None,
    pinned: str | None = None,
    view: str | None = None,
) -> Response:
    """A night's plan as a timeline per crew (`view=list`: as lists, as on a phone), the
    unassigned calls and why, the night's pins, the calls left out of the night, and the
    evening's runs."""
    return _night_page(
        request,
        session,
        actor,
        area_id,
        night,
        published=published,
        pin_saved=pinned,
        as_list=view == "list",
    )


@router.post("/coordinator/areas/{area_id}/nights/{night}/pins")
def pin_call_form(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    _: CsrfDep,
    area_id: PathId,
    night: date,
    posted: PostedDep,
) -> Response:
    """Pin a call of the night to a crew and/or a start time (it holds from the next
    publication on), or show the night again with the pin form's errors."""
    area = areas.get_area(session, actor, area_id)
    state = FormState(dict(posted.values))
    check_required(state, {"call": "the call to pin"})
    crew_text = posted.text("crew_number")
    if crew_text and not crew_text.isdigit():
        state.refuse("crew_number", "Choose a crew")
    pin = None
    if not state.errors:
        pin = PinFields(
            call=posted.text("call"),
            crew_number=int(crew_text) if crew_text else None,
            start=posted.text("start") or None,
        )

    def save(fields: PinFields) -> str:
        pins.create_pin(session, actor, area.id, night, fields)
        return f"{_night_url(area.id, night)}?pinned=added"

    return saved_or_shown_again(
        request,
        state,
        pin,
        save,
        fields=PIN_FIELDS,
        show_again=lambda: _night_page(
            request, session, actor, area.id, night, pin_form=state, status_code=422
        ),
    )


@router.post("/coordinator/areas/{area_id}/nights/{night}/pins/{pin_id}/remove")
def remove_pin_form(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    _: CsrfDep,
    area_id: PathId,
    night: date,
    pin_id: PathId,
) -> Response:
    """Remove a pin: later publications plan the call freely again."""
    area = areas.get_area(session, actor, area_id)
    pins.delete_pin(session, actor, area.id, night, pin_id)
    return see_other(request, f"{_night_url(area.id, night)}?pinned=removed")


@router.post("/coordinator/areas/{area_id}/nights/{night}/publish")
def publish_again_form(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    settings: SettingsDep,
    background: BackgroundTasks,
    _: CsrfDep,
    area_id: PathId,
    night: date,
    posted: PostedDep,
) -> Response:
    """Plan the night again and publish it as the next version (as `POST .../publish`);
    the crews' carers are told after the commit."""
    area = areas.get_area(session, actor, area_id)
    try:
        seconds = int(posted.text("seconds") or PUBLISH_SECONDS[0])
    except ValueError:
        raise Invalid("must be a whole number of seconds", "seconds") from None
    if seconds not in PUBLISH_SECONDS:
        raise Invalid(f"must be one of {', '.join(map(str, PUBLISH_SECONDS))}", "seconds")
    prepared = prepare_night(session, area.id, night)
    # End the reading transaction before searching: on SQLite every transaction holds the
    # write lock from BEGIN, and other requests must not wait seconds for the solver.
    session.commit()
    plan = solve_prepared(prepared, seconds)
    result = write_publication(session, prepared, plan, trigger=REPUBLISHED, actor=actor)
    background.add_task(
        notify_committed_publication, request.app.state.read_sessions, settings, result
    )
    response = see_other(request, f"{_night_url(area.id, night)}?published={result.version}")
    response.background = background
    return response


# Importing people from a spreadsheet


@router.get("/coordinator/areas/{area_id}/import")
def import_page(
    request: Request, session: SessionDep, actor: CoordinatorDep, area_id: PathId
) -> Response:
    """The upload form, with the columns a file may have."""
    area = areas.get_area(session, actor, area_id)
    return _page(request, actor, "import", {"area": area, "report": None, "file_error": None})


@router.get("/coordinator/areas/{area_id}/import/example.csv")
def import_example(session: SessionDep, actor: CoordinatorDep, area_id: PathId) -> Response:
    """A CSV file with every column and rows that import cleanly into this area, to fill in."""
    area = areas.get_area(session, actor, area_id)
    return Response(
        example_file(area),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="people-and-calls-example.csv"'},
    )


async def uploaded_csv(request: Request) -> tuple[str, bytes] | None:
    """The posted file's name and bytes (at most one byte past the limit), or None."""
    upload = (await request.form()).get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        return upload.filename, await upload.read(MOST_BYTES + 1)
    return None


@router.post("/coordinator/areas/{area_id}/import")
def import_form(
    request: Request,
    session: SessionDep,
    actor: CoordinatorDep,
    settings: SettingsDep,
    _: CsrfDep,
    area_id: PathId,
    upload: Annotated[tuple[str, bytes] | None, Depends(uploaded_csv)],
) -> Response:
    """Import the file: every row right, everyone stored and on to the people list; any row
    wrong, nothing stored and the report of every wrong row, column and reason."""
    area = areas.get_area(session, actor, area_id)
    file_error = None
    report: ImportReport | None = None
    if upload is None:
        file_error = "Choose a CSV file to import"
    elif len(upload[1]) > MOST_BYTES:
        file_error = f"The file is over {MOST_BYTES // (1024 * 1024)} MB: split it"
    else:
        report = import_people_and_needs(
            session,
            actor,
            area.id,
            upload[1],
            file_name=upload[0],
            geocoder=geocoder_from_settings(settings),
        )
        if report.imported:
            return see_other(
                request, f"{HOME}/areas/{area.id}/people?imported={len(report.people)}"
            )
    context = {
        "area": area,
        "report": report,
        "file_error": file_error,
        "file_name": upload[0] if upload else None,
        "wrong_rows": len({e.row for e in report.errors}) if report else 0,
    }
    return _page(request, actor, "import", context, 422)
