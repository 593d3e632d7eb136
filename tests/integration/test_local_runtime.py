"""The local API runtime (tools/local_runtime.py) against a local stack of its own.

An API Gateway REST API with two routes (each with a `{proxy+}` child), integrated with the
`live` aliases of two functions whose code the tests build: `rt-echo` answers with the event
and its environment, `rt-fail` throws, sleeps past its timeout, crashes or answers malformed.
The code is uploaded to S3 and the functions created from there, as the backend deploy does
(under its content-addressed key): moto keeps no retrievable copy of code given as ZipFile.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
import json
import os
import shutil
import subprocess
import time
import urllib.parse
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import REPO_ROOT, VENV_BIN

REGION = "us-east-1"
CODE_BUCKET = "rt-deployment"
ECHO_JS = """
const picked = ['GREETING', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_ACCESS_KEY_ID', 'AWS_LAMBDA_LOG_GROUP_NAME', 'ACINACES_STACK_DIR'];
exports.handler = async (event, context) => {
  console.log('echo %s %s', event.httpMethod, event.path);
  const query = event.queryStringParameters || {};
  if (query.binary) {
    return { statusCode: 200, headers: { 'Content-Type': 'application/octet-stream' },
             body: Buffer.from([0, 1, 2, 255]).toString('base64'), isBase64Encoded: true };
  }
  const env = {};
  for (const name of picked) env[name] = process.env[name] === undefined ? null : process.env[name];
  return {
    statusCode: Number(query.status || 200),
    headers: { 'Content-Type': 'application/json', 'X-Echo': 'yes' },
    multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
    body: JSON.stringify({ code: '__CODE__', event, env, pid: process.pid, requestId: context.awsRequestId,
                           functionVersion: context.functionVersion, remainingMs: context.getRemainingTimeInMillis() }),
  };
};
"""
FAIL_JS = """
exports.handler = function (event, context, callback) {
  const what = (event.pathParameters || {}).proxy || 'ok';
  console.log('fail handler: ' + what);
  if (what === 'throw') throw new Error('boom');
  if (what === 'reject') return Promise.reject(new TypeError('rejected'));
  if (what === 'sleep') { setTimeout(() => callback(null, { statusCode: 200, body: 'late' }), 5000); return; }
  if (what === 'crash') { setTimeout(() => process.exit(3), 10); return; }
  if (what === 'malformed') { callback(null, 'not a proxy response'); return; }
  callback(null, { statusCode: 200, body: JSON.stringify({ ok: true, pid: process.pid }) });
};
"""


def build_zip(files: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


def upload(s3, function: str, data: bytes) -> str:
    """The package under the key the backend deploy uses: lambda-packages/<function>/<sha256>.zip."""
    key = "lambda-packages/%s/%s.zip" % (function, hashlib.sha256(data).hexdigest())
    s3.put_object(Bucket=CODE_BUCKET, Key=key, Body=data)
    return key


class Api:
    """The runtime's URL and an HTTP client for it."""

    def __init__(self, url: str):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port

    def call(self, method, path, body=None, headers=None, timeout=30):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def json(self, method, path, **kwargs):
        status, headers, body = self.call(method, path, **kwargs)
        return status, headers, json.loads(body) if body else None


@pytest.fixture(scope="module")
def app(own_stack):
    """The API, the functions (version 1, alias live) and a client of the runtime."""
    info = own_stack.stack.describe()
    iam, lam, s3, apigw = (own_stack.client(name) for name in ("iam", "lambda", "s3", "apigateway"))
    role = iam.create_role(RoleName="rt-lambda", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }))["Role"]["Arn"]
    s3.create_bucket(Bucket=CODE_BUCKET)
    functions = {}
    for name, handler, files, timeout, env in (
        ("rt-echo", "echo.handler", {"echo.js": ECHO_JS.replace("__CODE__", "v1")}, 3, {"GREETING": "hello from 1"}),
        ("rt-fail", "fail.handler", {"fail.js": FAIL_JS}, 1, {}),
    ):
        key = upload(s3, name, build_zip(files))
        created = lam.create_function(
            FunctionName=name, Runtime="nodejs20.x", Role=role, Handler=handler, Timeout=timeout, MemorySize=256,
            Code={"S3Bucket": CODE_BUCKET, "S3Key": key}, Environment={"Variables": env}, Publish=True,
        )
        lam.create_alias(FunctionName=name, Name="live", FunctionVersion=created["Version"])
        functions[name] = created["FunctionArn"].split(":live")[0]

    def create_api(name, routes):
        api_id = apigw.create_rest_api(name=name, endpointConfiguration={"types": ["REGIONAL"]})["id"]
        root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
        for part, function in routes.items():
            route = apigw.create_resource(restApiId=api_id, parentId=root, pathPart=part)
            proxy = apigw.create_resource(restApiId=api_id, parentId=route["id"], pathPart="{proxy+}")
            uri = "arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s:live/invocations" % (REGION, functions[function])
            for resource in (route, proxy):
                apigw.put_method(restApiId=api_id, resourceId=resource["id"], httpMethod="ANY", authorizationType="NONE")
                apigw.put_integration(restApiId=api_id, resourceId=resource["id"], httpMethod="ANY", type="AWS_PROXY",
                                      integrationHttpMethod="POST", uri=uri)
        apigw.create_deployment(restApiId=api_id, stageName="live")
        return api_id

    api_id = create_api("rt-api", {"echo": "rt-echo", "fail": "rt-fail"})
    return {
        "stack": own_stack, "info": info, "api": Api(info["api_runtime_url"]), "api_id": api_id,
        "create_api": create_api, "functions": functions,
        "lambda": lam, "s3": s3, "apigw": apigw, "logs": own_stack.client("logs"), "role": role,
    }


def call_until_routed(api, method, path, headers=None, timeout=10.0):
    """The answer once the runtime has read the routes just created (it caches them ~2 s)."""
    deadline = time.monotonic() + timeout
    while True:
        status, answer_headers, body = api.json(method, path, headers=headers)
        if status != 404 or time.monotonic() > deadline:
            return status, answer_headers, body
        time.sleep(0.3)


def test_routes_with_and_without_the_stage(app):
    api = app["api"]
    for path in ("/echo/a/b?x=1", "/live/echo/a/b?x=1"):
        status, headers, body = api.json("GET", path)
        assert status == 200, body
        event = body["event"]
        assert (event["path"], event["resource"], event["pathParameters"]) == ("/echo/a/b", "/echo/{proxy+}", {"proxy": "a/b"})
        assert event["requestContext"]["stage"] == "live"
        assert event["requestContext"]["path"] == "/live/echo/a/b"
        assert event["requestContext"]["apiId"] == app["api_id"]
    status, dummy, body = api.json("GET", "/echo")
    assert status == 200 and body["event"]["resource"] == "/echo" and body["event"]["pathParameters"] is None
    status, dummy, body = api.json("GET", "/fail")
    assert status == 200 and body["ok"] is True


@pytest.mark.parametrize("path", ["/nope", "/live/nope", "/", "/echoes/x"])
def test_an_unknown_path_is_404(app, path):
    status, headers, body = app["api"].json("GET", path)
    assert status == 404, body
    assert body == {"message": "Not Found"}


def test_the_event_and_the_answer(app):
    payload = json.dumps({"name": "x", "runId": "r-1"})
    status, headers, body = app["api"].json(
        "POST", "/live/echo/items?limit=5&tag=a&tag=b&empty=",
        body=payload, headers={"Content-Type": "application/json", "X-Run-Id": "r-1", "User-Agent": "rt-test"},
    )
    assert status == 200
    event = body["event"]
    assert event["httpMethod"] == "POST"
    assert event["body"] == payload and event["isBase64Encoded"] is False
    assert event["queryStringParameters"] == {"limit": "5", "tag": "b", "empty": ""}
    assert event["multiValueQueryStringParameters"] == {"limit": ["5"], "tag": ["a", "b"], "empty": [""]}
    assert event["headers"]["X-Run-Id"] == "r-1" and event["multiValueHeaders"]["X-Run-Id"] == ["r-1"]
    assert event["headers"]["Content-Type"] == "application/json"
    assert event["stageVariables"] is None
    context = event["requestContext"]
    assert context["httpMethod"] == "POST" and context["resourcePath"] == "/echo/{proxy+}"
    assert context["identity"]["sourceIp"] == "127.0.0.1" and context["identity"]["userAgent"] == "rt-test"
    assert context["requestId"] == headers["x-amzn-RequestId"]
    assert body["requestId"] != context["requestId"]  # Lambda's request id is its own
    assert 0 < body["remainingMs"] <= 3000
    # The answer: status, headers and multi-value headers of the proxy result.
    assert headers["X-Echo"] == "yes" and headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    status, dummy, body = app["api"].json("GET", "/echo/x?status=418")
    assert status == 418


def test_binary_bodies(app):
    status, dummy, body = app["api"].json("PUT", "/echo/blob", body=b"\xff\x00\xfe",
                                          headers={"Content-Type": "application/octet-stream"})
    assert status == 200
    assert body["event"]["isBase64Encoded"] is True
    assert base64.b64decode(body["event"]["body"]) == b"\xff\x00\xfe"
    status, headers, raw = app["api"].call("GET", "/echo/blob?binary=1")
    assert status == 200 and raw == bytes([0, 1, 2, 255])
    assert headers["Content-Type"] == "application/octet-stream"


def test_the_environment_is_the_versions(app):
    status, dummy, body = app["api"].json("GET", "/echo/env")
    assert status == 200
    assert body["env"] == {
        "GREETING": "hello from 1",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_LAMBDA_FUNCTION_NAME": "rt-echo",
        "AWS_LAMBDA_FUNCTION_VERSION": "1",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_ACCESS_KEY_ID": app["info"]["aws_access_key_id"],
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/rt-echo",
        "ACINACES_STACK_DIR": None,  # nothing of the runtime's own environment leaks in
    }


def test_concurrent_requests(app):
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda i: app["api"].json("GET", "/echo/c%d" % i), range(12)))
    assert [answer[0] for answer in answers] == [200] * 12
    assert sorted(answer[2]["event"]["path"] for answer in answers) == sorted("/echo/c%d" % i for i in range(12))


def wait_for_code(api, code, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        status, dummy, body = api.json("GET", "/echo/which")
        if status == 200 and body["code"] == code:
            return body
        assert time.monotonic() < deadline, "still %s %s" % (status, body)
        time.sleep(0.2)


def runtime_pools(api):
    status, dummy, body = api.json("GET", "/__runtime/health")
    assert status == 200
    return [(pool["function"], pool["version"]) for pool in body["pools"] if pool["function"] == "rt-echo"]


def test_a_release_and_a_rollback_change_what_answers(app):
    api, lam, s3 = app["api"], app["lambda"], app["s3"]
    runtime_pid = app["info"]["services"]["runtime"]["pid"]
    before = wait_for_code(api, "v1")
    # Release: new code and configuration, version 2, the alias moved (as lambda_release does).
    key = upload(s3, "rt-echo", build_zip({"echo.js": ECHO_JS.replace("__CODE__", "v2")}))
    lam.update_function_configuration(FunctionName="rt-echo", Environment={"Variables": {"GREETING": "hello from 2"}})
    version = lam.update_function_code(FunctionName="rt-echo", S3Bucket=CODE_BUCKET, S3Key=key, Publish=True)["Version"]
    assert version == "2"
    lam.update_alias(FunctionName="rt-echo", Name="live", FunctionVersion="2")
    after = wait_for_code(api, "v2")
    assert after["env"]["GREETING"] == "hello from 2" and after["functionVersion"] == "2"
    assert after["pid"] != before["pid"]
    assert runtime_pools(api) == [("rt-echo", "2")]  # version 1's worker was stopped
    # Rollback: the alias back to version 1. Its code is fetched afresh (the runtime's copy is
    # removed): moto's Code.Location of version 1 now names version 2's key (it shares the code
    # record between versions), so version 1 comes from its deployment package.
    v1_sha = lam.get_function_configuration(FunctionName="rt-echo", Qualifier="1")["CodeSha256"]
    cached = app["stack"].stack.state_dir / "runtime" / "code" / base64.b64decode(v1_sha).hex()
    assert json.loads((cached / ".acinaces-code.json").read_text())["CodeSha256"] == v1_sha
    shutil.rmtree(cached)
    lam.update_alias(FunctionName="rt-echo", Name="live", FunctionVersion="1")
    again = wait_for_code(api, "v1")
    assert again["env"]["GREETING"] == "hello from 1" and again["functionVersion"] == "1"
    assert runtime_pools(api) == [("rt-echo", "1")]
    assert "deployment package" in json.loads((cached / ".acinaces-code.json").read_text())["source"]
    # The same runtime process all along.
    assert json.loads((app["stack"].stack.state_file).read_text())["services"]["runtime"]["pid"] == runtime_pid
    os.kill(runtime_pid, 0)


@pytest.mark.parametrize("what, kind", [("throw", "error"), ("reject", "error"), ("crash", "crash"), ("malformed", "malformed-response")])
def test_failures_are_502(app, what, kind):
    status, headers, body = app["api"].json("GET", "/fail/" + what)
    assert status == 502
    assert body == {"message": "Internal server error"}
    assert headers["x-acinaces-runtime-error"] == kind
    status, dummy, body = app["api"].json("GET", "/fail/ok")  # the function still answers
    assert status == 200 and body["ok"] is True


def test_a_timeout_is_502_within_the_functions_timeout(app):
    started = time.monotonic()
    status, headers, body = app["api"].json("GET", "/live/fail/sleep")
    elapsed = time.monotonic() - started
    assert status == 502 and body == {"message": "Internal server error"}
    assert headers["x-acinaces-runtime-error"] == "timeout"
    assert elapsed < 1 + 1, elapsed  # timeout 1 s
    status, dummy, body = app["api"].json("GET", "/fail/ok")
    assert status == 200


def log_messages(logs, group):
    messages = []
    for stream in logs.describe_log_streams(logGroupName=group)["logStreams"]:
        events = logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True)["events"]
        messages += [event["message"] for event in events]
    return messages


def wait_for_log(logs, group, fragment, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            messages = log_messages(logs, group)
        except logs.exceptions.ResourceNotFoundException:
            messages = []
        if any(fragment in message for message in messages):
            return messages
        assert time.monotonic() < deadline, "%r not in the log of %s: %s" % (fragment, group, messages[-20:])
        time.sleep(0.3)


def test_the_workers_logs_reach_cloudwatch(app):
    api, logs = app["api"], app["logs"]
    assert api.json("GET", "/echo/logged-path")[0] == 200
    messages = wait_for_log(logs, "/aws/lambda/rt-echo", "echo GET /echo/logged-path")
    assert any(message.startswith("START RequestId: ") for message in messages)
    assert any(message.startswith("REPORT RequestId: ") and "Duration: " in message for message in messages)
    line = next(message for message in messages if "echo GET /echo/logged-path" in message)
    assert line.split("\t")[2] == "INFO"
    api.json("GET", "/fail/throw")
    api.json("GET", "/fail/sleep")
    messages = wait_for_log(logs, "/aws/lambda/rt-fail", "Task timed out after 1.00 seconds")
    assert any("Invoke Error" in message and "boom" in message for message in messages)
    streams = logs.describe_log_streams(logGroupName="/aws/lambda/rt-fail")["logStreams"]
    assert len(streams) >= 2  # one per worker: the timed-out worker was replaced


def test_the_host_header_chooses_the_api(app):
    apigw = app["apigw"]
    other = app["create_api"]("rt-other", {"other": "rt-echo"})
    apigw.create_domain_name(domainName="api.rt.test", regionalCertificateArn="arn:aws:acm:%s:123456789012:certificate/rt" % REGION,
                             endpointConfiguration={"types": ["REGIONAL"]})
    apigw.create_base_path_mapping(domainName="api.rt.test", restApiId=other, stage="live")
    status, dummy, body = call_until_routed(app["api"], "GET", "/other/x", headers={"Host": "api.rt.test"})
    assert status == 200 and body["event"]["requestContext"]["apiId"] == other
    assert body["event"]["requestContext"]["domainName"] == "api.rt.test"
    assert app["api"].json("GET", "/echo/x", headers={"Host": "api.rt.test"})[0] == 404  # not a route of the API behind that domain
    status, dummy, body = app["api"].json("GET", "/echo/x")  # without it: the first API
    assert status == 200 and body["event"]["requestContext"]["apiId"] == app["api_id"]
    status, dummy, body = app["api"].json("GET", "/other/x", headers={"Host": "%s.execute-api.%s.amazonaws.com" % (other, REGION)})
    assert status == 200 and body["event"]["requestContext"]["apiId"] == other


def test_code_moto_cannot_give_back_is_a_clear_500(app):
    """A function created from a ZipFile: moto's Code.Location names a bucket that does not
    exist and keeps the ZIP nowhere else, so the runtime cannot run it and says so."""
    lam = app["lambda"]
    created = lam.create_function(FunctionName="rt-zip", Runtime="nodejs20.x", Role=app["role"], Handler="echo.handler",
                                  Code={"ZipFile": build_zip({"echo.js": ECHO_JS})}, Publish=True)
    lam.create_alias(FunctionName="rt-zip", Name="live", FunctionVersion=created["Version"])
    app["functions"]["rt-zip"] = created["FunctionArn"].split(":live")[0]
    api_id = app["create_api"]("rt-zip-api", {"zip": "rt-zip"})
    status, headers, body = call_until_routed(app["api"], "GET", "/zip", headers={"Host": "%s.execute-api.%s.amazonaws.com" % (api_id, REGION)})
    assert status == 500 and body == {"message": "Internal server error"}
    assert headers["x-acinaces-runtime-error"] == "code-unavailable"
    log = (app["stack"].stack.state_dir / "runtime.log").read_text()
    assert "the code of rt-zip:1" in log and "awslambda-us-east-1-tasks" in log


STACK = [str(VENV_BIN / "python"), str(REPO_ROOT / "tools" / "local_stack.py")]
SERVICES = ["moto", "redis", "runtime", "edge", "dns"]  # in start order


def stack_cli(state_dir, *args):
    return subprocess.run(STACK + ["--state-dir", str(state_dir)] + list(args),
                          capture_output=True, text=True, timeout=180, check=False)


def test_the_stack_starts_and_stops_the_runtime(tmp_path):
    started = stack_cli(tmp_path, "start")
    assert started.returncode == 0, started.stderr
    try:
        states = dict(line.split(" ", 2)[:2] for line in started.stdout.splitlines()[:len(SERVICES)])
        assert states == {name + ":": "started" for name in SERVICES}
        info = json.loads((tmp_path / "stack.json").read_text())
        runtime = info["services"]["runtime"]
        assert info["api_runtime_url"] == runtime["url"] == "http://127.0.0.1:%d" % runtime["port"]
        assert (tmp_path / "runtime.pid").read_text().strip() == str(runtime["pid"])
        assert "local API: %s" % info["api_runtime_url"] in started.stdout
        status, dummy, body = Api(info["api_runtime_url"]).json("GET", "/__runtime/health")
        assert status == 200 and body["aws_endpoint_url"] == info["aws_endpoint_url"]
        status = stack_cli(tmp_path, "status")
        assert status.returncode == 0 and status.stdout.splitlines() == ["%s: running" % name for name in SERVICES]
    finally:
        stopped = stack_cli(tmp_path, "stop")
    assert stopped.returncode == 0 and stopped.stdout.splitlines() == ["%s: stopped" % name for name in reversed(SERVICES)]
    assert not (tmp_path / "runtime.pid").exists()
    with pytest.raises(OSError):
        Api(info["api_runtime_url"]).call("GET", "/__runtime/health", timeout=2)
    status = stack_cli(tmp_path, "status")
    assert status.returncode == 3 and "runtime: stopped" in status.stdout
