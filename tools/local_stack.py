"""Start, inspect and stop the local stack: the AWS endpoint the `local` environment uses.

The stack lives on loopback. Each service gets a free port, a pid file, a log file and a
health wait; `stack.json` in the state directory tells the inventory, the tests and the
benchmarks where everything is. The services, started in this order:

* `moto`: local AWS (moto_server), `aws_endpoint_url` in stack.json;
* `runtime`: the local API runtime (tools/local_runtime.py), `api_runtime_url` in stack.json:
  answers HTTP requests as the API Gateway REST API in local AWS would, running the functions
  (Node.js) its routes integrate with, which moto cannot run.

Usage:

    local_stack.py [--state-dir DIR] start [--timeout SECONDS]
    local_stack.py [--state-dir DIR] status
    local_stack.py [--state-dir DIR] stop
    local_stack.py [--state-dir DIR] env      # shell exports for the running stack

The state directory defaults to $ACINACES_STACK_DIR, else `.local-stack` in the checkout.
Local AWS keeps its data in memory: stopping the stack discards the environment.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
STATE_FILE = "stack.json"
LOCAL_ACCESS_KEY = "local-access-key"  # noqa: S105 - local AWS accepts any key
LOCAL_SECRET_KEY = "local-secret-key"  # noqa: S105
LOCAL_REGION = "us-east-1"
# The Terraform state backend of the local environment, created when the stack starts
# (test and production have theirs created once by the platform team).
STATE_BUCKET = "acinaces-local-tfstate"
LOCK_TABLE = "acinaces-local-tflock"


class StackError(Exception):
    """A service could not be started or stopped; the message says what to do."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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


@dataclass
class Service:
    """One long-running process of the stack."""

    name: str
    state_dir: Path
    port: int = 0
    pid: int = 0
    extra: dict = field(default_factory=dict)

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

    def running(self) -> bool:
        return bool(self.pid) and pid_alive(self.pid) and self.healthy()

    def start(self, timeout: float) -> None:
        self.port = self.port or free_port()
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
        if not self.pid or not pid_alive(self.pid):
            self.pid_file.unlink(missing_ok=True)
            return False
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and pid_alive(self.pid):
                _reap(self.pid)
                time.sleep(0.1)
            if not pid_alive(self.pid):
                break
        self.pid_file.unlink(missing_ok=True)
        return True


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


class MotoService(Service):
    """Local AWS: moto_server, reached over HTTP exactly as AWS is."""

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        moto = Path(sys.executable).with_name("moto_server")
        return [str(moto), "-H", "127.0.0.1", "-p", str(self.port)]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        # Certificates requested through DNS validation are issued at once, as when the
        # validation records resolve.
        env["MOTO_ACM_VALIDATION_WAIT"] = "0"
        return env

    def healthy(self) -> bool:
        return http_ok(f"{self.endpoint_url}/moto-api/")

    def describe(self) -> dict:
        return {**super().describe(), "endpoint_url": self.endpoint_url}


class RuntimeService(Service):
    """The local API runtime: API Gateway and Lambda emulated from what local AWS holds."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        script = REPO_ROOT / "tools" / "local_runtime.py"
        return [sys.executable, str(script), "--state-dir", str(self.state_dir), "--port", str(self.port)]

    def healthy(self) -> bool:
        return http_ok(f"{self.url}/__runtime/health")

    def describe(self) -> dict:
        return {**super().describe(), "url": self.url}


# In start order (stopped in reverse): the runtime reads local AWS's endpoint from stack.json.
SERVICES = {"moto": MotoService, "runtime": RuntimeService}


class LocalStack:
    """The set of services and the state file describing them."""

    def __init__(self, state_dir: Path):
        self.state_dir = Path(state_dir).resolve()
        self.services = {name: cls(name, self.state_dir) for name, cls in SERVICES.items()}
        self._load()

    @property
    def state_file(self) -> Path:
        return self.state_dir / STATE_FILE

    def _load(self) -> None:
        if not self.state_file.exists():
            return
        saved = json.loads(self.state_file.read_text()).get("services", {})
        for name, service in self.services.items():
            if name in saved:
                service.pid = int(saved[name].get("pid") or 0)
                service.port = int(saved[name].get("port") or 0)

    def describe(self) -> dict:
        moto = self.services["moto"]
        info = {
            "state_dir": str(self.state_dir),
            "aws_endpoint_url": moto.endpoint_url,
            "aws_region": LOCAL_REGION,
            "aws_access_key_id": LOCAL_ACCESS_KEY,
            "aws_secret_access_key": LOCAL_SECRET_KEY,
            "terraform_state_bucket": STATE_BUCKET,
            "terraform_lock_table": LOCK_TABLE,
            "services": {name: service.describe() for name, service in self.services.items()},
        }
        if "runtime" in self.services:
            info["api_runtime_url"] = self.services["runtime"].url
        return info

    def _save(self) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.describe(), indent=2, sort_keys=True) + "\n")
        os.replace(tmp, self.state_file)

    def start(self, timeout: float = 60.0) -> dict[str, str]:
        """Start what is not running; returns service -> 'started' or 'running'."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        result = {}
        for name, service in self.services.items():
            if service.running():
                result[name] = "running"
                continue
            service.stop()
            service.pid, service.port = 0, 0
            service.start(timeout)
            result[name] = "started"
            self._save()
        self.bootstrap_state_backend()
        self._save()
        return result

    def aws_client(self, service: str):
        import boto3  # only the start needs it; status and stop stay dependency-free

        info = self.describe()
        return boto3.client(
            service,
            endpoint_url=info["aws_endpoint_url"],
            region_name=info["aws_region"],
            aws_access_key_id=info["aws_access_key_id"],
            aws_secret_access_key=info["aws_secret_access_key"],
        )

    def bootstrap_state_backend(self) -> None:
        """The state bucket (versioned, encrypted) and lock table, when missing."""
        s3 = self.aws_client("s3")
        if STATE_BUCKET not in {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}:
            s3.create_bucket(Bucket=STATE_BUCKET)
            s3.put_bucket_versioning(Bucket=STATE_BUCKET, VersioningConfiguration={"Status": "Enabled"})
            s3.put_bucket_encryption(
                Bucket=STATE_BUCKET,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )
        dynamodb = self.aws_client("dynamodb")
        if LOCK_TABLE not in dynamodb.list_tables()["TableNames"]:
            dynamodb.create_table(
                TableName=LOCK_TABLE,
                KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )

    def status(self) -> dict[str, str]:
        return {
            name: ("running" if service.running() else "stopped")
            for name, service in self.services.items()
        }

    def stop(self) -> dict[str, str]:
        result = {}
        for name, service in reversed(list(self.services.items())):
            result[name] = "stopped" if service.stop() else "not running"
        self.state_file.unlink(missing_ok=True)
        return result

    def environment(self) -> dict[str, str]:
        """What a shell or a subprocess needs to reach the stack."""
        info = self.describe()
        return {
            "AWS_ENDPOINT_URL": info["aws_endpoint_url"],
            "AWS_ACCESS_KEY_ID": info["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": info["aws_secret_access_key"],
            "AWS_DEFAULT_REGION": info["aws_region"],
            "AWS_REGION": info["aws_region"],
            "ACINACES_STACK_DIR": info["state_dir"],
        }


def default_state_dir() -> Path:
    return Path(os.environ.get("ACINACES_STACK_DIR") or REPO_ROOT / ".local-stack")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, default=None)
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="start every service that is not running")
    start.add_argument("--timeout", type=float, default=60.0, help="health wait per service")
    sub.add_parser("status", help="exit 0 when every service is healthy, 3 otherwise")
    sub.add_parser("stop", help="stop every service and forget the state")
    sub.add_parser("env", help="print shell exports for the running stack")
    args = parser.parse_args(argv)

    stack = LocalStack(args.state_dir or default_state_dir())
    try:
        if args.command == "start":
            for name, state in stack.start(args.timeout).items():
                print(f"{name}: {state} ({stack.services[name].describe()})")
            print(f"local AWS endpoint: {stack.describe()['aws_endpoint_url']}")
            if "api_runtime_url" in stack.describe():
                print(f"local API: {stack.describe()['api_runtime_url']}")
            return 0
        if args.command == "status":
            states = stack.status()
            for name, state in states.items():
                print(f"{name}: {state}")
            return 0 if all(state == "running" for state in states.values()) else 3
        if args.command == "stop":
            for name, state in stack.stop().items():
                print(f"{name}: {state}")
            return 0
        if not all(state == "running" for state in stack.status().values()):
            print("the local stack is not running; start it with `make stack-start`", file=sys.stderr)
            return 3
        for key, value in stack.environment().items():
            print(f"export {key}={value}")
        return 0
    except StackError as error:
        print(f"local stack: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
