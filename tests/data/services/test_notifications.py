"""Notifications on publication: emails to carers through a local SMTP server, a signed webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from data.database import make_session_factory
from data.models import Area
from data.services.access import SYSTEM
from data.services.notifications import (
    CarerAddress,
    CrewNotice,
    NotifyReport,
    PublicationNotice,
    notify_committed_publication,
    notify_publication,
    notify_recorded_failure,
    publication_notice,
)
from data.services.publication import (
    REPUBLISHED,
    SCHEDULED,
    PublishResult,
    evening_runs,
    publish_night,
    record_publication_failure,
)
from data.services.rota import set_rota_crew
from data.services.users import add_user
from data.settings import Settings, get_settings
from scheduler.evening import publish_area_night
from tests.conftest import drop_database, new_database
from tests.data.factories import a_carer, a_need, a_person, an_area
from tests.local_servers import (
    ReceivedHooks,
    ReceivedMail,
    body_of,
    free_port,
    running_smtp_server,
    running_webhook_server,
)

NIGHT = date(2026, 3, 3)
BASE_URL = "https://nightcare.example"
SECRET = "webhook-secret-for-tests"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, ReceivedMail]]:
    """A local SMTP server on a free loopback port, and what it receives."""
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def webhook_server() -> Iterator[tuple[str, ReceivedHooks]]:
    """A local HTTP server for the webhook, and the requests it is given."""
    with running_webhook_server() as server:
        yield server


def email_settings(port: int) -> Settings:
    """Settings that turn email on, to the local server."""
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="plans@nightcare.example",
        public_base_url=BASE_URL,
    )


def a_notice(*, superseded_version: int | None = None) -> PublicationNotice:
    """A notice of version 2 of area 7's night: crew 1 with two addresses, crew 2 with one."""
    return PublicationNotice(
        area_id=7,
        area_name="West",
        night=NIGHT,
        version=2,
        plan_id=41,
        superseded_version=superseded_version,
        unassigned=1,
        crews=(
            CrewNotice(
                1,
                "west-car-1",
                (
                    CarerAddress(1, "Ann", "ann@example.org"),
                    CarerAddress(2, "Bo", "bo@example.org"),
                ),
                3,
            ),
            CrewNotice(
                2,
                "west-car-2",
                (CarerAddress(3, "Cy", "cy@example.org"), CarerAddress(4, "Di", None)),
                2,
            ),
        ),
    )


def an_area_with_addressed_carers(session: Session) -> Area:
    """An area with two crews every night (one carer without an address) and four calls."""
    area = an_area(session, name="West")
    emails = {("A", 1): "a1@example.org", ("B", 1): "b1@example.org", ("A", 2): "a2@example.org"}
    for number in (1, 2):
        first, second = (
            a_carer(session, area=area, name=f"{side}{number}", email=emails.get((side, number)))
            for side in ("A", "B")
        )
        for weekday in range(7):
            set_rota_crew(
                session,
                SYSTEM,
                area.id,
                weekday=weekday,
                crew_number=number,
                carer_a_id=first.id,
                carer_b_id=second.id,
            )
    for i in range(4):
        person = a_person(session, lat=52.42 + 0.03 * i, lon=-2.97 + 0.02 * i, name=f"P{i}")
        a_need(session, person=person, earliest="23:00", latest="01:00", minutes=20)
    return area


def test_each_carer_with_an_address_gets_an_email_with_their_crews_sheet_link(
    smtp_server: tuple[int, ReceivedMail],
) -> None:
    """One email per carer with an address, subject with night and version, their crew's link."""
    port, received = smtp_server
    report = notify_publication(email_settings(port), a_notice())
    assert sorted(received.recipients) == ["ann@example.org", "bo@example.org", "cy@example.org"]
    assert sorted(report.emailed) == sorted(received.recipients) and report.failures == ()
    by_recipient = {str(m["To"]): m for m in received.messages}
    ann = by_recipient["ann@example.org"]
    assert ann["Subject"] == "Your route for the night of Tuesday 3 March 2026: version 2"
    ann_body = body_of(ann)
    cy_body = body_of(by_recipient["cy@example.org"])
    assert f"{BASE_URL}/areas/7/nights/2026-03-03/crews/1/sheet.html" in ann_body
    assert "Ann and Bo" in ann_body
    assert f"{BASE_URL}/areas/7/nights/2026-03-03/crews/2/sheet.html" in cy_body
    assert "changed since" not in ann_body


def test_an_email_of_a_superseding_version_says_what_it_changed_since(
    smtp_server: tuple[int, ReceivedMail],
) -> None:
    """A version that supersedes another says "changed since version N-1"."""
    port, received = smtp_server
    notify_publication(email_settings(port), a_notice(superseded_version=1))
    assert received.messages
    for message in received.messages:
        assert "changed since version 1" in body_of(message)


def test_an_smtp_server_that_is_down_is_listed_in_the_report_and_nothing_raises() -> None:
    """No server on the port: every carer's email is a failure in the report, no exception."""
    report = notify_publication(email_settings(free_port()), a_notice())
    assert report.emailed == ()
    assert len(report.failures) == 3
    assert all(f.startswith("email to ") for f in report.failures)


def test_the_webhook_is_posted_with_a_signature_of_its_body(
    webhook_server: tuple[str, ReceivedHooks],
) -> None:
    """The webhook's JSON names the area, night, version, plan, crews and unassigned count,
    and its signature header is the HMAC-SHA256 of the body with the secret."""
    url, received = webhook_server
    report = notify_publication(Settings(webhook_url=url, webhook_secret=SECRET), a_notice())
    assert report.webhook_status == 204 and report.failures == ()
    [(headers, body)] = received.requests
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Nightcare-Signature"], expected)
    document = json.loads(body)
    assert document["sent_at"] == int(headers["X-Nightcare-Timestamp"])
    assert (document["area"]["id"], document["night"], document["version"]) == (7, "2026-03-03", 2)
    assert (document["plan_id"], document["unassigned"]) == (41, 1)
    assert [(c["crew"], c["visits"]) for c in document["crews"]] == [
        ("west-car-1", 3),
        ("west-car-2", 2),
    ]


def test_a_webhook_that_is_not_reachable_is_listed_in_the_report() -> None:
    """Nobody listening at the webhook URL: a failure in the report, no exception."""
    settings = Settings(webhook_url=f"http://127.0.0.1:{free_port()}/", webhook_secret=SECRET)
    report = notify_publication(settings, a_notice())
    assert report.webhook_status is None
    assert [f.split(":")[0] for f in report.failures] == ["webhook"]


def test_without_settings_nothing_is_sent_and_nothing_is_read(
    smtp_server: tuple[int, ReceivedMail],
) -> None:
    """Notifications off: no email, no webhook, and the notice is not even read."""
    _, received = smtp_server

    def no_session() -> Session:
        raise AssertionError("the notice must not be read when notifications are off")

    result = PublishResult(7, NIGHT, published=True, plan_id=41, version=2)
    assert notify_publication(Settings(), a_notice()) == NotifyReport()
    assert notify_committed_publication(no_session, Settings(), result) == NotifyReport()
    assert received.messages == []


def test_a_published_plan_notifies_the_carers_the_rota_put_on_it(
    db_session: Session, smtp_server: tuple[int, ReceivedMail]
) -> None:
    """From the stored plan: each crew's carers with addresses are emailed their crew's link;
    a second publication is "changed since version 1"."""
    port, received = smtp_server
    area = an_area_with_addressed_carers(db_session)
    first = publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=0.5
    )
    notice = publication_notice(db_session, first)
    assert notice is not None
    assert [(c.crew_number, [a.name for a in c.carers]) for c in notice.crews] == [
        (1, ["A1", "B1"]),
        (2, ["A2", "B2"]),
    ]
    assert sum(c.visits for c in notice.crews) + notice.unassigned == 4
    notify_publication(email_settings(port), notice)
    links = {str(m["To"]): body_of(m).split("route sheet: ")[1].strip() for m in received.messages}
    sheet = f"{BASE_URL}/areas/{area.id}/nights/2026-03-03/crews/{{}}/sheet.html"
    assert links == {
        "a1@example.org": sheet.format(1),
        "b1@example.org": sheet.format(1),
        "a2@example.org": sheet.format(2),
    }

    second = publish_night(
        db_session, area.id, NIGHT, trigger=REPUBLISHED, actor_user_id=None, seconds=0.5
    )
    again = publication_notice(db_session, second)
    assert again is not None and (again.version, again.superseded_version) == (2, 1)


def test_a_webhook_url_without_a_secret_is_refused_by_the_settings() -> None:
    """An unsigned webhook cannot be configured: the settings refuse a URL without its secret."""
    with pytest.raises(ValueError, match="NIGHTCARE_WEBHOOK_SECRET"):
        Settings(webhook_url="http://127.0.0.1:9/")


def test_a_scheduled_publication_emails_its_carers_after_the_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_server: tuple[int, ReceivedMail]
) -> None:
    """The scheduler's worker publishes, commits, then emails the carers (settings from the
    environment); the plan is published whatever the notifications did."""
    port, received = smtp_server
    engine, url = new_database("sqlite", tmp_path)
    with make_session_factory(engine)() as session, session.begin():
        area_id = an_area_with_addressed_carers(session).id
    for name, value in {
        "NIGHTCARE_SMTP_HOST": "127.0.0.1",
        "NIGHTCARE_SMTP_PORT": str(port),
        "NIGHTCARE_SMTP_FROM": "plans@nightcare.example",
        "NIGHTCARE_PUBLIC_BASE_URL": BASE_URL,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        outcome = publish_area_night(url, area_id, NIGHT, 0.5)
    finally:
        get_settings.cache_clear()
        drop_database(engine)
    assert (outcome.status, outcome.version) == ("published", 1)
    assert sorted(received.recipients) == ["a1@example.org", "a2@example.org", "b1@example.org"]
    assert all(m["Subject"].endswith("version 1") for m in received.messages)


def coordinators_of(session: Session, area: Area) -> None:
    """Two coordinators of `area` (one without an address) and one of another area."""
    other = an_area(session, name="East", west=-2.0)
    add_user(
        session,
        username="west-1",
        password="a long password",
        role="coordinator",
        area_ids=[area.id],
        email="west-1@council.example",
    )
    add_user(
        session,
        username="west-2",
        password="a long password",
        role="coordinator",
        area_ids=[area.id],
    )
    add_user(
        session,
        username="east-1",
        password="a long password",
        role="coordinator",
        area_ids=[other.id],
        email="east-1@council.example",
    )


def test_coordinators_get_the_unassigned_calls_with_names_reasons_and_the_nights_link(
    db_session: Session, smtp_server: tuple[int, ReceivedMail]
) -> None:
    """A published plan with a call no crew can take: the area's coordinator with an address
    gets one email naming the call, the person and the reason, with the night's link; the
    other area's coordinator gets nothing, and carers get only their route emails."""
    port, received = smtp_server
    area = an_area_with_addressed_carers(db_session)
    coordinators_of(db_session, area)
    person = a_person(db_session, lat=52.45, lon=-2.95, name="Mrs Peg")
    need = a_need(db_session, person=person, skills=["peg"], earliest="23:00", latest="23:30")
    result = publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=0.5
    )
    report = notify_publication(email_settings(port), publication_notice(db_session, result))
    assert report.failures == ()
    assert "east-1@council.example" not in received.recipients
    [message] = received.to("west-1@council.example")
    assert message["Subject"] == (
        "West, night of Tuesday 3 March 2026: 1 call unassigned in version 1"
    )
    body = body_of(message)
    assert f"- n{need.id} (Mrs Peg): no crew has skill 'peg'" in body
    assert f"The night: {BASE_URL}/coordinator/areas/{area.id}/nights/2026-03-03" in body
    carers = {"a1@example.org", "b1@example.org", "a2@example.org"}
    assert set(received.recipients) == carers | {"west-1@council.example"}


def test_a_plan_with_every_call_assigned_sends_coordinators_nothing(
    db_session: Session, smtp_server: tuple[int, ReceivedMail]
) -> None:
    """No unassigned call: the coordinators are not read and not emailed."""
    port, received = smtp_server
    area = an_area_with_addressed_carers(db_session)
    coordinators_of(db_session, area)
    result = publish_night(
        db_session, area.id, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=0.5
    )
    notice = publication_notice(db_session, result)
    assert notice is not None and notice.unassigned == 0
    assert notice.coordinators == ()
    notify_publication(email_settings(port), notice)
    assert received.to("west-1@council.example") == []
    assert len(received.messages) == 3


def test_a_recorded_failure_emails_the_areas_coordinators_the_reason_and_the_kept_version(
    db_session: Session, smtp_server: tuple[int, ReceivedMail]
) -> None:
    """Version 1 is published, then a run fails: the area's coordinator is told why, that
    version 1 stays published, and where the night's evening is; the failure is listed."""
    port, received = smtp_server
    area = an_area_with_addressed_carers(db_session)
    coordinators_of(db_session, area)
    publish_night(db_session, area.id, NIGHT, trigger=REPUBLISHED, actor_user_id=None, seconds=0.5)
    kept = record_publication_failure(db_session, area.id, NIGHT, "Invalid: speed_kmh: -1.0")
    assert kept == 1
    db_session.flush()

    def this_session() -> Session:
        # Another session on the test's connection: closing it leaves the test's work alone.
        return Session(bind=db_session.connection(), join_transaction_mode="create_savepoint")

    report = notify_recorded_failure(
        this_session, email_settings(port), area.id, NIGHT, "Invalid: speed_kmh: -1.0"
    )
    assert report.emailed == ("west-1@council.example",) and report.failures == ()
    [message] = received.messages
    assert message["Subject"] == "West, night of Tuesday 3 March 2026: publication failed"
    body = body_of(message)
    assert "Invalid: speed_kmh: -1.0" in body
    assert "Version 1 stays published." in body
    assert f"evening: {BASE_URL}/coordinator/areas/{area.id}/nights/2026-03-03" in body
    [run] = evening_runs(db_session, SYSTEM, area.id, NIGHT)
    assert (run.event, run.reason, run.kept_version) == ("failed", "Invalid: speed_kmh: -1.0", 1)


def test_a_failed_scheduled_publication_emails_the_coordinators_after_recording_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_server: tuple[int, ReceivedMail]
) -> None:
    """The scheduler's worker meets bad stored data: the failure is recorded, nothing is
    published, and the area's coordinator is emailed that no version is published."""
    port, received = smtp_server
    engine, url = new_database("sqlite", tmp_path)
    with make_session_factory(engine)() as session, session.begin():
        area = an_area_with_addressed_carers(session)
        coordinators_of(session, area)
        session.execute(update(Area).where(Area.id == area.id).values(speed_kmh=-1.0))
        area_id = area.id
    for name, value in {
        "NIGHTCARE_SMTP_HOST": "127.0.0.1",
        "NIGHTCARE_SMTP_PORT": str(port),
        "NIGHTCARE_SMTP_FROM": "plans@nightcare.example",
        "NIGHTCARE_PUBLIC_BASE_URL": BASE_URL,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        outcome = publish_area_night(url, area_id, NIGHT, 0.5)
        with make_session_factory(engine, read_only=True)() as session:
            runs = evening_runs(session, SYSTEM, area_id, NIGHT)
    finally:
        get_settings.cache_clear()
        drop_database(engine)
    assert outcome.status == "failed"
    assert [(r.event, r.kept_version) for r in runs] == [("failed", None)]
    assert received.recipients == ["west-1@council.example"]
    body = body_of(received.messages[0])
    assert outcome.reason is not None and outcome.reason in body
    assert "No plan of this night is published" in body
