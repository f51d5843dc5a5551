"""Back up and restore the comment store, with the secret that its hashes and tokens need.

    comments-run python deploy/backup.py backup /var/backups/comments-api [--keep 14]
    comments-run python deploy/backup.py restore /var/backups/comments-api/comments-<when>

The store is COMMENTS_DATABASE_URL, as the service reads it. SQLite is copied with SQLite's
online backup, never with cp: the store runs in WAL mode, so the main file alone may lack
the latest comments, and a copy taken during a write may be torn. PostgreSQL is dumped with
`pg_dump --format=custom` and restored with `pg_restore` (PG_DUMP and PG_RESTORE name other
binaries). A backup is a folder: the store, the env file (COMMENTS_SECRET_KEY lives there;
ENV_FILE names another one) and instance/secret_key when the service made one, and
backup.json saying what is in it. The built site is not in it: a build makes it again from
the content and the store.

Runs with the service's virtualenv (it reads URLs with SQLAlchemy).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

DEFAULT_URL = "sqlite:///instance/comments.db"
DEFAULT_ENV_FILE = "/etc/comments-api/env"
SECRET_FILE = Path("instance") / "secret_key"
SQLITE_FILE, POSTGRES_FILE, ABOUT_FILE = "store.sqlite3", "store.pgdump", "backup.json"
PREFIX = "comments-"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done (the message says why)."""


def store_url(text: str | None = None) -> URL:
    """Return the store's URL: `text`, else COMMENTS_DATABASE_URL, else the service's default.

    Raises:
        BackupError: for a store that is neither SQLite nor PostgreSQL.
    """
    url = make_url(text or os.environ.get("COMMENTS_DATABASE_URL") or DEFAULT_URL)
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise BackupError(f"cannot back up a {url.get_backend_name()} store")
    return url


def sqlite_path(url: URL) -> Path:
    """Return the file of an SQLite URL (relative paths from the current folder)."""
    if not url.database or url.database == ":memory:":
        raise BackupError("an SQLite store in memory has nothing to back up")
    return Path(url.database).absolute()


def libpq_target(url: URL) -> tuple[str, dict[str, str]]:
    """Return the connection URI pg_dump and pg_restore take, and the environment they need.

    The password goes in PGPASSWORD, never on a command line other users can read.
    """
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def read_only(path: Path) -> str:
    """Return the URI that opens an SQLite file for reading only."""
    return path.absolute().as_uri() + "?mode=ro"


def copy_sqlite(source: Path, target: Path) -> int:
    """Copy an SQLite database with the online backup API; return its number of comments.

    The copy holds every committed transaction, those still in the WAL too, and is one
    self-contained file (journal mode DELETE).
    """
    src = sqlite3.connect(read_only(source), uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            [check] = dst.execute("PRAGMA integrity_check").fetchone()
            if check != "ok":
                raise BackupError(f"the copy of {source} fails its integrity check: {check}")
            return count_sqlite(dst)
        finally:
            dst.close()
    finally:
        src.close()


def count_sqlite(conn: sqlite3.Connection) -> int:
    """Return how many comments an SQLite store holds (0 before its first comment)."""
    try:
        return conn.execute("SELECT count(*) FROM comments").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def run(command: list[str], env: dict[str, str]) -> None:
    """Run a client program; raise BackupError with its message when it fails."""
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} is not installed (apt-get install postgresql-client)"
        ) from None
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()}")


def env_file() -> Path | None:
    """Return the service's env file when this process may read it."""
    path = Path(os.environ.get("ENV_FILE") or DEFAULT_ENV_FILE)
    return path if os.access(path, os.R_OK) else None


def backup(destination: Path, database_url: str | None = None, keep: int = 0) -> Path:
    """Write a backup folder under `destination` and return it; keep the newest `keep` ones.

    Raises:
        BackupError: when the store cannot be copied.
    """
    url = store_url(database_url)
    moment = datetime.now(UTC)
    destination.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".partial-", dir=destination))
    try:
        os.chmod(work, 0o700)  # the secret is in it
        about: dict = {"created": moment.isoformat(timespec="seconds"), "files": []}
        if url.get_backend_name() == "sqlite":
            about["store"] = "sqlite"
            about["comments"] = copy_sqlite(sqlite_path(url), work / SQLITE_FILE)
            about["files"].append(SQLITE_FILE)
        else:
            target, env = libpq_target(url)
            dump = os.environ.get("PG_DUMP", "pg_dump")
            run([dump, "--format=custom", "--file", str(work / POSTGRES_FILE), target], env)
            about["store"] = "postgresql"
            about["files"].append(POSTGRES_FILE)
        if SECRET_FILE.is_file():
            shutil.copy2(SECRET_FILE, work / "secret_key")
            about["files"].append("secret_key")
        if (env_path := env_file()) is not None:
            shutil.copy2(env_path, work / "env")
            about["files"].append("env")
        (work / ABOUT_FILE).write_text(json.dumps(about, indent=1) + "\n", encoding="utf-8")
        final = destination / f"{PREFIX}{moment:%Y%m%dT%H%M%SZ}"
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if keep > 0:
        for old in sorted(destination.glob(f"{PREFIX}*"))[:-keep]:
            shutil.rmtree(old)
    return final


def restore(source: Path, database_url: str | None = None, force: bool = False) -> str:
    """Put the store of backup folder `source` back at COMMENTS_DATABASE_URL (or the URL given).

    Stop the service and the page worker first. An existing SQLite file is replaced only
    with `force`; PostgreSQL objects of the same names are dropped and made again. The
    service's secret file is put back when it is missing; the env file is left for the
    operator to reinstall. Returns what was done, in one line.

    Raises:
        BackupError: when the folder is not a backup, or the store cannot be restored.
    """
    try:
        about = json.loads((source / ABOUT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{source} is not a backup folder ({error})") from None
    url = store_url(database_url)
    if about["store"] != ("sqlite" if url.get_backend_name() == "sqlite" else "postgresql"):
        raise BackupError(f"the backup holds a {about['store']} store, the target is {url}")
    if about["store"] == "sqlite":
        target = sqlite_path(url)
        if target.exists() and not force:
            raise BackupError(f"{target} exists: stop the service, then pass --force")
        target.parent.mkdir(parents=True, exist_ok=True)
        # Through SQLite, so a WAL file left beside the old store cannot be replayed over it.
        src = sqlite3.connect(read_only(source / SQLITE_FILE), uri=True)
        try:
            dst = sqlite3.connect(target, timeout=30)
            try:
                src.backup(dst)
                comments = count_sqlite(dst)
            finally:
                dst.close()
        finally:
            src.close()
        done = f"restored {comments} comments into {target}"
    else:
        libpq, env = libpq_target(url)
        command = [os.environ.get("PG_RESTORE", "pg_restore"), "--clean", "--if-exists",
                   "--no-owner", "--single-transaction", "--dbname", libpq,
                   str(source / POSTGRES_FILE)]  # fmt: skip
        run(command, env)
        done = f"restored the PostgreSQL store into {url.render_as_string()}"
    if "secret_key" in about["files"] and not SECRET_FILE.exists():
        SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / "secret_key", SECRET_FILE)
        os.chmod(SECRET_FILE, 0o600)
        done += f"; put back {SECRET_FILE.absolute()}"
    if "env" in about["files"]:
        done += f"; the env file is in {source / 'env'}"
    return done


def main(argv: list[str] | None = None) -> int:
    """Run `backup` or `restore`; return the exit status."""
    parser = argparse.ArgumentParser(prog="deploy/backup.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="write a backup folder under DESTINATION")
    make.add_argument("destination", type=Path)
    make.add_argument("--keep", type=int, default=0, help="keep only the newest N backups")
    back = commands.add_parser("restore", help="put a backup folder's store back")
    back.add_argument("source", type=Path)
    back.add_argument("--force", action="store_true", help="replace an existing SQLite file")
    for sub in (make, back):
        sub.add_argument("--database-url", help="instead of COMMENTS_DATABASE_URL")
    args = parser.parse_args(argv)
    try:
        if args.command == "backup":
            print(backup(args.destination, args.database_url, args.keep))
        else:
            print(restore(args.source, args.database_url, args.force))
    except (BackupError, OSError, sqlite3.Error) as error:
        print(f"backup.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
