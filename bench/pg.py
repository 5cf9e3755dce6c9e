"""The PostgreSQL database a bench runs on: BENCH_DATABASE_URL, or a fresh one dropped after."""

from __future__ import annotations

import contextlib
import os
import secrets
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def redacted(url: str) -> str:
    """`url` without its password, for the report."""
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


@contextlib.contextmanager
def postgres_database(prefix: str):
    """(url, note): BENCH_DATABASE_URL as it is, or a fresh database created here and dropped."""
    import psycopg

    given = os.environ.get("BENCH_DATABASE_URL")
    if given:
        yield given, "BENCH_DATABASE_URL (used as it is; the bench's rows are deleted after)"
        return
    name = f"{prefix}_{secrets.token_hex(3)}"
    with psycopg.connect(f"{DEFAULT_PG_SERVER}/postgres", autocommit=True, connect_timeout=5) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{DEFAULT_PG_SERVER}/{name}", f"fresh database {name}, dropped after the run"
    finally:
        with psycopg.connect(f"{DEFAULT_PG_SERVER}/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
