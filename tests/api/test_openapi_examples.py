"""The OpenAPI document shows an example of every JSON body a client may send, and each example
is one the API itself would accept."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

import api.schemas
from api.app import create_app

# The document does not depend on the database, so it is read from an app never started.
DOCUMENT = create_app().openapi()


def request_bodies(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """`("POST /needs", "NeedCreate")` for each operation with a JSON body: the schema named
    by the body, or by its one non-null alternative for an optional body."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            schema = content["application/json"]["schema"]
            named = [schema, *schema.get("anyOf", [])]
            refs = [s["$ref"] for s in named if "$ref" in s]
            assert len(refs) == 1, f"{method.upper()} {path}: body is not one named schema"
            yield f"{method.upper()} {path}", refs[0].rsplit("/", 1)[1]


def schema_models() -> dict[str, type[BaseModel]]:
    """Every pydantic model of `api.schemas`, by class name."""
    models: dict[str, type[BaseModel]] = {}
    for module_info in pkgutil.iter_modules(api.schemas.__path__):
        module = importlib.import_module(f"api.schemas.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel):
                models[value.__name__] = value
    return models


BODIES = sorted(set(request_bodies(DOCUMENT)))


def test_the_document_has_json_bodies_to_check() -> None:
    """The walk finds the resources' create and update bodies (so the checks below bite)."""
    names = {name for _, name in BODIES}
    assert {"PersonCreate", "PersonUpdate", "NeedCreate", "RotaCrewSet", "PlanSolve"} <= names


@pytest.mark.parametrize(("operation", "name"), BODIES)
def test_every_json_body_has_an_example_its_model_accepts(operation: str, name: str) -> None:
    """The body's schema carries examples, and the model behind it validates each one."""
    examples = DOCUMENT["components"]["schemas"][name].get("examples")
    assert examples, f"{operation}: {name} has no example in the OpenAPI document"
    model = schema_models()[name]
    for example in examples:
        model.model_validate(example)
