"""``oncall import pagerduty`` and ``oncall credentials`` (docs/pagerduty.md). The token is read
from the keyring (or typed, without echo) and never printed."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from oncall.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    CliError,
    Clock,
    Runner,
    instant,
    open_context,
    print_json,
    utc_text,
    viewer_zone,
)

PAGERDUTY_SCHEMA = "oncall.import.pagerduty/1"
PAGERDUTY_TOKEN = "pagerduty-token"
_NO_KEYRING = (
    "oncall keeps passwords in your system keyring, and none is available right now.\n"
    "Install or unlock GNOME Keyring or KWallet (any Secret Service provider), then try again."
)


def add_parsers(commands: Any, imports: Any, exports: Any, common: argparse.ArgumentParser) -> None:
    """``import pagerduty`` and ``credentials``."""
    pd = imports.add_parser(
        "pagerduty",
        parents=[common],
        help="import who was paged from PagerDuty (REST API v2, token from the keyring)",
    )
    pd.add_argument("--since", metavar="DATE", required=True, help="first day, inclusive")
    pd.add_argument("--until", metavar="DATE", required=True, help="last day, inclusive")
    pd.add_argument("--tz", metavar="ZONE", help="read the dates in this IANA zone")
    pd.add_argument(
        "--map",
        metavar="USER=ENGINEER",
        action="append",
        default=[],
        help="page PagerDuty user (id or email) as this engineer (handle, email or id); repeat",
    )
    pd.add_argument("--dry-run", action="store_true", help="show the outcome and save nothing")
    pd.add_argument("--json", action="store_true", help=f"print JSON ({PAGERDUTY_SCHEMA})")
    pd.add_argument("--base-url", metavar="URL", help=argparse.SUPPRESS)  # a proxy; tests

    cred = commands.add_parser(
        "credentials", parents=[common], help="store or delete a secret in the system keyring"
    )
    actions = cred.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, text in (
        ("set", "store NAME's secret, read from the terminal without echo (or from stdin)"),
        ("delete", "remove NAME's secret"),
        ("status", "where secrets are kept and whether NAME is stored"),
    ):
        sub = actions.add_parser(action, parents=[common], help=text)
        sub.add_argument(
            "name", metavar="NAME", help=f"e.g. {PAGERDUTY_TOKEN} or database-password"
        )


def _credentials(args: argparse.Namespace, clock: Clock) -> int:
    # The keyring only: no database.
    from oncall import credentials
    from oncall.cli.database import database_secret_name

    name = args.name.strip()
    if not name or any(c.isspace() for c in name):
        raise CliError(f'"{args.name}" is not a secret name; e.g. {PAGERDUTY_TOKEN}')
    name = database_secret_name(args, name)  # database-password: the team server's entry
    try:
        if args.action == "status":
            print(f"Passwords are stored in: {credentials.backend_name()}")
            if credentials.backend_is_secure():
                stored = credentials.get_secret(name) is not None
                print(f"{name}: {'stored' if stored else 'not stored'}")
            return EXIT_OK
        if args.action == "delete":
            removed = credentials.delete_secret(name)
            print(f"{name}: deleted" if removed else f"{name}: there was none")
            return EXIT_OK
        value = _read_secret(f"{name}: ")
        if not value:
            raise CliError(f"{name}: nothing entered; nothing was stored")
        credentials.set_secret(name, value)
    except credentials.SecretStoreUnavailable as error:
        hint = ""
        if name.startswith("database:"):  # the team server: libpq has a file of its own
            hint = (
                "\nWithout a keyring, PostgreSQL's password file works for the team server: "
                "a line HOST:PORT:DATABASE:USER:PASSWORD in ~/.pgpass (chmod 600)."
            )
        raise CliError(f"{_NO_KEYRING}\n({error}){hint}", EXIT_FAILURE) from None
    print(f"{name}: stored in {credentials.backend_name()}")
    return EXIT_OK


def _read_secret(prompt: str) -> str:
    """A secret from the terminal without echo, or the first line of a pipe."""
    import getpass

    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt).strip()
    return (sys.stdin.readline() if sys.stdin is not None else "").strip()


def _pagerduty_token() -> Any:
    from oncall import credentials

    try:
        token = credentials.get_secret(PAGERDUTY_TOKEN)
    except credentials.SecretStoreUnavailable:
        if sys.stdin is None or not sys.stdin.isatty():
            raise CliError(
                f"{_NO_KEYRING}\nUntil then, run this command in a terminal: it asks for the "
                "token and uses it for this run only.",
                EXIT_FAILURE,
            ) from None
        token = _read_secret("PagerDuty API token (used for this run only): ")
        return credentials.Secret(token) if token else None
    if token is None:
        raise CliError(
            "no PagerDuty API token is stored; store one (it is read without echo) with:\n"
            f"  oncall credentials set {PAGERDUTY_TOKEN}"
        )
    return token


def _import_pagerduty(args: argparse.Namespace, clock: Clock) -> int:
    from oncall.db import queries
    from oncall.exchange import pagerduty
    from oncall.jobs import import_pagerduty

    ctx = open_context(args, clock)
    zone = viewer_zone(ctx, args.tz)
    since = instant(args.since, zone, "--since")
    until = instant(args.until, zone, "--until", day_end=True)
    if until <= since:
        raise CliError("--until: the range is empty; it must end after --since")
    engineer_map: dict[str, int] = {}
    with ctx.sessions() as s:
        for item in args.map:
            user, sep, who = item.partition("=")
            engineer = queries.find_engineer(s, who.strip()) if sep else None
            if not user.strip() or engineer is None:
                raise CliError(f'--map: "{item}" must be PAGERDUTY_USER=ENGINEER (a known one)')
            engineer_map[user.strip()] = engineer.id
    token = _pagerduty_token()
    if token is None:
        raise CliError("no token entered; nothing was imported")
    report = None
    try:
        for value in import_pagerduty(
            ctx.sessions,
            token,
            since,
            until,
            base_url=args.base_url,
            engineer_map=engineer_map,
            dry_run=args.dry_run,
            now=ctx.clock(),
        ):
            report = getattr(value, "report", None) or report
    except pagerduty.TokenRefusedError as error:
        raise CliError(
            str(error).replace("Settings → PagerDuty", f"oncall credentials set {PAGERDUTY_TOKEN}")
        ) from None
    except pagerduty.PagerDutyError as error:
        raise CliError(f"{error}\nnothing was imported", EXIT_FAILURE) from None
    assert report is not None  # the job's last value
    if args.json:
        print_json({"schema": PAGERDUTY_SCHEMA, **report.to_json()})
        return EXIT_OK
    print(
        f"PagerDuty {utc_text(since)} to {utc_text(until)}: {report.rows} notifications: "
        f"{report.summary()}"
    )
    for user in report.unmatched:
        print(
            f"  not an engineer here: {user.name or user.user_id} <{user.email or 'no email'}> "
            f"({user.pages} page{'s' if user.pages != 1 else ''}); "
            f"add --map {user.user_id}=HANDLE"
        )
    for rejected in report.rejected:
        print(f"  rejected {rejected.source_id}: {rejected.reason}")
    if report.dry_run:
        print("dry run: nothing was saved")
    return EXIT_OK


RUNNERS: dict[str, Runner] = {
    "import pagerduty": _import_pagerduty,
    "credentials set": _credentials,
    "credentials delete": _credentials,
    "credentials status": _credentials,
}
