"""Shared by the benchmarks: a local stack of their own, its request log, timed playbook runs.

Benchmarks print figures (wall time, AWS API calls by operation, ratios measured in one run);
they never assert on time.
"""

from __future__ import annotations

import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "tools"))

from local_stack import LocalStack  # noqa: E402  pylint: disable=wrong-import-position

VENV_BIN = REPO_ROOT / ".venv" / "bin"
REQUEST = re.compile(r'"([A-Z]+) (\S+) HTTP/1\.1')
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# (method, path pattern) -> operation, for the services the benchmarks use.
LAMBDA_ROUTES = [
    ("GET", r"^/2015-03-31/functions/[^/]+/configuration", "lambda:GetFunctionConfiguration"),
    ("PUT", r"^/2015-03-31/functions/[^/]+/configuration", "lambda:UpdateFunctionConfiguration"),
    ("PUT", r"^/2015-03-31/functions/[^/]+/code", "lambda:UpdateFunctionCode"),
    ("POST", r"^/2015-03-31/functions/[^/]+/versions", "lambda:PublishVersion"),
    ("GET", r"^/2015-03-31/functions/[^/]+/versions", "lambda:ListVersionsByFunction"),
    ("PUT", r"^/2015-03-31/functions/[^/]+/aliases/[^/?]+", "lambda:UpdateAlias"),
    ("GET", r"^/2015-03-31/functions/[^/]+/aliases/[^/?]+", "lambda:GetAlias"),
    ("POST", r"^/2015-03-31/functions/[^/]+/aliases", "lambda:CreateAlias"),
    ("GET", r"^/2015-03-31/functions/[^/]+/aliases", "lambda:ListAliases"),
    ("GET", r"^/2015-03-31/functions/[^/?]+", "lambda:GetFunction"),
    ("POST", r"^/2015-03-31/functions", "lambda:CreateFunction"),
    ("GET", r"^/2017-03-31/tags/", "lambda:ListTags"),
    ("GET", r"^/20\d\d-\d\d-\d\d/", "lambda:other-read"),
    ("POST", r"^/20\d\d-\d\d-\d\d/", "lambda:other-write"),
    ("PUT", r"^/20\d\d-\d\d-\d\d/", "lambda:other-write"),
]
WRITES = ("Update", "Publish", "Create", "Delete", "Put", "Tag", "other-write")


def operation(method: str, path: str) -> str:
    for route_method, pattern, name in LAMBDA_ROUTES:
        if method == route_method and re.match(pattern, path):
            return name
    if path.startswith("/moto-api"):
        return "moto-api"
    return "s3-or-other:%s" % method


def is_write(name: str) -> bool:
    return any(marker in name.split(":", 1)[-1] for marker in WRITES)


class Bench:
    """A local stack for one benchmark, with request counting from its log."""

    def __init__(self):
        self.state_dir = Path(tempfile.mkdtemp(prefix="acinaces-bench-"))
        self.stack = LocalStack(self.state_dir)

    def __enter__(self):
        self.stack.start(timeout=90)
        self.info = self.stack.describe()
        return self

    def __exit__(self, *exc):
        self.stack.stop()
        shutil.rmtree(self.state_dir, ignore_errors=True)

    def client(self, service):
        return boto3.client(
            service, endpoint_url=self.info["aws_endpoint_url"], region_name=self.info["aws_region"],
            aws_access_key_id=self.info["aws_access_key_id"], aws_secret_access_key=self.info["aws_secret_access_key"],
        )

    @property
    def log(self) -> Path:
        return self.state_dir / "moto.log"

    def mark(self) -> int:
        return self.log.stat().st_size

    def calls_since(self, offset: int) -> collections.Counter:
        with self.log.open("rb") as stream:
            stream.seek(offset)
            text = ANSI.sub("", stream.read().decode("utf-8", "replace"))
        return collections.Counter(operation(method, path) for method, path in REQUEST.findall(text))

    def playbook(self, playbook: Path, extra_vars: dict):
        """Run a playbook; returns (seconds, calls by operation)."""
        vars_file = self.state_dir / ("vars-%d.json" % time.monotonic_ns())
        vars_file.write_text(json.dumps(extra_vars))
        env = dict(os.environ, **self.stack.environment())
        env.update(PATH="%s:%s" % (VENV_BIN, env["PATH"]), ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"))
        offset = self.mark()
        started = time.monotonic()
        process = subprocess.run(
            [str(VENV_BIN / "ansible-playbook"), str(playbook), "-i", "localhost,", "-c", "local",
             "-e", "@%s" % vars_file, "-e", "ansible_python_interpreter=%s" % (VENV_BIN / "python")],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False,
        )
        seconds = time.monotonic() - started
        if process.returncode != 0:
            raise RuntimeError("%s failed:\n%s" % (playbook.name, process.stdout[-4000:]))
        time.sleep(0.2)  # let the server flush its log
        return seconds, self.calls_since(offset)


def calls_table(title: str, calls: collections.Counter) -> str:
    lines = ["  %s: %d calls, %d writes" % (title, sum(calls.values()), sum(n for k, n in calls.items() if is_write(k)))]
    lines += ["    %-40s %5d" % (name, count) for name, count in sorted(calls.items())]
    return "\n".join(lines)


def target(label: str, met: bool, figure: str) -> str:
    return "  [%s] %s (%s)" % ("met" if met else "NOT MET", label, figure)


# S3, path-style (the local endpoint is an IP address, so botocore and the AWS CLI put the bucket
# in the path): operation names for the S3 benchmarks.
S3_BUCKET_QUERIES = [
    ("GET", "list-type=2", "ListObjectsV2"), ("GET", "versions", "ListObjectVersions"),
    ("GET", "versioning", "GetBucketVersioning"), ("PUT", "versioning", "PutBucketVersioning"),
    ("GET", "location", "GetBucketLocation"), ("POST", "delete", "DeleteObjects"),
]
S3_OBJECT_QUERIES = [
    ("PUT", "partNumber", "UploadPart"), ("POST", "uploads", "CreateMultipartUpload"),
    ("POST", "uploadId", "CompleteMultipartUpload"), ("DELETE", "uploadId", "AbortMultipartUpload"),
    ("GET", "tagging", "GetObjectTagging"), ("PUT", "tagging", "PutObjectTagging"),
]
S3_OBJECT_METHODS = {"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject", "DELETE": "DeleteObject"}
S3_BUCKET_METHODS = {"GET": "ListObjects", "HEAD": "HeadBucket", "PUT": "CreateBucket", "DELETE": "DeleteBucket"}


def s3_operation(method: str, path: str) -> str:
    """`s3:<Operation>` of a path-style S3 request line (a CopyObject is counted as PutObject: the
    log has no headers); `s3:other:<METHOD>` for what is not mapped."""
    if path.startswith("/moto-api"):
        return "moto-api"
    resource, _sep, query = path.partition("?")
    items = [item for item in query.split("&") if item]
    params = set(items) | {item.split("=", 1)[0] for item in items}  # "list-type=2" and "uploadId"
    parts = resource.lstrip("/").split("/", 1)
    if not parts[0]:
        return "s3:ListBuckets" if method == "GET" else "s3:other:%s" % method
    on_object = len(parts) == 2 and parts[1] != ""
    for route_method, param, name in S3_OBJECT_QUERIES if on_object else S3_BUCKET_QUERIES:
        if method == route_method and param in params:
            return "s3:" + name
    name = (S3_OBJECT_METHODS if on_object else S3_BUCKET_METHODS).get(method)
    return "s3:" + name if name else "s3:other:%s" % method


def s3_bucket(path: str) -> str:
    """The bucket of a path-style S3 request ('' for the service or moto's own API)."""
    if path.startswith("/moto-api"):
        return ""
    return path.partition("?")[0].lstrip("/").split("/", 1)[0]


def s3_calls_since(bench: Bench, offset: int, bucket: str = None) -> collections.Counter:
    """S3 calls by operation in the request log after `offset` (a `bench.mark()`), all buckets or one."""
    with bench.log.open("rb") as stream:
        stream.seek(offset)
        text = ANSI.sub("", stream.read().decode("utf-8", "replace"))
    return collections.Counter(
        s3_operation(method, path) for method, path in REQUEST.findall(text) if bucket is None or s3_bucket(path) == bucket
    )
