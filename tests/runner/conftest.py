"""Fixtures of the runner tests: stores on SQLite and on a real PostgreSQL server.

The PostgreSQL server is started by the tests themselves with pytest-postgresql's executor,
over the Debian ``postgresql`` package (``make test`` installs it when missing). PostgreSQL
refuses to run as root: when the tests run as root, ``pg_ctl`` is run as the unprivileged
``postgres`` user through a small wrapper, with its data folder owned by that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dunning.runner import PostgresStore, SQLiteStore


def _pg_ctl() -> str | None:
    found = shutil.which("pg_ctl")
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _connect_when_up(dsn: str, seconds: float = 60.0) -> None:
    """Create the test database once the server accepts connections.

    `pg_ctl -w` returns when the postmaster is up; on a loaded machine the server may still
    refuse connections for a moment ("the database system is starting up").
    """
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(dsn, autocommit=True) as connection:
                connection.execute("CREATE DATABASE dunning")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[str]:
    """A PostgreSQL server on 127.0.0.1 for the session; yields the DSN of its first database."""
    from pytest_postgresql.executors.proc import PostgreSQLExecutor

    pg_ctl = _pg_ctl()
    if pg_ctl is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: run `make test`, which installs it")
        pytest.skip("PostgreSQL is not installed (make test installs the Debian package)")
    folder = Path(tempfile.mkdtemp(prefix="dunning-pg-"))
    executable = pg_ctl
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        wrapper = folder / "pg_ctl"
        wrapper.write_text(f'#!/bin/sh\nexec runuser -u postgres -- "{pg_ctl}" "$@"\n')
        wrapper.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        executable = str(wrapper)
    port = _free_port()
    executor = PostgreSQLExecutor(
        executable=executable,
        host="127.0.0.1",
        port=port,
        datadir=str(folder / "data"),
        unixsocketdir=str(folder),
        logfile=str(folder / "server.log"),
        startparams="-w",
        dbname="dunning",
        user="postgres",
    )
    executor.start()
    try:
        _connect_when_up(f"host=127.0.0.1 port={port} user=postgres dbname=postgres")
        yield f"host=127.0.0.1 port={port} user=postgres dbname=dunning"
    finally:
        executor.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgresql_dsn(postgresql_server: str) -> Iterator[str]:
    """The server's DSN with the store's tables dropped before each test."""
    import psycopg

    with psycopg.connect(postgresql_server, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS outbox, history, dunning_schema")
    return postgresql_server


@pytest.fixture(params=["sqlite", "postgres"])
def store_place(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(kind, where): an empty SQLite file or PostgreSQL database, for the contract suite."""
    if request.param == "sqlite":
        return "sqlite", str(tmp_path / "outbox.sqlite")
    return "postgres", request.getfixturevalue("postgresql_dsn")


def open_store(kind: str, where: str) -> SQLiteStore | PostgresStore:
    """Open a store handle of `kind` on `where` (a file or a DSN)."""
    return SQLiteStore(where) if kind == "sqlite" else PostgresStore(where)


@pytest.fixture
def reopen(store_place: tuple[str, str]) -> Callable[[], SQLiteStore | PostgresStore]:
    """Opens another handle on the test's store (as a second process would)."""
    return lambda: open_store(*store_place)


@pytest.fixture
def store(store_place: tuple[str, str]) -> Iterator[SQLiteStore | PostgresStore]:
    """A fresh store of each kind."""
    kind, where = store_place
    handle = open_store(kind, where)
    yield handle
    handle.close()
