"""A real PostgreSQL server for the tests: Debian's binaries, a private cluster in a folder.

``.ci/run`` installs Debian's ``postgresql`` package and starts one cluster for the whole run
(``ONCALL_TEST_POSTGRES_URL`` then holds its superuser URL). Without that variable the tests
start their own cluster when ``initdb`` is found under ``/usr/lib/postgresql/*/bin``; a test
that stops the server (connection loss) always gets a cluster of its own.

Clusters use password authentication (scram-sha-256) over TCP on 127.0.0.1, so a wrong
password really is refused, and no TLS, so ``sslmode=require`` really fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: The superuser the test clusters are made with, and its password.
SUPERUSER = "postgres"
PASSWORD = "oncall-test-secret"


def postgres_bin() -> Path | None:
    """The folder with Debian's PostgreSQL server binaries (the newest version), or None."""
    root = Path("/usr/lib/postgresql")
    versions = sorted(
        (p for p in root.glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return versions[-1] if versions else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(argv: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; Debian's package made a "postgres" user for this.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


@dataclass
class Cluster:
    """A private PostgreSQL cluster: ``start()``, ``stop()``, and URLs for its databases."""

    folder: Path
    port: int
    bin: Path

    @classmethod
    def create(cls, folder: Path | None = None) -> Cluster:
        """``initdb`` a new cluster in ``folder`` (a fresh temporary one by default)."""
        pg_bin = postgres_bin()
        if pg_bin is None:
            raise RuntimeError("PostgreSQL server binaries not found (apt install postgresql)")
        folder = Path(folder or tempfile.mkdtemp(prefix="oncall-pg-"))
        folder.mkdir(parents=True, exist_ok=True)
        pwfile = folder / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
            shutil.chown(pwfile, "postgres", "postgres")
        data = folder / "data"
        subprocess.run(
            _as_server_user([
                str(pg_bin / "initdb"), "-D", str(data), "-U", SUPERUSER,
                "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
                "--locale=C", "--no-sync",
            ]),
            check=True, capture_output=True,
        )  # fmt: skip
        return cls(folder, free_port(), pg_bin)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        subprocess.run(
            _as_server_user([
                str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-w",
                "-l", str(self.folder / "server.log"), "-o", options, "start",
            ]),
            check=True, capture_output=True,
        )  # fmt: skip

    def stop(self) -> None:
        """Stop the server at once (open connections are cut, as when a server goes away)."""
        subprocess.run(
            _as_server_user([
                str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-w",
                "-m", "immediate", "stop",
            ]),
            check=False, capture_output=True,
        )  # fmt: skip

    def destroy(self) -> None:
        """Stop the server and delete its files."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres", *, password: str | None = PASSWORD) -> str:
        """A SQLAlchemy URL (psycopg 3 driver) for ``database`` as the superuser."""
        auth = SUPERUSER if password is None else f"{SUPERUSER}:{password}"
        return f"postgresql+psycopg://{auth}@127.0.0.1:{self.port}/{database}"


def stop_folder(folder: str | Path) -> None:
    """Stop the cluster living in ``folder`` (what ``.ci/run`` calls when it ends)."""
    pg_bin = postgres_bin()
    if pg_bin is not None:
        Cluster(Path(folder), 0, pg_bin).stop()


def main() -> None:
    """``python -m tests.pg FOLDER``: create and start a cluster, print its superuser URL."""
    import sys

    cluster = Cluster.create(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    cluster.start()
    print(cluster.url())


if __name__ == "__main__":
    main()
