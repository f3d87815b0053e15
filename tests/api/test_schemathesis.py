"""Schemathesis against the app's own OpenAPI document, signed in: no 5xx, no response that
breaks the document, on SQLite and PostgreSQL. Bounded examples keep it well under a minute."""

from __future__ import annotations

from collections.abc import Callable
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
from api.routes import nights
from routing.solver import SolveOptions
from tests.api.conftest import World

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# The document does not depend on the database, so it is read from an app never started.
schema = schemathesis.openapi.from_dict(create_app().openapi())
schema.config.phases.coverage.enabled = False


@pytest.fixture
def quick_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cap the solver at 0.2 s a plan, whatever `seconds` the generated request asks for."""
    real_solve: Callable[..., Any] = nights.solve

    def quick_solve(night: Any, options: SolveOptions, **kwargs: Any) -> Any:
        return real_solve(night, SolveOptions(time_limit=min(options.time_limit, 0.2)), **kwargs)

    monkeypatch.setattr(nights, "solve", quick_solve)


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
