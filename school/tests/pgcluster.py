"""A throw-away PostgreSQL cluster for fault tests: made with initdb, run by the `postgres`
system user on a free port, frozen (SIGSTOP), thawed, stopped and removed by its own PID. The
shared server the rest of the suite uses is never touched."""

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from school.tests.servers import free_port


def _binary(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def available():
    """Why a cluster cannot be made here, or None when it can."""
    if _binary("initdb") is None or _binary("pg_ctl") is None:
        return "initdb and pg_ctl are not installed"
    if os.geteuid() != 0:
        return "the cluster runs as the postgres system user: the tests must run as root"
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        return "there is no postgres system user"
    return None


class Cluster:
    def __init__(self):
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="school-fault-pg-"))
        self.data = self.directory / "data"
        shutil.chown(self.directory, "postgres", "postgres")
        self._as_postgres(_binary("initdb"), "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command):
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *map(str, command)],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self):
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            _binary("pg_ctl"), "-D", self.data, "-o", options, "-l", self.directory / "log", "-w", "start"
        )

    def stop(self):
        self._as_postgres(_binary("pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop")

    def pids(self):
        """The postmaster and every process it started (backends included)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout
        return [postmaster, *map(int, children.split())]

    def freeze(self):
        for pid in self.pids():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self):
        for pid in self.pids():
            os.kill(pid, signal.SIGCONT)

    def remove(self):
        with contextlib.suppress(OSError, ValueError):
            self.thaw()
        with contextlib.suppress(subprocess.SubprocessError):
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def wait_until(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False
