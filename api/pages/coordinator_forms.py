"""The coordinator's forms: reading a post, checking it with the API's own request schemas,
and putting every message (the schema's or the service's) beside the field it is about.

Values are checked in the order the API checks them: first the request schema
(`api.schemas`), then the service (`data.services`), so a form and `POST /people` refuse the
same input with the same words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Response
from pydantic import BaseModel, ValidationError

from api.pages.templating import see_other
from data.errors import DomainError

FORM = "form"

_Schema = TypeVar("_Schema", bound=BaseModel)
_Body = TypeVar("_Body")


@dataclass(frozen=True)
class Posted:
    """A posted form: each field's text (stripped) and every value of repeated fields."""

    values: dict[str, str]
    lists: dict[str, list[str]]

    def text(self, name: str) -> str:
        """The field's text, empty when it was not sent."""
        return self.values.get(name, "")


async def posted_form(request: Request) -> Posted:
    """The request's form (read here, so the routes can stay synchronous)."""
    form = await request.form()
    values: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(name, value.strip())
            lists.setdefault(name, []).append(value.strip())
    return Posted(values, lists)


PostedDep = Annotated[Posted, Depends(posted_form)]


@dataclass
class FormState:
    """What a form shows: the values to fill in and each field's error (FORM: the whole form)."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)

    def refuse(self, name: str, message: str) -> None:
        """Note an error on `name`, keeping the first one a field gets."""
        self.errors.setdefault(name, sentence(message))


def sentence(message: str) -> str:
    """A message as a sentence: a capital first letter."""
    return message[:1].upper() + message[1:]


def check_required(state: FormState, required: Mapping[str, str]) -> None:
    """Refuse each required field left empty, saying what to enter."""
    for name, what in required.items():
        value = state.values.get(name)
        if value in (None, "", []):
            state.refuse(name, f"Enter {what}")


def validated(schema: type[_Schema], data: Mapping[str, Any], state: FormState) -> _Schema | None:
    """`data` read by the API's request schema; its messages go beside their fields."""
    try:
        return schema.model_validate(dict(data))
    except ValidationError as error:
        for problem in error.errors():
            location = problem.get("loc") or (FORM,)
            state.refuse(str(location[0]), str(problem.get("msg", "is not valid")))
        return None


def show_service_error(state: FormState, error: DomainError, fields: Iterable[str]) -> None:
    """A service's refusal beside its field when the form has that field, else on the form."""
    name = error.field if error.field in set(fields) else FORM
    state.refuse(name, error.detail)


def optional(values: Mapping[str, str], names: Iterable[str]) -> dict[str, str | None]:
    """The named values, with empty text as None (the API's "left out")."""
    return {name: values.get(name) or None for name in names}


def saved_or_shown_again(
    request: Request,
    state: FormState,
    body: _Body | None,
    save: Callable[[_Body], str],
    *,
    fields: Iterable[str],
    show_again: Callable[[], Response],
) -> Response:
    """Save a form that was read without error and go to the page `save` names; when the form
    or the service refuses, `show_again` shows the form with each message beside its field."""
    if body is not None and not state.errors:
        try:
            next_page = save(body)
        except DomainError as error:
            show_service_error(state, error, fields)
        else:
            return see_other(request, next_page)
    return show_again()
