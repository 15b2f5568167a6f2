"""A local stand-in for PagerDuty's REST API v2, serving the documented response shapes.

Only what the importer reads (reference/formats.md 1b, PagerDuty/api-schema openapiv3.json):

- ``GET /log_entries``: ``since``/``until`` (inclusive at both ends here, so an entry on a
  window's edge comes back twice and the client must keep it once), ``include[]=incidents``
  (full incident objects instead of references), classic pagination ``limit`` (at most 100),
  ``offset``, ``more``; beyond ``offset + limit > offset_limit`` it answers 400 as PagerDuty
  does past 10,000 (a small ``offset_limit`` exercises the client's windowing).
- ``GET /users/{id}``: ``{"user": {...}}`` or 404.
- Every request must carry ``Authorization: Token token=<token>`` (else 401) and
  ``Accept: application/vnd.pagerduty+json;version=2`` (else 406).
- Scripted trouble: ``throttle`` answers the next N requests with 429 and a
  ``ratelimit-reset`` header; ``fail`` answers the next N with 500; ``break_after`` answers
  500 to every request after the first N (an outage midway).

Started on 127.0.0.1 on an ephemeral port in a thread (:meth:`FakePagerDuty.start`), stopped
by :meth:`FakePagerDuty.stop`. ``requests`` records what arrived (path, query, headers).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ACCEPT = "application/vnd.pagerduty+json;version=2"


@dataclass
class Seen:
    """One request as the server saw it."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class FakePagerDuty:
    """The fake account: its token, log entries, users and scripted failures."""

    token: str = "pd-test-token-0123456789"
    log_entries: list[dict[str, Any]] = field(default_factory=list)
    incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    offset_limit: int = 10_000
    throttle: int = 0  # answer this many next requests with 429
    reset_seconds: int = 7
    fail: int = 0  # answer this many next requests with 500
    break_after: int | None = None  # answer 500 to every request after this many
    requests: list[Seen] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` once started."""
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakePagerDuty:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, headers, body = fake._answer(self.path, dict(self.headers.items()))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep the test output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # ------------------------------------------------------------------------ data

    def add_user(self, user_id: str, name: str, email: str) -> None:
        self.users[user_id] = {
            "id": user_id,
            "type": "user",
            "summary": name,
            "name": name,
            "email": email,
            "time_zone": "Europe/London",
            "self": f"https://api.pagerduty.com/users/{user_id}",
            "html_url": f"https://example.pagerduty.com/users/{user_id}",
        }

    def add_incident(
        self,
        incident_id: str,
        at: datetime,
        title: str,
        *,
        service: str = "Payments API",
        urgency: str = "high",
        priority: str | None = None,
        notify: tuple[tuple[str, str], ...] = (),
        acknowledged_by: str | None = None,
        ack_after: timedelta = timedelta(minutes=4),
        resolve_after: timedelta | None = timedelta(minutes=30),
    ) -> list[str]:
        """An incident and its log entries: trigger at ``at``, a notify entry per
        ``(user id, channel type)`` a few seconds apart, an acknowledgement, a resolve.
        Returns the notify entries' ids."""
        service_ref = {
            "id": "PSVC" + service[:3].upper(),
            "type": "service_reference",
            "summary": service,
        }
        resolved_at = at + resolve_after if resolve_after is not None else None
        self.incidents[incident_id] = {
            "id": incident_id,
            "type": "incident",
            "summary": f"[#{len(self.incidents) + 1}] {title}",
            "title": title,
            "incident_number": len(self.incidents) + 1,
            "incident_key": f"key-{incident_id}",
            "created_at": _text(at),
            "status": "resolved" if resolved_at else "triggered",
            "urgency": urgency,
            "priority": {"id": "PPRI", "type": "priority", "summary": priority}
            if priority
            else None,
            "service": service_ref,
            "resolved_at": _text(resolved_at) if resolved_at else None,
            "assignments": [],  # empty once resolved, as the spec says
            "acknowledgements": [],
        }
        self._entry(
            f"T{incident_id}",
            "trigger_log_entry",
            at,
            incident_id,
            service_ref,
            channel={"type": "api"},
        )
        ids = []
        for n, (user_id, channel) in enumerate(notify):
            entry_id = f"N{incident_id}{n}"
            ids.append(entry_id)
            self._entry(
                entry_id,
                "notify_log_entry",
                at + timedelta(seconds=5 * (n + 1)),
                incident_id,
                service_ref,
                channel={
                    "type": channel,
                    "notification": {
                        "type": f"{channel}_notification"
                        if not channel.endswith("_notification")
                        else channel,
                        "status": "success",
                        "address": "redacted",
                        "started_at": _text(at + timedelta(seconds=5 * (n + 1))),
                    },
                },
                user={
                    "id": user_id,
                    "type": "user_reference",
                    "summary": self.users.get(user_id, {}).get("name", user_id),
                },
            )
        if acknowledged_by:
            self._entry(
                f"A{incident_id}",
                "acknowledge_log_entry",
                at + ack_after,
                incident_id,
                service_ref,
                agent={"id": acknowledged_by, "type": "user_reference"},
                acknowledgement_timeout=1800,
            )
        if resolved_at:
            self._entry(
                f"R{incident_id}",
                "resolve_log_entry",
                resolved_at,
                incident_id,
                service_ref,
                agent={"id": "PSVC", "type": "service_reference"},
            )
        return ids

    def _entry(
        self,
        entry_id: str,
        kind: str,
        at: datetime,
        incident_id: str,
        service: dict[str, Any],
        **extra: Any,
    ) -> None:
        self.log_entries.append(
            {
                "id": entry_id,
                "type": kind,
                "summary": kind.replace("_", " "),
                "self": f"https://api.pagerduty.com/log_entries/{entry_id}",
                "created_at": _text(at),
                "incident": {
                    "id": incident_id,
                    "type": "incident_reference",
                    "summary": self.incidents[incident_id]["summary"],
                },
                "service": service,
                "teams": [],
                "contexts": [],
                **extra,
            }
        )

    # ------------------------------------------------------------------------ answers

    def _answer(self, raw_path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(raw_path)
        query = parse_qs(parts.query, keep_blank_values=True)
        lowered = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            self.requests.append(Seen(parts.path, query, lowered))
            if lowered.get("authorization") != f"Token token={self.token}":
                return 401, {}, _error("Unauthorized", 2006, [])
            if lowered.get("accept") != ACCEPT:
                return 406, {}, _error("Not Acceptable", 2000, ["Accept header"])
            if self.throttle:
                self.throttle -= 1
                return (
                    429,
                    {
                        "ratelimit-limit": "960",
                        "ratelimit-remaining": "0",
                        "ratelimit-reset": str(self.reset_seconds),
                    },
                    _error("Rate Limit Exceeded", 2020, []),
                )
            if self.fail or (
                self.break_after is not None and len(self.requests) > self.break_after
            ):
                self.fail = max(0, self.fail - 1)
                return 500, {}, _error("Internal Server Error", 5000, [])
        if parts.path == "/log_entries":
            return self._log_entries(query)
        if parts.path.startswith("/users/"):
            user = self.users.get(parts.path.removeprefix("/users/"))
            if user is None:
                return 404, {}, _error("Not Found", 2100, [])
            return 200, {}, {"user": user}
        return 404, {}, _error("Not Found", 2100, [])

    def _log_entries(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        limit = min(int(query.get("limit", ["25"])[0]), 100)
        offset = int(query.get("offset", ["0"])[0])
        if offset + limit > self.offset_limit:
            return (
                400,
                {},
                _error(
                    "Invalid Input Provided",
                    2001,
                    [f"Offset must be less than {self.offset_limit}."],
                ),
            )
        since = _parse(query["since"][0]) if "since" in query else datetime.min.replace(tzinfo=UTC)
        until = _parse(query["until"][0]) if "until" in query else datetime.max.replace(tzinfo=UTC)
        chosen = [e for e in self.log_entries if since <= _parse(e["created_at"]) <= until]
        chosen.sort(key=lambda e: (e["created_at"], e["id"]), reverse=True)  # newest first
        page = chosen[offset : offset + limit]
        if "incidents" in query.get("include[]", []):
            page = [{**e, "incident": self.incidents[e["incident"]["id"]]} for e in page]
        return (
            200,
            {},
            {
                "log_entries": page,
                "limit": limit,
                "offset": offset,
                "more": offset + limit < len(chosen),
                "total": None,
            },
        )


def _text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _error(message: str, code: int, errors: list[str]) -> dict[str, Any]:
    return {"error": {"message": message, "code": code, "errors": errors}}
