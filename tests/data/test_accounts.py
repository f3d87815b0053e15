"""Setting up a database from the command line: `nightcare db upgrade` and `users add`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from argon2 import PasswordHasher
from sqlalchemy import select

from data.accounts import add_user_to_database, upgrade_database
from data.database import alembic_config, make_engine, make_session_factory
from data.errors import Invalid
from data.models import User
from nightcare.cli import main

PASSWORD = "correct horse battery"


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_adding_a_user_to_a_database_without_tables_asks_for_an_upgrade(tmp_path: Path) -> None:
    """Users cannot be added before the migrations ran."""
    with pytest.raises(Invalid, match="nightcare db upgrade") as refused:
        add_user_to_database(
            _sqlite_url(tmp_path), username="cara", password=PASSWORD, role="commissioner"
        )
    assert refused.value.field == "database"


def test_upgrade_then_add_the_first_commissioner(tmp_path: Path) -> None:
    """After an upgrade the commissioner is stored, with an argon2 hash of the password."""
    url = _sqlite_url(tmp_path)
    head = ScriptDirectory.from_config(alembic_config(make_engine(url))).get_current_head()
    assert upgrade_database(url) == head is not None
    user_id = add_user_to_database(url, username="cara", password=PASSWORD, role="commissioner")
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        user = session.scalars(select(User).where(User.id == user_id)).one()
        assert (user.username, user.role) == ("cara", "commissioner")
        assert PasswordHasher().verify(user.password_hash, PASSWORD)
    engine.dispose()


def test_the_command_line_adds_a_user_with_the_password_from_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`nightcare db upgrade` then `users add --password-stdin` exit 0; a repeat exits 2
    with one error line naming the username."""
    monkeypatch.setenv("NIGHTCARE_DATABASE_URL", _sqlite_url(tmp_path))
    monkeypatch.setattr("data.settings.get_settings", _uncached_settings)
    assert main(["db", "upgrade"]) == 0
    arguments = ["users", "add", "--username", "cara", "--role", "commissioner", "--password-stdin"]
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(arguments) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    capsys.readouterr()
    assert main(arguments) == 2
    error = capsys.readouterr().err
    assert error.startswith("nightcare: error: username:") and error.count("\n") == 1


def test_the_command_line_refuses_an_unreachable_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database that cannot be opened is a one-line error and exit 2, password hidden."""
    monkeypatch.setenv("NIGHTCARE_DATABASE_URL", "postgresql://u:secret@127.0.0.1:1/none")
    monkeypatch.setattr("data.settings.get_settings", _uncached_settings)
    assert main(["db", "upgrade"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("nightcare: error: database: cannot open") and "secret" not in error


def _uncached_settings() -> object:
    from data.settings import Settings

    return Settings()
