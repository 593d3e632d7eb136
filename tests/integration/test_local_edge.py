"""The rest of the local stack (tools/local_stack.py): Redis, the TLS material, the edge (nginx)
and the local DNS (dnsmasq), against a local stack of their own.

The edge is reached as a browser would reach https://local.acinaces.test:<port>: on 127.0.0.1
with the name as SNI and Host, the certificate checked against the stack's CA. The API behind
it is a REST API in local AWS with the custom domain api.local.acinaces.test, run by the local
runtime (as test_local_runtime.py builds one).
"""

from __future__ import annotations

import datetime
import hashlib
import http.client
import io
import json
import os
import signal
import socket
import ssl
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from conftest import REPO_ROOT, VENV_BIN
from local_services import live_processes
from local_stack import (
    API_DOMAIN, FRONTEND_BUCKET, LOCAL_DOMAIN, StackError, dns_query, edge_request, ensure_tls, issue_certificate,
    unverified_context,
)

STACK = [str(VENV_BIN / "python"), str(REPO_ROOT / "tools" / "local_stack.py")]
REGION = "us-east-1"
CODE_BUCKET = "edge-deployment"
# Answers with what reached it; /plain/* without CORS headers of its own (the edge adds them).
EDGE_JS = """
exports.handler = async (event) => {
  const header = (name) => { for (const k of Object.keys(event.headers || {})) if (k.toLowerCase() === name) return event.headers[k]; return null; };
  const cors = event.path.startsWith('/plain') ? {} : {
    'Access-Control-Allow-Origin': process.env.ALLOWED_ORIGIN,
    'Access-Control-Allow-Methods': 'GET,POST,OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type,X-From-Api',
  };
  if (event.httpMethod === 'OPTIONS') return { statusCode: 204, headers: { ...cors, 'X-Preflight-By': 'api' }, body: '' };
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/json', ...cors },
    body: JSON.stringify({ path: event.path, host: header('host'), proto: header('x-forwarded-proto'),
                           domainName: event.requestContext.domainName, apiId: event.requestContext.apiId }),
  };
};
"""


def stack_cli(state_dir, *args, timeout=180):
    return subprocess.run(STACK + ["--state-dir", str(state_dir)] + list(args),
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def edge(own_stack):
    info = own_stack.stack.describe()
    return {"stack": own_stack, "info": info, "port": info["edge"]["https_port"], "ca": info["tls"]["ca"]}


def get(edge_info, host, path, method="GET", headers=None):
    return edge_request(edge_info["port"], host, path, method=method, headers=headers, ca_file=edge_info["ca"])


def redis_command(port, *words):
    command = b"*%d\r\n" % len(words) + b"".join(b"$%d\r\n%s\r\n" % (len(w), w) for w in (word.encode() for word in words))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(command)
        time.sleep(0.05)
        return sock.recv(4096)


# --------------------------------------------------------------------------- Redis


def test_redis_answers_on_its_port_without_persistence(edge):
    endpoint = edge["info"]["redis_endpoint"]
    host, port = endpoint.split(":")
    assert host == "127.0.0.1" and int(port) == edge["info"]["services"]["redis"]["port"]
    assert redis_command(int(port), "PING") == b"+PONG\r\n"
    assert redis_command(int(port), "SET", "edge-test", "42") == b"+OK\r\n"
    assert redis_command(int(port), "GET", "edge-test") == b"$2\r\n42\r\n"
    assert redis_command(int(port), "CONFIG", "GET", "save") == b"*2\r\n$4\r\nsave\r\n$0\r\n\r\n"
    assert redis_command(int(port), "CONFIG", "GET", "appendonly") == b"*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"


def test_a_stopped_redis_comes_back_on_the_same_endpoint_at_start(edge):
    """The fault a test injects: Redis down until the next start, which keeps its endpoint."""
    local = edge["stack"].stack
    endpoint = edge["info"]["redis_endpoint"]
    port = int(endpoint.split(":")[1])
    assert local.services["redis"].stop()
    with pytest.raises(OSError):
        redis_command(port, "PING")
    assert local.status()["redis"] == "stopped"
    assert local.start()["redis"] == "started"
    assert local.describe()["redis_endpoint"] == endpoint
    assert redis_command(port, "PING") == b"+PONG\r\n"


# --------------------------------------------------------------------------- TLS and the edge


def test_the_tls_material_is_in_the_state_dir(edge):
    tls, state_dir = edge["info"]["tls"], edge["stack"].stack.state_dir
    for key, name in (("ca", "ca.pem"), ("cert", "cert.pem"), ("key", "key.pem"), ("chain", "chain.pem")):
        assert tls[key] == str(state_dir / "tls" / name) and Path(tls[key]).is_file()
    assert oct(os.stat(tls["key"]).st_mode & 0o777) == "0o600"
    ca = x509.load_pem_x509_certificate(Path(tls["ca"]).read_bytes())
    cert = x509.load_pem_x509_certificate(Path(tls["cert"]).read_bytes())
    assert Path(tls["chain"]).read_bytes() == Path(tls["ca"]).read_bytes()
    assert cert.issuer == ca.subject
    cert.verify_directly_issued_by(ca)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert sorted(names) == sorted([LOCAL_DOMAIN, API_DOMAIN, "*." + LOCAL_DOMAIN])
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert datetime.timedelta(days=365) <= lifetime <= datetime.timedelta(days=367)
    key = serialization.load_pem_private_key(Path(tls["key"]).read_bytes(), password=None)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()


@pytest.mark.parametrize("name", [LOCAL_DOMAIN, API_DOMAIN, "www." + LOCAL_DOMAIN])
def test_the_edge_presents_the_certificate_of_the_local_ca(edge, name):
    context = ssl.create_default_context(cafile=edge["ca"])
    with socket.create_connection(("127.0.0.1", edge["port"]), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=name) as tls:  # verifies the chain and the name
            peer = tls.getpeercert()
            der = tls.getpeercert(binary_form=True)
    assert ("DNS", LOCAL_DOMAIN) in peer["subjectAltName"]
    assert x509.load_der_x509_certificate(der).fingerprint(hashes.SHA256()) == \
        x509.load_pem_x509_certificate(Path(edge["info"]["tls"]["cert"]).read_bytes()).fingerprint(hashes.SHA256())


def test_a_name_outside_the_certificate_or_an_unknown_ca_fails(edge):
    with socket.create_connection(("127.0.0.1", edge["port"]), timeout=5) as raw:
        with pytest.raises(ssl.SSLCertVerificationError):
            ssl.create_default_context(cafile=edge["ca"]).wrap_socket(raw, server_hostname="example.com")
    with socket.create_connection(("127.0.0.1", edge["port"]), timeout=5) as raw:
        with pytest.raises(ssl.SSLCertVerificationError):
            ssl.create_default_context().wrap_socket(raw, server_hostname=LOCAL_DOMAIN)  # the system's CAs only


@pytest.mark.parametrize("host", [LOCAL_DOMAIN, API_DOMAIN])
def test_http_redirects_to_https(edge, host):
    connection = http.client.HTTPConnection("127.0.0.1", edge["info"]["edge"]["http_port"], timeout=5)
    try:
        connection.request("GET", "/some/path?a=1&b=2", headers={"Host": "%s:%d" % (host, edge["info"]["edge"]["http_port"])})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 301
    assert response.headers["Location"] == "https://%s:%d/some/path?a=1&b=2" % (host, edge["port"])


def test_the_frontend_bucket_is_served(edge):
    s3 = edge["stack"].client("s3")
    # No bucket yet (before the infrastructure is deployed): a plain 404, not S3's XML.
    status, dummy, body = get(edge, LOCAL_DOMAIN, "/")
    assert status == 404 and b"<Error>" not in body
    s3.create_bucket(Bucket=FRONTEND_BUCKET)
    put = {
        "index.html": (b"<html>home</html>", "text/html; charset=utf-8", "no-cache"),
        "x": (b"the key x", "text/plain", "public, max-age=60"),
        "_next/static/app.js": (b"console.log(1)", "application/javascript", "public, max-age=31536000, immutable"),
        "a b.txt": (b"spaced", "text/plain", "no-store"),
    }
    etags = {}
    for key, (data, content_type, cache_control) in put.items():
        etags[key] = s3.put_object(Bucket=FRONTEND_BUCKET, Key=key, Body=data, ContentType=content_type,
                                   CacheControl=cache_control)["ETag"]
    for path, key in (("/", "index.html"), ("/index.html", "index.html"), ("/x", "x"), ("/x?version=3", "x"),
                      ("/_next/static/app.js", "_next/static/app.js"), ("/a%20b.txt", "a b.txt")):
        status, headers, body = get(edge, LOCAL_DOMAIN, path)
        data, content_type, cache_control = put[key]
        assert (status, body) == (200, data), path
        assert headers["Content-Type"] == content_type and headers["Cache-Control"] == cache_control, path
        assert headers["ETag"] == etags[key], path
    status, headers, body = get(edge, LOCAL_DOMAIN, "/x", headers={"If-None-Match": etags["x"]})
    assert status == 304
    status, headers, body = get(edge, LOCAL_DOMAIN, "/x", method="HEAD")
    assert status == 200 and headers["Content-Type"] == "text/plain"
    for missing in ("/missing", "/missing/index.html", "/X"):
        status, headers, body = get(edge, LOCAL_DOMAIN, missing)
        assert status == 404 and b"<Error>" not in body, missing
    assert get(edge, LOCAL_DOMAIN, "/x", method="POST")[0] == 405
    # Another bucket of local S3 is not reachable through the frontend's host.
    assert get(edge, LOCAL_DOMAIN, "/../acinaces-local-tfstate/")[0] in (400, 404)


# --------------------------------------------------------------------------- the API through the edge


def build_zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def api(edge):
    """A REST API (/hello, /plain and their {proxy+}) behind the custom domain api.local.acinaces.test."""
    stack = edge["stack"]
    iam, lam, s3, apigw = (stack.client(name) for name in ("iam", "lambda", "s3", "apigateway"))
    role = iam.create_role(RoleName="edge-lambda", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }))["Role"]["Arn"]
    s3.create_bucket(Bucket=CODE_BUCKET)
    data = build_zip({"edge.js": EDGE_JS})
    key = "lambda-packages/edge-api/%s.zip" % hashlib.sha256(data).hexdigest()
    s3.put_object(Bucket=CODE_BUCKET, Key=key, Body=data)
    created = lam.create_function(
        FunctionName="edge-api", Runtime="nodejs20.x", Role=role, Handler="edge.handler", Timeout=5,
        Code={"S3Bucket": CODE_BUCKET, "S3Key": key}, Publish=True,
        Environment={"Variables": {"ALLOWED_ORIGIN": "https://" + LOCAL_DOMAIN}},
    )
    lam.create_alias(FunctionName="edge-api", Name="live", FunctionVersion=created["Version"])
    function = created["FunctionArn"].split(":live")[0]
    api_id = apigw.create_rest_api(name="edge-api", endpointConfiguration={"types": ["REGIONAL"]})["id"]
    root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    uri = "arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s:live/invocations" % (REGION, function)
    for part in ("hello", "plain"):
        route = apigw.create_resource(restApiId=api_id, parentId=root, pathPart=part)
        proxy = apigw.create_resource(restApiId=api_id, parentId=route["id"], pathPart="{proxy+}")
        for resource in (route, proxy):
            apigw.put_method(restApiId=api_id, resourceId=resource["id"], httpMethod="ANY", authorizationType="NONE")
            apigw.put_integration(restApiId=api_id, resourceId=resource["id"], httpMethod="ANY", type="AWS_PROXY",
                                  integrationHttpMethod="POST", uri=uri)
    apigw.create_deployment(restApiId=api_id, stageName="live")
    apigw.create_domain_name(domainName=API_DOMAIN, regionalCertificateArn="arn:aws:acm:%s:123456789012:certificate/edge" % REGION,
                             endpointConfiguration={"types": ["REGIONAL"]})
    apigw.create_base_path_mapping(domainName=API_DOMAIN, restApiId=api_id, stage="live")
    origin = "https://%s:%d" % (LOCAL_DOMAIN, edge["port"])
    deadline = time.monotonic() + 15
    while True:  # the runtime reads the routes again every couple of seconds
        status, headers, body = get(edge, API_DOMAIN, "/hello/world", headers={"Origin": origin})
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert status == 200, body
    return {**edge, "api_id": api_id, "origin": origin}


def test_the_api_host_reaches_the_runtime_with_its_host(api):
    status, headers, body = get(api, API_DOMAIN, "/hello/world?x=1", headers={"Origin": api["origin"]})
    assert status == 200
    answer = json.loads(body)
    assert answer["path"] == "/hello/world" and answer["apiId"] == api["api_id"]
    assert answer["host"] == API_DOMAIN and answer["domainName"] == API_DOMAIN  # routed by the custom domain
    assert answer["proto"] == "https"
    assert headers["x-amzn-RequestId"]  # the runtime's answer


def test_the_apis_cors_headers_pass_with_the_browsers_origin(api):
    status, headers, body = get(api, API_DOMAIN, "/hello", headers={"Origin": api["origin"]})
    assert status == 200
    # The function allows https://local.acinaces.test; the page is on the edge's port.
    assert headers.get_all("Access-Control-Allow-Origin") == [api["origin"]]
    assert headers["Access-Control-Allow-Methods"] == "GET,POST,OPTIONS"
    assert headers["Access-Control-Allow-Headers"] == "Content-Type,X-From-Api"
    # The API's own preflight answer passes.
    status, headers, body = get(api, API_DOMAIN, "/hello/x", method="OPTIONS", headers={
        "Origin": api["origin"], "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert status == 204 and headers["X-Preflight-By"] == "api"
    assert headers["Access-Control-Allow-Origin"] == api["origin"]
    assert headers["Access-Control-Allow-Methods"] == "GET,POST,OPTIONS"
    # Another origin gets what the API says, untouched.
    status, headers, body = get(api, API_DOMAIN, "/hello", headers={"Origin": "https://evil.example"})
    assert headers["Access-Control-Allow-Origin"] == "https://" + LOCAL_DOMAIN


def test_the_edge_ensures_cors_when_the_api_does_not(api):
    status, headers, body = get(api, API_DOMAIN, "/plain", headers={"Origin": api["origin"]})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == api["origin"]
    assert "POST" in headers["Access-Control-Allow-Methods"]
    # An error answer is readable by the page too.
    status, headers, body = get(api, API_DOMAIN, "/nope", headers={"Origin": api["origin"]})
    assert status == 404 and json.loads(body) == {"message": "Not Found"}
    assert headers["Access-Control-Allow-Origin"] == api["origin"]
    # A preflight the API cannot answer (no route): the edge answers it.
    status, headers, body = get(api, API_DOMAIN, "/nope/deeper", method="OPTIONS", headers={
        "Origin": api["origin"], "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type,x-run-id"})
    assert status == 204 and body == b""
    assert headers["Access-Control-Allow-Origin"] == api["origin"]
    assert "PUT" in headers["Access-Control-Allow-Methods"]
    assert headers["Access-Control-Allow-Headers"] == "content-type,x-run-id"
    assert headers["Access-Control-Max-Age"] == "600"
    # Not a local origin: no CORS from the edge.
    status, headers, body = get(api, API_DOMAIN, "/plain", headers={"Origin": "https://evil.example"})
    assert status == 200 and "Access-Control-Allow-Origin" not in headers
    # The runtime's own endpoints are not the API's.
    assert get(api, API_DOMAIN, "/__runtime/health")[0] == 404


# --------------------------------------------------------------------------- the local DNS


def test_sync_dns_answers_the_hosted_zone_with_the_edge(edge):
    route53 = edge["stack"].client("route53")
    zone = route53.create_hosted_zone(Name=LOCAL_DOMAIN, CallerReference="edge-test")["HostedZone"]["Id"]
    cloudfront, regional = "d111111abcdef8.cloudfront.net", "d-abc123def4.execute-api.us-east-1.amazonaws.com"

    def change(action, name, record_type, **record):
        route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
            {"Action": action, "ResourceRecordSet": {"Name": name, "Type": record_type, **record}}]})

    change("CREATE", LOCAL_DOMAIN, "A", AliasTarget={"HostedZoneId": "Z2FDTNDATAQYW2", "DNSName": cloudfront, "EvaluateTargetHealth": False})
    change("CREATE", API_DOMAIN, "A", AliasTarget={"HostedZoneId": "Z1UJRXOUMOOFQ8", "DNSName": regional, "EvaluateTargetHealth": False})
    change("CREATE", "plain." + LOCAL_DOMAIN, "A", TTL=60, ResourceRecords=[{"Value": "203.0.113.7"}])
    change("CREATE", "www." + LOCAL_DOMAIN, "CNAME", TTL=60, ResourceRecords=[{"Value": LOCAL_DOMAIN}])
    change("CREATE", "txt." + LOCAL_DOMAIN, "TXT", TTL=60, ResourceRecords=[{"Value": '"not an address"'}])

    synced = stack_cli(edge["stack"].stack.state_dir, "sync-dns")
    assert synced.returncode == 0, synced.stderr
    for name in (LOCAL_DOMAIN, API_DOMAIN, "plain." + LOCAL_DOMAIN, "www." + LOCAL_DOMAIN, cloudfront, regional):
        assert "%s -> 127.0.0.1" % name in synced.stdout
    port = edge["info"]["dns"]["port"]
    for name in (LOCAL_DOMAIN, API_DOMAIN, "plain." + LOCAL_DOMAIN, "www." + LOCAL_DOMAIN, cloudfront, regional):
        for tcp in (False, True):
            assert dns_query(name, port, tcp=tcp) == ("NOERROR", ["127.0.0.1"]), (name, tcp)
    assert dns_query("txt." + LOCAL_DOMAIN, port)[1] == []  # not an A or CNAME record
    assert dns_query("absent." + LOCAL_DOMAIN, port)[0] in ("NXDOMAIN", "REFUSED")
    assert dns_query("example.com", port)[0] in ("NXDOMAIN", "REFUSED")
    # A deleted record stops resolving at the next sync (the function other code calls).
    change("DELETE", "plain." + LOCAL_DOMAIN, "A", TTL=60, ResourceRecords=[{"Value": "203.0.113.7"}])
    assert dns_query("plain." + LOCAL_DOMAIN, port)[1] == ["127.0.0.1"]  # until the next sync
    names = edge["stack"].stack.sync_dns()
    assert "plain." + LOCAL_DOMAIN not in names and LOCAL_DOMAIN in names
    # The sync returns once dnsmasq answers from the new file: no wait on the caller's side.
    assert dns_query("plain." + LOCAL_DOMAIN, port)[0] == "NXDOMAIN"
    assert dns_query(LOCAL_DOMAIN, port) == ("NOERROR", ["127.0.0.1"])
    # What the deploy of `local` runs: a sync that finds nothing new says so.
    again = stack_cli(edge["stack"].stack.state_dir, "sync-dns", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == {"names": names, "changed": False, "hosts_file": edge["info"]["dns"]["hosts_file"]}
    change("CREATE", "new." + LOCAL_DOMAIN, "A", TTL=60, ResourceRecords=[{"Value": "203.0.113.8"}])
    added = json.loads(stack_cli(edge["stack"].stack.state_dir, "sync-dns", "--json").stdout)
    assert added["changed"] and "new." + LOCAL_DOMAIN in added["names"]
    assert dns_query("new." + LOCAL_DOMAIN, port) == ("NOERROR", ["127.0.0.1"])


# --------------------------------------------------------------------------- the certificate in ACM, swapped


def served_fingerprint(edge_info, name=LOCAL_DOMAIN):
    context = unverified_context()  # what is served, valid or not
    with socket.create_connection(("127.0.0.1", edge_info["port"]), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=name) as tls:
            return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True)).fingerprint(hashes.SHA256())


def verify_error(edge_info, name=LOCAL_DOMAIN):
    """The reason the stack's CA refuses what the edge serves for `name`, None when it accepts it."""
    context = ssl.create_default_context(cafile=edge_info["ca"])
    with socket.create_connection(("127.0.0.1", edge_info["port"]), timeout=5) as raw:
        try:
            with context.wrap_socket(raw, server_hostname=name):
                return None
        except ssl.SSLCertVerificationError as error:
            return error.verify_message


def test_the_certificate_is_in_local_acm_and_renewed_under_the_same_arn(edge):
    local = edge["stack"].stack
    acm = edge["stack"].client("acm")
    arn = local.describe()["tls"]["certificate_arn"]
    cert_file = Path(local.tls["cert"])
    stored = acm.get_certificate(CertificateArn=arn)
    assert stored["Certificate"].strip() == cert_file.read_text().strip()
    assert Path(local.tls["ca"]).read_text().strip() in stored["CertificateChain"]  # (moto puts the leaf first)
    described = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    assert described["Status"] == "ISSUED" and described["Type"] == "IMPORTED"
    assert described["DomainName"] == LOCAL_DOMAIN and set(described["SubjectAlternativeNames"]) >= {LOCAL_DOMAIN, API_DOMAIN}
    # A certificate 20 days from its end is renewed at the next start: the edge serves the new
    # one and ACM holds it under the same ARN.
    soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=20)
    expiring = issue_certificate(local.state_dir, local.state_dir / "expiring", not_after=soon)
    os.replace(expiring["cert"], local.tls["cert"])
    os.replace(expiring["key"], local.tls["key"])
    states = local.start()
    assert set(states.values()) == {"running"}
    renewed = x509.load_pem_x509_certificate(cert_file.read_bytes())
    assert renewed.not_valid_after_utc > soon + datetime.timedelta(days=300)
    assert served_fingerprint(edge) == renewed.fingerprint(hashes.SHA256())
    assert local.describe()["tls"]["certificate_arn"] == arn
    assert acm.get_certificate(CertificateArn=arn)["Certificate"].strip() == cert_file.read_text().strip()
    assert verify_error(edge) is None


def test_a_swapped_certificate_is_served_until_restored(edge):
    local = edge["stack"].stack
    now = datetime.datetime.now(datetime.timezone.utc)
    expired = issue_certificate(local.state_dir, local.state_dir / "faults" / "expired",
                                not_before=now - datetime.timedelta(days=30), not_after=now - datetime.timedelta(days=1))
    other = issue_certificate(local.state_dir, local.state_dir / "faults" / "other", names=("other.example",))
    assert local.edge_certificate(expired["cert"], expired["key"]) == expired
    assert json.loads(local.state_file.read_text())["edge"]["cert"] == expired["cert"]
    assert verify_error(edge) == "certificate has expired"
    assert local.status()["edge"] == "running"  # a bad certificate is a fault, not a dead edge
    swapped = stack_cli(local.state_dir, "edge-certificate", "--cert", other["cert"], "--key", other["key"])
    assert swapped.returncode == 0, swapped.stderr
    assert "Hostname mismatch" in verify_error(edge, API_DOMAIN)
    # A key of another certificate: refused, the current one stays served.
    with pytest.raises(StackError):
        local.edge_certificate(other["cert"], expired["key"])
    assert served_fingerprint(edge) == x509.load_pem_x509_certificate(Path(other["cert"]).read_bytes()).fingerprint(hashes.SHA256())
    restored = stack_cli(local.state_dir, "edge-certificate", "--restore")
    assert restored.returncode == 0, restored.stderr
    assert verify_error(edge) is None and verify_error(edge, API_DOMAIN) is None
    assert json.loads(local.state_file.read_text())["edge"]["cert"] == local.tls["cert"]


# --------------------------------------------------------------------------- lifecycle


def test_the_stack_starts_restarts_and_stops_every_service(tmp_path):
    started = stack_cli(tmp_path, "start")
    assert started.returncode == 0, started.stderr
    names = ["moto", "redis", "runtime", "edge", "dns"]
    try:
        assert [line.split(":")[0] for line in started.stdout.splitlines()[:5]] == names
        info = json.loads((tmp_path / "stack.json").read_text())
        assert info["redis_endpoint"] == "127.0.0.1:%d" % info["services"]["redis"]["port"]
        assert info["edge"]["https_port"] == info["services"]["edge"]["port"] != info["edge"]["http_port"]
        assert info["dns"]["port"] == info["services"]["dns"]["port"]
        pids = {name: info["services"][name]["pid"] for name in names}
        for name in names:
            assert (tmp_path / ("%s.pid" % name)).read_text().strip() == str(pids[name])
            assert (tmp_path / ("%s.log" % name)).exists()
        assert len(live_processes(pgid=pids["edge"])) >= 2  # master and worker
        status = stack_cli(tmp_path, "status")
        assert status.returncode == 0 and status.stdout.splitlines() == ["%s: running" % name for name in names]
        exports = stack_cli(tmp_path, "env").stdout
        assert "export ACINACES_REDIS_ENDPOINT=%s" % info["redis_endpoint"] in exports
        assert "export ACINACES_EDGE_HTTPS_PORT=%d" % info["edge"]["https_port"] in exports
        assert "export ACINACES_CA_FILE=%s" % info["tls"]["ca"] in exports
        cert = Path(info["tls"]["cert"]).read_bytes()

        # A dead runtime is restarted on a new port; the running edge follows it.
        os.killpg(pids["runtime"], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and stack_cli(tmp_path, "status").returncode == 0:
            time.sleep(0.2)
        again = stack_cli(tmp_path, "start")
        assert again.returncode == 0, again.stderr
        assert "runtime: started" in again.stdout and "edge: running" in again.stdout
        after = json.loads((tmp_path / "stack.json").read_text())
        assert after["services"]["edge"]["pid"] == pids["edge"]
        assert after["services"]["runtime"]["pid"] != pids["runtime"]
        status, headers, body = edge_request(after["edge"]["https_port"], API_DOMAIN, "/anything", ca_file=info["tls"]["ca"])
        assert status == 404 and json.loads(body) == {"message": "Not Found"} and headers["x-amzn-RequestId"]
    finally:
        stopped = stack_cli(tmp_path, "stop")
    assert stopped.returncode == 0 and stopped.stdout.splitlines() == ["%s: stopped" % name for name in reversed(names)]
    deadline = time.monotonic() + 5
    pgids = set(pids.values()) | {after["services"]["runtime"]["pid"]}
    while any(live_processes(pgid=pgid) for pgid in pgids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pgid for pgid in pgids if live_processes(pgid=pgid)] == []  # no process of the stack is left
    assert not list(tmp_path.glob("*.pid")) and not (tmp_path / "stack.json").exists()
    assert stack_cli(tmp_path, "status").returncode == 3

    # The TLS material stays with the state directory across restarts.
    restarted = stack_cli(tmp_path, "start")
    try:
        assert restarted.returncode == 0, restarted.stderr
        assert Path(info["tls"]["cert"]).read_bytes() == cert
    finally:
        assert stack_cli(tmp_path, "stop").returncode == 0


def test_the_certificate_is_renewed_only_when_it_expires_soon(tmp_path):
    first = ensure_tls(tmp_path)
    ca, cert = Path(first["ca"]).read_bytes(), Path(first["cert"]).read_bytes()
    assert ensure_tls(tmp_path) == first and Path(first["cert"]).read_bytes() == cert
    # A server certificate 20 days from its end: a new one from the same CA.
    ca_key = serialization.load_pem_private_key((tmp_path / "tls" / "ca-key.pem").read_bytes(), password=None)
    current = x509.load_pem_x509_certificate(cert)
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = x509.CertificateBuilder().subject_name(current.subject).issuer_name(current.issuer) \
        .public_key(current.public_key()).serial_number(x509.random_serial_number()) \
        .not_valid_before(now - datetime.timedelta(days=345)).not_valid_after(now + datetime.timedelta(days=20))
    for extension in current.extensions:
        builder = builder.add_extension(extension.value, extension.critical)
    expiring = builder.sign(ca_key, hashes.SHA256())
    Path(first["cert"]).write_bytes(expiring.public_bytes(serialization.Encoding.PEM))
    renewed = ensure_tls(tmp_path)
    assert Path(renewed["cert"]).read_bytes() not in (cert, expiring.public_bytes(serialization.Encoding.PEM))
    assert Path(renewed["ca"]).read_bytes() == ca
    assert x509.load_pem_x509_certificate(Path(renewed["cert"]).read_bytes()).not_valid_after_utc > now + datetime.timedelta(days=360)
    # A missing CA: everything anew.
    (tmp_path / "tls" / "ca.pem").unlink()
    anew = ensure_tls(tmp_path)
    assert Path(anew["ca"]).read_bytes() != ca and Path(anew["chain"]).read_bytes() == Path(anew["ca"]).read_bytes()
