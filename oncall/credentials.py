"""Secrets (API tokens, passwords) kept in the system keyring, never in a file.

Everything goes through ``keyring``. A backend counts as secure when keyring itself recommends
it (priority 1 or more): the fail and null backends and keyrings.alt's plaintext file do not.
Without a secure backend nothing is stored: :func:`set_secret` raises
:class:`SecretStoreUnavailable`, and the UI offers :func:`remember_for_session`, which keeps the
value in this process's memory only.

keyring is imported on first use, not at start-up: importing it probes D-Bus, and a call can
block on an unlock prompt. Calls are serialised with a lock (the UI may ask from a worker).

A secret read back is a :class:`Secret`, whose repr and str are masked, so it cannot reach a
log line, an exception message or a traceback's locals by accident; ``reveal()`` gives the text.
"""

from __future__ import annotations

import hmac
import threading
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "oncall"

#: What :func:`backend_name` says when there is no secure backend.
NOT_AVAILABLE = "not available"

# Display names by the backend's module, after Vorta's labels (reference/aesthetics.md 3.7).
_NAMES = {
    "keyring.backends.SecretService": "GNOME Keyring / Secret Service",
    "keyring.backends.libsecret": "GNOME Keyring / Secret Service",
    "keyring.backends.kwallet": "KWallet",
    "keyring.backends.macOS": "macOS Keychain",
    "keyring.backends.Windows": "Windows Credential Locker",
}

_lock = threading.RLock()
_session: dict[str, Secret] = {}


class SecretStoreUnavailable(RuntimeError):  # noqa: N818  the name the design uses
    """No trustworthy keyring backend (or it is locked); the UI explains what to install.

    The message names the backend or the keyring's error, never a secret.
    """


class Secret:
    """A secret value that does not show itself: ``repr`` and ``str`` are masked.

    Compare two secrets with ``==``; pass the text on only where it is needed, with
    :meth:`reveal` (an HTTP header, the keyring).
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("a secret is text")
        self._value = value

    def reveal(self) -> str:
        """The secret text itself."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        # Constant time, as any comparison of secrets should be.
        return isinstance(other, Secret) and hmac.compare_digest(
            other._value.encode(), self._value.encode()
        )

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> NoReturn:  # never pickled into a cache or a crash report
        raise TypeError("a Secret cannot be pickled")


def _backend() -> KeyringBackend:
    import keyring

    return keyring.get_keyring()


def _is_secure(backend: KeyringBackend) -> bool:
    import keyring.core

    try:
        return bool(keyring.core.recommended(backend))
    except Exception:  # a backend's priority may raise when its service is gone
        return False


def _inner(backend: KeyringBackend) -> KeyringBackend:
    """The backend that does the work: the first of a chainer's backends, else itself."""
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend):
        chained = list(ChainerBackend.backends)
        if chained:
            return chained[0]
    return backend


def backend_is_secure() -> bool:
    """Whether the keyring in use stores secrets safely (priority 1 or more).

    ``keyring.backends.fail`` (0), ``null`` (-1) and keyrings.alt's PlaintextKeyring (0.5) are
    not; a backend whose priority cannot be read (its daemon is gone) is not either.
    """
    with _lock:
        return _is_secure(_backend())


def backend_name() -> str:
    """Where secrets are stored, for Settings: "GNOME Keyring / Secret Service", "macOS
    Keychain", "Windows Credential Locker", ... or :data:`NOT_AVAILABLE`."""
    with _lock:
        backend = _backend()
        if not _is_secure(backend):
            return NOT_AVAILABLE
        inner = _inner(backend)
        module = type(inner).__module__
        for prefix, name in _NAMES.items():
            if module == prefix or module.startswith(prefix + "."):
                return name
        return str(type(inner).name)


def _unavailable(backend: KeyringBackend) -> SecretStoreUnavailable:
    return SecretStoreUnavailable(
        f"no secure keyring is available (the keyring backend is {type(backend).__name__})"
    )


def get_secret(name: str) -> Secret | None:
    """The secret stored under ``name``, or None when there is none.

    A value remembered for this session wins. Without a secure backend and nothing remembered,
    raises :class:`SecretStoreUnavailable` (so the UI can offer "use for this session").
    """
    from keyring.errors import KeyringError

    with _lock:
        if name in _session:
            return _session[name]
        backend = _backend()
        if not _is_secure(backend):
            raise _unavailable(backend)
        try:
            value = backend.get_password(SERVICE, name)
        except KeyringError as error:  # locked collection, D-Bus trouble
            raise SecretStoreUnavailable(f"the keyring refused to read: {error}") from None
        return None if value is None else Secret(value)


def set_secret(name: str, value: str | Secret) -> None:
    """Store ``value`` under ``name`` in the keyring (replacing a session-only copy).

    Raises :class:`SecretStoreUnavailable` when no secure backend exists or it refuses; nothing
    is then written anywhere.
    """
    from keyring.errors import KeyringError

    secret = value if isinstance(value, Secret) else Secret(value)
    with _lock:
        backend = _backend()
        if not _is_secure(backend):
            raise _unavailable(backend)
        try:
            backend.set_password(SERVICE, name, secret.reveal())
        except KeyringError as error:
            raise SecretStoreUnavailable(f"the keyring refused to store: {error}") from None
        _session.pop(name, None)


def delete_secret(name: str) -> bool:
    """Forget ``name`` in this session and in the keyring; True when something was removed."""
    from keyring.errors import KeyringError, PasswordDeleteError

    with _lock:
        removed = _session.pop(name, None) is not None
        backend = _backend()
        if not _is_secure(backend):
            return removed
        try:
            backend.delete_password(SERVICE, name)
        except PasswordDeleteError:  # there was none
            return removed
        except KeyringError as error:
            raise SecretStoreUnavailable(f"the keyring refused to delete: {error}") from None
        return True


def remember_for_session(name: str, value: str | Secret) -> None:
    """Keep ``value`` in memory until the app quits ("use for this session"); never on disk."""
    secret = value if isinstance(value, Secret) else Secret(value)
    with _lock:
        _session[name] = secret


def forget_session() -> None:
    """Drop every session-only secret (tests; a "lock" action)."""
    with _lock:
        _session.clear()
