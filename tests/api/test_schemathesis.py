"""Schemathesis against the app's own OpenAPI document, signed in: no 5xx, no response that
breaks the document, on SQLite and PostgreSQL. Bounded examples keep it well under a minute."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.schemas.nights import MAX_SOLVE_SECONDS
from routing import solver
from routing.solver import SolveOptions
from tests.api.conftest import World

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# The document does not depend on the database, so it is read from an app never started.
DOCUMENT = create_app().openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.config.phases.coverage.enabled = False


@pytest.fixture
def quick_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cap the solver at 0.2 s a plan, whatever `seconds` the generated request asks for:
    in every module of the app that imported `routing.solver.solve` (drafts, publications),
    keeping the other options (hint, pins)."""
    real_solve: Callable[..., Any] = solver.solve

    def quick_solve(night: Any, options: SolveOptions, **kwargs: Any) -> Any:
        return real_solve(
            night, replace(options, time_limit=min(options.time_limit, 0.2)), **kwargs
        )

    patched = [
        module
        for name, module in list(sys.modules.items())
        if name.split(".")[0] in ("api", "data", "scheduler")
        and getattr(module, "solve", None) is real_solve
    ]
    assert patched, "no module of the app solves nights any more: update this fixture"
    for module in patched:
        monkeypatch.setattr(module, "solve", quick_solve)


def seconds_fields(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every `seconds` property of the document's schemas: (schema name, its JSON schema)."""
    for name, component in document["components"]["schemas"].items():
        field = component.get("properties", {}).get("seconds")
        if field is not None:
            yield name, field


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_openapi_document(
    case: Any, client: TestClient, world: World, quick_plans: None
) -> None:
    """Each operation, with generated input and a commissioner's token, answers as documented."""
    case.call_and_validate(app=client.app, headers=world.headers["commissioner"], checks=CHECKS)


def test_every_solver_time_limit_in_the_document_has_its_maximum() -> None:
    """Each request schema with `seconds` documents the maximum, so generated requests (and
    callers) cannot ask the solver for minutes."""
    found = dict(seconds_fields(DOCUMENT))
    assert {"PlanSolve", "PublishRequest"} <= set(found)
    for name, field in found.items():
        assert field.get("maximum") == MAX_SOLVE_SECONDS, name
        assert f"{MAX_SOLVE_SECONDS} s" in field.get("description", ""), name


@pytest.mark.parametrize("tail", ["/plans", "/publish"])
def test_more_seconds_than_the_maximum_answer_422_naming_the_field(
    client: TestClient, world: World, tail: str
) -> None:
    """A draft or a publication asking for just over the maximum is refused before solving."""
    path = "/areas/{north}/nights/2026-12-01".format(**world.records) + tail
    response = client.post(
        path, json={"seconds": MAX_SOLVE_SECONDS + 0.5}, headers=world.headers["coordinator"]
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "seconds"
