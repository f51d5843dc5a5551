"""Editors' accounts: the rules (names, passwords, delays, the lock, timeouts), the store, and
the `editors` commands through click's runner and as real child processes."""

from __future__ import annotations

import getpass
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from comments_api.actions import accounts
from comments_api.extensions import get_db
from comments_api.store.schema import audit_log, editors, failures, sessions
from tests.support import ROOT, SECRET, run_flask

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
GOOD = "a long enough passphrase"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def rows(app, table):
    with get_db(app).read() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table))]


def cli(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["editors", *args], input=input)


# The rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("Ada", "ada"), (" ada.lovelace ", "ada.lovelace"), ("x", "x"), ("A_b-9", "a_b-9"),
     ("a" * 64, "a" * 64)],
)  # fmt: skip
def test_names_are_stored_lower_case(typed, stored):
    assert accounts.normalise_name(typed) == stored


@pytest.mark.parametrize(
    "typed", ["", "   ", "a" * 65, "ada lovelace", "ada@home", "ådа", "\u212a", "a/b", "a\nb"]
)
def test_bad_names_are_refused(typed):
    with pytest.raises(accounts.AccountError, match="1 to 64 characters"):
        accounts.normalise_name(typed)


@pytest.mark.parametrize("password", ["", "short", "elevenchars"])
def test_passwords_under_twelve_characters_are_refused(password):
    with pytest.raises(accounts.AccountError, match="at least 12 characters"):
        accounts.check_password(password)
    accounts.check_password("twelve chars")


def test_the_delay_doubles_from_the_fourth_failure_and_is_capped():
    assert accounts.delay_left([at(0), at(1), at(2)], at(2)) == 0
    four = [at(0), at(1), at(2), at(3)]
    assert accounts.delay_left(four, at(3)) == 2
    assert accounts.delay_left(four, at(4)) == 1
    assert accounts.delay_left(four, at(5)) == 0
    assert accounts.delay_left([*four, at(5)], at(5)) == 4
    many = [at(i) for i in range(30)]
    assert accounts.delay_left(many, at(29)) == accounts.MAX_DELAY
    # Failures older than fifteen minutes no longer count.
    assert accounts.delay_left(four, at(3 + 15 * 60)) == 0


def test_ten_failures_within_fifteen_minutes_lock_the_account_for_fifteen_minutes():
    ten = [at(i * 60) for i in range(10)]  # nine minutes from the first to the tenth
    assert accounts.locked_until(ten[:9], at(540)) is None
    assert accounts.locked_until(ten, at(540)) == at(540 + 900)
    assert accounts.locked_until(ten, at(540 + 899)) == at(540 + 900)
    assert accounts.locked_until(ten, at(540 + 900)) is None
    spread = [at(i * 110) for i in range(10)]  # 16.5 minutes: never ten within fifteen
    assert accounts.locked_until(spread, at(990)) is None


def test_retry_after_is_the_longest_wait_in_whole_seconds():
    four = [at(0), at(1), at(2), at(3)]
    assert accounts.retry_after([], [], at(3)) is None
    assert accounts.retry_after(four, [], at(3.5)) == 2  # 1.5 s left, rounded up
    assert accounts.retry_after([], [*four, at(4)], at(4)) == 4
    ten = [at(i) for i in range(10)]
    assert accounts.retry_after(ten, [], at(100)) == 9 + 900 - 100


def test_a_session_ends_when_idle_too_long_or_too_old():
    idle, lifetime = timedelta(minutes=30), timedelta(hours=12)
    expired = accounts.session_expired
    assert not expired(at(0), at(0), at(1800), idle=idle, lifetime=lifetime)
    assert expired(at(0), at(0), at(1801), idle=idle, lifetime=lifetime)
    assert not expired(at(0), at(43000), at(43200), idle=idle, lifetime=lifetime)
    assert expired(at(0), at(43200), at(43201), idle=idle, lifetime=lifetime)


def test_roles_rank_admin_above_moderator():
    assert accounts.role_allows("admin", "moderator")
    assert accounts.role_allows("moderator", "moderator")
    assert not accounts.role_allows("moderator", "admin")
    assert not accounts.role_allows("owner", "moderator")


# The store ----------------------------------------------------------------------------------


def test_the_password_is_kept_as_an_argon2id_hash(app):
    accounts.add_editor(app, "Ada", "admin", GOOD, actor="system:tests")
    (row,) = rows(app, editors)
    assert row["name"] == "ada" and row["role"] == "admin"
    assert row["password_hash"].startswith("$argon2id$")
    assert GOOD not in row["password_hash"]
    assert PasswordHasher().verify(row["password_hash"], GOOD)
    assert "password_hash" not in accounts.list_editors(app)[0]


def test_sign_in_rehashes_a_password_hashed_with_weaker_settings(app):
    accounts.add_editor(app, "ada", "moderator", GOOD, actor="system:tests")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(GOOD)
    with get_db(app).write() as conn:
        conn.execute(editors.update().values(password_hash=weak))
    assert accounts.sign_in(app, "ada", GOOD, "192.0.2.1").token is not None
    stored = rows(app, editors)[0]["password_hash"]
    assert stored != weak and not PasswordHasher().check_needs_rehash(stored)
    assert accounts.sign_in(app, "ada", GOOD, "192.0.2.1").token is not None


def test_failures_are_stored_under_keyed_hashes_and_cleared_by_a_sign_in(app):
    accounts.add_editor(app, "ada", "moderator", GOOD, actor="system:tests")
    for _ in range(2):
        assert accounts.sign_in(app, "Ada", "wrong password", "192.0.2.77").editor is None
    stored = rows(app, failures)
    assert len(stored) == 4  # the name's and the address's, twice
    assert {len(r["key_hash"]) for r in stored} == {32}
    for r in stored:
        assert "ada" not in r["key_hash"].lower() and "192.0.2.77" not in r["key_hash"]
    assert accounts.sign_in(app, "ada", GOOD, "192.0.2.77").editor.name == "ada"
    assert rows(app, failures) == []


def test_failures_older_than_a_day_are_purged(app, clock):
    accounts.sign_in(app, "nobody", "wrong password", "192.0.2.1")
    clock.advance(hours=25)
    accounts.sign_in(app, "somebody", "wrong password", "192.0.2.2")
    assert len(rows(app, failures)) == 2  # only the new attempt's


def test_an_unknown_name_costs_a_password_check_too(app, monkeypatch):
    checked = []
    monkeypatch.setattr(accounts, "_matches", lambda h, p: checked.append(h) or False)
    accounts.sign_in(app, "nobody", "whatever it is", "192.0.2.1")
    accounts.sign_in(app, "not a valid name!", "whatever it is", "192.0.2.1")
    assert len(checked) == 2 and all(h.startswith("$argon2id$") for h in checked)


# The commands -------------------------------------------------------------------------------


def test_cli_adds_lists_changes_and_removes_an_editor(app, caplog):
    caplog.set_level(logging.DEBUG)
    added = cli(app, "add", "Grace", "--role", "admin", "--password-stdin", input=GOOD + "\n")
    assert added.exit_code == 0, added.output
    assert added.output.strip() == "Added editor grace (admin)."
    listed = cli(app, "list")
    assert listed.exit_code == 0
    assert listed.output.splitlines()[1].split()[:2] == ["grace", "admin"]
    new = "another long passphrase"
    changed = cli(app, "password", "GRACE", "--password-stdin", input=new + "\n")
    assert changed.exit_code == 0, changed.output
    assert PasswordHasher().verify(rows(app, editors)[0]["password_hash"], new)
    hashes = [rows(app, editors)[0]["password_hash"]]
    removed = cli(app, "remove", "grace")
    assert removed.exit_code == 0, removed.output
    assert rows(app, editors) == []
    assert cli(app, "list").output.strip() == "No editors."
    said = added.output + listed.output + changed.output + removed.output + caplog.text
    for secret in (GOOD, new, *hashes, "$argon2"):
        assert secret not in said
    log = sorted(rows(app, audit_log), key=lambda r: r["id"])
    assert [r["action"] for r in log] == ["editor-add", "editor-password", "editor-remove"]
    assert {r["actor"] for r in log} == {f"system:{getpass.getuser()}"}
    assert all(GOOD not in str(r) and new not in str(r) and "$argon2" not in str(r) for r in log)


def test_cli_asks_for_the_password_twice_without_echoing_it(app):
    typed = cli(app, "add", "ada", input=f"{GOOD}\n{GOOD}\n")
    assert typed.exit_code == 0, typed.output
    assert GOOD not in typed.output
    assert rows(app, editors)[0]["role"] == "moderator"
    mismatch = cli(app, "password", "ada", input=f"{GOOD}\nsomething else entirely\n")
    assert mismatch.exit_code != 0
    assert PasswordHasher().verify(rows(app, editors)[0]["password_hash"], GOOD)


@pytest.mark.parametrize(
    ("args", "input", "message"),
    [
        (["add", "ada", "--password-stdin"], "short\n", "at least 12 characters"),
        (["add", "ada", "--password-stdin"], "\n", "at least 12 characters"),
        (["add", "bad name", "--password-stdin"], GOOD + "\n", "1 to 64 characters"),
        (["add", "ada", "--role", "owner", "--password-stdin"], GOOD + "\n", "owner"),
        (["remove", "nobody"], None, "There is no editor named nobody."),
        (["password", "nobody", "--password-stdin"], GOOD + "\n", "no editor named nobody"),
        (["password", "taken", "--password-stdin"], "short\n", "at least 12 characters"),
        (["add", "TAKEN", "--password-stdin"], GOOD + "\n", "already an editor named taken"),
    ],
)  # fmt: skip
def test_cli_refuses_bad_input_with_a_clear_error(app, args, input, message):
    accounts.add_editor(app, "taken", "moderator", GOOD, actor="system:tests")
    before = rows(app, editors)
    result = cli(app, *args, input=input)
    assert result.exit_code != 0
    assert message in result.output
    assert rows(app, editors) == before


def test_cli_removal_and_new_password_end_the_editors_sessions(app):
    accounts.add_editor(app, "ada", "moderator", GOOD, actor="system:tests")
    accounts.add_editor(app, "bob", "moderator", GOOD, actor="system:tests")
    for name in ("ada", "ada", "bob"):
        assert accounts.sign_in(app, name, GOOD, "192.0.2.1").token is not None
    assert len(rows(app, sessions)) == 3
    assert (
        cli(app, "password", "ada", "--password-stdin", input="new long password\n").exit_code == 0
    )
    assert len(rows(app, sessions)) == 1
    assert cli(app, "remove", "bob").exit_code == 0
    assert rows(app, sessions) == []


def _flask_with_stdin(*args: str, env: dict[str, str], stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "comments_api", *args],
        cwd=ROOT, env={**os.environ, **env}, input=stdin, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


def test_cli_in_child_processes(tmp_path, manifest):
    env = {
        "COMMENTS_DATABASE_URL": f"sqlite:///{tmp_path / 'cli' / 'c.db'}",
        "COMMENTS_SECRET_KEY": SECRET,
        "COMMENTS_MANIFEST": str(manifest),
    }
    added = _flask_with_stdin(
        "editors", "add", "Lin", "--role", "admin", "--password-stdin", env=env, stdin=GOOD + "\n"
    )
    assert added.returncode == 0, added.stderr
    listed = run_flask("editors", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[1].split()[:2] == ["lin", "admin"]
    new = "a different passphrase"
    changed = _flask_with_stdin(
        "editors", "password", "lin", "--password-stdin", env=env, stdin=new + "\n"
    )
    assert changed.returncode == 0, changed.stderr
    # run_flask gives the child no input: an empty password is refused.
    empty = run_flask("editors", "add", "other", "--password-stdin", env=env)
    assert empty.returncode != 0 and "at least 12 characters" in empty.stderr
    unknown = run_flask("editors", "remove", "nobody", env=env)
    assert unknown.returncode != 0 and "no editor named nobody" in unknown.stderr
    removed = run_flask("editors", "remove", "lin", env=env)
    assert removed.returncode == 0, removed.stderr
    script = subprocess.run(
        [str(Path(sys.executable).parent / "comments-api"), "editors", "list"],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert script.returncode == 0, script.stderr
    assert script.stdout.strip() == "No editors."
    for done in (added, listed, changed, empty, unknown, removed, script):
        assert GOOD not in done.stdout + done.stderr and new not in done.stdout + done.stderr
        assert "$argon2" not in done.stdout + done.stderr
