"""The plumbing every service of the local stack shares (tools/local_stack.py): a process with
a free loopback port, a pid file, a log file and a health wait, started in a session of its own
and stopped with its whole process group."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Local AWS accepts any key; these are the ones the stack hands out.
LOCAL_ACCESS_KEY = "local-access-key"  # noqa: S105
LOCAL_SECRET_KEY = "local-secret-key"  # noqa: S105
LOCAL_REGION = "us-east-1"


class StackError(Exception):
    """A service could not be started or stopped; the message says what to do."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_free(port: int) -> bool:
    """Whether a loopback TCP port can be bound (0 never is: no port chosen yet)."""
    if not port:
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As servers bind: a port whose last connections wait in TIME_WAIT is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command (state, ppid, pgrp, ...); None without it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie has exited: it waits for its parent (or init, when the stack was started by
    # another command) to collect it.
    stat = _proc_stat(pid)
    return not (stat and stat[0] in ("Z", "X"))


def live_processes(ppid: int | None = None, pgid: int | None = None) -> list[int]:
    """The running processes (zombies left out) with that parent and/or in that process group."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _proc_stat(int(entry.name))
            if (stat and stat[0] not in ("Z", "X") and (ppid is None or stat[1] == str(ppid))
                    and (pgid is None or stat[2] == str(pgid))):
                found.append(int(entry.name))
    return found


def group_alive(pgid: int) -> bool:
    """Whether a process of the group (nginx's workers, the runtime's Node workers) still runs."""
    if not Path("/proc").is_dir():
        return pid_alive(pgid)
    return bool(live_processes(pgid=pgid))


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            return 200 <= response.status < 400
    except (urllib.error.URLError, OSError):
        return False


def tail(path: Path, lines: int = 20) -> str:
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def system_binary(name: str) -> str:
    """The path of a program from a Debian package (nginx, dnsmasq, redis-server)."""
    found = shutil.which(name) or next(
        (str(path) for path in (Path("/usr/sbin") / name, Path("/usr/bin") / name) if os.access(path, os.X_OK)), None
    )
    if not found:
        raise StackError(f"{name} is not installed: run `make deps` (tools/install-system-packages) as root")
    return found


def write_atomic(path: Path, text: str, mode: int = 0o644) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


@dataclass
class Service:
    """One long-running process of the stack."""

    name: str
    state_dir: Path
    port: int = 0
    pid: int = 0
    extra: dict = field(default_factory=dict)

    # The stack the service belongs to (set by LocalStack): services reach each other through it.
    stack = None

    @property
    def log_file(self) -> Path:
        return self.state_dir / f"{self.name}.log"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / f"{self.name}.pid"

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def healthy(self) -> bool:
        raise NotImplementedError

    def describe(self) -> dict:
        return {"pid": self.pid, "port": self.port, "log": str(self.log_file), **self.extra}

    def load(self, saved: dict) -> None:
        """The pid and ports from stack.json."""
        self.pid = int(saved.get("pid") or 0)
        self.port = int(saved.get("port") or 0)

    def reset(self) -> None:
        """Forget pid and ports: the next start picks new ones."""
        self.pid, self.port = 0, 0

    def prepare(self) -> None:
        """Before the process starts: ports, configuration files."""
        self.port = self.port or free_port()

    def refresh(self) -> None:
        """While it runs, when the stack (re)started: follow what changed (e.g. other services' ports)."""

    def running(self) -> bool:
        return bool(self.pid) and pid_alive(self.pid) and self.healthy()

    def start(self, timeout: float) -> None:
        self.prepare()
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(  # noqa: S603 - fixed argv
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.environment(),
                start_new_session=True,
            )
        self.pid = process.pid
        self.pid_file.write_text(f"{self.pid}\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise StackError(
                    f"{self.name} exited with code {process.returncode} while starting; "
                    f"last lines of {self.log_file}:\n{tail(self.log_file)}"
                )
            if self.healthy():
                return
            time.sleep(0.2)
        self.stop()
        raise StackError(
            f"{self.name} did not become healthy within {timeout:.0f}s on port {self.port}; "
            f"last lines of {self.log_file}:\n{tail(self.log_file)}\n"
            "Raise --timeout on a slow machine, or check the log for the cause."
        )

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the process group; True when something was running."""
        if not self.pid or not (pid_alive(self.pid) or group_alive(self.pid)):
            self.pid_file.unlink(missing_ok=True)
            return False
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and (pid_alive(self.pid) or group_alive(self.pid)):
                _reap(self.pid)
                time.sleep(0.1)
            if not (pid_alive(self.pid) or group_alive(self.pid)):
                break
        self.pid_file.unlink(missing_ok=True)
        return True

    def signal(self, sig: int) -> bool:
        """Send a signal to the service's main process; False when it is not running."""
        if not self.pid or not pid_alive(self.pid):
            return False
        os.kill(self.pid, sig)
        return True


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
