"""Which database the app uses, and talking to a team server (PostgreSQL) about it.

Three places can name the database, strongest first (:func:`resolve_database_url`):

1. ``ONCALL_DATABASE_URL`` (scripts, a second instance): a SQLAlchemy URL. When it names a
   PostgreSQL user, host and database but no password, the keyring's password for that
   server is filled in, so the password need not sit in a shell history.
2. Settings → Database, "Team server": host, port, database, user and TLS mode in
   ``settings.toml``; the password in the system keyring (:func:`store_password`).
3. Otherwise the SQLite file on this computer (``AppPaths.database``).

:func:`check_connection` connects once with psycopg and, when that fails, raises
:class:`ConnectionProblem` with a kind (wrong password, unreachable, TLS, missing database,
other) and a sentence that says what to do. The password never appears in a message, a log
line or an exception: :func:`redact` hides it in URLs, and every text taken from a driver's
error is scrubbed of it too.

Resolving a local database imports nothing heavy (no SQLAlchemy, no keyring): it is on the
start-up path before the window paints. psycopg and SQLAlchemy's URL parser are imported only
for a team server.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from oncall.credentials import Secret
    from oncall.paths import AppPaths
    from oncall.settings import Settings

log = logging.getLogger(__name__)

#: The environment variable that names the database for scripts (beats the settings).
DATABASE_URL_ENV = "ONCALL_DATABASE_URL"
#: libpq's TLS modes, weakest first (https://www.postgresql.org/docs/current/libpq-ssl.html).
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
DEFAULT_PORT = 5432
DRIVER = "postgresql+psycopg"
#: What the UI calls each kind of :class:`ConnectionProblem`.
PROBLEM_KINDS = ("wrong_password", "unreachable", "tls", "missing_database", "other")
_MASK = "***"
_WHERE = "Settings → Database"


@dataclass(frozen=True)
class ServerSettings:
    """Where the team server is: everything but the password (that is in the keyring)."""

    host: str = ""
    port: int = DEFAULT_PORT
    database: str = "oncall"
    user: str = ""
    sslmode: str = "prefer"

    @classmethod
    def from_settings(cls, settings: Settings) -> ServerSettings:
        """The team server named in the app's settings (``server_*`` fields)."""
        return cls(
            host=settings.server_host,
            port=settings.server_port,
            database=settings.server_database,
            user=settings.server_user,
            sslmode=settings.server_sslmode,
        )

    @property
    def keyring_name(self) -> str:
        """The keyring entry holding this server's password (service ``"oncall"``):
        ``database:user@host:port/db``, so two servers or two users never share one."""
        return f"database:{self.user}@{self.host}:{self.port}/{self.database}"

    @property
    def where(self) -> str:
        """``host:port``, as messages name the server."""
        return f"{self.host}:{self.port}"

    def problem(self) -> str | None:
        """What is missing or wrong, in one sentence, or None when the server can be tried."""
        if not self.host.strip():
            return "Enter the team server's host name or address."
        if any(c.isspace() for c in self.host.strip()) or "/" in self.host:
            return f"“{self.host}” is not a host name or address."
        if not 0 < self.port < 65536:
            return f"The port must be between 1 and 65535, not {self.port}."
        if not self.database.strip():
            return "Enter the name of the database on the team server."
        if not self.user.strip():
            return "Enter the user name to sign in to the team server with."
        if self.sslmode not in SSL_MODES:
            return f"The TLS mode must be one of {', '.join(SSL_MODES)}."
        return None


@dataclass(frozen=True)
class ServerInfo:
    """What a successful :func:`check_connection` learned about the server."""

    version: str  # "15.18"
    host: str
    port: int
    database: str
    user: str
    tls: bool  # whether this connection is encrypted
    revision: str | None  # the database's schema revision; None when never migrated

    def summary(self) -> str:
        """One line for Settings and ``oncall db test``."""
        tls = "encrypted (TLS)" if self.tls else "not encrypted"
        schema = f"schema {self.revision}" if self.revision else "no oncall tables yet"
        return (
            f"Connected to PostgreSQL {self.version} at {self.host}:{self.port}, database "
            f"“{self.database}” as {self.user}; {tls}; {schema}."
        )


class ConnectionProblem(Exception):  # noqa: N818  (the word the UI and the issue use)
    """Connecting to the team server failed; ``kind`` is one of :data:`PROBLEM_KINDS` and
    the message is a plain sentence saying what to do. Neither ever holds the password."""

    def __init__(self, kind: str, message: str) -> None:
        if kind not in PROBLEM_KINDS:
            raise ValueError(f"unknown connection problem kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.message = message


# ------------------------------------------------------------------------------------- URLs


def server_url(settings: ServerSettings, password: str | Secret | None) -> str:
    """The SQLAlchemy URL (psycopg 3 driver) for ``settings``, with ``password`` when given.

    ``sslmode`` always travels in the query, so what the user chose is what libpq does.
    """
    auth = quote(settings.user, safe="")
    if password is not None:
        text = password if isinstance(password, str) else password.reveal()
        if text:
            auth += ":" + quote(text, safe="")
    host = settings.host.strip()
    if ":" in host and not host.startswith("["):  # an IPv6 address
        host = f"[{host}]"
    database = quote(settings.database, safe="")
    return f"{DRIVER}://{auth}@{host}:{settings.port}/{database}?sslmode={settings.sslmode}"


def is_postgresql(url: str) -> bool:
    """Whether ``url`` names a PostgreSQL database (a shared team server)."""
    return url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


class DatabaseUrlError(ValueError):
    """A database URL (``ONCALL_DATABASE_URL``) that cannot be read; the message shows it
    with any password masked (the parser's own error may quote the whole URL)."""


def _parse(url: str) -> URL:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url)
    except Exception:  # the parser's message may quote the URL, password and all
        masked = re.sub(r"(://[^:/@]*):[^@]*@", r"\1:" + _MASK + "@", url)
        raise DatabaseUrlError(
            f"“{masked}” is not a database URL; write it as "
            "postgresql+psycopg://USER@HOST:PORT/DATABASE"
        ) from None


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***`` (and nothing else changed); text that
    is not a URL comes back with anything between ``:`` and ``@`` masked."""
    if "://" not in url:
        return url
    try:
        return _parse(url).render_as_string(hide_password=True)
    except DatabaseUrlError:  # not a URL SQLAlchemy reads: mask user:password@ crudely
        return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:" + _MASK + "@", url)


def server_of(url: str) -> ServerSettings | None:
    """The server a PostgreSQL ``url`` names (its password left out), or None for others."""
    if not is_postgresql(url):
        return None
    parsed = _parse(url)
    sslmode = parsed.query.get("sslmode", "prefer")
    return ServerSettings(
        host=parsed.host or "",
        port=parsed.port or DEFAULT_PORT,
        database=parsed.database or "",
        user=parsed.username or "",
        sslmode=sslmode if isinstance(sslmode, str) and sslmode in SSL_MODES else "prefer",
    )


def password_of(url: str) -> str | None:
    """The password in ``url``, or None (never log it)."""
    if "@" not in url or not is_postgresql(url):
        return None
    try:
        return _parse(url).password  # type: ignore[return-value]
    except Exception:
        return None


def database_label(url: str) -> str:
    """Where the data lives, for people: "Team server db.example/oncall" or "This computer"."""
    server = server_of(url) if is_postgresql(url) else None
    if server is None:
        return "This computer"
    return f"Team server {server.host}/{server.database}"


# ---------------------------------------------------------------------------------- keyring


def password_from_keyring(settings: ServerSettings) -> Secret | None:
    """The server's password from the keyring, or None (none stored, or no usable keyring:
    then the connection asks for one and :func:`check_connection` says so)."""
    from oncall import credentials

    try:
        return credentials.get_secret(settings.keyring_name)
    except credentials.SecretStoreUnavailable as error:
        log.info("No keyring for the database password: %s", error)
        return None


def store_password(settings: ServerSettings, password: str | Secret) -> None:
    """Keep the server's password in the keyring (an empty one deletes it). Raises
    ``credentials.SecretStoreUnavailable`` when there is no secure keyring."""
    from oncall import credentials

    text = password if isinstance(password, str) else password.reveal()
    if text:
        credentials.set_secret(settings.keyring_name, text)
    else:
        credentials.delete_secret(settings.keyring_name)


# ------------------------------------------------------------------------------- resolution


def resolve_database_url(settings: Settings, env: Mapping[str, str], paths: AppPaths) -> str:
    """The database the app opens: ``ONCALL_DATABASE_URL``, else the settings' team server,
    else this computer's SQLite file. The result may hold the password: show it only through
    :func:`redact` or :func:`database_label`."""
    chosen = env.get(DATABASE_URL_ENV, "").strip()
    if chosen:
        server = server_of(chosen)
        if server is not None and password_of(chosen) is None:
            password = password_from_keyring(server)
            if password:
                return _with_password(chosen, password.reveal())
        return chosen
    if settings.database == "server":
        server = ServerSettings.from_settings(settings)
        if server.problem() is None:
            return server_url(server, password_from_keyring(server))
        log.warning("Settings name a team server that cannot be used (%s); using this "
                    "computer's database", server.problem())  # fmt: skip
    return f"sqlite:///{paths.database}"


def _with_password(url: str, password: str) -> str:
    return _parse(url).set(password=password).render_as_string(hide_password=False)


# ------------------------------------------------------------------------------- connecting


def check_connection(url: str, timeout: float = 5) -> ServerInfo:
    """Connect to the PostgreSQL ``url`` once and say what is there; raises
    :class:`ConnectionProblem` (a kind and a sentence saying what to do) when that fails."""
    import psycopg

    server = server_of(url)
    if server is None:
        raise ValueError("check_connection is for PostgreSQL URLs")
    password = password_of(url)
    parsed = _parse(url)
    options = {k: v for k, v in parsed.query.items() if isinstance(v, str)}
    options.pop("connect_timeout", None)  # ours wins
    try:
        conn = psycopg.connect(
            host=server.host,
            port=server.port,
            dbname=server.database,
            user=server.user,
            password=password or None,
            connect_timeout=max(1, round(timeout)),
            **options,
        )
    except psycopg.Error as error:
        problem = classify(error, server, password)
        log.info("Database connection to %s failed (%s): %s", redact(url), problem.kind,
                 scrub(str(error), password))  # fmt: skip
        raise problem from None
    try:
        with conn:
            row = conn.execute(
                "SELECT current_setting('server_version'), current_user, "
                "to_regclass('alembic_version') IS NOT NULL"
            ).fetchone()
            assert row is not None
            revision = None
            if row[2]:
                found = [str(r[0]) for r in conn.execute("SELECT version_num FROM alembic_version")]
                revision = ",".join(sorted(found)) or None
            tls = bool(conn.info.pgconn.ssl_in_use)
    except psycopg.errors.InsufficientPrivilege:
        raise ConnectionProblem(
            "other",
            f"User '{server.user}' may not read oncall's tables in '{server.database}' on "
            f"{server.where}. Ask the server's administrator to grant that user access to them.",
        ) from None
    except psycopg.Error as error:
        raise ConnectionProblem(
            "other", f"Connected to {server.where} but could not read from it: "
            f"{scrub(str(error), password)}",
        ) from None  # fmt: skip
    version = str(row[0]).split(" ", 1)[0]
    return ServerInfo(version, server.host, server.port, server.database, str(row[1]), tls,
                      revision)  # fmt: skip


def scrub(text: str, password: str | None) -> str:
    """``text`` without ``password`` (raw and URL-quoted) anywhere in it."""
    if not password:
        return text
    for form in {password, quote(password, safe="")}:
        text = text.replace(form, _MASK)
    return text


def classify(error: Exception, server: ServerSettings, password: str | None) -> ConnectionProblem:
    """A driver's connection error as a :class:`ConnectionProblem`: by SQLSTATE when the
    server sent one, else by libpq's message (connection errors carry no SQLSTATE)."""
    sqlstate = getattr(error, "sqlstate", None) or ""
    text = scrub(str(error), password)
    low = text.lower()
    where, user, db = server.where, server.user, server.database
    if sqlstate == "28P01" or "password authentication failed" in low:
        return ConnectionProblem(
            "wrong_password",
            f"PostgreSQL at {where} refused the password for user '{user}'. "
            f"Check the user and password in {_WHERE}.",
        )
    if "no password supplied" in low:
        return ConnectionProblem(
            "wrong_password",
            f"PostgreSQL at {where} asks for a password for user '{user}', and none is "
            f"stored. Enter it in {_WHERE} or with `oncall credentials set "
            "database-password` (it is kept in the system keyring; without one, in "
            "PostgreSQL's ~/.pgpass file).",
        )
    if sqlstate == "3D000" or re.search(r'database ".*" does not exist', low):
        return ConnectionProblem(
            "missing_database",
            f"PostgreSQL at {where} has no database '{db}'. Create it (for example "
            f"`createdb -h {server.host} -p {server.port} -U {user} {db}`) or correct the "
            f"database name in {_WHERE}.",
        )
    if "server does not support ssl" in low:
        return ConnectionProblem(
            "tls",
            f"PostgreSQL at {where} does not offer encrypted (TLS) connections, and the TLS "
            f"mode is '{server.sslmode}'. Ask the server's administrator to turn TLS on, or, "
            f"on a network you trust, choose the TLS mode 'prefer' in {_WHERE}.",
        )
    if "certificate" in low or "ssl" in low or "tls" in low:
        return ConnectionProblem(
            "tls",
            f"The encrypted (TLS) connection to {where} failed: {_detail(text)} Check the "
            f"server's certificate and the TLS mode ('{server.sslmode}') in {_WHERE}.",
        )
    if "failed to resolve host" in low or "could not translate host name" in low:
        return ConnectionProblem(
            "unreachable",
            f"The host name '{server.host}' could not be found. Check its spelling in "
            f"{_WHERE}, and that this computer is on the right network (or VPN).",
        )
    if "connection refused" in low:
        return ConnectionProblem(
            "unreachable",
            f"Nothing answered at {where} (connection refused). Check the host and port in "
            f"{_WHERE}, and that the PostgreSQL server is running and accepts connections "
            "from this computer.",
        )
    if "timeout expired" in low or "timed out" in low:
        return ConnectionProblem(
            "unreachable",
            f"No answer from {where} in time. Check the host and port in {_WHERE}, and that "
            "no firewall is in the way.",
        )
    if any(s in low for s in ("network is unreachable", "no route to host",
                              "closed the connection unexpectedly")):  # fmt: skip
        return ConnectionProblem(
            "unreachable",
            f"Could not reach a PostgreSQL server at {where}: {_detail(text)} Check the "
            f"host and port in {_WHERE} and this computer's network.",
        )
    if sqlstate == "28000" or "no pg_hba.conf entry" in low:
        return ConnectionProblem(
            "other",
            f"PostgreSQL at {where} does not let user '{user}' in to '{db}' from this "
            "computer. Ask the server's administrator to allow it (pg_hba.conf).",
        )
    return ConnectionProblem(
        "other", f"Could not connect to PostgreSQL at {where}: {_detail(text)}"
    )


def _detail(text: str) -> str:
    """The last, most specific part of a libpq message, as a sentence."""
    line = text.strip().splitlines()[0] if text.strip() else "unknown error"
    part = line.rsplit(" failed: ", 1)[-1].removeprefix("FATAL:").strip()
    return part.rstrip(".") + "."
