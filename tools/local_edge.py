"""The services of the local stack (tools/local_stack.py) that stand in for the AWS edge and
the backend's cache: Redis, the nginx edge (CloudFront and the API's custom domain) and the
local DNS (Route 53), with the small clients that check them.

* `redis`: redis-server without persistence, `redis_endpoint` ("127.0.0.1:<port>");
* `edge`: nginx. HTTPS with the stack's certificate (tools/local_tls.py) for `LOCAL_DOMAIN`
  (the frontend bucket `FRONTEND_BUCKET` of local S3 with its objects' stored headers, `/` is
  `index.html`) and `API_DOMAIN` (the local API runtime, Host kept, CORS ensured); plain HTTP
  answers 301 to HTTPS. `EdgeService.use_certificate` swaps the certificate it serves;
* `dns`: dnsmasq answering every A/CNAME name of the Route 53 hosted zones of local AWS (and
  their alias targets) with 127.0.0.1, the edge, from the hosts file `DnsService.sync` writes.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import secrets
import signal
import socket
import ssl
import struct
import subprocess
import time
from pathlib import Path

from local_services import (
    LOCAL_ACCESS_KEY, LOCAL_REGION, Service, StackError, free_port, live_processes, port_free, system_binary, write_atomic,
)
from local_tls import API_DOMAIN, LOCAL_DOMAIN

# The bucket the local environment's infrastructure creates for the frontend
# (<name_prefix>-frontend): the edge serves it as CloudFront does on AWS.
FRONTEND_BUCKET = "acinaces-local-frontend"
EDGE_ADDRESS = "127.0.0.1"  # where the edge listens, and what the local DNS answers
# The Allow-* headers of a CORS preflight the API does not answer itself.
CORS_METHODS = "GET,POST,PUT,PATCH,DELETE,OPTIONS"
CORS_HEADERS = "Content-Type,Authorization,X-Api-Key,X-Amz-Date,X-Amz-Security-Token,X-Requested-With"
EDGE_HEALTH_PATH = "/__edge/health"
SYNC_MARKER_DOMAIN = ".stack.invalid"  # the marker of each DNS sync: sync-<random>.stack.invalid


# --------------------------------------------------------------------------- Redis


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

    def reset(self) -> None:
        """Keep the port: the deployed functions and the manifest name this endpoint, so a Redis
        restarted after a stop (or a crash) is found where it was."""
        self.pid = 0
        if not port_free(self.port):
            self.port = 0

    def healthy(self) -> bool:
        return redis_ping(self.port)

    def describe(self) -> dict:
        return {**super().describe(), "endpoint": self.endpoint}


# --------------------------------------------------------------------------- the edge


def unverified_context() -> ssl.SSLContext:
    """TLS that takes any certificate: to see what the edge serves, or whether it answers."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


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
    context = ssl.create_default_context(cafile=ca_file) if ca_file else unverified_context()
    connection = _NamedTLSConnection("127.0.0.1", port, host, context, timeout)
    try:
        connection.request(method, path, body=body, headers={"Host": f"{host}:{port}", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _nginx_string(value: str) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


# The maps of the edge's http block: the frontend's S3 key and the CORS answers.
_LOCAL_ORIGIN = rf"https?://([a-z0-9-]+\.)*{re.escape(LOCAL_DOMAIN)}(:[0-9]+)?"
NGINX_MAPS = f"""
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
        "~^\\|(?<edge_origin>{_LOCAL_ORIGIN})$" $edge_origin;
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
"""
NGINX_HEALTH = f'location = {EDGE_HEALTH_PATH} {{ return 200 "ok\\n"; }}'
# CORS: the API's own headers pass; the origin it names is given back with the port the
# browser's Origin has (the edge is not on 443); an API that sets none gets them here for the
# local origins.
NGINX_CORS = """
            proxy_hide_header Access-Control-Allow-Origin;
            add_header Access-Control-Allow-Origin $edge_cors_origin always;
            add_header Access-Control-Allow-Methods $edge_cors_methods always;
            add_header Access-Control-Allow-Headers $edge_cors_headers always;
            add_header Vary Origin always;"""


def _nginx_api_proxy(runtime: str) -> str:
    return f"""
            proxy_pass http://{runtime};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Forwarded-Port $server_port;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 60s;{NGINX_CORS}"""


def _nginx_frontend_server(port: int, moto: str) -> str:
    # Signed, as CloudFront's origin access control signs: local S3 refuses anonymous reads of
    # a private bucket but does not check signatures.
    authorization = (f"AWS4-HMAC-SHA256 Credential={LOCAL_ACCESS_KEY}/20240101/{LOCAL_REGION}/s3/aws4_request, "
                     "SignedHeaders=host, Signature=0")
    return f"""
    # The frontend: the bucket {FRONTEND_BUCKET} of local S3 (path-style), as CloudFront serves it.
    server {{
        listen {EDGE_ADDRESS}:{port} ssl http2;
        server_name {LOCAL_DOMAIN};
        {NGINX_HEALTH}
        location / {{
            if ($request_method !~ ^(GET|HEAD)$) {{ return 405; }}
            proxy_pass http://{moto}/{FRONTEND_BUCKET}$edge_frontend_key;
            proxy_set_header Host {moto};
            proxy_set_header Authorization "{authorization}";
            proxy_set_header Cookie "";
            # A missing key (or bucket): 404 of the edge's own, not S3's XML.
            proxy_intercept_errors on;
            error_page 403 404 = @missing;
        }}
        location @missing {{ return 404 "Not Found\\n"; }}
    }}
"""


def _nginx_api_server(port: int, runtime: str) -> str:
    proxy = _nginx_api_proxy(runtime)
    return f"""
    # The API: the local runtime, which routes by the Host (the API's custom domain).
    server {{
        listen {EDGE_ADDRESS}:{port} ssl http2;
        server_name {API_DOMAIN};
        recursive_error_pages on;
        {NGINX_HEALTH}
        location ^~ /__runtime/ {{ default_type application/json; return 404 '{{"message":"Not Found"}}'; }}
        location / {{
            error_page 418 = @preflight;
            if ($edge_preflight) {{ return 418; }}{proxy}
        }}
        # A preflight goes to the API first; when it cannot answer one, the edge does.
        location @preflight {{{proxy}
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
"""


def _nginx_redirect_and_default_servers(http_port: int, port: int) -> str:
    return f"""
    # Plain HTTP: to HTTPS, same host and path, on the edge's HTTPS port.
    server {{
        listen {EDGE_ADDRESS}:{http_port} default_server;
        server_name _;
        location / {{ return 301 https://$host:{port}$request_uri; }}
    }}

    # A name the edge does not serve.
    server {{
        listen {EDGE_ADDRESS}:{port} ssl http2 default_server;
        server_name _;
        {NGINX_HEALTH}
        location / {{ return 421 "misdirected request: the edge serves {LOCAL_DOMAIN} and {API_DOMAIN}\\n"; }}
    }}
"""


class EdgeService(Service):
    """The edge: nginx in the foreground with a configuration of its own under <state>/edge.

    `port` is the HTTPS port; `http_port` (in extra) the plain HTTP one, which redirects. It
    serves the stack's certificate (`stack.tls`), or the one `use_certificate` gave it."""

    @property
    def http_port(self) -> int:
        return int(self.extra.get("http_port") or 0)

    @property
    def work_dir(self) -> Path:
        return self.state_dir / "edge"

    @property
    def config_file(self) -> Path:
        return self.work_dir / "nginx.conf"

    def certificate(self) -> dict[str, str]:
        """{cert, key} the edge serves."""
        override = self.extra.get("certificate")
        tls = self.stack.tls
        return dict(override) if override else {"cert": tls["cert"], "key": tls["key"]}

    def load(self, saved: dict) -> None:
        super().load(saved)
        for key in ("http_port", "certificate"):
            if saved.get(key):
                self.extra[key] = saved[key]

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
        """nginx.conf for the current ports of local AWS and the runtime, and the certificate."""
        services = self.stack.services
        moto, runtime = f"127.0.0.1:{services['moto'].port}", f"127.0.0.1:{services['runtime'].port}"
        certificate, work, q = self.certificate(), self.work_dir, _nginx_string
        user = "user root root;\n" if os.geteuid() == 0 else ""  # workers keep root's access to the state dir
        # The certificate's digest: new contents in the same files change the configuration,
        # and a changed configuration reloads nginx, which reads certificates only then.
        digest = hashlib.sha256(Path(certificate["cert"]).read_bytes()).hexdigest()
        return f"""# Written by tools/local_stack.py at each start of the edge: edit the generator, not this file.
# local AWS: {moto}; API runtime: {runtime}; certificate sha256 {digest}
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

    ssl_certificate {q(certificate['cert'])};
    ssl_certificate_key {q(certificate['key'])};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:edge:1m;
{NGINX_MAPS}{_nginx_redirect_and_default_servers(self.http_port, self.port)}{_nginx_frontend_server(self.port, moto)}{_nginx_api_server(self.port, runtime)}}}
"""

    def write_config(self) -> bool:
        """Write nginx.conf; True when it changed."""
        text = self.config()
        if self.config_file.exists() and self.config_file.read_text() == text:
            return False
        write_atomic(self.config_file, text)
        return True

    def check_config(self) -> None:
        checked = subprocess.run(  # noqa: S603
            self.base_command() + ["-t", "-q"], capture_output=True, text=True, check=False,
        )
        if checked.returncode != 0:
            raise StackError(f"the edge's nginx configuration {self.config_file} is invalid:\n{checked.stderr}")

    def prepare(self) -> None:
        self.port = self.port or free_port()
        if not self.http_port:
            self.extra["http_port"] = free_port()
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.work_dir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        self.write_config()
        self.check_config()

    def base_command(self) -> list[str]:
        # -e: the error log before the configuration is read (not /var/log/nginx).
        return [system_binary("nginx"), "-p", f"{self.work_dir}/", "-c", str(self.config_file), "-e", "stderr",
                "-g", "daemon off;"]

    def command(self) -> list[str]:
        return self.base_command()

    def refresh(self) -> None:
        """A restarted moto or runtime has new ports, a renewed or swapped certificate new
        contents: reload."""
        if self.write_config() and self.running():
            self.check_config()
            old_workers = self.workers()
            self.signal(signal.SIGHUP)
            self._wait_for_certificate(Path(self.certificate()["cert"]).read_bytes(), old_workers)

    def workers(self) -> set[int]:
        """The worker processes of the nginx master."""
        return set(live_processes(ppid=self.pid))

    def _wait_for_certificate(self, pem: bytes, old_workers: set[int], wait: float = 10.0) -> None:
        """Until the old workers have gone (until then one of them may still take a new
        connection with the old certificate) and the new ones answer with this one."""
        wanted = ssl.PEM_cert_to_DER_cert(pem.decode("ascii"))
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not old_workers & self.workers() and self.served_certificate() == wanted:
                return
            time.sleep(0.1)
        raise StackError(f"the edge did not serve {self.certificate()['cert']} within {wait:.0f}s; see {self.log_file}")

    def served_certificate(self) -> bytes | None:
        """The DER certificate the edge presents for LOCAL_DOMAIN (not checked), None when it does not answer."""
        context = unverified_context()  # what is served, valid or not
        try:
            with socket.create_connection((EDGE_ADDRESS, self.port), timeout=2.0) as raw:
                with context.wrap_socket(raw, server_hostname=LOCAL_DOMAIN) as tls:
                    return tls.getpeercert(binary_form=True)
        except (OSError, ssl.SSLError):
            return None

    def use_certificate(self, cert: str | None = None, key: str | None = None) -> None:
        """Serve another certificate (PEM files), or the stack's own again (no arguments).
        A pair nginx refuses (a key of another certificate) leaves the current one served."""
        previous = self.extra.pop("certificate", None)
        if cert:
            self.extra["certificate"] = {"cert": str(Path(cert).resolve()), "key": str(Path(key).resolve())}
        try:
            self.refresh()
        except (StackError, OSError):
            self.extra.pop("certificate", None)
            if previous:
                self.extra["certificate"] = previous
            self.write_config()
            raise

    def healthy(self) -> bool:
        # Whether nginx answers, whatever certificate it serves (a test may give it a bad one).
        try:
            status, dummy, body = edge_request(self.port, LOCAL_DOMAIN, EDGE_HEALTH_PATH, timeout=2.0)
        except (OSError, ssl.SSLError, http.client.HTTPException):
            return False
        return status == 200 and body == b"ok\n"


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


def hosted_zone_names(route53) -> list[str]:
    """Every A (alias or not) and CNAME record name of the hosted zones, and the alias targets'
    names (CloudFront's domain, the API's regional domain). Wildcards are left out: a hosts
    file cannot hold them."""
    names = set()
    for page in route53.get_paginator("list_hosted_zones").paginate():
        for zone in page["HostedZones"]:
            for records in route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone["Id"]):
                for record in records["ResourceRecordSets"]:
                    if record["Type"] in ("A", "CNAME"):
                        names.add(_route53_name(record["Name"]))
                        names.add(_route53_name((record.get("AliasTarget") or {}).get("DNSName") or ""))
    return sorted(name for name in names if name and "*" not in name)


class DnsService(Service):
    """The local DNS: dnsmasq answering the hosted zones' names from the hosts file `sync` writes."""

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

    def names(self) -> list[str]:
        """The names the hosts file answers (without the sync marker)."""
        if not self.hosts_file.exists():
            return []
        lines = (line.split() for line in self.hosts_file.read_text().splitlines() if not line.startswith("#"))
        return [fields[1] for fields in lines if len(fields) == 2 and not fields[1].endswith(SYNC_MARKER_DOMAIN)]

    def sync(self, names: list[str], wait: float = 10.0) -> None:
        """Answer exactly `names` with the edge.

        Rewrites the hosts file and makes dnsmasq re-read it (SIGHUP). The file carries a marker
        name of its own, so the wait ends when dnsmasq answers from this file, not the last."""
        marker = f"sync-{secrets.token_hex(6)}{SYNC_MARKER_DOMAIN}"
        records = "".join(f"{EDGE_ADDRESS} {name}\n" for name in [marker, *names])
        self.work_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self.hosts_file, f"# written by tools/local_stack.py sync-dns from local Route 53\n{records}")
        if self.signal(signal.SIGHUP):
            self._wait_for(marker, wait)

    def _wait_for(self, name: str, wait: float) -> None:
        deadline = time.monotonic() + wait
        while True:
            try:
                if dns_query(name, self.port, timeout=1.0)[1] == [EDGE_ADDRESS]:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise StackError(f"dnsmasq did not answer from {self.hosts_file} within {wait:.0f}s; see {self.log_file}")
            time.sleep(0.05)
