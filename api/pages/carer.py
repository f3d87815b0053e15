"""The carer's pages: tonight's route sheet for their own crew, for a phone in the car."""

from __future__ import annotations

from fastapi import Request, Response

from api.deps import SessionDep, writes_on_read
from api.pages import page_router
from api.pages.session import CarerDep, OptionalPageActorDep
from api.pages.templating import render
from api.phone_links import dial_string
from data.errors import NotFound
from data.services.access import CARER
from data.services.carer_rounds import carer_tonight
from data.services.route_sheet_pdf import route_sheet_pdf
from data.services.route_sheets import RouteSheet, route_sheet

router = page_router()


@router.get("/carer")
@writes_on_read
def tonights_round(request: Request, session: SessionDep, actor: CarerDep) -> Response:
    """Tonight's round of the carer's crew in large type: call, open in maps, print.

    Opening it shows (and audits) the key-safe codes of tonight's visits, as the API's sheet
    does; a carer not on a crew tonight, or a night not yet planned, gets a plain message.
    """
    tonight = carer_tonight(session, actor)
    sheet: RouteSheet | None = None
    missing: str | None = None
    if tonight.crew_number is None:
        missing = "You are not on a crew tonight."
    else:
        try:
            sheet = route_sheet(session, actor, tonight.area_id, tonight.night, tonight.crew_number)
        except NotFound:
            missing = (
                "Tonight's round is not planned yet. Your coordinator publishes it in the evening."
            )
    crew_mates = (
        [c for c in sheet.carers if c.name != tonight.carer_name] if sheet is not None else []
    )
    return render(
        request,
        "pages/carer/tonight.html",
        {
            "tonight": tonight,
            "sheet": sheet,
            "missing": missing,
            "crew_mates": crew_mates,
            "dial_string": dial_string,
            "pdf_url": str(request.url_for("tonights_round_pdf").path) if sheet else None,
        },
        actor=actor,
    )


@router.get("/carer/updates")
def round_updates(
    request: Request, session: SessionDep, actor: OptionalPageActorDep, shown: int | None = None
) -> Response:
    """What tonight's page polls (htmx): a notice when the round shown (plan `shown`) is no
    longer tonight's current plan. No codes, nothing audited; an expired sign-in is said, not
    redirected, so the sheet on the screen stays readable."""
    if actor is None or actor.role != CARER:
        return render(request, "pages/carer/updates.html", {"signed_out": True})
    tonight = carer_tonight(session, actor)
    return render(
        request,
        "pages/carer/updates.html",
        {"signed_out": False, "changed": tonight.plan_id != shown, "tonight": tonight},
        actor=actor,
    )


@router.get("/carer/sheet.pdf")
@writes_on_read
def tonights_round_pdf(session: SessionDep, actor: CarerDep) -> Response:
    """Tonight's round as an A4 PDF (the same sheet, with the same audited codes)."""
    tonight = carer_tonight(session, actor)
    if tonight.crew_number is None:
        raise NotFound("you are not on a crew tonight")
    sheet = route_sheet(session, actor, tonight.area_id, tonight.night, tonight.crew_number)
    name = f"round-{sheet.night.isoformat()}-crew-{sheet.crew_number}.pdf"
    return Response(
        route_sheet_pdf(sheet),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
