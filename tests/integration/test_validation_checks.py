"""The validation groups dns, tls, data_stores, frontend and monitoring against a deployed local
environment: a green run of each group's module, then one fault at a time (an alarm in ALARM, a
missing DNS record, Redis stopped, a JS asset missing, an expiring certificate in ACM) fails
exactly the check it concerns, with a clear cause, and the environment is restored after each."""

import datetime
import json
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from local_stack import edge_request
from local_tls import issue_certificate

GROUPS = ["dns", "tls", "data_stores", "frontend", "monitoring"]


@pytest.fixture(scope="module")
def stack(own_stack):
    """These tests deploy the `local` environment and break it: a stack of their own."""
    return own_stack


@pytest.fixture(scope="module")
def deployed(stack, tmp_path_factory):
    output = tmp_path_factory.mktemp("deployment")
    # The tests run each group's module themselves: the deploy's own validation and docs are skipped.
    run = stack.playbook("deploy.yml", "-e", "skip_tests=true", "--skip-tags", "validation,docs",
                         extra_vars={"deploy_output_dir": str(output)}).assert_ok()
    manifest = json.loads((output / "manifest.json").read_text())
    # The stack's dnsmasq learns the hosted zone's records only from sync-dns (the deploy does
    # not run it): the records the infrastructure phase just created.
    stack.stack.sync_dns()
    # Every function runs once, so that its log group has recent entries (the api and smoke
    # groups do this in a full validation run).
    edge = stack.info["edge"]
    for function in manifest["functions"].values():
        edge_request(edge["https_port"], manifest["api"]["domain"], function.get("route", "/health"), ca_file=stack.info["tls"]["ca"])
    return {"run": run, "output": output, "manifest": manifest}


def settings(stack, group):
    """The module options of a group as the local inventory sets them (stack.json)."""
    info = stack.info
    edge = dict(edge_address="127.0.0.1", https_port=info["edge"]["https_port"], ca_file=info["tls"]["ca"])
    return {
        "dns": dict(resolver="127.0.0.1:%d" % info["dns"]["port"], expected_addresses=["127.0.0.1"]),
        "tls": dict(min_days=30, **edge),
        "data_stores": dict(redis_endpoint=info["redis_endpoint"]),
        "frontend": dict(url="https://local.acinaces.test", pages=["/", "/strategies"], http_port=info["edge"]["http_port"], **edge),
        "monitoring": dict(alert_wait_seconds=10),
    }[group]


def validate(stack, deployed, group, manifest=None, **overrides):
    """Run acinaces.deploy.validate_<group> through a one-task playbook; returns name -> check."""
    options = dict(settings(stack, group), manifest=manifest or deployed["manifest"], **overrides)
    info = stack.info
    result = stack.work / ("result-%s.json" % group)
    play = [{
        "name": "Validate %s" % group, "hosts": "localhost", "gather_facts": False,
        "module_defaults": {"group/acinaces.deploy.aws": {
            "region": info["aws_region"], "endpoint_url": info["aws_endpoint_url"],
            "access_key": info["aws_access_key_id"], "secret_key": info["aws_secret_access_key"]}},
        "tasks": [
            {"name": "Run the checks", "acinaces.deploy.validate_%s" % group: options, "register": "validated"},
            {"name": "Keep the result", "ansible.builtin.copy": {"content": "{{ validated | to_json }}", "dest": str(result), "mode": "0600"}},
        ],
    }]
    playbook = stack.work / ("validate-%s.yml" % group)
    playbook.write_text(json.dumps(play))
    result.unlink(missing_ok=True)
    stack.playbook(playbook, timeout=300).assert_ok()
    checks = json.loads(result.read_text())["checks"]
    assert all(check["group"] == group and check["duration_ms"] >= 0 for check in checks)
    assert len({check["name"] for check in checks}) == len(checks), "check names are unique"
    return {check["name"]: check for check in checks}


def failures(checks):
    return {name: check["cause"] for name, check in checks.items() if check["status"] == "failed"}


@pytest.mark.parametrize("group", GROUPS)
def test_a_deployed_environment_passes_every_check(stack, deployed, group):
    checks = validate(stack, deployed, group)
    assert failures(checks) == {}
    not_passed = {name for name, check in checks.items() if check["status"] != "passed"}
    # X-Ray too: the local runtime sends a trace segment per invocation, as Lambda does.
    assert not_passed == set()
    manifest = deployed["manifest"]
    names = set(checks)
    expected = {
        "dns": {"hosted zone local.acinaces.test exists", "A record of api.local.acinaces.test exists in Route 53",
                "api.local.acinaces.test resolves to its expected addresses"},
        "tls": {"CloudFront distribution uses the frontend certificate",
                "api.local.acinaces.test serves a trusted certificate valid for 30+ days",
                "api certificate (api.local.acinaces.test) valid for 30+ days"},
        "data_stores": {"Redis answers PING"} | {"DynamoDB table %s (%s) is ACTIVE" % item for item in manifest["dynamodb_tables"].items()},
        "frontend": {"the JS and CSS assets of index.html load with their Content-Type", "plain HTTP redirects to HTTPS",
                     "page / loads in Chromium without errors", "page /strategies loads in Chromium without errors"},
        "monitoring": {"a test alert on topic alerts is delivered"} | {"alarm %s is OK" % name for name in manifest["monitoring"]["alarms"]},
    }[group]
    assert expected <= names


def test_an_alarm_in_alarm_fails_its_check(stack, deployed):
    alarm = sorted(deployed["manifest"]["monitoring"]["alarms"])[0]
    cloudwatch = stack.client("cloudwatch")
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="injected by the validation test")
    try:
        checks = validate(stack, deployed, "monitoring")
    finally:
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="restored")
    failed = failures(checks)
    assert list(failed) == ["alarm %s is OK" % alarm]
    assert re.fullmatch(r"alarm %s is ALARM since \S+Z: injected by the validation test" % re.escape(alarm), failed["alarm %s is OK" % alarm])


def test_a_missing_dns_record_fails_its_check(stack, deployed):
    manifest = deployed["manifest"]
    zone, domain = manifest["dns"]["hosted_zone_id"], manifest["api"]["domain"]
    route53 = stack.client("route53")
    records = route53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    record = next(item for item in records if item["Type"] == "A" and item["Name"].rstrip(".") == domain)
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": record}]})
    stack.stack.sync_dns()
    try:
        checks = validate(stack, deployed, "dns")
    finally:
        route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": record}]})
        stack.stack.sync_dns()
    assert failures(checks) == {
        "A record of %s exists in Route 53" % domain: "no A record for %s in hosted zone local.acinaces.test (%s)" % (domain, zone),
    }
    resolution = checks["%s resolves to its expected addresses" % domain]
    assert resolution["status"] == "skipped" and "no A record" in resolution["cause"]
    assert failures(validate(stack, deployed, "dns")) == {}


def test_redis_stopped_fails_its_check(stack, deployed):
    redis = stack.stack.services["redis"]
    assert redis.stop()
    try:
        checks = validate(stack, deployed, "data_stores")
    finally:
        redis.start(timeout=60)  # on the same port: the settings (stack.json) stay right
    endpoint = stack.info["redis_endpoint"]
    assert list(failures(checks)) == ["Redis answers PING"]
    assert failures(checks)["Redis answers PING"].startswith("Redis at %s is not reachable" % endpoint)
    assert failures(validate(stack, deployed, "data_stores")) == {}


def test_a_missing_asset_fails_the_asset_and_browser_checks(stack, deployed):
    bucket = deployed["manifest"]["buckets"]["frontend"]
    s3 = stack.client("s3")
    index = s3.get_object(Bucket=bucket, Key="index.html")["Body"].read().decode()
    # A script every browser loads (not the noModule polyfills, which Chromium skips).
    key = re.findall(r'<script src="/(_next/static/chunks/[^"]+\.js)" async=""', index)[0]
    delete_marker = s3.delete_object(Bucket=bucket, Key=key)["VersionId"]
    try:
        checks = validate(stack, deployed, "frontend", pages=["/"])
    finally:
        s3.delete_object(Bucket=bucket, Key=key, VersionId=delete_marker)  # the object is back
    failed = failures(checks)
    assets = "the JS and CSS assets of index.html load with their Content-Type"
    assert "/%s answered 404" % key in failed.pop(assets)
    # The browser sees the same missing script; nothing else fails.
    assert list(failed) == ["page / loads in Chromium without errors"]
    assert key in failed["page / loads in Chromium without errors"]
    assert failures(validate(stack, deployed, "frontend", pages=["/"])) == {}


def expiring_certificate(domain, days):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return certificate.public_bytes(serialization.Encoding.PEM), pem_key


def test_a_certificate_expiring_soon_fails_its_check(stack, deployed):
    manifest = deployed["manifest"]
    domain = manifest["api"]["domain"]
    acm = stack.client("acm")
    arn = manifest["certificates"]["api"]
    # The API's certificate re-imported with 10 days left, as a forgotten renewal would leave it.
    certificate, key = expiring_certificate(domain, 10)
    acm.import_certificate(CertificateArn=arn, Certificate=certificate, PrivateKey=key)
    try:
        checks = validate(stack, deployed, "tls")
    finally:
        # The stack's own certificate again (locally the frontend and the API share it).
        stack.stack.import_certificate()
    failed = failures(checks)
    domains = {"api": domain, "frontend": manifest["dns"]["frontend_domain"]}
    sharing = sorted(name for name, other in manifest["certificates"].items() if other == arn)
    assert sorted(failed) == ["%s certificate (%s) valid for 30+ days" % (name, domains[name]) for name in sharing]
    name = "api certificate (%s) valid for 30+ days" % domain
    assert "less than the 30 days required (renew it)" in failed[name] and "the api certificate" in failed[name]
    assert failures(validate(stack, deployed, "tls")) == {}


@pytest.mark.parametrize("fault, cause", [
    ("expired", "certificate has expired"),
    ("mismatched", "Hostname mismatch"),
])
def test_a_bad_certificate_served_at_the_edge_fails_the_handshake_checks(stack, deployed, tmp_path, fault, cause):
    """The edge serves a certificate of the stack's own CA that expired yesterday, or one for
    another name: the live handshake of both domains fails, and nothing else does."""
    manifest = deployed["manifest"]
    now = datetime.datetime.now(datetime.timezone.utc)
    bad = (issue_certificate(stack.stack.state_dir, tmp_path, not_before=now - datetime.timedelta(days=30),
                             not_after=now - datetime.timedelta(days=1))
           if fault == "expired" else issue_certificate(stack.stack.state_dir, tmp_path, names=("other.example",)))
    stack.stack.edge_certificate(bad["cert"], bad["key"])
    try:
        checks = validate(stack, deployed, "tls")
    finally:
        stack.stack.edge_certificate()
    failed = failures(checks)
    domains = (manifest["dns"]["frontend_domain"], manifest["api"]["domain"])
    assert set(failed) == {"%s serves a trusted certificate valid for 30+ days" % domain for domain in domains}
    for domain in domains:
        assert "the certificate served for %s" % domain in failed["%s serves a trusted certificate valid for 30+ days" % domain]
        assert cause in failed["%s serves a trusted certificate valid for 30+ days" % domain]
    assert failures(validate(stack, deployed, "tls")) == {}


def test_bad_input_fails_the_module_naming_the_field(stack, deployed):
    manifest = dict(deployed["manifest"], dns={})
    path = stack.work / "bad.yml"
    info = stack.info
    path.write_text(json.dumps([{
        "hosts": "localhost", "gather_facts": False,
        "tasks": [{"name": "Validate", "acinaces.deploy.validate_dns": {
            "manifest": manifest, "region": info["aws_region"], "endpoint_url": info["aws_endpoint_url"],
            "access_key": info["aws_access_key_id"], "secret_key": info["aws_secret_access_key"]}}],
    }]))
    run = stack.playbook(path)
    assert run.rc != 0 and "The manifest has no 'dns.hosted_zone_id'" in run.output
