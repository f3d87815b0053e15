"""Telling carers, coordinators and providers' systems that a night's plan was published or
changed, and coordinators that a scheduled publication failed.

After a publication has committed: one email to each carer on the plan who has an address,
with the link to their crew's route sheet; when calls are unassigned, one email to each of the
area's coordinators with an address, listing them (call, person, reason) with the link to the
night; and one signed webhook POST for providers' systems. After a failed scheduled
publication is recorded: one email to each of the area's coordinators with the reason and the
version that stays published. Email and webhook are off until their settings are given
(`smtp_host`, `smtp_from` and `public_base_url` for email; `webhook_url` and `webhook_secret`
for the webhook). Sending is best effort: a failure is logged and listed in the report, never
raised, and never undoes the publication (it has committed before anyone is told).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Area, Carer, Person, StoredPlan, User, UserArea
from data.services.access import COORDINATOR
from data.services.publication import PublishResult, published_plan
from data.settings import Settings

log = logging.getLogger("nightcare.notifications")

SIGNATURE_HEADER = "X-Nightcare-Signature"
TIMESTAMP_HEADER = "X-Nightcare-Timestamp"
WEBHOOK_TIMEOUT_SECONDS = 5.0
SMTP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class CarerAddress:
    """A carer on the plan: name, and email address when the carer has one."""

    carer_id: int
    name: str
    email: str | None


@dataclass(frozen=True)
class CrewNotice:
    """One crew of the plan: its number, id in the plan, carers and how many visits it has."""

    crew_number: int
    crew_id: str
    carers: tuple[CarerAddress, ...]
    visits: int


@dataclass(frozen=True)
class UnassignedCall:
    """A call no crew takes: its id, the person's name ("" when not stored), and why."""

    call: str
    person: str
    reason: str


@dataclass(frozen=True)
class PublicationNotice:
    """What carers, coordinators and providers are told about a published version of an
    area's night. `unassigned_calls` and `coordinators` (the area's coordinators' addresses)
    are read only when there are unassigned calls."""

    area_id: int
    area_name: str
    night: date
    version: int
    plan_id: int
    superseded_version: int | None
    unassigned: int
    crews: tuple[CrewNotice, ...]
    unassigned_calls: tuple[UnassignedCall, ...] = ()
    coordinators: tuple[str, ...] = ()


@dataclass(frozen=True)
class FailureNotice:
    """What an area's coordinators are told when the scheduled publication of a night failed."""

    area_id: int
    area_name: str
    night: date
    reason: str
    kept_version: int | None
    coordinators: tuple[str, ...]


@dataclass(frozen=True)
class NotifyReport:
    """What notifying came to: who was emailed, the webhook's answer, and what failed."""

    emailed: tuple[str, ...] = ()
    webhook_status: int | None = None
    failures: tuple[str, ...] = field(default_factory=tuple)


def email_on(settings: Settings) -> bool:
    """Whether carers are emailed: an SMTP server, a sender and the sheets' base URL are set."""
    return bool(settings.smtp_host and settings.smtp_from and settings.public_base_url)


def webhook_on(settings: Settings) -> bool:
    """Whether providers' systems are called: a webhook URL and its secret are set."""
    return bool(settings.webhook_url and settings.webhook_secret)


def _crew_number(crew_id: str) -> int | None:
    """The number of a crew id "<area>-car-N" (see `data.services.naming.crew_ref`)."""
    _, _, number = crew_id.rpartition("-car-")
    return int(number) if number.isdigit() else None


def _carer_ids(problem_crew: dict[str, object]) -> list[int]:
    refs = problem_crew.get("carers")
    ids = []
    for carer in refs if isinstance(refs, list) else []:
        ref = str(carer.get("id", "")) if isinstance(carer, dict) else ""
        if ref.startswith("k") and ref[1:].isdigit():
            ids.append(int(ref[1:]))
    return ids


def coordinator_addresses(session: Session, area_id: int) -> tuple[str, ...]:
    """The email addresses of the area's active coordinators who have one, sorted."""
    return tuple(
        sorted(
            session.scalars(
                select(User.email)
                .join(UserArea, UserArea.user_id == User.id)
                .where(
                    UserArea.area_id == area_id,
                    User.role == COORDINATOR,
                    User.active.is_(True),
                    User.email.is_not(None),
                )
            )
        )
    )


def _unassigned_calls(session: Session, stored: StoredPlan) -> tuple[UnassignedCall, ...]:
    """The plan's unassigned calls with the names of the people they are for (one query)."""
    clients = {str(c.get("id")): str(c.get("client", "")) for c in stored.problem.get("calls", [])}
    unassigned = [u for u in stored.plan.get("unassigned", []) if "call" in u]
    person_ids = {
        int(ref[1:])
        for ref in (clients.get(u["call"], "") for u in unassigned)
        if ref.startswith("p") and ref[1:].isdigit()
    }
    names: dict[int, str] = (
        {
            person_id: name
            for person_id, name in session.execute(
                select(Person.id, Person.name).where(Person.id.in_(person_ids))
            )
        }
        if person_ids
        else {}
    )

    def name_of(call: str) -> str:
        ref = clients.get(call, "")
        return names.get(int(ref[1:]), "") if ref.startswith("p") and ref[1:].isdigit() else ""

    return tuple(
        UnassignedCall(str(u["call"]), name_of(u["call"]), str(u.get("reason", "")))
        for u in unassigned
    )


def publication_notice(session: Session, result: PublishResult) -> PublicationNotice | None:
    """The notice of a publication: its crews with the carers the rota put in them (as stored
    in the plan's problem) and their addresses; when calls are unassigned, those calls with
    their people's names and the area's coordinators' addresses. Two queries (four with
    unassigned calls): the plan with its area, the carers, the people, the coordinators.
    None when nothing was published."""
    if not result.published or result.plan_id is None:
        return None
    row = session.execute(
        select(StoredPlan, Area.name)
        .join(Area, Area.id == StoredPlan.area_id)
        .where(StoredPlan.id == result.plan_id)
    ).one_or_none()
    if row is None:
        return None
    stored, area_name = row
    problem_crews = {
        str(c.get("id")): _carer_ids(c) for c in stored.problem.get("crews", []) if "id" in c
    }
    routes = [r for r in stored.plan.get("routes", []) if r.get("crew") in problem_crews]
    wanted = sorted({i for r in routes for i in problem_crews[r["crew"]]})
    carers = (
        {c.id: c for c in session.scalars(select(Carer).where(Carer.id.in_(wanted)))}
        if wanted
        else {}
    )
    crews = []
    for route in routes:
        number = _crew_number(route["crew"])
        if number is None:
            continue
        crews.append(
            CrewNotice(
                crew_number=number,
                crew_id=route["crew"],
                carers=tuple(
                    CarerAddress(i, carers[i].name, carers[i].email or None)
                    for i in problem_crews[route["crew"]]
                    if i in carers
                ),
                visits=len(route.get("visits", [])),
            )
        )
    unassigned_calls = _unassigned_calls(session, stored)
    return PublicationNotice(
        area_id=stored.area_id,
        area_name=area_name,
        night=stored.night,
        version=stored.version,
        plan_id=stored.id,
        superseded_version=result.superseded_version,
        unassigned=stored.unassigned_count,
        crews=tuple(sorted(crews, key=lambda c: c.crew_number)),
        unassigned_calls=unassigned_calls,
        coordinators=coordinator_addresses(session, stored.area_id) if unassigned_calls else (),
    )


def failure_notice(
    session: Session, area_id: int, night: date, reason: str
) -> FailureNotice | None:
    """The notice of a failed publication to the area's coordinators, with the version that
    stays published as read now (three queries); None when the area is gone."""
    area_name = session.scalar(select(Area.name).where(Area.id == area_id))
    if area_name is None:
        return None
    kept = published_plan(session, area_id, night)
    return FailureNotice(
        area_id,
        area_name,
        night,
        reason,
        kept.version if kept is not None else None,
        coordinator_addresses(session, area_id),
    )


def sheet_link(base_url: str, notice: PublicationNotice, crew_number: int) -> str:
    """The crew's route sheet page for the notice's night."""
    return (
        f"{base_url.rstrip('/')}/areas/{notice.area_id}/nights/{notice.night.isoformat()}"
        f"/crews/{crew_number}/sheet.html"
    )


def night_link(base_url: str, area_id: int, night: date) -> str:
    """The coordinator's page of the area's night: its plan, unassigned calls with reasons,
    and the evening's runs (see `api.pages.coordinator`)."""
    return f"{base_url.rstrip('/')}/coordinator/areas/{area_id}/nights/{night.isoformat()}"


def _night_text(night: date) -> str:
    return f"{night:%A} {night.day} {night:%B %Y}"


def carer_email(
    settings: Settings, notice: PublicationNotice, crew: CrewNotice, carer: CarerAddress
) -> EmailMessage:
    """The email to one carer: the night and version, the crew, the link to the sheet."""
    assert settings.smtp_from is not None and settings.public_base_url is not None
    assert carer.email is not None
    night_text = _night_text(notice.night)
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = carer.email
    message["Subject"] = f"Your route for the night of {night_text}: version {notice.version}"
    crewmates = " and ".join(c.name for c in crew.carers)
    lines = [
        f"Hello {carer.name},",
        "",
        f"The plan for {notice.area_name} on the night of {night_text} is published "
        f"(version {notice.version}).",
    ]
    if notice.superseded_version is not None:
        lines.append(
            f"It has changed since version {notice.superseded_version}: read your sheet again."
        )
    lines += [
        "",
        f"Crew {crew.crew_number}: {crewmates}, {crew.visits} visits.",
        f"Your route sheet: {sheet_link(settings.public_base_url, notice, crew.crew_number)}",
    ]
    message.set_content("\n".join(lines) + "\n")
    return message


def unassigned_email(settings: Settings, notice: PublicationNotice, to: str) -> EmailMessage:
    """The email to one of the area's coordinators: the unassigned calls, each with the
    person's name and the reason, and the link to the night."""
    assert settings.smtp_from is not None and settings.public_base_url is not None
    count = len(notice.unassigned_calls)
    calls = "call" if count == 1 else "calls"
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = (
        f"{notice.area_name}, night of {_night_text(notice.night)}: "
        f"{count} {calls} unassigned in version {notice.version}"
    )
    lines = [
        f"Version {notice.version} of the plan for {notice.area_name} on the night of "
        f"{_night_text(notice.night)} is published with {count} {calls} no crew takes:",
        "",
        *(
            f"- {u.call}" + (f" ({u.person})" if u.person else "") + f": {u.reason}"
            for u in notice.unassigned_calls
        ),
        "",
        "The night: " + night_link(settings.public_base_url, notice.area_id, notice.night),
    ]
    message.set_content("\n".join(lines) + "\n")
    return message


def failure_email(settings: Settings, notice: FailureNotice, to: str) -> EmailMessage:
    """The email to one of the area's coordinators when the scheduled publication failed:
    why, which version stays published, and the link to the night's page (its runs)."""
    assert settings.smtp_from is not None and settings.public_base_url is not None
    night_text = _night_text(notice.night)
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = f"{notice.area_name}, night of {night_text}: publication failed"
    kept = (
        f"Version {notice.kept_version} stays published."
        if notice.kept_version is not None
        else "No plan of this night is published: publish it again or plan the night by hand."
    )
    lines = [
        f"The scheduled publication of the plan for {notice.area_name} on the night of "
        f"{night_text} failed:",
        "",
        notice.reason,
        "",
        kept,
        "The night's evening: "
        + night_link(settings.public_base_url, notice.area_id, notice.night),
    ]
    message.set_content("\n".join(lines) + "\n")
    return message


def webhook_body(notice: PublicationNotice, sent_at: int) -> bytes:
    """The webhook's JSON body (the signature covers it, `sent_at` included)."""
    document = {
        "event": "plan.published",
        "area": {"id": notice.area_id, "name": notice.area_name},
        "night": notice.night.isoformat(),
        "version": notice.version,
        "plan_id": notice.plan_id,
        "superseded_version": notice.superseded_version,
        "crews": [
            {"crew": c.crew_id, "number": c.crew_number, "visits": c.visits} for c in notice.crews
        ],
        "unassigned": notice.unassigned,
        "sent_at": sent_at,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, body: bytes) -> str:
    """The signature header's value: "sha256=" and the hex HMAC-SHA256 of `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _send_emails(settings: Settings, notice: PublicationNotice) -> tuple[list[str], list[str]]:
    messages = [
        carer_email(settings, notice, crew, carer)
        for crew in notice.crews
        for carer in crew.carers
        if carer.email
    ]
    if notice.unassigned_calls:
        messages += [unassigned_email(settings, notice, to) for to in notice.coordinators]
    return _send(settings, messages)


def _send(settings: Settings, messages: list[EmailMessage]) -> tuple[list[str], list[str]]:
    """Send `messages` over one SMTP connection: who was emailed, and what failed."""
    emailed: list[str] = []
    failures: list[str] = []
    if not messages:
        return emailed, failures
    assert settings.smtp_host is not None
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS
        ) as smtp:
            for message in messages:
                try:
                    smtp.send_message(message)
                    emailed.append(str(message["To"]))
                except (smtplib.SMTPException, OSError) as error:
                    failures.append(f"email to {message['To']}: {type(error).__name__}: {error}")
    except (smtplib.SMTPException, OSError) as error:
        sent = set(emailed)
        failures += [
            f"email to {m['To']}: {type(error).__name__}: {error}"
            for m in messages
            if str(m["To"]) not in sent
        ]
    return emailed, failures


def _call_webhook(settings: Settings, notice: PublicationNotice) -> tuple[int | None, list[str]]:
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    sent_at = int(time.time())
    body = webhook_body(notice, sent_at)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature(settings.webhook_secret, body),
        TIMESTAMP_HEADER: str(sent_at),
    }
    try:
        response = httpx.post(
            settings.webhook_url, content=body, headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS
        )
    except httpx.HTTPError as error:
        return None, [f"webhook: {type(error).__name__}: {error}"]
    if not response.is_success:
        return response.status_code, [f"webhook: answered {response.status_code}"]
    return response.status_code, []


def notify_publication(settings: Settings, notice: PublicationNotice | None) -> NotifyReport:
    """Email each carer on the plan who has an address and call the webhook, as far as the
    settings turn them on. Never raises: failures are logged and listed in the report."""
    if notice is None:
        return NotifyReport()
    emailed: list[str] = []
    failures: list[str] = []
    status: int | None = None
    try:
        if email_on(settings):
            emailed, failures = _send_emails(settings, notice)
        if webhook_on(settings):
            status, webhook_failures = _call_webhook(settings, notice)
            failures += webhook_failures
    except Exception as error:  # telling people must never fail a publication
        failures.append(f"{type(error).__name__}: {error}")
    for failure in failures:
        log.warning(
            "area %s night %s version %s: %s", notice.area_id, notice.night, notice.version, failure
        )
    return NotifyReport(tuple(emailed), status, tuple(failures))


def notify_committed_publication(
    open_session: Callable[[], Session], settings: Settings, result: PublishResult
) -> NotifyReport:
    """After a publication's commit: read its notice in a session of its own and send it.
    Reads nothing when notifications are off; never raises (failures are logged)."""
    if not result.published or not (email_on(settings) or webhook_on(settings)):
        return NotifyReport()
    try:
        with open_session() as session:
            notice = publication_notice(session, result)
    except Exception as error:
        log.exception("area %s night %s: notice not read", result.area_id, result.night)
        return NotifyReport(failures=(f"notice not read: {type(error).__name__}: {error}",))
    return notify_publication(settings, notice)


def notify_failure(settings: Settings, notice: FailureNotice | None) -> NotifyReport:
    """Email the area's coordinators that the scheduled publication failed, as far as the
    settings turn email on. Never raises: failures are logged and listed in the report."""
    if notice is None or not email_on(settings):
        return NotifyReport()
    emailed: list[str] = []
    failures: list[str] = []
    try:
        emailed, failures = _send(
            settings, [failure_email(settings, notice, to) for to in notice.coordinators]
        )
    except Exception as error:  # telling people must never fail the evening
        failures.append(f"{type(error).__name__}: {error}")
    for failure in failures:
        log.warning("area %s night %s failure notice: %s", notice.area_id, notice.night, failure)
    return NotifyReport(tuple(emailed), None, tuple(failures))


def notify_recorded_failure(
    open_session: Callable[[], Session],
    settings: Settings,
    area_id: int,
    night: date,
    reason: str,
) -> NotifyReport:
    """After a failed publication has been recorded: read the area's coordinators in a session
    of its own and email them. Reads nothing when email is off; never raises."""
    if not email_on(settings):
        return NotifyReport()
    try:
        with open_session() as session:
            notice = failure_notice(session, area_id, night, reason)
    except Exception as error:
        log.exception("area %s night %s: failure notice not read", area_id, night)
        return NotifyReport(failures=(f"notice not read: {type(error).__name__}: {error}",))
    return notify_failure(settings, notice)
