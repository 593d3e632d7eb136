"""Start, inspect and stop the local stack: the AWS endpoint the `local` environment uses.

The stack lives on loopback. Each service gets a free port, a pid file, a log file and a
health wait; `stack.json` in the state directory tells the inventory, the tests and the
benchmarks where everything is. The services, started in this order (stopped in reverse):

* `moto`: local AWS (moto_server), `aws_endpoint_url` in stack.json;
* `redis`: redis-server without persistence, `redis_endpoint` ("127.0.0.1:<port>");
* `runtime`: the local API runtime (tools/local_runtime.py), `api_runtime_url` in stack.json:
  answers HTTP requests as the API Gateway REST API in local AWS would, running the functions
  (Node.js) its routes integrate with, which moto cannot run;
* `edge`: nginx, what CloudFront and the API's custom domain are on AWS. HTTPS with the stack's
  certificate for `LOCAL_DOMAIN` (the frontend bucket `FRONTEND_BUCKET` of local S3, `/` is
  `index.html`) and `API_DOMAIN` (the runtime, Host kept, CORS ensured); plain HTTP answers 301
  to HTTPS. `edge` in stack.json: {https_port, http_port, frontend_url, api_url};
* `dns`: dnsmasq answering the names of the Route 53 hosted zones of local AWS with 127.0.0.1
  (the edge), from the hosts file `sync-dns` writes. `dns` in stack.json: {port, hosts_file}.

The TLS material (`tls` in stack.json: ca, cert, key, chain) is generated once per state
directory: a local CA and a server certificate for `TLS_NAMES`, valid `TLS_VALID_DAYS` days,
kept across restarts and renewed when missing or expiring within `TLS_RENEW_DAYS` days. Trust
`tls/ca.pem` to reach the edge without warnings (`curl --cacert`, `NODE_EXTRA_CA_CERTS`,
Chromium's `--ignore-certificate-errors-spki-list=<tls.spki_sha256>`).

nginx, dnsmasq and redis-server come from Debian (`tools/install-system-packages`, run by
`make deps`); the stack runs instances of its own, never the system services.

Usage:

    local_stack.py [--state-dir DIR] start [--timeout SECONDS]
    local_stack.py [--state-dir DIR] status
    local_stack.py [--state-dir DIR] stop
    local_stack.py [--state-dir DIR] env        # shell exports for the running stack
    local_stack.py [--state-dir DIR] sync-dns   # hosted zones of local AWS -> the local DNS

The state directory defaults to $ACINACES_STACK_DIR, else `.local-stack` in the checkout.
Local AWS keeps its data in memory: stopping the stack discards the environment (the TLS
material stays).
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import struct
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
# The names of the local environment (inventories/local: deploy_domain, deploy_api_domain) and
# the bucket its infrastructure creates for the frontend (<name_prefix>-frontend): the edge
# serves them as CloudFront and the API's custom domain do on AWS.
LOCAL_DOMAIN = "local.acinaces.test"
API_DOMAIN = "api.local.acinaces.test"
FRONTEND_BUCKET = "acinaces-local-frontend"
# The edge's certificate: these names, signed by the stack's own CA.
TLS_NAMES = (LOCAL_DOMAIN, API_DOMAIN, "*." + LOCAL_DOMAIN)
TLS_VALID_DAYS = 365
TLS_RENEW_DAYS = 30  # renewed at start when it expires sooner than this
TLS_CA_NAME = "acinaces local stack CA"
# The Allow-* headers of a CORS preflight the API does not answer itself.
CORS_METHODS = "GET,POST,PUT,PATCH,DELETE,OPTIONS"
CORS_HEADERS = "Content-Type,Authorization,X-Api-Key,X-Amz-Date,X-Amz-Security-Token,X-Requested-With"
EDGE_HEALTH_PATH = "/__edge/health"


class StackError(Exception):
    """A service could not be started or stopped; the message says what to do."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def group_alive(pgid: int) -> bool:
    """Whether a process of the group (nginx's workers, the runtime's Node workers) still runs."""
    proc = Path("/proc")
    if not proc.is_dir():
        return pid_alive(pgid)
    for entry in proc.iterdir():
        if entry.name.isdigit():
            stat = _proc_stat(int(entry.name))
            if stat and stat[0] not in ("Z", "X") and stat[2] == str(pgid):
                return True
    return False


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


# --------------------------------------------------------------------------- TLS material


def _load_certificate(path: Path):
    from cryptography import x509  # pylint: disable=import-outside-toplevel

    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return None


def _expires_soon(certificate, now: datetime.datetime) -> bool:
    return certificate.not_valid_after_utc < now + datetime.timedelta(days=TLS_RENEW_DAYS)


def tls_paths(state_dir: Path) -> dict[str, Path]:
    tls = Path(state_dir) / "tls"
    return {
        "ca": tls / "ca.pem",  # the local CA's certificate: what a client trusts
        "ca_key": tls / "ca-key.pem",
        "cert": tls / "cert.pem",  # the edge's certificate
        "key": tls / "key.pem",  # its private key (PKCS#8, unencrypted)
        "chain": tls / "chain.pem",  # the chain above it: the CA (ACM's CertificateChain)
    }


def ensure_tls(state_dir: Path) -> dict[str, str]:
    """The CA and server certificate of the state directory, generated when missing or expiring.

    Returns the paths (ca, cert, key, chain) and the server key's SPKI SHA-256 (base64), which
    Chromium takes in --ignore-certificate-errors-spki-list."""
    # pylint: disable=import-outside-toplevel
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    paths = tls_paths(state_dir)
    paths["ca"].parent.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    not_before = now - datetime.timedelta(days=1)  # clock skew
    not_after = now + datetime.timedelta(days=TLS_VALID_DAYS)

    def new_key():
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)  # what ACM imports

    def key_pem(key) -> str:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode("ascii")

    def load_key(path: Path):
        try:
            return serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError, TypeError):
            return None

    ca_cert, ca_key = _load_certificate(paths["ca"]), load_key(paths["ca_key"])
    renew_ca = (
        ca_cert is None or ca_key is None or _expires_soon(ca_cert, now)
        or ca_cert.public_key().public_numbers() != ca_key.public_key().public_numbers()
    )
    if renew_ca:
        ca_key = new_key()
        name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "acinaces"),
                          x509.NameAttribute(NameOID.COMMON_NAME, TLS_CA_NAME)])
        ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
        ca_cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(ca_ski, critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        write_atomic(paths["ca_key"], key_pem(ca_key), 0o600)
        write_atomic(paths["ca"], ca_cert.public_bytes(serialization.Encoding.PEM).decode("ascii"))

    cert, key = _load_certificate(paths["cert"]), load_key(paths["key"])
    names = None
    if cert is not None:
        try:
            names = sorted(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName))
        except x509.ExtensionNotFound:
            names = None
    renew = (
        renew_ca or cert is None or key is None or _expires_soon(cert, now)
        or cert.issuer != ca_cert.subject or names != sorted(TLS_NAMES)
        or cert.public_key().public_numbers() != key.public_key().public_numbers()
        or not paths["chain"].exists()
    )
    if renew:
        key = new_key()
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, TLS_NAMES[0])]))
            .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in TLS_NAMES]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=True,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        write_atomic(paths["key"], key_pem(key), 0o600)
        write_atomic(paths["cert"], cert.public_bytes(serialization.Encoding.PEM).decode("ascii"))
        write_atomic(paths["chain"], ca_cert.public_bytes(serialization.Encoding.PEM).decode("ascii"))

    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {
        "ca": str(paths["ca"]),
        "cert": str(paths["cert"]),
        "key": str(paths["key"]),
        "chain": str(paths["chain"]),
        "names": list(TLS_NAMES),
        "not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "spki_sha256": base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii"),
    }


class _NamedTLSConnection(http.client.HTTPSConnection):
    """HTTPS to an address, with the TLS server name (SNI, certificate check) of a host name."""

    def __init__(self, address: str, port: int, server_name: str, context: ssl.SSLContext, timeout: float):
        super().__init__(address, port, context=context, timeout=timeout)
        self.server_name = server_name

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)  # the TCP connection only: TLS with our server name below
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.server_name)


def edge_request(port: int, host: str, path: str = "/", method: str = "GET", headers: dict | None = None,
                 body: bytes | None = None, ca_file: str | None = None, timeout: float = 10.0):
    """One HTTPS request to the edge on 127.0.0.1:port as a browser asking for `host` would send it
    (SNI and Host); the certificate is checked against ca_file. (status, headers, body)."""
    context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl._create_unverified_context()  # noqa: S323
    connection = _NamedTLSConnection("127.0.0.1", port, host, context, timeout)
    try:
        connection.request(method, path, body=body, headers={"Host": f"{host}:{port}", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


# --------------------------------------------------------------------------- DNS


def _encode_name(name: str) -> bytes:
    labels = [label for label in name.rstrip(".").split(".") if label]
    return b"".join(bytes([len(label)]) + label.encode("idna") for label in labels) + b"\0"


def _skip_name(message: bytes, offset: int) -> int:
    while True:
        length = message[offset]
        if length & 0xC0 == 0xC0:
            return offset + 2
        if length == 0:
            return offset + 1
        offset += 1 + length


DNS_RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def dns_query(name: str, port: int, server: str = "127.0.0.1", qtype: int = 1, tcp: bool = False,
              timeout: float = 2.0) -> tuple[str, list[str]]:
    """A tiny DNS client: (rcode name, A addresses of the answer) for one query over UDP or TCP."""
    query_id = secrets.randbelow(0x10000)
    query = struct.pack(">HHHHHH", query_id, 0x0100, 1, 0, 0, 0) + _encode_name(name) + struct.pack(">HH", qtype, 1)
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.connect((server, port))
        if tcp:
            sock.sendall(struct.pack(">H", len(query)) + query)
            wanted, message = None, b""
            while wanted is None or len(message) < wanted + 2:
                chunk = sock.recv(4096)
                if not chunk:
                    raise OSError("the DNS server closed the connection")
                message += chunk
                if wanted is None and len(message) >= 2:
                    wanted = struct.unpack(">H", message[:2])[0]
            message = message[2:2 + wanted]
        else:
            sock.send(query)
            message = sock.recv(4096)
    answer_id, flags, questions, answers = struct.unpack(">HHHH", message[:8])
    if answer_id != query_id or not flags & 0x8000:
        raise OSError("not an answer to the query")
    offset = 12
    for dummy_question in range(questions):
        offset = _skip_name(message, offset) + 4
    addresses = []
    for dummy_answer in range(answers):
        offset = _skip_name(message, offset)
        rtype, dummy_class, dummy_ttl, length = struct.unpack(">HHIH", message[offset:offset + 10])
        offset += 10
        if rtype == 1 and length == 4:
            addresses.append(socket.inet_ntoa(message[offset:offset + 4]))
        offset += length
    return DNS_RCODES.get(flags & 0x0F, str(flags & 0x0F)), addresses


def _route53_name(name: str) -> str:
    """A record name as Route 53 gives it (trailing dot, \\ooo escapes) as a host name."""
    return re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), name).rstrip(".").lower()


# --------------------------------------------------------------------------- services


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


def redis_ping(port: int, host: str = "127.0.0.1", timeout: float = 2.0) -> bool:
    """True when Redis answers PING (RESP over a raw socket)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisService(Service):
    """The backend's cache: redis-server on loopback, data in memory only."""

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def work_dir(self) -> Path:
        return self.state_dir / "redis"

    def command(self) -> list[str]:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        # No configuration file: the system's /etc/redis/redis.conf is not read. Bound to
        # loopback, so protected mode (which refuses clients without a password on other
        # interfaces) changes nothing and is off; no RDB snapshots, no AOF.
        return [
            system_binary("redis-server"),
            "--port", str(self.port), "--bind", "127.0.0.1", "--protected-mode", "no",
            "--save", "", "--appendonly", "no", "--daemonize", "no", "--supervised", "no",
            "--dir", str(self.work_dir), "--logfile", "", "--databases", "16",
        ]

    def healthy(self) -> bool:
        return redis_ping(self.port)

    def describe(self) -> dict:
        return {**super().describe(), "endpoint": self.endpoint}


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


def _nginx_string(value: str) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


class EdgeService(Service):
    """The edge: nginx in the foreground with a configuration of its own under <state>/edge.

    `port` is the HTTPS port; `http_port` (in extra) the plain HTTP one, which redirects."""

    @property
    def http_port(self) -> int:
        return int(self.extra.get("http_port") or 0)

    @property
    def work_dir(self) -> Path:
        return self.state_dir / "edge"

    @property
    def config_file(self) -> Path:
        return self.work_dir / "nginx.conf"

    def load(self, saved: dict) -> None:
        super().load(saved)
        if saved.get("http_port"):
            self.extra["http_port"] = int(saved["http_port"])

    def reset(self) -> None:
        super().reset()
        self.extra.pop("http_port", None)

    def describe(self) -> dict:
        return {
            **super().describe(),
            "https_port": self.port,
            "http_port": self.http_port,
            "config": str(self.config_file),
            "frontend_url": f"https://{LOCAL_DOMAIN}:{self.port}/",
            "api_url": f"https://{API_DOMAIN}:{self.port}",
        }

    def config(self) -> str:
        """nginx.conf for the current ports of local AWS and the runtime."""
        services = self.stack.services
        moto, runtime = f"127.0.0.1:{services['moto'].port}", f"127.0.0.1:{services['runtime'].port}"
        tls = self.stack.tls or ensure_tls(self.state_dir)
        work = self.work_dir
        q = _nginx_string
        domain_re = re.escape(LOCAL_DOMAIN)
        local_origin = rf"https?://([a-z0-9-]+\.)*{domain_re}(:[0-9]+)?"
        s3_authorization = (f"AWS4-HMAC-SHA256 Credential={LOCAL_ACCESS_KEY}/20240101/{LOCAL_REGION}/s3/aws4_request, "
                            "SignedHeaders=host, Signature=0")
        user = "user root root;\n" if os.geteuid() == 0 else ""  # workers keep root's access to the state dir
        cors = """
            # CORS: the API's own headers pass; the origin it names is given back with the
            # port the browser's Origin has (the edge is not on 443); an API that sets none
            # gets them here for the local origins.
            proxy_hide_header Access-Control-Allow-Origin;
            add_header Access-Control-Allow-Origin $edge_cors_origin always;
            add_header Access-Control-Allow-Methods $edge_cors_methods always;
            add_header Access-Control-Allow-Headers $edge_cors_headers always;
            add_header Vary Origin always;"""
        api_proxy = f"""
            proxy_pass http://{runtime};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Forwarded-Port $server_port;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 60s;{cors}"""
        health = f'location = {EDGE_HEALTH_PATH} {{ return 200 "ok\\n"; }}'
        return f"""# Written by tools/local_stack.py at each start of the edge: edit the generator, not this file.
# certificate: {tls['cert']} (expires {tls['not_after']}, spki {tls['spki_sha256']})
# local AWS: {moto}; API runtime: {runtime}
{user}worker_processes 1;
pid {q(work / 'nginx.pid')};
error_log stderr warn;
events {{ worker_connections 512; }}

http {{
    access_log {q(work / 'access.log')};
    client_body_temp_path {q(work / 'tmp/client_body')};
    proxy_temp_path {q(work / 'tmp/proxy')};
    fastcgi_temp_path {q(work / 'tmp/fastcgi')};
    uwsgi_temp_path {q(work / 'tmp/uwsgi')};
    scgi_temp_path {q(work / 'tmp/scgi')};
    default_type text/plain;
    server_tokens off;
    client_max_body_size 10m;
    proxy_http_version 1.1;
    map_hash_bucket_size 128;
    server_names_hash_bucket_size 128;

    ssl_certificate {q(tls['cert'])};
    ssl_certificate_key {q(tls['key'])};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:edge:1m;

    # The frontend's S3 key from the raw path (still URL-encoded, as S3 wants it); the query
    # is not passed (CloudFront forwards none). `/` is the root object, index.html.
    map $request_uri $edge_frontend_key {{
        "~^/(\\?.*)?$" /index.html;
        "~^(?<edge_path>/[^?]*)" $edge_path;
    }}
    # A CORS preflight: OPTIONS naming the method it asks for.
    map "$request_method:$http_access_control_request_method" $edge_preflight {{
        "~^OPTIONS:." 1;
        default "";
    }}
    # The Access-Control-Allow-Origin answered, from the API's and the request's Origin.
    map "$upstream_http_access_control_allow_origin|$http_origin" $edge_cors_origin {{
        "~^\\*\\|" "*";
        "~^\\|(?<edge_origin>{local_origin})$" $edge_origin;
        "~^(?<edge_named>[^|]+)\\|(?<edge_ported>\\k<edge_named>:[0-9]+)$" $edge_ported;
        "~^(?<edge_given>[^|]*)\\|" $edge_given;
    }}
    map "$upstream_http_access_control_allow_methods|$http_origin" $edge_cors_methods {{
        "~^\\|." "{CORS_METHODS}";
        "~^(?<edge_methods>[^|]*)\\|" $edge_methods;
    }}
    map $http_access_control_request_headers $edge_asked_headers {{
        "" "{CORS_HEADERS}";
        default $http_access_control_request_headers;
    }}
    map "$upstream_http_access_control_allow_headers|$http_origin" $edge_cors_headers {{
        "~^\\|." $edge_asked_headers;
        "~^(?<edge_headers>[^|]*)\\|" $edge_headers;
    }}

    # Plain HTTP: to HTTPS, same host and path, on the edge's HTTPS port.
    server {{
        listen 127.0.0.1:{self.http_port} default_server;
        server_name _;
        location / {{ return 301 https://$host:{self.port}$request_uri; }}
    }}

    # A name the edge does not serve.
    server {{
        listen 127.0.0.1:{self.port} ssl http2 default_server;
        server_name _;
        {health}
        location / {{ return 421 "misdirected request: the edge serves {LOCAL_DOMAIN} and {API_DOMAIN}\\n"; }}
    }}

    # The frontend: the bucket {FRONTEND_BUCKET} of local S3 (path-style), as CloudFront serves it.
    server {{
        listen 127.0.0.1:{self.port} ssl http2;
        server_name {LOCAL_DOMAIN};
        {health}
        location / {{
            if ($request_method !~ ^(GET|HEAD)$) {{ return 405; }}
            proxy_pass http://{moto}/{FRONTEND_BUCKET}$edge_frontend_key;
            proxy_set_header Host {moto};
            # Signed, as CloudFront's origin access control signs: local S3 refuses anonymous
            # reads of a private bucket but does not check signatures.
            proxy_set_header Authorization "{s3_authorization}";
            proxy_set_header Cookie "";
            # A missing key (or bucket): 404 of the edge's own, not S3's XML.
            proxy_intercept_errors on;
            error_page 403 404 = @missing;
        }}
        location @missing {{ return 404 "Not Found\\n"; }}
    }}

    # The API: the local runtime, which routes by the Host (the API's custom domain).
    server {{
        listen 127.0.0.1:{self.port} ssl http2;
        server_name {API_DOMAIN};
        recursive_error_pages on;
        {health}
        location ^~ /__runtime/ {{ default_type application/json; return 404 '{{"message":"Not Found"}}'; }}
        location / {{
            error_page 418 = @preflight;
            if ($edge_preflight) {{ return 418; }}{api_proxy}
        }}
        # A preflight goes to the API first; when it cannot answer one, the edge does.
        location @preflight {{{api_proxy}
            proxy_intercept_errors on;
            error_page 400 403 404 405 500 501 502 503 504 = @preflight_answer;
        }}
        location @preflight_answer {{
            add_header Access-Control-Allow-Origin $edge_cors_origin always;
            add_header Access-Control-Allow-Methods "{CORS_METHODS}" always;
            add_header Access-Control-Allow-Headers $edge_asked_headers always;
            add_header Access-Control-Max-Age 600 always;
            add_header Vary Origin always;
            return 204;
        }}
    }}
}}
"""

    def write_config(self) -> bool:
        """Write nginx.conf; True when it changed."""
        text = self.config()
        if self.config_file.exists() and self.config_file.read_text() == text:
            return False
        write_atomic(self.config_file, text)
        return True

    def prepare(self) -> None:
        self.port = self.port or free_port()
        if not self.http_port:
            self.extra["http_port"] = free_port()
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.work_dir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        self.write_config()
        checked = subprocess.run(  # noqa: S603
            self.base_command() + ["-t", "-q"], capture_output=True, text=True, check=False,
        )
        if checked.returncode != 0:
            raise StackError(f"the edge's nginx configuration {self.config_file} is invalid:\n{checked.stderr}")

    def base_command(self) -> list[str]:
        # -e: the error log before the configuration is read (not /var/log/nginx).
        return [system_binary("nginx"), "-p", f"{self.work_dir}/", "-c", str(self.config_file), "-e", "stderr",
                "-g", "daemon off;"]

    def command(self) -> list[str]:
        return self.base_command()

    def refresh(self) -> None:
        """A restarted moto or runtime has new ports, a renewed certificate new files: reload."""
        if self.write_config() and self.signal(signal.SIGHUP):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                time.sleep(0.3)  # the new workers replace the old ones
                if self.healthy():
                    return

    def healthy(self) -> bool:
        try:
            status, dummy, body = edge_request(self.port, LOCAL_DOMAIN, EDGE_HEALTH_PATH, timeout=2.0,
                                               ca_file=(self.stack.tls or {}).get("ca"))
        except (OSError, ssl.SSLError, http.client.HTTPException):
            return False
        return status == 200 and body == b"ok\n"


class DnsService(Service):
    """The local DNS: dnsmasq answering the hosted zones' names from the hosts file sync-dns writes."""

    @property
    def work_dir(self) -> Path:
        return self.state_dir / "dns"

    @property
    def hosts_file(self) -> Path:
        return self.work_dir / "hosts"

    def describe(self) -> dict:
        return {**super().describe(), "hosts_file": str(self.hosts_file)}

    def prepare(self) -> None:
        super().prepare()
        self.work_dir.mkdir(parents=True, exist_ok=True)
        if not self.hosts_file.exists():
            write_atomic(self.hosts_file, "# written by tools/local_stack.py sync-dns\n")

    def command(self) -> list[str]:
        argv = [
            system_binary("dnsmasq"), "--keep-in-foreground", "--conf-file=/dev/null",
            "--no-resolv", "--no-hosts", "--no-poll", f"--addn-hosts={self.hosts_file}",
            "--listen-address=127.0.0.1", "--bind-interfaces", f"--port={self.port}",
            # Names of the local domain that are not records are NXDOMAIN; any other name REFUSED.
            f"--local=/{LOCAL_DOMAIN}/", "--cache-size=0",
            f"--pid-file={self.work_dir / 'dnsmasq.pid'}", "--log-facility=-", "--log-queries",
        ]
        if os.geteuid() == 0:
            argv.append("--user=root")  # dnsmasq would become nobody and could not read the state dir
        return argv

    def healthy(self) -> bool:
        try:
            dns_query(LOCAL_DOMAIN, self.port, timeout=1.0)
        except OSError:
            return False
        return True


# In start order (stopped in reverse): the runtime reads local AWS's endpoint from stack.json;
# the edge proxies to local AWS and the runtime; the DNS answers names that lead to the edge.
SERVICES = {"moto": MotoService, "redis": RedisService, "runtime": RuntimeService, "edge": EdgeService, "dns": DnsService}


class LocalStack:
    """The set of services and the state file describing them."""

    def __init__(self, state_dir: Path):
        self.state_dir = Path(state_dir).resolve()
        self.services = {name: cls(name, self.state_dir) for name, cls in SERVICES.items()}
        for service in self.services.values():
            service.stack = self
        self.tls: dict = {}
        self._load()

    @property
    def state_file(self) -> Path:
        return self.state_dir / STATE_FILE

    def _load(self) -> None:
        if not self.state_file.exists():
            return
        state = json.loads(self.state_file.read_text())
        saved = state.get("services", {})
        for name, service in self.services.items():
            if name in saved:
                service.load(saved[name])
        self.tls = state.get("tls") or {}

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
        if "redis" in self.services:
            info["redis_endpoint"] = self.services["redis"].endpoint
        if "edge" in self.services:
            edge = self.services["edge"].describe()
            info["edge"] = {key: edge[key] for key in ("https_port", "http_port", "frontend_url", "api_url")}
            info["edge"].update(domain=LOCAL_DOMAIN, api_domain=API_DOMAIN, frontend_bucket=FRONTEND_BUCKET)
        if "dns" in self.services:
            dns = self.services["dns"]
            info["dns"] = {"port": dns.port, "hosts_file": str(dns.hosts_file)}
        if self.tls:
            info["tls"] = self.tls
        return info

    def _save(self) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.describe(), indent=2, sort_keys=True) + "\n")
        os.replace(tmp, self.state_file)

    def start(self, timeout: float = 60.0) -> dict[str, str]:
        """Start what is not running; returns service -> 'started' or 'running'."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if "edge" in self.services:
            self.tls = ensure_tls(self.state_dir)
        result = {}
        for name, service in self.services.items():
            if service.running():
                service.refresh()
                result[name] = "running"
                continue
            service.stop()
            service.reset()
            service.start(timeout)
            result[name] = "started"
            self._save()
        self.bootstrap_state_backend()
        self._save()
        if "dns" in self.services:
            self.sync_dns()
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

    def hosted_zone_names(self) -> list[str]:
        """Every A (alias or not) and CNAME record name of the hosted zones of local AWS, and the
        alias targets' names (CloudFront's domain, the API's regional domain). Wildcards are left
        out: a hosts file cannot hold them."""
        route53 = self.aws_client("route53")
        names = set()
        for page in route53.get_paginator("list_hosted_zones").paginate():
            for zone in page["HostedZones"]:
                for records in route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone["Id"]):
                    for record in records["ResourceRecordSets"]:
                        if record["Type"] not in ("A", "CNAME"):
                            continue
                        names.add(_route53_name(record["Name"]))
                        alias = (record.get("AliasTarget") or {}).get("DNSName")
                        if alias:
                            names.add(_route53_name(alias))
        return sorted(name for name in names if name and "*" not in name)

    def sync_dns(self, wait: float = 10.0) -> list[str]:
        """Point the local DNS at the edge for every name of the hosted zones; returns the names.

        Rewrites the hosts file, makes dnsmasq re-read it (SIGHUP) and waits until it answers."""
        dns = self.services["dns"]
        names = self.hosted_zone_names()
        dns.work_dir.mkdir(parents=True, exist_ok=True)
        lines = ["# written by tools/local_stack.py sync-dns from the Route 53 hosted zones of local AWS"]
        lines += [f"127.0.0.1 {name}" for name in names]
        write_atomic(dns.hosts_file, "\n".join(lines) + "\n")
        if dns.signal(signal.SIGHUP) and names:
            deadline = time.monotonic() + wait
            while True:
                try:
                    if dns_query(names[0], dns.port, timeout=1.0)[1] == ["127.0.0.1"]:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise StackError(f"dnsmasq did not answer {names[0]} after re-reading {dns.hosts_file}; see {dns.log_file}")
                time.sleep(0.1)
        return names

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
        env = {
            "AWS_ENDPOINT_URL": info["aws_endpoint_url"],
            "AWS_ACCESS_KEY_ID": info["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": info["aws_secret_access_key"],
            "AWS_DEFAULT_REGION": info["aws_region"],
            "AWS_REGION": info["aws_region"],
            "ACINACES_STACK_DIR": info["state_dir"],
        }
        if "api_runtime_url" in info:
            env["ACINACES_API_RUNTIME_URL"] = info["api_runtime_url"]
        if "redis_endpoint" in info:
            env["ACINACES_REDIS_ENDPOINT"] = info["redis_endpoint"]
        if "edge" in info:
            env["ACINACES_EDGE_HTTPS_PORT"] = str(info["edge"]["https_port"])
            env["ACINACES_EDGE_HTTP_PORT"] = str(info["edge"]["http_port"])
        if "dns" in info:
            env["ACINACES_DNS_PORT"] = str(info["dns"]["port"])
        if info.get("tls"):
            env["ACINACES_CA_FILE"] = info["tls"]["ca"]
        return env


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
    sub.add_parser("sync-dns", help="answer the names of local AWS's hosted zones with the edge (127.0.0.1)")
    args = parser.parse_args(argv)

    stack = LocalStack(args.state_dir or default_state_dir())
    try:
        if args.command == "start":
            for name, state in stack.start(args.timeout).items():
                print(f"{name}: {state} ({stack.services[name].describe()})")
            info = stack.describe()
            print(f"local AWS endpoint: {info['aws_endpoint_url']}")
            if "api_runtime_url" in info:
                print(f"local API: {info['api_runtime_url']}")
            if "redis_endpoint" in info:
                print(f"local Redis: {info['redis_endpoint']}")
            if "edge" in info:
                print(f"local edge: {info['edge']['frontend_url']} and {info['edge']['api_url']} "
                      f"(http port {info['edge']['http_port']}, CA {info['tls']['ca']})")
            if "dns" in info:
                print(f"local DNS: 127.0.0.1 port {info['dns']['port']} (udp and tcp)")
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
        if args.command == "sync-dns":
            names = stack.sync_dns()
            for name in names:
                print(f"{name} -> 127.0.0.1")
            print(f"{len(names)} names in {stack.services['dns'].hosts_file}")
            return 0
        for key, value in stack.environment().items():
            print(f"export {key}={value}")
        return 0
    except StackError as error:
        print(f"local stack: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
