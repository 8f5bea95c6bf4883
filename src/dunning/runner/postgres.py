"""`PostgresStore`: the runner's store in PostgreSQL, for several runner processes at once.

Needs the ``postgres`` extra (psycopg 3): ``pip install "dunning[postgres]"``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from dunning.errors import StoreError, StoreLockedError, StoreSchemaError, missing_dependency
from dunning.runner._sql import _Cursor, _SQLStore
from dunning.runner.store import EntryStatus

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresStore"]

#: Serialises schema migrations of processes that open the same database at once.
_MIGRATION_LOCK = 7_201_326


class PostgresStore(_SQLStore):
    """The outbox and history in a PostgreSQL database (psycopg 3), shared by many runners.

    The same tables as `SQLiteStore`, created and migrated by the same versioned steps.
    Claims take due entries with ``SELECT ... FOR UPDATE SKIP LOCKED``: runner processes on
    several machines each get entries no other holds, without waiting for each other.

    Args:
        dsn: a libpq connection string or URL (``postgresql://user@host/db``).
        lock_timeout: seconds a statement waits for a lock before `StoreLockedError`.

    Raises:
        MissingDependencyError: psycopg is not installed.
        StoreError: the server cannot be reached or refuses the connection.
        StoreSchemaError: the database holds a schema of a newer version of dunning.
    """

    _lock_rows = " FOR UPDATE"

    def __init__(self, dsn: str, *, lock_timeout: float = 10.0) -> None:
        try:
            import psycopg
        except ImportError:  # pragma: no cover - the tests run with the extra installed
            raise missing_dependency("psycopg", "postgres") from None
        self._psycopg = psycopg
        self.dsn = dsn
        self._name = f"PostgreSQL store {_redacted(dsn)!r}"
        self.lock_timeout = lock_timeout
        with self._errors("connect"):
            self._connection: psycopg.Connection[Any] = psycopg.connect(dsn, autocommit=True)
            self._connection.execute(f"SET lock_timeout = '{int(lock_timeout * 1000)}ms'")
        try:
            with self._transaction() as cursor:
                cursor.execute(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
                cursor.execute("SELECT to_regclass('dunning_schema') IS NOT NULL")
                known: int | None = None
                if cursor.fetchone()[0]:
                    cursor.execute("SELECT version FROM dunning_schema")
                    known = int(cursor.fetchone()[0])
                self._migrate(cursor, known)
        except BaseException:
            self._connection.close()
            raise

    def __repr__(self) -> str:
        return f"PostgresStore({_redacted(self.dsn)!r})"

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s")

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        psycopg = self._psycopg
        try:
            yield
        except psycopg.errors.LockNotAvailable as error:
            raise StoreLockedError(
                f"{self._name}: cannot {doing}: a lock was held by another session for more "
                f"than {self.lock_timeout:g} s"
            ) from error
        except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn) as error:
            raise StoreSchemaError(
                f"{self._name}: cannot {doing}: {error} (the tables are not a dunning store)"
            ) from error
        except psycopg.Error as error:
            raise StoreError(f"{self._name}: cannot {doing}: {error}".strip()) from error

    @contextmanager
    def _transaction(self) -> Iterator[_Cursor]:
        with (
            self._errors("write"),
            self._connection.transaction(),
            self._connection.cursor() as cursor,
        ):
            yield _Adapted(cursor, self._sql)

    @contextmanager
    def _reading(self) -> Iterator[_Cursor]:
        with (
            self._errors("read"),
            self._connection.transaction(),
            self._connection.cursor() as cursor,
        ):
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield _Adapted(cursor, self._sql)

    def _claim_keys(
        self, cursor: _Cursor, now: float, lease_until: float, worker: str, limit: int
    ) -> list[Any]:
        cursor.execute(
            "UPDATE outbox SET status = ?, claimed_by = ?, lease_until = ? WHERE key IN ("
            "SELECT key FROM outbox WHERE (status = ? AND next_attempt_at <= ?) "
            "OR (status = ? AND lease_until <= ?) ORDER BY next_attempt_at, key LIMIT ? "
            "FOR UPDATE SKIP LOCKED) RETURNING key",
            (
                EntryStatus.CLAIMED.value,
                worker,
                lease_until,
                EntryStatus.PENDING.value,
                now,
                EntryStatus.CLAIMED.value,
                now,
                limit,
            ),
        )
        return [row[0] for row in cursor.fetchall()]

    def close(self) -> None:
        """Close the connection to the server."""
        self._connection.close()


class _Adapted:
    """A psycopg cursor that takes the shared ``?`` statements."""

    def __init__(self, cursor: Any, sql: Any) -> None:
        self._cursor = cursor
        self._rewrite = sql

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)

    def execute(self, sql: Any, params: Any = None, /) -> Any:
        return self._cursor.execute(self._rewrite(sql), params)

    def executemany(self, sql: Any, params: Any, /) -> Any:
        return self._cursor.executemany(self._rewrite(sql), params)

    def fetchall(self) -> list[Any]:
        return list(self._cursor.fetchall())

    def fetchone(self) -> Any:
        return self._cursor.fetchone()


def _redacted(dsn: str) -> str:
    """`dsn` without its password, for messages."""
    if "://" in dsn and "@" in dsn:
        scheme, rest = dsn.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}@{host}"
    return " ".join(
        "password=***" if part.startswith("password=") else part for part in dsn.split()
    )
