"""Start, inspect and stop the local stack: the AWS environment `local` runs in, on this machine.

The stack lives on loopback. Each service gets a free port, a pid file, a log file and a
health wait (tools/local_services.py); `stack.json` in the state directory tells the
inventory, the tests and the benchmarks where everything is. The services, started in this
order (stopped in reverse):

* `moto`: local AWS (moto_server), `aws_endpoint_url` in stack.json;
* `redis`: redis-server without persistence, `redis_endpoint` ("127.0.0.1:<port>");
* `runtime`: the local API runtime (tools/local_runtime.py), `api_runtime_url` in stack.json:
  answers HTTP requests as the API Gateway REST API in local AWS would, running the functions
  (Node.js) its routes integrate with, which moto cannot run;
* `edge`: nginx, what CloudFront and the API's custom domain are on AWS (tools/local_edge.py):
  HTTPS for `LOCAL_DOMAIN` (the frontend bucket) and `API_DOMAIN` (the runtime), HTTP -> HTTPS;
* `dns`: dnsmasq answering the names of the Route 53 hosted zones of local AWS with the edge.

The TLS material (tools/local_tls.py) is generated once per state directory: a local CA and a
certificate for the domains, kept across restarts and renewed when it expires within 30 days.
At each start the certificate is imported into local ACM (re-imported under the same ARN when
renewed): the local inventory passes that ARN to the infrastructure, so CloudFront and the
API's custom domain in local AWS name the certificate the edge serves.

stack.json, besides the services: `edge` {address, https_port, http_port, frontend_url,
api_url, domain, api_domain, frontend_bucket, cert, key (what it serves)}, `tls` {ca, cert,
key, chain, names, not_after, spki_sha256, certificate_arn}, `dns` {address, port,
hosts_file}, `redis_endpoint`. Trust `tls.ca` to reach the edge (`curl --cacert`,
`NODE_EXTRA_CA_CERTS`, Chromium's `--ignore-certificate-errors-spki-list=<tls.spki_sha256>`).

The local DNS follows Route 53 when synced: at each start, and by `sync-dns`, which the deploy
of `local` runs after its infrastructure phase. A test that changes records syncs itself.
Faults a test can inject (and take back):

* Redis down: `LocalStack.services["redis"].stop()` (the next `start` brings it back);
* a DNS record gone: delete it in local Route 53, then `LocalStack.sync_dns()` (or `sync-dns`);
* a bad certificate on the edge: `local_tls.issue_certificate(state_dir, dir, names=...,
  not_after=...)` makes an expired or mismatched one from the stack's CA, and
  `LocalStack.edge_certificate(cert, key)` serves it (`edge_certificate()` restores the stack's
  own); on the command line `edge-certificate --cert C --key K` and `edge-certificate --restore`.

nginx, dnsmasq and redis-server come from Debian (`tools/install-system-packages`, run by
`make deps`); the stack runs instances of its own, never the system services.

Usage:

    local_stack.py [--state-dir DIR] start [--timeout SECONDS]
    local_stack.py [--state-dir DIR] status
    local_stack.py [--state-dir DIR] stop
    local_stack.py [--state-dir DIR] env        # shell exports for the running stack
    local_stack.py [--state-dir DIR] sync-dns [--json]   # hosted zones of local AWS -> the local DNS
    local_stack.py [--state-dir DIR] edge-certificate (--cert PEM --key PEM | --restore)

The state directory defaults to $ACINACES_STACK_DIR, else `.local-stack` in the checkout.
Local AWS keeps its data in memory: stopping the stack discards the environment (the TLS
material stays).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from local_edge import (
    EDGE_ADDRESS, FRONTEND_BUCKET, DnsService, EdgeService, RedisService, dns_query, edge_request, hosted_zone_names,
    unverified_context,
)
from local_services import (
    LOCAL_ACCESS_KEY, LOCAL_REGION, LOCAL_SECRET_KEY, REPO_ROOT, Service, StackError, http_ok,
)
from local_tls import API_DOMAIN, LOCAL_DOMAIN, ensure_tls, issue_certificate

# What the tests, benchmarks and tools take from here (some names live in the sibling modules).
__all__ = [
    "API_DOMAIN", "EDGE_ADDRESS", "FRONTEND_BUCKET", "LOCAL_DOMAIN", "LocalStack", "MotoService", "SERVICES",
    "StackError", "dns_query", "edge_request", "ensure_tls", "issue_certificate", "unverified_context",
]
STATE_FILE = "stack.json"
# The Terraform state backend of the local environment, created when the stack starts
# (test and production have theirs created once by the platform team).
STATE_BUCKET = "acinaces-local-tfstate"
LOCK_TABLE = "acinaces-local-tflock"
# The tag Name of the edge's certificate in local ACM.
CERTIFICATE_NAME = "acinaces-local-stack-edge"


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
        moto, redis, edge, dns = (self.services[name] for name in ("moto", "redis", "edge", "dns"))
        served = edge.certificate() if self.tls else {}
        return {
            "state_dir": str(self.state_dir),
            "aws_endpoint_url": moto.endpoint_url,
            "aws_region": LOCAL_REGION,
            "aws_access_key_id": LOCAL_ACCESS_KEY,
            "aws_secret_access_key": LOCAL_SECRET_KEY,
            "terraform_state_bucket": STATE_BUCKET,
            "terraform_lock_table": LOCK_TABLE,
            "services": {name: service.describe() for name, service in self.services.items()},
            "api_runtime_url": self.services["runtime"].url,
            "redis_endpoint": redis.endpoint,
            "edge": {
                "address": EDGE_ADDRESS, "https_port": edge.port, "http_port": edge.http_port,
                "frontend_url": f"https://{LOCAL_DOMAIN}:{edge.port}/", "api_url": f"https://{API_DOMAIN}:{edge.port}",
                "domain": LOCAL_DOMAIN, "api_domain": API_DOMAIN, "frontend_bucket": FRONTEND_BUCKET, **served,
            },
            "dns": {"address": EDGE_ADDRESS, "port": dns.port, "hosts_file": str(dns.hosts_file)},
            "tls": self.tls,
        }

    def _save(self) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.describe(), indent=2, sort_keys=True) + "\n")
        os.replace(tmp, self.state_file)

    def start(self, timeout: float = 60.0) -> dict[str, str]:
        """Start what is not running; returns service -> 'started' or 'running'."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.tls = {**self.tls, **ensure_tls(self.state_dir)}
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
        self.tls["certificate_arn"] = self.import_certificate()
        self._save()
        self.sync_dns()
        return result

    def aws_client(self, service: str):
        # Imported here: status and stop stay without boto3.
        import boto3  # pylint: disable=import-outside-toplevel

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

    def import_certificate(self) -> str:
        """The edge's certificate in local ACM (its ARN): imported when missing, re-imported under
        the same ARN when the files hold another certificate (renewed)."""
        acm = self.aws_client("acm")
        pem = {key: Path(self.tls[name]).read_bytes()
               for key, name in (("Certificate", "cert"), ("PrivateKey", "key"), ("CertificateChain", "chain"))}
        arn = self.tls.get("certificate_arn")
        try:
            current = acm.get_certificate(CertificateArn=arn)["Certificate"] if arn else None
        except acm.exceptions.ResourceNotFoundException:  # local AWS restarted: its data is gone
            current = None
        if current is None:
            tags = [{"Key": "Name", "Value": CERTIFICATE_NAME}, {"Key": "Project", "Value": "acinaces"}]
            return acm.import_certificate(Tags=tags, **pem)["CertificateArn"]
        if current.strip() != pem["Certificate"].decode("ascii").strip():
            acm.import_certificate(CertificateArn=arn, **pem)
        return arn

    def sync_dns(self) -> list[str]:
        """Point the local DNS at the edge for every name of the hosted zones of local AWS, and
        for no other name; returns the names. Run after anything changed Route 53."""
        names = hosted_zone_names(self.aws_client("route53"))
        self.services["dns"].sync(names)
        return names

    def edge_certificate(self, cert: str | None = None, key: str | None = None) -> dict[str, str]:
        """Make the edge serve another certificate (PEM files, e.g. from local_tls.issue_certificate),
        or, without arguments, the stack's own again. Returns {cert, key} it now serves; kept in
        stack.json (`edge.cert`, `edge.key`) until restored or the stack stops."""
        if bool(cert) != bool(key):
            raise StackError("edge_certificate: give both the certificate and its key, or neither")
        edge = self.services["edge"]
        edge.use_certificate(cert, key)
        self._save()
        return edge.certificate()

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
            "ACINACES_API_RUNTIME_URL": info["api_runtime_url"],
            "ACINACES_REDIS_ENDPOINT": info["redis_endpoint"],
            "ACINACES_EDGE_HTTPS_PORT": str(info["edge"]["https_port"]),
            "ACINACES_EDGE_HTTP_PORT": str(info["edge"]["http_port"]),
            "ACINACES_DNS_PORT": str(info["dns"]["port"]),
        }
        if info["tls"]:
            env["ACINACES_CA_FILE"] = info["tls"]["ca"]
        return env


def default_state_dir() -> Path:
    return Path(os.environ.get("ACINACES_STACK_DIR") or REPO_ROOT / ".local-stack")


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, default=None)
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="start every service that is not running")
    start.add_argument("--timeout", type=float, default=60.0, help="health wait per service")
    sub.add_parser("status", help="exit 0 when every service is healthy, 3 otherwise")
    sub.add_parser("stop", help="stop every service and forget the state")
    sub.add_parser("env", help="print shell exports for the running stack")
    sync = sub.add_parser("sync-dns", help="answer the names of local AWS's hosted zones with the edge")
    sync.add_argument("--json", action="store_true", help='print {"names": [...], "changed": bool}')
    certificate = sub.add_parser("edge-certificate", help="serve another certificate on the edge, or the stack's own")
    certificate.add_argument("--cert", help="PEM certificate file")
    certificate.add_argument("--key", help="PEM private key file")
    certificate.add_argument("--restore", action="store_true", help="serve the stack's own certificate again")
    return parser.parse_args(argv)


def print_started(stack: LocalStack, states: dict[str, str]) -> None:
    for name, state in states.items():
        print(f"{name}: {state} ({stack.services[name].describe()})")
    info = stack.describe()
    print(f"local AWS endpoint: {info['aws_endpoint_url']}")
    print(f"local API: {info['api_runtime_url']}")
    print(f"local Redis: {info['redis_endpoint']}")
    print(f"local edge: {info['edge']['frontend_url']} and {info['edge']['api_url']} "
          f"(http port {info['edge']['http_port']}, CA {info['tls']['ca']}, ACM {info['tls']['certificate_arn']})")
    print(f"local DNS: {info['dns']['address']} port {info['dns']['port']} (udp and tcp)")


def sync_dns_command(stack: LocalStack, as_json: bool) -> None:
    dns = stack.services["dns"]
    hosts, before = dns.hosts_file, dns.names()
    names = stack.sync_dns()
    changed = sorted(before) != names
    if as_json:
        print(json.dumps({"names": names, "changed": changed, "hosts_file": str(hosts)}))
        return
    for name in names:
        print(f"{name} -> {EDGE_ADDRESS}")
    print(f"{len(names)} names in {hosts} ({'changed' if changed else 'unchanged'})")


def edge_certificate_command(stack: LocalStack, args: argparse.Namespace) -> None:
    if args.restore == bool(args.cert or args.key):
        raise StackError("edge-certificate: give --cert and --key, or --restore")
    served = stack.edge_certificate(args.cert, args.key)
    print(f"the edge serves {served['cert']}")


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    stack = LocalStack(args.state_dir or default_state_dir())
    try:
        if args.command == "start":
            print_started(stack, stack.start(args.timeout))
            return 0
        if args.command in ("status", "stop"):
            states = stack.status() if args.command == "status" else stack.stop()
            for name, state in states.items():
                print(f"{name}: {state}")
            return 3 if args.command == "status" and set(states.values()) != {"running"} else 0
        if not all(state == "running" for state in stack.status().values()):
            print("the local stack is not running; start it with `make stack-start`", file=sys.stderr)
            return 3
        if args.command == "sync-dns":
            sync_dns_command(stack, args.json)
        elif args.command == "edge-certificate":
            edge_certificate_command(stack, args)
        else:
            for key, value in stack.environment().items():
                print(f"export {key}={value}")
        return 0
    except StackError as error:
        print(f"local stack: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
