"""Secrets go through keyring only; without a secure backend, memory for the session only."""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null

from oncall import credentials
from oncall.credentials import Secret, SecretStoreUnavailable
from tests.conftest import MemoryKeyring

TOKEN = "u+pd-9f3c2a7b6e5d4c3b2a1"


@pytest.fixture(autouse=True)
def no_session_secrets() -> Iterator[None]:
    """Session-only secrets live in the module; no test sees another's."""
    credentials.forget_session()
    yield
    credentials.forget_session()


class LowPriorityFileKeyring(KeyringBackend):
    """Like keyrings.alt's PlaintextKeyring: priority 0.5, writes the secret to a file."""

    priority = 0.5  # type: ignore[assignment]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def get_password(self, service: str, username: str) -> str | None:
        return self.path.read_text() if self.path.exists() else None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.path.write_text(password)

    def delete_password(self, service: str, username: str) -> None:
        self.path.unlink()


class LockedKeyring(MemoryKeyring):
    """A secure backend whose collection is locked: every call fails like Secret Service's."""

    def get_password(self, service: str, username: str) -> str | None:
        from keyring.errors import KeyringLocked

        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        from keyring.errors import KeyringLocked

        raise KeyringLocked("Failed to unlock the collection!")


def files_under(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# ------------------------------------------------------------------------------ secure backend


def test_set_get_delete_in_a_secure_keyring(memory_keyring: MemoryKeyring) -> None:
    assert credentials.backend_is_secure()
    assert credentials.get_secret("pagerduty-token") is None
    credentials.set_secret("pagerduty-token", TOKEN)
    assert memory_keyring.secrets == {("oncall", "pagerduty-token"): TOKEN}
    secret = credentials.get_secret("pagerduty-token")
    assert secret is not None
    assert secret.reveal() == TOKEN
    assert credentials.delete_secret("pagerduty-token") is True
    assert memory_keyring.secrets == {}
    assert credentials.get_secret("pagerduty-token") is None
    assert credentials.delete_secret("pagerduty-token") is False  # nothing left to delete


@pytest.mark.parametrize(
    ("module", "shown"),
    [
        ("keyring.backends.SecretService", "GNOME Keyring / Secret Service"),
        ("keyring.backends.macOS", "macOS Keychain"),
        ("keyring.backends.Windows", "Windows Credential Locker"),
    ],
)
def test_backend_name_for_settings(module: str, shown: str) -> None:
    # A secure backend that says it comes from that module (the real ones need their OS).
    backend_class = type("Keyring", (MemoryKeyring,), {"__module__": module})
    keyring.set_keyring(backend_class())
    assert credentials.backend_name() == shown
    keyring.set_keyring(fail.Keyring())
    assert credentials.backend_name() == "not available"


def test_storing_replaces_a_session_only_copy(memory_keyring: MemoryKeyring) -> None:
    credentials.remember_for_session("pagerduty-token", "old")
    credentials.set_secret("pagerduty-token", Secret(TOKEN))
    assert credentials.get_secret("pagerduty-token") == Secret(TOKEN)


# ------------------------------------------------------------------------------ no secure backend


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_without_a_secure_backend_nothing_is_stored_but_the_session_works(
    backend: KeyringBackend, tmp_path: Path
) -> None:
    keyring.set_keyring(backend)
    before = files_under(tmp_path)
    assert not credentials.backend_is_secure()
    assert credentials.backend_name() == "not available"
    with pytest.raises(SecretStoreUnavailable, match="no secure keyring"):
        credentials.set_secret("pagerduty-token", TOKEN)
    with pytest.raises(SecretStoreUnavailable):
        credentials.get_secret("pagerduty-token")  # so the UI can offer "for this session"

    credentials.remember_for_session("pagerduty-token", TOKEN)
    assert credentials.get_secret("pagerduty-token") == Secret(TOKEN)
    assert files_under(tmp_path) == before  # the data folder and all: not a byte written
    assert credentials.delete_secret("pagerduty-token") is True
    with pytest.raises(SecretStoreUnavailable):
        credentials.get_secret("pagerduty-token")


def test_a_plaintext_like_low_priority_backend_counts_as_insecure(tmp_path: Path) -> None:
    keyring.set_keyring(LowPriorityFileKeyring(tmp_path / "plain.txt"))
    assert not credentials.backend_is_secure()
    with pytest.raises(SecretStoreUnavailable):
        credentials.set_secret("pagerduty-token", TOKEN)
    assert not (tmp_path / "plain.txt").exists()


def test_a_locked_keyring_is_unavailable_not_a_crash() -> None:
    keyring.set_keyring(LockedKeyring())
    with pytest.raises(SecretStoreUnavailable, match="refused to read"):
        credentials.get_secret("pagerduty-token")
    with pytest.raises(SecretStoreUnavailable, match="refused to store") as raised:
        credentials.set_secret("pagerduty-token", TOKEN)
    assert TOKEN not in str(raised.value)


def test_a_backend_whose_priority_fails_is_not_secure() -> None:
    class Gone(MemoryKeyring):
        @property
        def priority(self) -> float:  # type: ignore[override]
            raise RuntimeError("The Secret Service daemon is neither running nor activatable")

    keyring.set_keyring(Gone())
    assert not credentials.backend_is_secure()
    assert credentials.backend_name() == "not available"


# ------------------------------------------------------------------------------ never shown


def test_a_secret_never_shows_itself(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(TOKEN)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("oncall").info("using %s and %r", secret, secret)
    assert TOKEN not in caplog.text
    assert TOKEN not in f"{secret} {secret!r} {[secret]} { ({'t': secret}) }"
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    assert secret.reveal() == TOKEN


def test_errors_and_logs_never_carry_the_token(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(SecretStoreUnavailable) as raised:
        credentials.set_secret("pagerduty-token", TOKEN)
    assert TOKEN not in str(raised.value) + repr(raised.value)
    assert TOKEN not in caplog.text


# ------------------------------------------------------------------------------ real keyring


@pytest.mark.skipif(
    os.environ.get("ONCALL_TEST_SECRET_SERVICE") != "1",
    reason="needs a running, unlocked Secret Service (set ONCALL_TEST_SECRET_SERVICE=1; CI does)",
)
def test_a_real_secret_service_round_trip() -> None:
    from keyring.backends import SecretService

    backend = SecretService.Keyring()
    assert backend.priority >= 1  # the daemon answers on the session bus
    keyring.set_keyring(backend)
    name = f"test-{os.getpid()}"
    try:
        assert credentials.backend_is_secure()
        assert credentials.backend_name() == "GNOME Keyring / Secret Service"
        credentials.set_secret(name, TOKEN)
        assert backend.get_password("oncall", name) == TOKEN  # really in the keyring
        assert credentials.get_secret(name) == Secret(TOKEN)
        assert credentials.delete_secret(name) is True
        assert credentials.get_secret(name) is None
    finally:
        with contextlib.suppress(Exception):  # leave no test secret behind
            backend.delete_password("oncall", name)
