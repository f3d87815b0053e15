"""Settings refuse published secrets outside development."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from data.settings import Settings


def test_production_refuses_the_default_secret_key() -> None:
    """Starting in production with the development secret key fails, naming the variable."""
    with pytest.raises(ValidationError, match="NIGHTCARE_SECRET_KEY"):
        Settings(environment="production", field_key=Fernet.generate_key().decode())


def test_production_refuses_the_default_field_key() -> None:
    """Starting in production with the development field key fails, naming the variable."""
    with pytest.raises(ValidationError, match="NIGHTCARE_FIELD_KEY"):
        Settings(environment="production", secret_key="a long and private secret")


def test_production_starts_with_keys_of_its_own() -> None:
    """Own keys are accepted in production."""
    settings = Settings(
        environment="production",
        secret_key="a long and private secret",
        field_key=Fernet.generate_key().decode(),
    )
    assert settings.environment == "production"


def test_a_field_key_that_is_not_a_fernet_key_is_refused() -> None:
    """The field key must be a Fernet key, or no encrypted column could be read."""
    with pytest.raises(ValidationError, match="Fernet key"):
        Settings(field_key="not-a-key")


def test_the_database_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """NIGHTCARE_DATABASE_URL selects the database."""
    monkeypatch.setenv("NIGHTCARE_DATABASE_URL", "postgresql://somewhere/else")
    assert Settings().database_url == "postgresql://somewhere/else"
