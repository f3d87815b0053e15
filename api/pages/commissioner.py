"""The commissioner's pages: every area on a map and in a table, an area's form (draw the
boundary or upload it as GeoJSON), and an area's last 30 nights as charts.

The form goes through the same services as the API (`data.services.areas`), so a value the API
refuses is refused here with the same message, shown beside its field. Values that are not
even numbers or dates are caught first, all at once, so one post reports every such field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from api.deps import SessionDep
from api.pages import page_router
from api.pages.night_charts import hours_text, night_charts, percent_text
from api.pages.session import CommissionerDep, CsrfDep
from api.pages.templating import render, see_other
from api.schemas.common import PathId
from data.errors import DomainError, Invalid
from data.models import Area
from data.services import areas
from data.services.access import Actor
from data.services.area_statistics import DEFAULT_NIGHTS, area_statistics
from data.services.areas import AreaFields
from data.services.people import current_night

router = page_router()

HOME = "/commissioner"
LARGEST_BOUNDARY_FILE = 2 * 1024 * 1024
ALL_AREAS = 500

LABELS = {
    "name": "Name",
    "provider": "Care provider",
    "on_call_phone": "On-call line",
    "boundary": "Boundary",
    "boundary_file": "Boundary file",
    "base_lat": "Base latitude",
    "base_lon": "Base longitude",
    "base_address": "Base's name and address",
    "crews_per_night": "Crews per night",
    "shift_start": "Shift starts",
    "shift_end": "Shift ends",
    "cutoff_time": "Cut-off for tonight's changes",
    "publish_time": "Tonight's plan published at",
    "break_minutes": "Break length (minutes)",
    "break_earliest": "Break starts no earlier than",
    "break_latest": "Break starts no later than",
    "timezone": "Timezone",
    "start_date": "Contract starts",
    "end_date": "Contract ends",
    "speed_kmh": "Average road speed (km/h)",
    "circuity": "Road distance over straight-line distance",
    "stop_minutes": "Minutes to park and get to the door",
    "form": "Form",
}
TEXT_FIELDS = (
    "name",
    "provider",
    "shift_start",
    "shift_end",
    "cutoff_time",
    "publish_time",
    "timezone",
)
NUMBER_FIELDS = ("base_lat", "base_lon", "speed_kmh", "circuity", "stop_minutes")
WHOLE_NUMBER_FIELDS = ("crews_per_night",)
OPTIONAL_WHOLE_NUMBER_FIELDS = ("break_minutes",)
OPTIONAL_TEXT_FIELDS = ("break_earliest", "break_latest", "on_call_phone", "base_address")
REQUIRED_DATE_FIELDS = ("start_date",)
OPTIONAL_DATE_FIELDS = ("end_date",)
FORM_FIELDS = (
    *TEXT_FIELDS,
    *NUMBER_FIELDS,
    *WHOLE_NUMBER_FIELDS,
    *OPTIONAL_WHOLE_NUMBER_FIELDS,
    *OPTIONAL_TEXT_FIELDS,
    *REQUIRED_DATE_FIELDS,
    *OPTIONAL_DATE_FIELDS,
    "boundary",
)
NEW_AREA_VALUES = {
    "crews_per_night": "2",
    "shift_start": "22:00",
    "shift_end": "07:00",
    "cutoff_time": "16:00",
    "publish_time": "18:00",
    "timezone": "Europe/London",
    "speed_kmh": "48",
    "circuity": "1.3",
    "stop_minutes": "3",
}
COMMON_TIMEZONES = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Amsterdam",
    "Europe/Helsinki",
    "UTC",
)


@dataclass(frozen=True)
class SubmittedArea:
    """An area form as posted: every text value, and the uploaded boundary file if any."""

    values: dict[str, str]
    file_name: str | None = None
    file_bytes: bytes | None = None


@dataclass
class AreaForm:
    """What the form shows: the values to fill in, and each field's error message."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


async def submitted_area(request: Request) -> SubmittedArea:
    """The posted area form (the file is read here, so the route can stay synchronous)."""
    form = await request.form()
    values = {name: str(form.get(name) or "").strip() for name in FORM_FIELDS}
    upload = form.get("boundary_file")
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read(LARGEST_BOUNDARY_FILE + 1)
        return SubmittedArea(values, upload.filename, content)
    return SubmittedArea(values)


SubmittedAreaDep = Annotated[SubmittedArea, Depends(submitted_area)]


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


def _geometry_of(document: Any) -> Any:
    """The geometry inside a GeoJSON document: itself, a Feature's, or a one-feature
    collection's (what mapping tools export); the area service judges the geometry."""
    if not isinstance(document, dict):
        return document
    if document.get("type") == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list) or len(features) != 1:
            count = len(features) if isinstance(features, list) else 0
            raise Invalid(
                f"holds {count} features: it must hold exactly one, the area's Polygon "
                "or MultiPolygon",
                "boundary_file",
            )
        document = features[0]
    if isinstance(document, dict) and document.get("type") == "Feature":
        return document.get("geometry")
    return document


def _boundary_from_file(name: str, content: bytes) -> Any:
    if len(content) > LARGEST_BOUNDARY_FILE:
        raise Invalid(
            f"the file {name} is larger than {LARGEST_BOUNDARY_FILE // (1024 * 1024)} MB",
            "boundary_file",
        )
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise Invalid(
            f"the file {name} is not a text file (GeoJSON is UTF-8 text)", "boundary_file"
        ) from None
    except json.JSONDecodeError as error:
        raise Invalid(
            f"the file {name} is not GeoJSON: {error.msg} "
            f"at line {error.lineno}, column {error.colno}",
            "boundary_file",
        ) from None
    except RecursionError:
        raise Invalid(
            f"the file {name} is nested too deeply to be GeoJSON", "boundary_file"
        ) from None
    return _geometry_of(document)


def _boundary_from_text(text: str) -> Any:
    try:
        return _geometry_of(json.loads(text))
    except json.JSONDecodeError as error:
        raise Invalid(
            f"is not GeoJSON: {error.msg} at line {error.lineno}, column {error.colno}", "boundary"
        ) from None
    except RecursionError:
        raise Invalid("is nested too deeply to be GeoJSON", "boundary") from None


def read_area_form(submitted: SubmittedArea) -> tuple[dict[str, Any], AreaForm]:
    """The typed field values of a posted form, and the form to show again should any fail.

    Values that are not numbers or dates at all are reported here; every other rule is the
    area service's. A boundary file, when one is sent, replaces the boundary field, and its
    GeoJSON is put in the field so a second post need not upload it again.
    """
    values = dict(submitted.values)
    form = AreaForm(values)
    typed: dict[str, Any] = {name: values[name] for name in TEXT_FIELDS}
    for name in NUMBER_FIELDS:
        try:
            typed[name] = float(values[name])
        except ValueError:
            form.errors[name] = "Enter a number" if not values[name] else "Must be a number"
    for name in (*WHOLE_NUMBER_FIELDS, *OPTIONAL_WHOLE_NUMBER_FIELDS):
        if not values[name] and name in OPTIONAL_WHOLE_NUMBER_FIELDS:
            typed[name] = None
            continue
        try:
            typed[name] = int(values[name])
        except ValueError:
            form.errors[name] = (
                "Enter a whole number" if not values[name] else "Must be a whole number"
            )
    for name in OPTIONAL_TEXT_FIELDS:
        typed[name] = values[name] or None
    for name in (*REQUIRED_DATE_FIELDS, *OPTIONAL_DATE_FIELDS):
        if not values[name] and name in OPTIONAL_DATE_FIELDS:
            typed[name] = None
            continue
        try:
            typed[name] = date.fromisoformat(values[name])
        except ValueError:
            form.errors[name] = (
                "Enter a date" if not values[name] else "Must be a date like 2026-04-01"
            )
    try:
        if submitted.file_name is not None and submitted.file_bytes is not None:
            typed["boundary"] = _boundary_from_file(submitted.file_name, submitted.file_bytes)
            values["boundary"] = json.dumps(typed["boundary"])
        elif values["boundary"]:
            typed["boundary"] = _boundary_from_text(values["boundary"])
        else:
            form.errors["boundary"] = (
                "Draw the boundary on the map, paste its GeoJSON, or upload a GeoJSON file"
            )
    except Invalid as error:
        form.errors[error.field or "boundary"] = _sentence(error.detail)
    return typed, form


def _show_error(form: AreaForm, error: DomainError, submitted: SubmittedArea) -> None:
    """Put a service's refusal beside its field. A refused boundary that came in a file is
    the file's fault: the boundary field gets back what it held, not the file's shape."""
    name = error.field if error.field in LABELS else "form"
    if name == "boundary" and submitted.file_name is not None:
        name = "boundary_file"
        form.values["boundary"] = submitted.values["boundary"]
    form.errors[name] = _sentence(error.detail)


def _values_of(area: Area) -> dict[str, str]:
    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    values = {name: text(getattr(area, name, None)) for name in FORM_FIELDS if name != "boundary"}
    values["boundary"] = json.dumps(area.boundary)
    return values


def _map_area(area: Area) -> dict[str, Any]:
    return {
        "id": area.id,
        "name": area.name,
        "url": f"{HOME}/areas/{area.id}",
        "boundary": area.boundary,
        "base": [area.base_lat, area.base_lon],
    }


def _form_page(
    request: Request,
    session: Session,
    actor: Actor,
    form: AreaForm,
    *,
    area: Area | None,
    status_code: int = 200,
) -> Response:
    others = [
        _map_area(a)
        for a in areas.list_areas(session, actor, limit=ALL_AREAS).items
        if area is None or a.id != area.id
    ]
    return render(
        request,
        "pages/commissioner/area_form.html",
        {
            "area": area,
            "form": form,
            "labels": LABELS,
            "timezones": COMMON_TIMEZONES,
            "other_areas": others,
        },
        actor=actor,
        status_code=status_code,
    )


@router.get("/commissioner")
def commissioner_home(request: Request, session: SessionDep, actor: CommissionerDep) -> Response:
    """Every area on a map (boundary and base) and in a table with its crews and times."""
    found = areas.list_areas(session, actor, limit=ALL_AREAS)
    return render(
        request,
        "pages/commissioner/home.html",
        {
            "areas": found.items,
            "total": found.total,
            "map_areas": [_map_area(a) for a in found.items],
        },
        actor=actor,
    )


@router.get("/commissioner/areas/new")
def new_area_page(request: Request, session: SessionDep, actor: CommissionerDep) -> Response:
    """An empty area form, with the usual night's times filled in."""
    values = {name: "" for name in FORM_FIELDS}
    values.update(NEW_AREA_VALUES)
    values["start_date"] = date.today().isoformat()
    return _form_page(request, session, actor, AreaForm(values), area=None)


@router.post("/commissioner/areas/new")
def create_area_form(
    request: Request,
    session: SessionDep,
    actor: CommissionerDep,
    _: CsrfDep,
    submitted: SubmittedAreaDep,
) -> Response:
    """Add the area and go to its page, or show the form again with each field's error."""
    typed, form = read_area_form(submitted)
    if not form.errors:
        try:
            area = areas.create_area(session, actor, AreaFields(**typed))
        except DomainError as error:
            _show_error(form, error, submitted)
        else:
            return see_other(request, f"{HOME}/areas/{area.id}?saved=created")
    return _form_page(request, session, actor, form, area=None, status_code=422)


@router.get("/commissioner/areas/{area_id}")
def area_page(
    request: Request,
    session: SessionDep,
    actor: CommissionerDep,
    area_id: PathId,
    until: date | None = None,
    saved: str | None = None,
) -> Response:
    """An area's settings, and its last 30 nights as charts with their numbers in tables."""
    area = areas.get_area(session, actor, area_id)
    latest = current_night(area)
    last_night = min(until, latest) if until is not None else latest
    stats = area_statistics(session, actor, area.id, last_night=last_night, nights=DEFAULT_NIGHTS)
    later = last_night + timedelta(days=DEFAULT_NIGHTS)
    return render(
        request,
        "pages/commissioner/area.html",
        {
            "area": area,
            "stats": stats,
            "charts": night_charts(stats),
            "hours": hours_text,
            "percent": percent_text,
            "map_areas": [_map_area(area)],
            "saved": saved if saved in ("created", "updated") else None,
            "earlier": stats.first_night - timedelta(days=1),
            "later": min(later, latest) if last_night < latest else None,
        },
        actor=actor,
    )


@router.get("/commissioner/areas/{area_id}/edit")
def edit_area_page(
    request: Request, session: SessionDep, actor: CommissionerDep, area_id: PathId
) -> Response:
    """The area's form, filled in with what is stored."""
    area = areas.get_area(session, actor, area_id)
    return _form_page(request, session, actor, AreaForm(_values_of(area)), area=area)


@router.post("/commissioner/areas/{area_id}/edit")
def update_area_form(
    request: Request,
    session: SessionDep,
    actor: CommissionerDep,
    _: CsrfDep,
    area_id: PathId,
    submitted: SubmittedAreaDep,
) -> Response:
    """Save the area's changes and go to its page, or show the form again with the errors."""
    area = areas.get_area(session, actor, area_id)
    typed, form = read_area_form(submitted)
    if not form.errors:
        try:
            areas.update_area(session, actor, area.id, typed)
        except DomainError as error:
            _show_error(form, error, submitted)
        else:
            return see_other(request, f"{HOME}/areas/{area.id}?saved=updated")
    return _form_page(request, session, actor, form, area=area, status_code=422)
