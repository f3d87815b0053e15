"""The service's settings, read once from `NIGHTCARE_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from cryptography.fernet import Fernet
from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development defaults only: any other environment refuses to start with them.
DEFAULT_SECRET_KEY = "development-secret-key-change-me"
DEFAULT_FIELD_KEY = "yn4uWTeW2YkNuIamDZGRCGFYTKVA93eW4xcA3j55BtY="


class Settings(BaseSettings):
    """Where the database is, the keys for tokens and encrypted fields, token lifetime.

    Outside `development`, the default secret key and field key are refused, so a production
    service cannot start with keys that are published in this source file.
    """

    model_config = SettingsConfigDict(env_prefix="NIGHTCARE_", extra="ignore")

    database_url: str = "sqlite:///nightcare.db"
    secret_key: str = DEFAULT_SECRET_KEY
    field_key: str = DEFAULT_FIELD_KEY
    token_minutes: int = 720
    environment: Literal["development", "production", "test"] = "development"
    # The pages' session cookie is sent over HTTPS only (Secure); None: everywhere but in
    # development, where the service is reached over plain http://127.0.0.1.
    secure_cookies: bool | None = None
    geocoder: Literal["nominatim"] | None = None
    geocoder_user_agent: str = "nightcare"
    # Notifications on publication: each is off while its settings are unset.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str | None = None
    public_base_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None

    @field_validator("field_key")
    @classmethod
    def _field_key_is_fernet(cls, value: str) -> str:
        try:
            Fernet(value.encode())
        except ValueError as error:
            raise ValueError(
                "NIGHTCARE_FIELD_KEY must be a Fernet key (32 url-safe base64-encoded bytes)"
            ) from error
        return value

    @field_validator("token_minutes")
    @classmethod
    def _token_minutes_positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("NIGHTCARE_TOKEN_MINUTES must be 1 or more")
        return value

    @model_validator(mode="after")
    def _webhook_is_signed(self) -> Settings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("NIGHTCARE_WEBHOOK_SECRET must be set with NIGHTCARE_WEBHOOK_URL")
        return self

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.environment != "development":
            if self.secret_key == DEFAULT_SECRET_KEY:
                raise ValueError(
                    f"NIGHTCARE_SECRET_KEY must be set outside development "
                    f"(environment is {self.environment})"
                )
            if self.field_key == DEFAULT_FIELD_KEY:
                raise ValueError(
                    f"NIGHTCARE_FIELD_KEY must be set outside development "
                    f"(environment is {self.environment})"
                )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return Settings()
