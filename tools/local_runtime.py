"""The local API runtime: API Gateway (REST API, Lambda proxy integration) and Lambda, on loopback.

Local AWS (moto) keeps the API, the functions and their aliases but cannot run a function. This
server answers HTTP requests the way the API's stage would, from what local AWS holds:

* the routes are read from API Gateway (REST APIs, their resources with methods and
  integrations, stages, custom domain names), cached for a couple of seconds;
* a request `/<path>` or `/<stage>/<path>` is matched to a resource (`{param}` and `{proxy+}`
  included), its `AWS_PROXY` integration names a function and a qualifier (usually the alias
  `live`), which is resolved through Lambda to a version: that version's configuration (handler,
  environment, timeout, memory, CodeSha256) and code decide what answers;
* the code is fetched once per CodeSha256 (checked against it) and extracted under the state
  directory; a Node.js worker (`local_runtime_worker.js`) per function version runs the handler
  with the version's environment, kept warm; an alias moved to another version (a release or a
  rollback) gets new workers and the previous version's are stopped;
* the event is a REST proxy event (payload 1.0); the answer is the handler's
  {statusCode, headers, multiValueHeaders, body, isBase64Encoded}. A handler error, a crash, a
  malformed answer or a timeout answer 502 `{"message": "Internal server error"}` as API Gateway
  does; the cause is in this server's log, in the response header `x-acinaces-runtime-error`
  and, as Lambda writes it, in CloudWatch Logs (`/aws/lambda/<function>`, one stream per worker);
* every invocation sends an X-Ray trace segment (its function, times, status), as Lambda with
  active tracing does.

`GET /__runtime/health` answers 200 while local AWS answers. Usage:

    local_runtime.py --state-dir DIR --port PORT [--api NAME_OR_ID]

The AWS endpoint, region and credentials come from `stack.json` in the state directory (re-read
when it changes), else from the AWS_* environment variables.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import io
import json
import logging
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

STATE_FILE = "stack.json"
WORKER_SCRIPT = Path(__file__).resolve().with_name("local_runtime_worker.js")
INTERNAL_PREFIX = "/__runtime/"
DEFAULT_STAGE = "live"
INIT_TIMEOUT = 10.0  # Lambda's init phase limit
INTEGRATION_TIMEOUT = 29.0  # API Gateway's default integration timeout
GATEWAY_ERROR = {"message": "Internal server error"}
INTEGRATION_URI = re.compile(
    r"^arn:aws[\w-]*:apigateway:(?P<region>[^:]+):lambda:path/2015-03-31/functions/(?P<function>.+)/invocations$"
)
FUNCTION_ARN = re.compile(
    r"^arn:(?P<partition>aws[\w-]*):lambda:(?P<region>[^:]+):(?P<account>\d+):function:(?P<name>[^:]+)(?::(?P<qualifier>[^:]+))?$"
)
STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")
HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "keep-alive", "upgrade"}
# The package key the collection's backend deploy writes (lambda_release): content-addressed.
DEPLOY_PACKAGE_KEY = "lambda-packages/{function}/{sha256}.zip"

LOG = logging.getLogger("local_runtime")


class GatewayFailure(Exception):
    """A request API Gateway would answer with an error of its own."""

    def __init__(self, status: int, kind: str, detail: str, body: dict | None = None):
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail
        self.body = body or GATEWAY_ERROR


def now_ms() -> int:
    return int(time.time() * 1000)


def code_sha256(data: bytes) -> str:
    """Lambda's CodeSha256: the base64 of the SHA-256 of the ZIP."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


# --------------------------------------------------------------------------- local AWS


@dataclass(frozen=True)
class AwsSettings:
    endpoint_url: str | None
    region: str
    access_key: str
    secret_key: str


class Aws:
    """boto3 clients for local AWS, following stack.json when it changes."""

    def __init__(self, state_dir: Path):
        self.state_file = state_dir / STATE_FILE
        self._lock = threading.Lock()
        self._stamp: float | None = None
        self._settings: AwsSettings | None = None
        self._clients: dict[tuple, Any] = {}

    def settings(self) -> AwsSettings:
        with self._lock:
            try:
                stamp = self.state_file.stat().st_mtime
            except OSError:
                stamp = None
            if self._settings is None or stamp != self._stamp:
                self._stamp = stamp
                self._settings = self._read(stamp is not None)
            return self._settings

    def _read(self, from_file: bool) -> AwsSettings:
        info = {}
        if from_file:
            try:
                info = json.loads(self.state_file.read_text())
            except (OSError, ValueError):
                info = {}
        env = os.environ
        return AwsSettings(
            endpoint_url=info.get("aws_endpoint_url") or env.get("AWS_ENDPOINT_URL") or None,
            region=info.get("aws_region") or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            access_key=info.get("aws_access_key_id") or env.get("AWS_ACCESS_KEY_ID", ""),
            secret_key=info.get("aws_secret_access_key") or env.get("AWS_SECRET_ACCESS_KEY", ""),
        )

    @property
    def local(self) -> bool:
        return bool(self.settings().endpoint_url)

    def client(self, service: str, quick: bool = False):
        settings = self.settings()
        key = (service, quick, settings)
        with self._lock:
            if key not in self._clients:
                config = Config(
                    connect_timeout=1 if quick else 3,
                    read_timeout=2 if quick else 30,
                    retries={"mode": "standard", "total_max_attempts": 1 if quick else 3},
                )
                self._clients[key] = boto3.session.Session().client(
                    service,
                    endpoint_url=settings.endpoint_url,
                    region_name=settings.region,
                    aws_access_key_id=settings.access_key or None,
                    aws_secret_access_key=settings.secret_key or None,
                    config=config,
                )
            return self._clients[key]


class TtlCache:
    """Values computed at most once per `ttl` seconds per key (errors are not cached)."""

    def __init__(self, ttl: float):
        self.ttl = ttl
        self._lock = threading.Lock()
        self._values: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        with self._lock:
            hit = self._values.get(key)
            if hit and time.monotonic() - hit[0] < self.ttl:
                return hit[1]
        value = compute()
        with self._lock:
            self._values[key] = (time.monotonic(), value)
        return value


# --------------------------------------------------------------------------- routes


@dataclass
class Resource:
    id: str
    path: str
    methods: dict[str, dict]

    @property
    def segments(self) -> list[str]:
        return [part for part in self.path.split("/") if part]


@dataclass
class Api:
    id: str
    name: str
    resources: list[Resource]
    stages: dict[str, dict]  # stage name -> stage variables
    binary_media_types: list[str]

    def default_stage(self) -> str:
        if DEFAULT_STAGE in self.stages or not self.stages:
            return DEFAULT_STAGE
        return sorted(self.stages)[0]


@dataclass
class Mapping:
    base_path: str  # "" for "(none)"
    api_id: str
    stage: str


@dataclass
class Routes:
    apis: list[Api]
    domains: dict[str, list[Mapping]]

    def api(self, ident: str) -> Api | None:
        return next((api for api in self.apis if ident in (api.id, api.name)), None)


@dataclass
class Target:
    """Where a request goes: the API, its stage, the resource, the path inside the stage."""

    api: Api
    stage: str
    resource: Resource
    method: dict
    path: str
    stage_path: str  # the request path as API Gateway reports it in requestContext.path
    path_parameters: dict[str, str]


def paginate(client, operation: str, key: str, **kwargs) -> list[dict]:
    items: list[dict] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page.get(key, []))
    return items


def load_routes(aws: Aws) -> Routes:
    apigw = aws.client("apigateway")
    apis = []
    for item in paginate(apigw, "get_rest_apis", "items"):
        resources = [
            Resource(id=r["id"], path=r["path"], methods=r.get("resourceMethods") or {})
            for r in paginate(apigw, "get_resources", "items", restApiId=item["id"], embed=["methods"])
        ]
        stages = {s["stageName"]: s.get("variables") or {} for s in apigw.get_stages(restApiId=item["id"]).get("item", [])}
        apis.append(Api(item["id"], item.get("name", ""), resources, stages, item.get("binaryMediaTypes") or []))
    domains: dict[str, list[Mapping]] = {}
    try:
        names = [d["domainName"] for d in paginate(apigw, "get_domain_names", "items")]
    except ClientError:
        names = []
    for name in names:
        try:
            mappings = paginate(apigw, "get_base_path_mappings", "items", domainName=name)
        except ClientError:  # moto fails (500) for a domain without mappings
            mappings = []
        domains[name.lower()] = sorted(
            (Mapping("" if m.get("basePath") in (None, "", "(none)") else m["basePath"].strip("/"), m["restApiId"], m.get("stage") or "")
             for m in mappings),
            key=lambda m: -len(m.base_path),
        )
    return Routes(apis, domains)


def match_resource(api: Api, segments: list[str]) -> tuple[Resource, dict[str, str]] | None:
    """The most specific resource for the path: literals before {param} before {greedy+}."""
    best: tuple[tuple, Resource, dict[str, str]] | None = None
    for resource in api.resources:
        parts, params, score, index, ok = resource.segments, {}, [], 0, True
        for position, part in enumerate(parts):
            if part.startswith("{") and part.endswith("+}"):
                if index >= len(segments) or position != len(parts) - 1:
                    ok = False
                    break
                params[part[1:-2]] = "/".join(segments[index:])
                index, score = len(segments), score + [0]
                break
            if index >= len(segments):
                ok = False
                break
            if part.startswith("{") and part.endswith("}"):
                params[part[1:-1]], score = segments[index], score + [1]
            elif part == segments[index]:
                score = score + [2]
            else:
                ok = False
                break
            index += 1
        if ok and index == len(segments):
            rank = (tuple(score), len(score))
            if best is None or rank > best[0]:
                best = (rank, resource, params)
    if best is None:
        return None
    return best[1], best[2]


def select_target(routes: Routes, host: str, method: str, raw_path: str, api_selector: str | None) -> Target:
    not_found = GatewayFailure(404, "not-found", f"no resource for {raw_path}", {"message": "Not Found"})
    hostname = host.rsplit(":", 1)[0].lower() if host and not host.startswith("[") else (host or "").lower()
    segments = [urllib.parse.unquote(part) for part in raw_path.split("/") if part]
    api, stage = None, None
    stage_path_prefix = ""
    if hostname in routes.domains:
        for mapping in routes.domains[hostname]:
            base = mapping.base_path.split("/") if mapping.base_path else []
            if segments[: len(base)] == base:
                api, stage = routes.api(mapping.api_id), mapping.stage
                segments = segments[len(base):]
                stage_path_prefix = "/" + mapping.base_path if mapping.base_path else ""
                break
        if api is None:
            raise not_found
    else:
        execute_api = re.match(r"^([a-z0-9]+)\.execute-api\.", hostname)
        if execute_api:  # the API's own endpoint names it
            api = routes.api(execute_api.group(1))
        elif api_selector:
            api = routes.api(api_selector)
        elif routes.apis:
            api = routes.apis[0]
        if api is None:
            raise GatewayFailure(404, "no-api", f"no REST API to serve{' named ' + api_selector if api_selector else ''}",
                                 {"message": "Not Found"})
        if segments and segments[0] in api.stages:
            stage, segments = segments[0], segments[1:]
        else:
            stage = api.default_stage()
        stage_path_prefix = "/" + stage
    found = match_resource(api, segments)
    if found is None:
        raise not_found
    resource, params = found
    chosen = resource.methods.get(method) or resource.methods.get("ANY")
    if not resource.methods:  # a resource without methods answers nothing: as if absent
        raise not_found
    if chosen is None:
        raise GatewayFailure(405, "method-not-allowed", f"{method} is not a method of {resource.path}",
                             {"message": "Method Not Allowed"})
    path = "/" + "/".join(segments)
    return Target(api, stage, resource, chosen, path, (stage_path_prefix + path) if path != "/" else (stage_path_prefix or "/"), params)


# --------------------------------------------------------------------------- functions and code


@dataclass(frozen=True)
class FunctionVersion:
    """One version of a function as Lambda describes it: what a worker runs."""

    name: str
    arn: str  # unqualified
    version: str
    handler: str
    runtime: str
    timeout: float
    memory: int
    environment: tuple[tuple[str, str], ...]
    code_sha256: str
    account: str
    region: str

    @property
    def key(self) -> tuple:
        return (self.arn, self.version, self.code_sha256, self.handler, self.timeout, self.memory, self.environment)


def resolve_function(aws: Aws, configs: TtlCache, function_arn: str) -> tuple[FunctionVersion, str]:
    """The version a (qualified) function ARN designates now, and the qualifier used."""
    match = FUNCTION_ARN.match(function_arn)
    if not match:
        raise GatewayFailure(500, "bad-integration", f"integration names no Lambda function: {function_arn}")
    name, qualifier = match.group("name"), match.group("qualifier") or "$LATEST"
    unqualified = function_arn if not match.group("qualifier") else function_arn.rsplit(":", 1)[0]
    lam = aws.client("lambda")
    try:
        if qualifier == "$LATEST" or qualifier.isdigit():
            version = qualifier
        else:
            version = lam.get_alias(FunctionName=unqualified, Name=qualifier)["FunctionVersion"]
        config = configs.get((unqualified, version), lambda: lam.get_function_configuration(FunctionName=unqualified, Qualifier=version))
    except ClientError as error:
        raise GatewayFailure(500, "lambda-not-found", f"{name}:{qualifier}: {error}") from error
    env = (config.get("Environment") or {}).get("Variables") or {}
    return FunctionVersion(
        name=config.get("FunctionName", name),
        arn=unqualified,
        version=config.get("Version", version),
        handler=config.get("Handler") or "index.handler",
        runtime=config.get("Runtime") or "",
        timeout=float(config.get("Timeout") or 3),
        memory=int(config.get("MemorySize") or 128),
        environment=tuple(sorted((str(k), str(v)) for k, v in env.items())),
        code_sha256=config["CodeSha256"],
        account=match.group("account"),
        region=match.group("region"),
    ), qualifier


def parse_s3_url(url: str) -> tuple[str, str] | None:
    """(bucket, key) of an S3 object URL, virtual-hosted or path-style; None otherwise."""
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    key = urllib.parse.unquote(parts.path.lstrip("/"))
    hosted = re.match(r"^(?P<bucket>.+)\.s3[.-](?:[a-z0-9-]+\.)?amazonaws\.com(?:\.cn)?$", host)
    if hosted and key:
        return hosted.group("bucket"), key
    if re.match(r"^s3[.-](?:[a-z0-9-]+\.)?amazonaws\.com(?:\.cn)?$", host) and "/" in key:
        bucket, key = key.split("/", 1)
        return bucket, key
    return None


class CodeStore:
    """Each version's code, fetched through the APIs, verified against its CodeSha256 and
    extracted once per CodeSha256 under `root`."""

    def __init__(self, root: Path, aws: Aws):
        self.root = root
        self.aws = aws
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def directory(self, function: FunctionVersion) -> Path:
        digest = base64.b64decode(function.code_sha256).hex()
        target = self.root / digest
        if (target / ".acinaces-code.json").exists():
            return target
        with self._lock:
            lock = self._locks.setdefault(digest, threading.Lock())
        with lock:
            if (target / ".acinaces-code.json").exists():
                return target
            data, source = self.fetch(function)
            self.extract(data, target, {"CodeSha256": function.code_sha256, "function": function.name,
                                        "version": function.version, "source": source})
            LOG.info("code of %s:%s (CodeSha256 %s) from %s", function.name, function.version, function.code_sha256, source)
            return target

    def fetch(self, function: FunctionVersion) -> tuple[bytes, str]:
        """The ZIP of the version, from the first object whose bytes have its CodeSha256.

        In order: Code.Location of GetFunction (on AWS a presigned URL; against local AWS the
        same S3 object asked of the local endpoint); then, on local AWS, the key Code.Location
        names in each local bucket (moto names the key of code it took from S3 but not its
        bucket); last, the deployment package of this CodeSha256 (the key the backend deploy
        uploads to). moto keeps code given as ZipFile nowhere the APIs reach: such a version
        cannot be run."""
        tried: list[str] = []
        lam = self.aws.client("lambda")
        try:
            code = lam.get_function(FunctionName=function.arn, Qualifier=function.version).get("Code") or {}
        except ClientError as error:
            tried.append(f"GetFunction: {error}")
            code = {}
        location = code.get("Location") or ""
        s3_object = parse_s3_url(location) if location else None
        digest = base64.b64decode(function.code_sha256).hex()
        strategies = [("Code.Location", self._location_candidates(location, s3_object, tried))]
        if self.aws.local:
            buckets = self._buckets(tried)
            if s3_object:
                strategies.append((f"the key Code.Location names ({s3_object[1]}) in a local bucket",
                                   ((f"s3://{bucket}/{s3_object[1]} (the key Code.Location names)", self._s3_reader(bucket, s3_object[1]))
                                    for bucket in buckets if bucket != s3_object[0])))
            key = DEPLOY_PACKAGE_KEY.format(function=function.name, sha256=digest)
            strategies.append((f"the deployment package {key} in a local bucket",
                               ((f"s3://{bucket}/{key} (the deployment package of this CodeSha256)", self._s3_reader(bucket, key))
                                for bucket in buckets)))
        for strategy, candidates in strategies:
            found = False
            for description, read in candidates:
                try:
                    data = read()
                except (ClientError, BotoCoreError, urllib.error.URLError, OSError, ValueError) as error:
                    tried.append(f"{description}: {error}")
                    found = True
                    continue
                if data is None:
                    continue
                found = True
                if code_sha256(data) == function.code_sha256:
                    return data, description
                tried.append(f"{description}: other code (CodeSha256 {code_sha256(data)})")
            if not found:
                tried.append(f"{strategy}: not found")
        raise GatewayFailure(500, "code-unavailable", f"the code of {function.name}:{function.version} "
                             f"(CodeSha256 {function.code_sha256}) could not be fetched: " + "; ".join(tried))

    def _location_candidates(self, location: str, s3_object: tuple[str, str] | None, tried: list[str]):
        if not location:
            return
        if not self.aws.local:
            yield f"Code.Location {location.split('?')[0]}", lambda: self._http_get(location)  # presigned, 10 minutes
        elif s3_object:
            yield f"Code.Location through local S3 (s3://{s3_object[0]}/{s3_object[1]})", lambda: self._s3_get(*s3_object)
        else:
            tried.append(f"Code.Location {location}: not an S3 URL")

    def _buckets(self, tried: list[str]) -> list[str]:
        try:
            return [b["Name"] for b in self.aws.client("s3").list_buckets().get("Buckets", [])]
        except (ClientError, BotoCoreError) as error:
            tried.append(f"ListBuckets: {error}")
            return []

    def _s3_reader(self, bucket: str, key: str):
        def read():
            try:
                return self._s3_get(bucket, key)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NoSuchBucket", "AccessDenied"):
                    return None
                raise
        return read

    def _s3_get(self, bucket: str, key: str) -> bytes:
        return self.aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()

    @staticmethod
    def _http_get(url: str) -> bytes:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - Lambda's presigned URL
            return response.read()

    def extract(self, data: bytes, target: Path, info: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / f".{target.name}.{uuid.uuid4().hex}"
        staging.mkdir()
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.infolist():
                    destination = (staging / member.filename).resolve()
                    if staging.resolve() not in destination.parents and destination != staging.resolve():
                        raise GatewayFailure(500, "bad-code", f"unsafe path in the code ZIP: {member.filename}")
                    archive.extract(member, staging)
            (staging / ".acinaces-code.json").write_text(json.dumps(info, indent=2) + "\n")
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging, target)
        except zipfile.BadZipFile as error:
            raise GatewayFailure(500, "bad-code", f"the code is not a ZIP: {error}") from error
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)


# --------------------------------------------------------------------------- logs


class LogShipper:
    """Log events to CloudWatch Logs, batched per stream, sent every half second."""

    def __init__(self, aws: Aws):
        self.aws = aws
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, str], list[dict]] = {}
        self._known: set[tuple[str, str]] = set()

    def add(self, group: str, stream: str, message: str, timestamp: int | None = None) -> None:
        with self._lock:
            self._pending.setdefault((group, stream), []).append({"timestamp": timestamp or now_ms(), "message": message or " "})

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for (group, stream), events in pending.items():
            events.sort(key=lambda event: event["timestamp"])
            try:
                self._send(group, stream, events)
            except (ClientError, BotoCoreError) as error:
                LOG.warning("CloudWatch Logs %s %s: %d events not sent: %s", group, stream, len(events), error)
                self._known.discard((group, stream))

    def _send(self, group: str, stream: str, events: list[dict]) -> None:
        logs = self.aws.client("logs")
        if (group, stream) not in self._known:
            for create, kwargs in ((logs.create_log_group, {"logGroupName": group}),
                                   (logs.create_log_stream, {"logGroupName": group, "logStreamName": stream})):
                try:
                    create(**kwargs)
                except ClientError as error:
                    if error.response.get("Error", {}).get("Code") != "ResourceAlreadyExistsException":
                        raise
            self._known.add((group, stream))
        batch, size = [], 0
        for event in events:
            event_size = len(event["message"].encode("utf-8")) + 26
            if batch and (len(batch) >= 10000 or size + event_size > 1_000_000):
                logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
                batch, size = [], 0
            batch.append(event)
            size += event_size
        if batch:
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)


class TraceShipper:
    """X-Ray segments, one per invocation (what Lambda with active tracing sends), sent with the logs."""

    def __init__(self, aws: Aws):
        self.aws = aws
        self._lock = threading.Lock()
        self._pending: list[str] = []

    def add(self, function: "FunctionVersion", started: float, ended: float, status: int) -> None:
        document = {
            "name": function.name, "id": os.urandom(8).hex(), "start_time": started, "end_time": ended,
            "trace_id": "1-%08x-%s" % (int(started), os.urandom(12).hex()),
            "origin": "AWS::Lambda::Function", "resource_arn": function.arn,
            "http": {"response": {"status": status}},
        }
        if status >= 500:
            document["fault"] = True
        with self._lock:
            self._pending.append(json.dumps(document))

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        for start in range(0, len(pending), 50):
            try:
                self.aws.client("xray").put_trace_segments(TraceSegmentDocuments=pending[start:start + 50])
            except (ClientError, BotoCoreError) as error:
                LOG.warning("X-Ray: %d segments not sent: %s", len(pending[start:start + 50]), error)


# --------------------------------------------------------------------------- workers


@dataclass
class Outcome:
    kind: str  # ok, error, timeout, crash, init_error
    result: Any = None
    error: dict | None = None
    detail: str = ""


class Worker:
    """One Node.js process: one execution environment of one function version."""

    def __init__(self, function: FunctionVersion, code_dir: Path, node: str, base_env: dict[str, str], logs: LogShipper):
        self.function = function
        self.logs = logs
        self.group = f"/aws/lambda/{function.name}"
        self.stream = f"{datetime.now(timezone.utc):%Y/%m/%d}/[{function.version}]{uuid.uuid4().hex}"
        env = dict(base_env)
        env.update(dict(function.environment))
        env.update({
            "AWS_REGION": function.region,
            "AWS_DEFAULT_REGION": function.region,
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_VERSION": function.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory),
            "AWS_LAMBDA_LOG_GROUP_NAME": self.group,
            "AWS_LAMBDA_LOG_STREAM_NAME": self.stream,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}" if function.runtime else "AWS_Lambda_nodejs",
            "LAMBDA_TASK_ROOT": str(code_dir),
            "_HANDLER": function.handler,
        })
        self.started = time.monotonic()
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv
            [node, str(WORKER_SCRIPT), str(code_dir), function.handler],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=str(code_dir),
        )
        self.messages: queue.Queue = queue.Queue()
        self.ready = False
        self.init_ms: float | None = None
        self.last_used = time.monotonic()
        threading.Thread(target=self._read_stdout, daemon=True, name=f"worker-out-{self.process.pid}").start()
        threading.Thread(target=self._read_stderr, daemon=True, name=f"worker-err-{self.process.pid}").start()
        LOG.info("worker %d started for %s:%s (stream %s)", self.process.pid, function.name, function.version, self.stream)

    @property
    def label(self) -> str:
        return f"{self.function.name}:{self.function.version}"

    def log(self, message: str) -> None:
        """A line of the function's log: CloudWatch Logs and this server's log."""
        self.logs.add(self.group, self.stream, message)
        LOG.info("[%s %d] %s", self.label, self.process.pid, message.replace("\n", "\n    "))

    def _read_stdout(self) -> None:
        for raw in self.process.stdout:
            try:
                self.messages.put(json.loads(raw))
            except ValueError:
                self.log(raw.decode("utf-8", "replace").rstrip("\n"))
        self.messages.put(None)

    def _read_stderr(self) -> None:
        for raw in self.process.stderr:
            self.log(raw.decode("utf-8", "replace").rstrip("\n").replace("\r", "\n"))

    def _exit_detail(self) -> str:
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "Runtime closed its output"
        return f"Runtime exited with error: {'signal ' + str(-code) if code < 0 else 'exit status ' + str(code)}"

    def _wait(self, deadline: float) -> dict | None | str:
        try:
            return self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return "timeout"

    def invoke(self, event: dict, request_id: str, invoked_arn: str) -> Outcome:
        self.last_used = time.monotonic()
        if not self.ready:
            message = self._wait(self.started + INIT_TIMEOUT)
            self.init_ms = (time.monotonic() - self.started) * 1000
            if message == "timeout":
                return Outcome("init_error", detail=f"the init phase did not finish within {INIT_TIMEOUT:.0f}s")
            if message is None:
                return Outcome("crash", detail=self._exit_detail())
            if message.get("type") == "init_error":
                error = message.get("error") or {}
                return Outcome("init_error", error=error, detail=f"{error.get('errorType')}: {error.get('errorMessage')}")
            self.ready = True
        timeout = self.function.timeout
        started = time.monotonic()
        deadline = started + timeout
        self.log(f"START RequestId: {request_id} Version: {self.function.version}")
        context = {
            "awsRequestId": request_id, "functionName": self.function.name, "functionVersion": self.function.version,
            "invokedFunctionArn": invoked_arn, "memoryLimitInMB": self.function.memory,
            "logGroupName": self.group, "logStreamName": self.stream, "deadlineMs": now_ms() + int(timeout * 1000),
        }
        try:
            self.process.stdin.write((json.dumps({"id": request_id, "event": event, "context": context}) + "\n").encode("utf-8"))
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            outcome = Outcome("crash", detail=self._exit_detail())
        else:
            message = self._wait(deadline)
            if message == "timeout":
                outcome = Outcome("timeout", detail=f"Task timed out after {timeout:.2f} seconds")
            elif message is None:
                outcome = Outcome("crash", detail=self._exit_detail())
            elif message.get("ok"):
                outcome = Outcome("ok", result=message.get("result"))
            else:
                error = message.get("error") or {}
                outcome = Outcome("error", error=error, detail=f"{error.get('errorType')}: {error.get('errorMessage')}")
        duration = (time.monotonic() - started) * 1000
        if outcome.kind == "timeout":
            self.log(f"{datetime.now(timezone.utc).isoformat(timespec='milliseconds').replace('+00:00', 'Z')} {request_id} {outcome.detail}")
        elif outcome.kind == "crash":
            self.log(f"RequestId: {request_id} Error: {outcome.detail}\nRuntime.ExitError")
        self.log(f"END RequestId: {request_id}")
        report = (f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\tBilled Duration: {int(duration) + 1} ms\t"
                  f"Memory Size: {self.function.memory} MB\tMax Memory Used: {self._max_memory_mb()} MB")
        if self.init_ms is not None:
            report += f"\tInit Duration: {self.init_ms:.2f} ms"
            self.init_ms = None
        self.log(report)
        self.last_used = time.monotonic()
        return outcome

    def _max_memory_mb(self) -> int:
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
        except (OSError, ValueError, IndexError):
            pass
        return 0

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=3)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            try:
                stream.close()
            except OSError:
                pass
        LOG.info("worker %d of %s stopped", self.process.pid, self.label)


class Pool:
    """The warm workers of one function version; one invocation per worker at a time."""

    def __init__(self, function: FunctionVersion, spawn: Callable[[], Worker], max_workers: int):
        self.function = function
        self.spawn = spawn
        self.max_workers = max_workers
        self.idle: list[Worker] = []
        self.count = 0
        self.closed = False
        self.cond = threading.Condition()

    def acquire(self, timeout: float) -> Worker:
        deadline = time.monotonic() + timeout
        with self.cond:
            while not self.idle and self.count >= self.max_workers:
                if not self.cond.wait(timeout=max(0.0, deadline - time.monotonic())) and time.monotonic() >= deadline:
                    raise GatewayFailure(504, "busy", f"no worker of {self.function.name}:{self.function.version} became free",
                                         {"message": "Endpoint request timed out"})
            if self.idle:
                return self.idle.pop()
            self.count += 1
        try:
            return self.spawn()
        except BaseException:
            with self.cond:
                self.count -= 1
                self.cond.notify()
            raise

    def release(self, worker: Worker, reusable: bool) -> None:
        with self.cond:
            keep = reusable and not self.closed and worker.alive()
            if keep:
                self.idle.append(worker)
            else:
                self.count -= 1
            self.cond.notify()
        if not keep:  # in the background: the answer does not wait for the process to end
            threading.Thread(target=worker.stop, daemon=True).start()

    def close(self) -> None:
        with self.cond:
            self.closed = True
            idle, self.idle = self.idle, []
            self.count -= len(idle)
        for worker in idle:
            worker.stop()

    def reap(self, idle_seconds: float) -> None:
        with self.cond:
            old = [w for w in self.idle if time.monotonic() - w.last_used > idle_seconds or not w.alive()]
            self.idle = [w for w in self.idle if w not in old]
            self.count -= len(old)
        for worker in old:
            worker.stop()

    def describe(self) -> dict:
        with self.cond:
            return {"function": self.function.name, "version": self.function.version,
                    "workers": self.count, "idle": len(self.idle)}


# --------------------------------------------------------------------------- the runtime


def first_values(pairs: list[tuple[str, str]]) -> tuple[dict | None, dict | None]:
    """API Gateway's single-value map (last value wins) and multi-value map, None when empty."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return (single or None), (multi or None)


def media_type_matches(content_type: str, patterns: list[str]) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern == "*/*" or pattern == kind or (pattern.endswith("/*") and kind.startswith(pattern[:-1])):
            return True
    return False


class Runtime:
    def __init__(self, state_dir: Path, api_selector: str | None = None, cache_seconds: float = 2.0,
                 max_workers: int = 4, idle_seconds: float = 900.0):
        self.state_dir = state_dir
        self.api_selector = api_selector
        self.aws = Aws(state_dir)
        self.code = CodeStore(state_dir / "runtime" / "code", self.aws)
        self.routes = TtlCache(cache_seconds)
        self.configs = TtlCache(cache_seconds)
        self.logs = LogShipper(self.aws)
        self.traces = TraceShipper(self.aws)
        self.max_workers = max_workers
        self.idle_seconds = idle_seconds
        self.node = shutil.which("node") or "node"
        self._lock = threading.Lock()
        self.pools: dict[tuple, Pool] = {}
        self.serving: dict[tuple[str, str], tuple] = {}  # (function ARN, qualifier) -> pool key
        self._stopping = threading.Event()

    # ---- background work

    def start_background(self) -> None:
        threading.Thread(target=self._background, daemon=True, name="janitor").start()

    def _background(self) -> None:
        last_reap = time.monotonic()
        while not self._stopping.wait(0.5):
            self.logs.flush()
            self.traces.flush()
            if time.monotonic() - last_reap > 30:
                last_reap = time.monotonic()
                with self._lock:
                    pools = list(self.pools.values())
                for pool in pools:
                    pool.reap(self.idle_seconds)

    def shutdown(self) -> None:
        self._stopping.set()
        with self._lock:
            pools, self.pools = list(self.pools.values()), {}
        for pool in pools:
            pool.close()
        self.logs.flush()
        self.traces.flush()

    # ---- workers

    def base_environment(self) -> dict[str, str]:
        """What every worker gets besides the function's own variables, as in Lambda."""
        settings = self.aws.settings()
        env = {
            "PATH": f"{Path(self.node).parent}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "NODE_PATH": "/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules",
            "AWS_ACCESS_KEY_ID": settings.access_key,
            "AWS_SECRET_ACCESS_KEY": settings.secret_key,
            "HOME": str(self.state_dir / "runtime"),
        }
        return {key: value for key, value in env.items() if value}

    def pool_for(self, function: FunctionVersion, qualifier: str) -> Pool:
        key = function.key
        with self._lock:
            served = (function.arn, qualifier)
            previous = self.serving.get(served)
            self.serving[served] = key
            pool = self.pools.get(key)
            if pool is None:
                pool = self.pools[key] = Pool(function, lambda: self._spawn(function), self.max_workers)
            retired = None
            if previous is not None and previous != key and previous not in self.serving.values():
                retired = self.pools.pop(previous, None)
        if retired is not None:
            LOG.info("%s:%s now serves version %s: stopping the workers of version %s",
                     function.name, qualifier, function.version, retired.function.version)
            retired.close()
        return pool

    def _spawn(self, function: FunctionVersion) -> Worker:
        code_dir = self.code.directory(function)
        return Worker(function, code_dir, self.node, self.base_environment(), self.logs)

    # ---- requests

    def warm_up(self) -> None:
        """Create the clients and make moto load the services used (its first call of a service
        takes seconds), so that the first request does not pay for it."""
        def touch(service: str, call: Callable[[Any], Any]) -> None:
            try:
                call(self.aws.client(service))
            except (ClientError, BotoCoreError) as error:
                LOG.warning("warm-up of %s: %s", service, error)

        for service, call in (("apigateway", lambda c: c.get_rest_apis(limit=1)), ("lambda", lambda c: c.list_functions(MaxItems=1)),
                              ("s3", lambda c: c.list_buckets()), ("logs", lambda c: c.describe_log_groups(limit=1))):
            threading.Thread(target=touch, args=(service, call), daemon=True, name=f"warm-{service}").start()

    def health(self) -> tuple[int, dict]:
        """200 while local AWS answers (any HTTP answer of its endpoint)."""
        settings = self.aws.settings()
        try:
            if settings.endpoint_url:
                try:
                    with urllib.request.urlopen(settings.endpoint_url, timeout=1.5):  # noqa: S310 - loopback
                        pass
                except urllib.error.HTTPError:
                    pass  # an HTTP answer: it is up
            else:
                self.aws.client("apigateway", quick=True).get_rest_apis(limit=1)
        except (ClientError, BotoCoreError, urllib.error.URLError, OSError) as error:
            return 503, {"status": "unavailable", "aws_endpoint_url": settings.endpoint_url, "error": str(error)}
        with self._lock:
            pools = [pool.describe() for pool in self.pools.values()]
        return 200, {"status": "ok", "aws_endpoint_url": settings.endpoint_url, "pools": pools}

    def build_event(self, target: Target, method: str, query: str, headers: list[tuple[str, str]], body: bytes,
                    client_ip: str, host: str, request_id: str, account: str) -> dict:
        header_map, multi_headers = first_values(headers)
        query_map, multi_query = first_values(urllib.parse.parse_qsl(query, keep_blank_values=True))
        content_type = next((value for name, value in headers if name.lower() == "content-type"), "")
        binary = media_type_matches(content_type, target.api.binary_media_types) if content_type else False
        text = None
        if body and not binary:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
        is_base64 = bool(body) and text is None
        now = datetime.now(timezone.utc)
        user_agent = (header_map or {}).get("User-Agent") or next((v for n, v in headers if n.lower() == "user-agent"), None)
        return {
            "resource": target.resource.path,
            "path": target.path,
            "httpMethod": method,
            "headers": header_map,
            "multiValueHeaders": multi_headers,
            "queryStringParameters": query_map,
            "multiValueQueryStringParameters": multi_query,
            "pathParameters": target.path_parameters or None,
            "stageVariables": target.api.stages.get(target.stage) or None,
            "requestContext": {
                "resourceId": target.resource.id,
                "resourcePath": target.resource.path,
                "httpMethod": method,
                "extendedRequestId": uuid.uuid4().hex[:16],
                "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "path": target.stage_path,
                "accountId": account,
                "protocol": "HTTP/1.1",
                "stage": target.stage,
                "domainPrefix": host.split(".")[0].split(":")[0] if host else "",
                "requestTimeEpoch": int(now.timestamp() * 1000),
                "requestId": request_id,
                "identity": {
                    "cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None, "caller": None,
                    "sourceIp": client_ip, "principalOrgId": None, "accessKey": None,
                    "cognitoAuthenticationType": None, "cognitoAuthenticationProvider": None, "userArn": None,
                    "userAgent": user_agent, "user": None,
                },
                "domainName": host,
                "apiId": target.api.id,
            },
            "body": text if text is not None else (base64.b64encode(body).decode("ascii") if body else None),
            "isBase64Encoded": is_base64,
        }

    def handle(self, method: str, raw_path: str, query: str, headers: list[tuple[str, str]], body: bytes,
               client_ip: str) -> tuple[int, list[tuple[str, str]], bytes, str]:
        """(status, headers, body, what answered) for one request."""
        request_id = str(uuid.uuid4())
        host = next((value for name, value in headers if name.lower() == "host"), "")
        gateway_headers = [("x-amzn-RequestId", request_id), ("x-amz-apigw-id", base64.b32encode(os.urandom(10)).decode()[:16])]
        try:
            routes = self.routes.get("routes", lambda: load_routes(self.aws))
            target = select_target(routes, host, method, raw_path, self.api_selector)
            integration = target.method.get("methodIntegration") or {}
            if integration.get("type") != "AWS_PROXY":
                raise GatewayFailure(500, "unsupported-integration",
                                     f"{target.resource.path} {method}: integration {integration.get('type')!r} is not run locally")
            uri = STAGE_VARIABLE.sub(lambda m: (target.api.stages.get(target.stage) or {}).get(m.group(1), ""), integration.get("uri", ""))
            matched = INTEGRATION_URI.match(uri)
            if not matched:
                raise GatewayFailure(500, "bad-integration", f"not a Lambda integration URI: {uri}")
            function, qualifier = resolve_function(self.aws, self.configs, matched.group("function"))
            event = self.build_event(target, method, query, headers, body, client_ip, host, request_id, function.account)
            answered = f"{target.api.id} {target.resource.path} -> {function.name}:{qualifier}={function.version}"
            status, out_headers, out_body = self.invoke(function, qualifier, event, matched.group("function"))
            return status, gateway_headers + out_headers, out_body, answered
        except GatewayFailure as failure:
            LOG.warning("%s %s: %s (%s)", method, raw_path, failure.detail, failure.kind)
            return (failure.status, gateway_headers + [("Content-Type", "application/json"), ("x-acinaces-runtime-error", failure.kind),
                                                       ("x-amzn-ErrorType", "NotFoundException" if failure.status == 404 else "InternalServerErrorException")],
                    json.dumps(failure.body).encode("utf-8"), failure.kind)
        except (ClientError, BotoCoreError) as error:
            LOG.warning("%s %s: local AWS failed: %s", method, raw_path, error)
            return (500, gateway_headers + [("Content-Type", "application/json"), ("x-acinaces-runtime-error", "aws")],
                    json.dumps(GATEWAY_ERROR).encode("utf-8"), "aws-error")

    def invoke(self, function: FunctionVersion, qualifier: str, event: dict, invoked_arn: str) -> tuple[int, list, bytes]:
        pool = self.pool_for(function, qualifier)
        worker = pool.acquire(INTEGRATION_TIMEOUT)
        outcome = Outcome("crash")
        started = time.time()
        try:
            outcome = worker.invoke(event, str(uuid.uuid4()), invoked_arn)
        finally:
            pool.release(worker, reusable=outcome.kind in ("ok", "error"))
            self.traces.add(function, started, time.time(), self.traced_status(outcome))
        if outcome.kind != "ok":
            raise GatewayFailure(502, outcome.kind, f"{function.name}:{function.version}: {outcome.detail}")
        return self.proxy_response(function, outcome.result)

    @staticmethod
    def traced_status(outcome: Outcome) -> int:
        """The status an invocation's trace segment records (502 when the function failed)."""
        if outcome.kind == "ok" and isinstance(outcome.result, dict):
            try:
                return int(outcome.result.get("statusCode"))
            except (TypeError, ValueError):
                pass
        return 502

    @staticmethod
    def proxy_response(function: FunctionVersion, result: Any) -> tuple[int, list, bytes]:
        def malformed(why: str) -> GatewayFailure:
            return GatewayFailure(502, "malformed-response", f"{function.name}:{function.version}: malformed Lambda proxy response: {why}")

        if not isinstance(result, dict):
            raise malformed(f"not an object but {type(result).__name__}")
        try:
            status = int(result.get("statusCode"))
        except (TypeError, ValueError) as error:
            raise malformed("statusCode missing or not a number") from error
        headers: list[tuple[str, str]] = []
        multi = result.get("multiValueHeaders") or {}
        single = result.get("headers") or {}
        if not isinstance(multi, dict) or not isinstance(single, dict):
            raise malformed("headers are not objects")
        for name, values in multi.items():
            for value in values if isinstance(values, list) else [values]:
                headers.append((str(name), str(value)))
        named = {header[0].lower() for header in headers}
        headers += [(str(name), str(value)) for name, value in single.items() if str(name).lower() not in named]
        body = result.get("body")
        if body is not None and not isinstance(body, str):
            raise malformed("body is not a string")
        data = (body or "").encode("utf-8")
        if result.get("isBase64Encoded") and body:
            try:
                data = base64.b64decode(body, validate=False)
            except (binascii.Error, ValueError) as error:
                raise malformed("body is not base64") from error
        headers = [(name, value) for name, value in headers if name.lower() not in HOP_BY_HOP]
        if not any(header[0].lower() == "content-type" for header in headers):
            headers.append(("Content-Type", "application/json"))
        return status, headers, data


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "acinaces-local-runtime"
    runtime: Runtime  # set on the subclass the server uses

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _handle(self) -> None:
        started = time.monotonic()
        body = self._body()
        split = urllib.parse.urlsplit(self.path)
        if split.path.startswith(INTERNAL_PREFIX):
            if split.path == INTERNAL_PREFIX + "health":
                status, info = self.runtime.health()
            else:
                status, info = 404, {"message": "Not Found"}
            self._reply(status, [("Content-Type", "application/json")], json.dumps(info).encode("utf-8"))
            return
        try:
            status, headers, data, answered = self.runtime.handle(
                self.command, split.path or "/", split.query, list(self.headers.items()), body, self.client_address[0])
        # A fault of this server: answer, log, go on.
        except Exception:  # pylint: disable=broad-except
            LOG.exception("%s %s failed in the runtime", self.command, self.path)
            status, answered, data = 500, "runtime-fault", json.dumps(GATEWAY_ERROR).encode("utf-8")
            headers = [("Content-Type", "application/json"), ("x-acinaces-runtime-error", "runtime-fault")]
        self._reply(status, headers, data)
        LOG.info("%s %s -> %d (%s) %.0f ms", self.command, self.path, status, answered, (time.monotonic() - started) * 1000)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        LOG.debug("%s " + format, self.client_address[0], *args)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (BrokenPipeError, ConnectionResetError)):
            LOG.info("client %s went away: %s", client_address[0], error)
            return
        LOG.exception("request from %s failed", client_address[0])


def serve(runtime: Runtime, host: str, port: int) -> None:
    handler = type("BoundRequestHandler", (RequestHandler,), {"runtime": runtime})
    server = Server((host, port), handler)

    def stop(signum, frame):  # pylint: disable=unused-argument
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    runtime.start_background()
    runtime.warm_up()
    LOG.info("local API runtime on http://%s:%d (local AWS %s)", host, port, runtime.aws.settings().endpoint_url or "AWS")
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        runtime.shutdown()
        LOG.info("stopped")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, required=True, help="the local stack's state directory (stack.json)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api", default=os.environ.get("ACINACES_RUNTIME_API") or None,
                        help="name or id of the REST API to serve when the Host header does not choose one (default: the first)")
    parser.add_argument("--cache-seconds", type=float, default=float(os.environ.get("ACINACES_RUNTIME_CACHE_SECONDS") or 2.0))
    parser.add_argument("--max-workers", type=int, default=int(os.environ.get("ACINACES_RUNTIME_MAX_WORKERS") or 4),
                        help="concurrent workers per function version")
    parser.add_argument("--idle-seconds", type=float, default=900.0, help="stop a worker idle this long")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(levelname)s %(message)s")
    runtime = Runtime(args.state_dir.resolve(), args.api, args.cache_seconds, args.max_workers, args.idle_seconds)
    serve(runtime, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
