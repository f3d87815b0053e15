"""Route sheets: HTML for a phone or an A4 printer, an A4 PDF, JSON, and an SVG drawing.

Each is self-contained (inline CSS, no scripts, no map tiles, built-in PDF fonts) so it works
offline once loaded. Everything stored is escaped by Jinja2's autoescaping. A sheet may carry
key-safe codes, so no sheet is kept in a cache.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from api.deps import ActorDep, SessionDep, SettingsDep, writes_on_read
from api.phone_links import dial_string
from api.routes.responses import ERRORS, ErrorRead
from api.schemas.common import PathId
from api.schemas.route_sheets import RouteSheetRead
from data.services.route_sheet_pdf import route_sheet_pdf
from data.services.route_sheets import RouteSheet, route_drawing, route_sheet, route_sheet_of_plan
from data.settings import Settings

router = APIRouter(tags=["route sheets"])

# Errors stay JSON on these HTML and SVG routes; FastAPI would otherwise document an error
# model under the route's own media type.
_JSON_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {
        "description": entry["description"],
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ErrorRead.__name__}"}}
        },
    }
    for code, entry in ERRORS.items()
}

CrewNumber = Annotated[int, PathParam(ge=1, le=50, description="the crew's number that night")]

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_TEMPLATES.filters["dial"] = dial_string

_DRAWING = _TEMPLATES.from_string(
    """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{ width }} {{ height }}" \
width="{{ width }}" height="{{ height }}" role="img" aria-labelledby="route-title">
<title id="route-title">Route of crew {{ sheet.crew_number }}, {{ sheet.area_name }}, night of \
{{ sheet.night.isoformat() }}: base and {{ sheet.visits | length }} visits</title>
<rect width="{{ width }}" height="{{ height }}" fill="#fff"/>
{% if stops | length > 1 %}
<polyline fill="none" stroke="#0645ad" stroke-width="2" stroke-linejoin="round" \
points="{% for s in stops %}{{ s.x }},{{ s.y }} {% endfor %}{{ stops[0].x }},{{ stops[0].y }}"/>
{% endif %}
<g class="base" data-stop="base">
<rect x="{{ stops[0].x - 9 }}" y="{{ stops[0].y - 9 }}" width="18" height="18" fill="#222"/>
<text x="{{ stops[0].x }}" y="{{ stops[0].y + 24 }}" font-size="12" text-anchor="middle" \
font-family="sans-serif">base</text>
</g>
{% for s in stops[1:] %}
<g class="visit" data-stop="{{ s.number }}">
<title>{{ s.number }}. {{ visits[s.number - 1].arrive }} {{ visits[s.number - 1].person_name }}\
</title>
<circle cx="{{ s.x }}" cy="{{ s.y }}" r="11" fill="#fff" stroke="#a00" stroke-width="2"/>
<text x="{{ s.x }}" y="{{ s.y + 4 }}" font-size="12" text-anchor="middle" \
font-family="sans-serif">{{ s.number }}</text>
</g>
{% endfor %}
</svg>
"""
)


def route_svg(sheet: RouteSheet, *, width: int = 400, height: int = 400) -> str:
    """The round drawn offline: base (a square), visits (numbered circles), lines between."""
    return _DRAWING.render(
        sheet=sheet,
        visits=sheet.visits,
        stops=route_drawing(sheet, width=width, height=height),
        width=width,
        height=height,
    )


def route_sheet_html(sheet: RouteSheet, *, current_url: str | None) -> str:
    """The sheet as a self-contained HTML page, with the drawing inline."""
    # The drawing comes from an autoescaping template, so it is safe to insert as markup.
    drawing = Markup(route_svg(sheet))  # noqa: S704
    return _TEMPLATES.get_template("route_sheet.html").render(
        sheet=sheet, current_url=current_url, drawing=drawing
    )


def _current_url(request: Request, sheet: RouteSheet, route_name: str) -> str | None:
    """The path of the current version's sheet (in the same format) for a superseded one."""
    if not sheet.superseded or sheet.current_plan_id is None:
        return None
    return str(
        request.url_for(
            route_name, plan_id=sheet.current_plan_id, crew_number=sheet.crew_number
        ).path
    )


_NOT_KEPT = {"Cache-Control": "no-store"}


def _html_response(request: Request, sheet: RouteSheet) -> HTMLResponse:
    current = _current_url(request, sheet, "read_plan_route_sheet_html")
    return HTMLResponse(route_sheet_html(sheet, current_url=current), headers=_NOT_KEPT)


def _pdf_response(request: Request, settings: Settings, sheet: RouteSheet) -> Response:
    # A link in a printed or saved PDF has no page to be relative to: it names the server,
    # as the public address the emails use when one is set.
    path = _current_url(request, sheet, "read_plan_route_sheet_pdf")
    base = settings.public_base_url or str(request.base_url)
    current_url = base.rstrip("/") + path if path is not None else None
    name = f"crew-{sheet.crew_number}-{sheet.night.isoformat()}-v{sheet.version}.pdf"
    return Response(
        route_sheet_pdf(sheet, current_url=current_url),
        media_type="application/pdf",
        headers={**_NOT_KEPT, "Content-Disposition": f'inline; filename="{name}"'},
    )


def _json_read(request: Request, response: Response, sheet: RouteSheet) -> RouteSheetRead:
    response.headers.update(_NOT_KEPT)
    read = RouteSheetRead.model_validate(sheet)
    current = _current_url(request, sheet, "read_plan_route_sheet_json")
    return read.model_copy(update={"current_sheet": current})


_HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "the route sheet page"},
    **_JSON_ERRORS,
}
_PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "the route sheet on A4"},
    **_JSON_ERRORS,
}
_SVG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/svg+xml": {}}, "description": "the round drawn"},
    **_JSON_ERRORS,
}


@router.get(
    "/areas/{area_id}/nights/{night}/crews/{crew_number}/sheet.html",
    response_class=HTMLResponse,
    responses=_HTML,
)
@writes_on_read
def read_route_sheet_html(
    area_id: PathId,
    night: date,
    crew_number: CrewNumber,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
) -> HTMLResponse:
    """A crew's route sheet from the night's current plan, as a page for a phone or A4.

    Carers get only their own crew's sheet, with key-safe codes from the day of the night
    until the shift ends (as `/people/{id}/secrets`); each one shown is written to the audit
    log."""
    sheet = route_sheet(session, actor, area_id, night, crew_number)
    return _html_response(request, sheet)


@router.get(
    "/areas/{area_id}/nights/{night}/crews/{crew_number}/sheet.pdf",
    response_class=Response,
    responses=_PDF,
)
@writes_on_read
def read_route_sheet_pdf(
    area_id: PathId,
    night: date,
    crew_number: CrewNumber,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
) -> Response:
    """The same sheet as an A4 PDF (the same access rules; codes shown are audited)."""
    sheet = route_sheet(session, actor, area_id, night, crew_number)
    return _pdf_response(request, settings, sheet)


@router.get(
    "/areas/{area_id}/nights/{night}/crews/{crew_number}/sheet.json",
    response_model=RouteSheetRead,
    responses=ERRORS,
)
@writes_on_read
def read_route_sheet_json(
    area_id: PathId,
    night: date,
    crew_number: CrewNumber,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
) -> RouteSheetRead:
    """The same sheet as JSON, with the changes since the previous version marked."""
    sheet = route_sheet(session, actor, area_id, night, crew_number)
    return _json_read(request, response, sheet)


@router.get(
    "/areas/{area_id}/nights/{night}/crews/{crew_number}/sheet.svg",
    response_class=Response,
    responses=_SVG,
)
def read_route_sheet_svg(
    area_id: PathId, night: date, crew_number: CrewNumber, session: SessionDep, actor: ActorDep
) -> Response:
    """The crew's round drawn as SVG (no map tiles): base, numbered visits, lines between."""
    sheet = route_sheet(session, actor, area_id, night, crew_number, secrets=False)
    return Response(route_svg(sheet), media_type="image/svg+xml")


@router.get(
    "/plans/{plan_id}/crews/{crew_number}/sheet.html",
    response_class=HTMLResponse,
    responses=_HTML,
)
@writes_on_read
def read_plan_route_sheet_html(
    plan_id: PathId,
    crew_number: CrewNumber,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
) -> HTMLResponse:
    """A crew's sheet from one plan version; a superseded one says so and links to the
    current sheet."""
    sheet = route_sheet_of_plan(session, actor, plan_id, crew_number)
    return _html_response(request, sheet)


@router.get(
    "/plans/{plan_id}/crews/{crew_number}/sheet.pdf",
    response_class=Response,
    responses=_PDF,
)
@writes_on_read
def read_plan_route_sheet_pdf(
    plan_id: PathId,
    crew_number: CrewNumber,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
) -> Response:
    """A crew's sheet from one plan version as an A4 PDF; a superseded one says so and links
    to the current PDF."""
    sheet = route_sheet_of_plan(session, actor, plan_id, crew_number)
    return _pdf_response(request, settings, sheet)


@router.get(
    "/plans/{plan_id}/crews/{crew_number}/sheet.json",
    response_model=RouteSheetRead,
    responses=ERRORS,
)
@writes_on_read
def read_plan_route_sheet_json(
    plan_id: PathId,
    crew_number: CrewNumber,
    request: Request,
    response: Response,
    session: SessionDep,
    actor: ActorDep,
) -> RouteSheetRead:
    """A crew's sheet from one plan version as JSON; a superseded one names the current."""
    sheet = route_sheet_of_plan(session, actor, plan_id, crew_number)
    return _json_read(request, response, sheet)
