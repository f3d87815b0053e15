"""The stored world of a night care scheme: areas, carers, rota, people, needs, users, plans.

Typed SQLAlchemy 2 models. Relationships never load lazily (`lazy="raise"`): a query says
what it needs with `selectinload`/`joinedload`, so a hidden N+1 fails loudly in tests.
Timestamps are timezone-aware UTC on both databases; clock times are "HH:MM" strings local
to the area's timezone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from data.settings import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC instant; SQLite keeps no offset, so it is put back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """The instant in UTC (naive for SQLite); a naive instant is refused."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a stored instant must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """The stored instant as timezone-aware UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EncryptedText(TypeDecorator[str]):
    """Text encrypted at rest with Fernet, keyed by `Settings.field_key`.

    The database only ever sees the token; a value that does not decrypt with the current key
    raises, rather than being shown as garbage.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        """The Fernet token of the text."""
        if value is None:
            return None
        return _fernet().encrypt(value.encode("utf-8")).decode("ascii")

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        """The text of a stored Fernet token."""
        if value is None:
            return None
        try:
            return _fernet().decrypt(value.encode("ascii")).decode("utf-8")
        except InvalidToken as error:
            raise ValueError(
                "an encrypted field does not open with NIGHTCARE_FIELD_KEY (wrong key?)"
            ) from error


def _fernet() -> Fernet:
    return Fernet(get_settings().field_key.encode("ascii"))


class Base(DeclarativeBase):
    """Declarative base: one metadata with stable constraint names for migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
        list[int]: JSON(),
    }


class Area(Base):
    """A contract area: its boundary, base, crews, shift, deadlines and travel settings."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    provider: Mapped[str] = mapped_column(String(200))
    boundary: Mapped[dict[str, Any]]
    base_lat: Mapped[float] = mapped_column(Float)
    base_lon: Mapped[float] = mapped_column(Float)
    # The base as crews know it ("Wem Fire Station, Aston Street"), shown on route sheets in
    # place of its coordinates.
    base_address: Mapped[str | None] = mapped_column(String(300))
    crews_per_night: Mapped[int] = mapped_column(Integer)
    shift_start: Mapped[str] = mapped_column(String(5))
    shift_end: Mapped[str] = mapped_column(String(5))
    cutoff_time: Mapped[str] = mapped_column(String(5))
    publish_time: Mapped[str] = mapped_column(String(5))
    speed_kmh: Mapped[float] = mapped_column(Float)
    circuity: Mapped[float] = mapped_column(Float)
    stop_minutes: Mapped[float] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    # Every crew of the area rests `break_minutes` starting between the two local times; all
    # three are empty when the area's crews take no break.
    break_minutes: Mapped[int | None] = mapped_column(Integer)
    break_earliest: Mapped[str | None] = mapped_column(String(5))
    break_latest: Mapped[str | None] = mapped_column(String(5))
    # The provider's night line a crew rings when something is wrong on a round.
    on_call_phone: Mapped[str | None] = mapped_column(String(40))

    carers: Mapped[list[Carer]] = relationship(back_populates="area", lazy="raise")
    people: Mapped[list[Person]] = relationship(back_populates="area", lazy="raise")


class Carer(Base):
    """A carer who works nights in one area."""

    __tablename__ = "carers"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    gender: Mapped[str] = mapped_column(String(1))
    skills: Mapped[list[str]]
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    area: Mapped[Area] = relationship(back_populates="carers", lazy="raise")


class RotaCrew(Base):
    """The standing weekly pattern: which two carers make crew `crew_number` on a weekday."""

    __tablename__ = "rota_crews"
    __table_args__ = (UniqueConstraint("area_id", "weekday", "crew_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    crew_number: Mapped[int] = mapped_column(Integer)
    carer_a_id: Mapped[int] = mapped_column(ForeignKey("carers.id"))
    carer_b_id: Mapped[int] = mapped_column(ForeignKey("carers.id"))


class RotaChange(Base):
    """A change to one night's crew (sickness, a swap); both carers empty means the crew is off."""

    __tablename__ = "rota_changes"
    __table_args__ = (UniqueConstraint("area_id", "night", "crew_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    night: Mapped[date] = mapped_column(Date)
    crew_number: Mapped[int] = mapped_column(Integer)
    carer_a_id: Mapped[int | None] = mapped_column(ForeignKey("carers.id"))
    carer_b_id: Mapped[int | None] = mapped_column(ForeignKey("carers.id"))
    note: Mapped[str | None] = mapped_column(Text)


class Person(Base):
    """A person receiving night care; the area is the one whose boundary holds their home."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    gender_request: Mapped[str | None] = mapped_column(String(1))
    access_notes: Mapped[str | None] = mapped_column(EncryptedText)
    key_safe_code: Mapped[str | None] = mapped_column(EncryptedText)
    # The household's phone or the next of kin's, and who answers it ("daughter, Sue"):
    # personal data, encrypted and shown only where the access notes are.
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    contact_name: Mapped[str | None] = mapped_column(EncryptedText)
    risk_notes: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    area: Mapped[Area] = relationship(back_populates="people", lazy="raise")
    needs: Mapped[list[Need]] = relationship(
        back_populates="person", lazy="raise", foreign_keys="Need.person_id"
    )


class Need(Base):
    """A recurring night call: which weekdays, from when to when, its window and its rules."""

    __tablename__ = "needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    weekdays: Mapped[list[int]]
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    earliest: Mapped[str] = mapped_column(String(5))
    latest: Mapped[str] = mapped_column(String(5))
    minutes: Mapped[int] = mapped_column(Integer)
    priority: Mapped[str] = mapped_column(String(10), default="standard")
    skills: Mapped[list[str]]
    after_need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"), index=True)
    min_gap_minutes: Mapped[int | None] = mapped_column(Integer)
    max_gap_minutes: Mapped[int | None] = mapped_column(Integer)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)

    person: Mapped[Person] = relationship(
        back_populates="needs", lazy="raise", foreign_keys=[person_id]
    )


class OneOffCall(Base):
    """A call for one given night only."""

    __tablename__ = "one_off_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    night: Mapped[date] = mapped_column(Date, index=True)
    label: Mapped[str] = mapped_column(String(120))
    earliest: Mapped[str] = mapped_column(String(5))
    latest: Mapped[str] = mapped_column(String(5))
    minutes: Mapped[int] = mapped_column(Integer)
    priority: Mapped[str] = mapped_column(String(10), default="standard")
    skills: Mapped[list[str]]
    note: Mapped[str | None] = mapped_column(Text)


class Cancellation(Base):
    """No calls for a person on a night (in hospital, respite, family staying...)."""

    __tablename__ = "cancellations"
    __table_args__ = (UniqueConstraint("person_id", "night"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    night: Mapped[date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)


class User(Base):
    """Someone who signs in: a commissioner, a coordinator of some areas, or a carer."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    carer_id: Mapped[int | None] = mapped_column(ForeignKey("carers.id"))
    # Where a coordinator is told of their areas' failed publications and unassigned calls.
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    last_failed_sign_in_at: Mapped[datetime | None]

    areas: Mapped[list[Area]] = relationship(secondary="user_areas", lazy="raise")


class UserArea(Base):
    """A coordinator's area."""

    __tablename__ = "user_areas"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True
    )


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class UnknownUsernameLock(Base):
    """The failed sign-ins in a row, and the lock, of a username no user has.

    A known user keeps theirs on `User`; an unknown username is counted and locked the same
    way here, so a caller cannot tell the two apart. Keyed by the sha256 of the username as
    looked up: people type passwords into the username box, and none is kept in clear.
    """

    __tablename__ = "unknown_username_locks"

    username_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    last_failed_at: Mapped[datetime] = mapped_column(index=True)


class ClientSignInFailure(Base):
    """One failed sign-in from one client address, counted against that address's limit."""

    __tablename__ = "client_sign_in_failures"
    __table_args__ = (
        Index("ix_client_sign_in_failures_client_failed_at", "client_address", "failed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_address: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(index=True)


class IdempotencyKey(Base):
    """The stored answer to a POST made with an `Idempotency-Key`, replayed on retries."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    method_path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class AuditEvent(Base):
    """Who did what to which record, and when, with the record before and after (secrets masked)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity_entity_id", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(20))
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class StoredPlan(Base):
    """A plan of one area's night: a numbered version, a draft until published."""

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("area_id", "night", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    night: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    trigger: Mapped[str] = mapped_column(String(200))
    problem: Mapped[dict[str, Any]]
    plan: Mapped[dict[str, Any]]
    travel_minutes: Mapped[float] = mapped_column(Float)
    unassigned_count: Mapped[int] = mapped_column(Integer)
    solve_seconds: Mapped[float] = mapped_column(Float)


class Pin(Base):
    """A coordinator's pin of one call of a night to a crew, to a start time, or to both.

    The call is a recurring need's occurrence on `night` (`need_id`) or a one-off call
    (`one_off_call_id`), never both; `start` is a local "HH:MM" the visit must start at.
    """

    __tablename__ = "pins"
    __table_args__ = (
        UniqueConstraint("night", "need_id"),
        UniqueConstraint("one_off_call_id"),
        Index("ix_pins_area_id_night", "area_id", "night"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    night: Mapped[date] = mapped_column(Date)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"))
    one_off_call_id: Mapped[int | None] = mapped_column(
        ForeignKey("one_off_calls.id", ondelete="CASCADE")
    )
    crew_number: Mapped[int | None] = mapped_column(Integer)
    start: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
