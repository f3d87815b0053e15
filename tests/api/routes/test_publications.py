"""Publishing a night again through the API, and the night's versions with what changed."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from data.models import Carer, OneOffCall, StoredPlan, User
from data.services.publication import (
    SCHEDULED,
    publish_night,
    record_cutoff,
    record_publication_failure,
)
from data.settings import Settings
from tests.api.conftest import NIGHT, World
from tests.local_servers import body_of, running_smtp_server, running_webhook_server

NIGHT_PATH = "/areas/{north}/nights/2026-12-01"


def night_path(world: World, tail: str) -> str:
    """The path of north's Tuesday night with `tail` appended."""
    return NIGHT_PATH.format(**world.records) + tail


def test_publishing_twice_supersedes_the_first_and_lists_the_changes(
    client: TestClient, world: World
) -> None:
    """v2 and v3 are published in turn (the fixture's draft v1 too is superseded); the first
    publication adds every routed call, the second names the version it superseded."""
    headers = world.headers["coordinator"]
    first = client.post(night_path(world, "/publish"), json={"seconds": 1}, headers=headers)
    assert first.status_code == 201, first.text
    published = first.json()
    calls = {f"n{world.records['north_need']}", f"o{world.records['north_one_off']}"}
    added = {c for crew in published["changes"]["crews"].values() for c in crew["added"]}
    unassigned = {u["call"] for u in published["unassigned"]}
    assert added | unassigned == calls
    assert added.isdisjoint(unassigned)
    assert all(u["reason"] for u in published["unassigned"])
    assert published["changes"]["superseded_version"] is None
    assert (published["status"], published["trigger"]) == ("published", "republished")
    assert published["created_by"] == world.users["coordinator"].id

    second = client.post(night_path(world, "/publish"), headers=headers, json={"seconds": 1})
    assert second.status_code == 201, second.text
    again = second.json()
    assert again["version"] == published["version"] + 1
    assert again["changes"]["superseded_version"] == published["version"]

    listed = client.get(night_path(world, "/publications"), headers=headers)
    assert listed.status_code == 200
    versions = listed.json()
    assert [(v["version"], v["status"]) for v in versions] == [
        (again["version"], "published"),
        (published["version"], "superseded"),
        (1, "superseded"),
    ]
    assert versions[0]["changes"] == again["changes"]
    assert versions[1]["changes"] == published["changes"]
    assert versions[2]["changes"] is None  # the fixture's draft was never published


def test_a_retried_publication_with_the_same_key_publishes_once(
    client: TestClient, world: World
) -> None:
    """The retry replays the first answer; the night has one published version more, not two."""
    headers = {**world.headers["coordinator"], "Idempotency-Key": "publish-north-tuesday"}
    path = night_path(world, "/publish")
    first = client.post(path, json={"seconds": 1}, headers=headers)
    retry = client.post(path, json={"seconds": 1}, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert retry.json() == first.json()
    listed = client.get(night_path(world, "/publications"), headers=world.headers["coordinator"])
    assert [v["version"] for v in listed.json()] == [2, 1]


def test_a_carer_may_not_publish(client: TestClient, world: World) -> None:
    """403 for a carer, and nothing is published."""
    response = client.post(
        night_path(world, "/publish"), json={"seconds": 1}, headers=world.headers["carer"]
    )
    assert (response.status_code, response.json()["error"]) == (403, "forbidden")
    listed = client.get(night_path(world, "/publications"), headers=world.headers["coordinator"])
    assert [v["status"] for v in listed.json()] == ["draft"]


def test_another_areas_coordinator_gets_404(client: TestClient, world: World) -> None:
    """South's coordinator cannot publish north's night nor see its versions."""
    headers = world.headers["other_coordinator"]
    publish = client.post(night_path(world, "/publish"), json={"seconds": 1}, headers=headers)
    listed = client.get(night_path(world, "/publications"), headers=headers)
    assert (publish.status_code, listed.status_code) == (404, 404)


def test_seconds_out_of_range_answer_422_naming_the_field(client: TestClient, world: World) -> None:
    """Under 1 or over 60 seconds is refused before any solving, with `field` "seconds"."""
    for seconds in (0.5, 61):
        response = client.post(
            night_path(world, "/publish"),
            json={"seconds": seconds},
            headers=world.headers["coordinator"],
        )
        assert (response.status_code, response.json()["field"]) == (422, "seconds")


def test_the_evening_runs_list_the_cutoff_a_failure_with_the_kept_version_and_a_publication(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """Needs close, a coordinator publishes v2, a scheduled run fails (v2 stays published),
    then a scheduled run publishes v3: the night's runs say so, oldest first."""
    north = world.north.id
    with api_sessions() as session:
        record_cutoff(session, north, NIGHT, datetime.now(UTC))
        session.commit()
    published = client.post(
        night_path(world, "/publish"), json={"seconds": 1}, headers=world.headers["coordinator"]
    )
    assert published.json()["version"] == 2
    with api_sessions() as session:
        record_publication_failure(session, north, NIGHT, "TimeoutError: no answer in 90 s")
        record_publication_failure(session, world.south.id, NIGHT, "south's own trouble")
        session.commit()
        publish_night(session, north, NIGHT, trigger=SCHEDULED, actor_user_id=None, seconds=1)
        session.commit()

    response = client.get(night_path(world, "/runs"), headers=world.headers["coordinator"])
    assert response.status_code == 200, response.text
    runs = response.json()
    assert [(r["event"], r["version"], r["reason"], r["kept_version"]) for r in runs] == [
        ("cutoff", None, None, None),
        ("failed", None, "TimeoutError: no answer in 90 s", 2),
        ("published", 3, None, None),
    ]
    other_night = client.get(
        "/areas/{north}/nights/2026-12-02/runs".format(**world.records),
        headers=world.headers["commissioner"],
    )
    assert other_night.json() == []


def test_publishing_again_emails_the_carers_and_coordinators_and_calls_the_signed_webhook(
    world: World, api_sessions: sessionmaker[Session]
) -> None:
    """Through the HTTP stack with notifications on: after the 201, each carer on the plan
    has their sheet's link, the coordinator has the unassigned call, and the webhook got the
    new version with a valid signature of its body."""
    secret = "webhook-secret-for-api-tests"
    with api_sessions() as session:
        for carer in world.north_carers[:2]:
            session.execute(
                update(Carer)
                .where(Carer.id == carer.id)
                .values(email=f"{carer.name.lower()}@example.org")
            )
        session.execute(
            update(User)
            .where(User.id == world.users["coordinator"].id)
            .values(email="north@council.example")
        )
        peg = OneOffCall(
            person_id=world.records["north_person"],
            night=NIGHT,
            label="PEG feed",
            earliest="02:00",
            latest="02:30",
            minutes=20,
            priority="standard",
            skills=["peg"],
        )
        session.add(peg)
        session.commit()
        peg_call = f"o{peg.id}"
    with running_smtp_server() as (port, mail), running_webhook_server() as (url, hooks):
        settings = Settings(
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_from="plans@nightcare.example",
            public_base_url="https://nightcare.example",
            webhook_url=url,
            webhook_secret=secret,
        )
        app = create_app(settings, sessions=api_sessions)
        with TestClient(app, raise_server_exceptions=False) as notifying:
            response = notifying.post(
                night_path(world, "/publish"),
                json={"seconds": 1},
                headers=world.headers["coordinator"],
            )
    assert response.status_code == 201, response.text
    version = response.json()["version"]
    assert {u["call"] for u in response.json()["unassigned"]} == {peg_call}
    sheet = "https://nightcare.example" + night_path(world, "/crews/1/sheet.html")
    for address in ("anne@example.org", "beth@example.org"):
        [message] = mail.to(address)
        assert message["Subject"].endswith(f"version {version}")
        assert sheet in body_of(message)
    [coordinator_mail] = mail.to("north@council.example")
    assert f"- {peg_call} (north person): no crew has skill 'peg'" in body_of(coordinator_mail)
    [(headers, body)] = hooks.requests
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Nightcare-Signature"], expected)
    document = json.loads(body)
    assert (document["area"]["id"], document["night"]) == (world.north.id, NIGHT.isoformat())
    assert (document["version"], document["unassigned"]) == (version, 1)


def test_a_published_plan_read_says_how_many_visits_moved_since_the_night_before(
    client: TestClient, world: World, api_sessions: sessionmaker[Session]
) -> None:
    """Last night north's need was crew 2's; tonight crew 1 takes it: the publication and the
    plan read both count one visit changed since last night; a draft's count is null."""
    need_call = f"n{world.records['north_need']}"
    with api_sessions() as session:
        session.add(
            StoredPlan(
                area_id=world.north.id,
                night=date(2026, 11, 30),
                version=1,
                status="published",
                trigger=SCHEDULED,
                problem={"calls": []},
                plan={
                    "routes": [
                        {
                            "crew": "north-shropshire-car-2",
                            "visits": [{"call": need_call, "start": "2026-11-30T23:05:00+00:00"}],
                        }
                    ],
                    "unassigned": [],
                },
                travel_minutes=10.0,
                unassigned_count=0,
                solve_seconds=0.1,
            )
        )
        session.commit()
    headers = world.headers["coordinator"]
    published = client.post(night_path(world, "/publish"), json={"seconds": 1}, headers=headers)
    assert published.status_code == 201, published.text
    assert need_call not in {u["call"] for u in published.json()["unassigned"]}
    assert published.json()["changes"]["changed_since_last_night"] == 1
    read = client.get(f"/plans/{published.json()['id']}", headers=headers)
    assert read.status_code == 200, read.text
    assert read.json()["changed_since_last_night"] == 1
    draft = client.get("/plans/{north_plan}".format(**world.records), headers=headers)
    assert draft.json()["changed_since_last_night"] is None
