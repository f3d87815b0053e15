"""Importing people and their recurring calls from a CSV spreadsheet, all or nothing.

The columns are described in the README ("Importing people from a spreadsheet") and
`data/demo/people-and-needs.csv` is an example.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Header, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile as StarletteUpload

from api.deps import ActorDep, SessionDep, SettingsDep
from api.errors import error_body
from api.idempotency import Idempotency, idempotency
from api.routes.responses import ERRORS, ErrorRead
from api.schemas.common import PathId
from api.schemas.imports import ImportCreated, ImportRefusedRead
from data.errors import DomainError
from data.services.csv_import import MOST_BYTES, ImportReport, import_people_and_needs
from data.services.people import geocoder_from_settings

router = APIRouter(tags=["imports"], responses=ERRORS)


class FileTooLarge(DomainError):
    """An upload over the size an import reads."""

    kind = "too_large"
    status_code = 413


async def upload_digest(request: Request) -> str:
    """A sha256 of the method, path and uploaded form (the shared digest reads the raw body,
    which the form parser has consumed by the time dependencies run)."""
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode())
    form = await request.form()  # parsed once already; this is the cached form
    for name, value in sorted(form.multi_items(), key=lambda item: item[0]):
        digest.update(f"{name}\n".encode())
        if isinstance(value, StarletteUpload):
            digest.update(f"{value.filename}\n".encode())
            while chunk := await value.read(64 * 1024):
                digest.update(chunk)
            await value.seek(0)
        else:
            digest.update(value.encode())
    return digest.hexdigest()


def upload_idempotency(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    digest: Annotated[str, Depends(upload_digest)],
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            description="any unique string; a retry with the same key imports nothing twice",
        ),
    ] = None,
) -> Idempotency:
    """`Idempotency-Key` for an upload: the shared rules, over the uploaded form's digest."""
    return idempotency(request, session, actor, digest, key)


def refused_body(report: ImportReport) -> dict[str, Any]:
    """The 422 body of an import with wrong rows: the usual error keys, and every row's error."""
    wrong_rows = len({e.row for e in report.errors})
    detail = (
        f"{wrong_rows} row{'s' if wrong_rows != 1 else ''} "
        f"{'have' if wrong_rows != 1 else 'has'} errors; nothing was imported"
    )
    return {
        **error_body("invalid", detail, "file"),
        "rows": [{"row": e.row, "column": e.column, "reason": e.reason} for e in report.errors],
    }


def read_upload(upload: UploadFile) -> bytes:
    """The uploaded file's bytes; 413 past `MOST_BYTES`."""
    content = upload.file.read(MOST_BYTES + 1)
    if len(content) > MOST_BYTES:
        raise FileTooLarge(f"the file is over {MOST_BYTES // (1024 * 1024)} MB; split it", "file")
    return content


@router.post(
    "/areas/{area_id}/imports",
    response_model=ImportCreated,
    status_code=201,
    responses={
        413: {"model": ErrorRead, "description": "the file is over 2 MB"},
        422: {"model": ImportRefusedRead, "description": "rows with errors; nothing stored"},
    },
)
def import_people(
    area_id: PathId,
    file: Annotated[UploadFile, File(description="a CSV file, one row per call")],
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    once: Annotated[Idempotency, Depends(upload_idempotency)],
) -> ImportCreated | JSONResponse:
    """Add people and their recurring calls from a CSV file: every row is checked as the
    people and needs endpoints check them, and nothing is stored unless every row is right
    (422 lists each wrong row, column and reason)."""
    report = import_people_and_needs(
        session,
        actor,
        area_id,
        read_upload(file),
        file_name=file.filename or "",
        geocoder=geocoder_from_settings(settings),
    )
    if not report.imported:
        return JSONResponse(refused_body(report), status_code=422)
    created = ImportCreated(
        area_id=report.area_id,
        rows=report.rows,
        people=list(report.people),
        needs=list(report.needs),
    )
    once.remember(201, created)
    return created
