"""The shared parts of the validation modules: check records, targets, certificate facts, and
the pure checks of the dns, tls, data_stores and frontend groups."""

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.acinaces.deploy.plugins.module_utils import _validation_checks as vc
from ansible_collections.acinaces.deploy.plugins.module_utils import _validation_data_stores as stores
from ansible_collections.acinaces.deploy.plugins.module_utils import _validation_dns as dns
from ansible_collections.acinaces.deploy.plugins.module_utils import _validation_frontend as frontend
from ansible_collections.acinaces.deploy.plugins.module_utils import _validation_tls as tls

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def certificate(names, days):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    return (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(1).not_valid_before(NOW - datetime.timedelta(days=1)).not_valid_after(NOW + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in names]), critical=False)
        .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    )


# Check records -----------------------------------------------------------------------------

def test_a_check_that_raises_fails_with_the_error_as_cause_and_the_others_still_run():
    ticks = iter([0.0, 0.25, 1.0, 1.5])
    checks = vc.Checks("dns", clock=lambda: next(ticks))

    def broken():
        raise OSError("connection refused")

    checks.run("first", broken)
    checks.run("second", vc.passed, answer=42)
    first, second = checks.items
    assert first == {"group": "dns", "name": "first", "status": "failed", "cause": "OSError: connection refused",
                     "duration_ms": 250.0, "details": {}}
    assert second["status"] == "passed" and second["details"] == {"answer": 42} and second["duration_ms"] == 500.0
    assert checks.result()["summary"] == {"passed": 1, "failed": 1, "skipped": 0}


def test_a_failed_check_always_has_a_cause():
    checks = vc.Checks("x")
    assert checks.add("n", vc.Outcome("failed"))["cause"] == "no cause given"


def test_aws_errors_become_their_code_and_message():
    class Fake(Exception):
        response = {"Error": {"Code": "ResourceNotFoundException", "Message": "Table not found"}}

    assert vc.describe_error(Fake()) == "ResourceNotFoundException: Table not found"


def test_a_missing_manifest_field_is_bad_input():
    with pytest.raises(vc.ValidationInputError, match="'dns.hosted_zone_id'"):
        vc.require({"dns": {}}, "dns.hosted_zone_id")


@pytest.mark.parametrize("url, edge, expected", [
    ("https://example.com", "", vc.Target("https", "example.com", 443, "/", "example.com")),
    ("https://example.com/x?y=1", "127.0.0.1", vc.Target("https", "example.com", 8443, "/x?y=1", "127.0.0.1")),
    ("https://example.com:9443/", "127.0.0.1", vc.Target("https", "example.com", 9443, "/", "127.0.0.1")),
])
def test_targets(url, edge, expected):
    assert vc.target_of(url, edge, 8443 if edge and "9443" not in url else 443) == expected


def test_the_host_header_has_the_port_unless_it_is_the_default():
    assert vc.Target("https", "a.test", 443, "/", "x").host_header == "a.test"
    assert vc.Target("https", "a.test", 8443, "/", "x").host_header == "a.test:8443"


# Certificates ------------------------------------------------------------------------------

@pytest.mark.parametrize("pattern, domain, matches", [
    ("a.example.com", "a.example.com", True), ("*.example.com", "a.example.com", True),
    ("*.example.com", "example.com", False), ("*.example.com", "a.b.example.com", False),
    ("b.example.com", "a.example.com", False),
])
def test_certificate_names(pattern, domain, matches):
    assert vc.name_matches(pattern, domain) is matches


def test_expiry_passes_beyond_min_days_and_fails_within_or_after():
    assert vc.expiry_outcome("c", NOW + datetime.timedelta(days=31), NOW, 30).status == "passed"
    soon = vc.expiry_outcome("the certificate", NOW + datetime.timedelta(days=10), NOW, 30)
    assert soon.status == "failed" and "in 10.0 days: less than the 30 days required" in soon.cause
    gone = vc.expiry_outcome("the certificate", NOW - datetime.timedelta(days=1), NOW, 30)
    assert gone.status == "failed" and "expired on 2025-12-31" in gone.cause


def test_the_served_certificate_must_name_the_domain_and_not_expire_soon():
    good = vc.certificate_facts(certificate(["local.acinaces.test", "*.local.acinaces.test"], 365))
    assert tls.served_outcome(good, "api.local.acinaces.test", NOW, 30).status == "passed"
    other = vc.certificate_facts(certificate(["other.test"], 365))
    assert tls.served_outcome(other, "api.local.acinaces.test", NOW, 30).cause == \
        "the certificate served for api.local.acinaces.test is for other.test"
    short = vc.certificate_facts(certificate(["local.acinaces.test"], 5))
    assert tls.served_outcome(short, "local.acinaces.test", NOW, 30).status == "failed"


def test_acm_status():
    assert tls.acm_status_outcome({"Status": "ISSUED"}).status == "passed"
    pending = tls.acm_status_outcome({"Status": "FAILED", "FailureReason": "CAA_ERROR"})
    assert pending.cause == "the certificate is FAILED, not ISSUED (CAA_ERROR)"


# DNS ---------------------------------------------------------------------------------------

def test_resolver_settings():
    assert dns.parse_resolver("") is None
    assert dns.parse_resolver("127.0.0.1:5353") == ("127.0.0.1", 5353)
    assert dns.parse_resolver("10.0.0.2") == ("10.0.0.2", 53)
    with pytest.raises(vc.ValidationInputError):
        dns.parse_resolver("127.0.0.1:99999")


RECORDS = [
    {"Name": "local.acinaces.test.", "Type": "A", "AliasTarget": {"DNSName": "d123.cloudfront.net.", "HostedZoneId": "Z2"}},
    {"Name": "api.local.acinaces.test.", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "10.0.0.1"}]},
    {"Name": "\\052.local.acinaces.test.", "Type": "CNAME", "ResourceRecords": [{"Value": "x"}]},
]


def test_records_and_their_expected_addresses():
    alias = dns.find_a_record(RECORDS, "local.acinaces.test")
    plain = dns.find_a_record(RECORDS, "api.local.acinaces.test")
    assert dns.find_a_record(RECORDS, "gone.local.acinaces.test") is None
    assert dns.expected_for(plain, ["127.0.0.1"], None) == (["10.0.0.1"], "the record's values")
    assert dns.expected_for(alias, ["127.0.0.1"], None) == (["127.0.0.1"], "validation_dns_expected_addresses")
    assert dns.expected_for(alias, [], lambda name: ["1.2.3.4"] if name == "d123.cloudfront.net" else []) == \
        (["1.2.3.4"], "the resolution of the alias target d123.cloudfront.net")
    assert dns.record_name("\\052.local.acinaces.test.") == "*.local.acinaces.test"


def test_resolution_outcomes():
    assert dns.resolution_outcome("a", ["1.1.1.1"], ["1.1.1.1"], "x", exact=True).status == "passed"
    assert dns.resolution_outcome("a", ["1.1.1.1", "2.2.2.2"], ["1.1.1.1"], "x", exact=True).status == "failed"
    assert dns.resolution_outcome("a", ["1.1.1.1", "2.2.2.2"], ["1.1.1.1"], "x", exact=False).status == "passed"
    wrong = dns.resolution_outcome("a", ["9.9.9.9"], ["1.1.1.1"], "x", exact=False)
    assert wrong.cause == "a resolves to 9.9.9.9, none of the expected 1.1.1.1 (x)"


# Data stores -------------------------------------------------------------------------------

def test_redis_replies():
    assert stores.pong_outcome(b"+PONG\r\n", "h:1").status == "passed"
    assert stores.pong_outcome(b"-NOAUTH Authentication required.\r\n", "h:1").cause == \
        "Redis at h:1 answered PING with '-NOAUTH Authentication required.'"
    assert "closed the connection" in stores.pong_outcome(b"", "h:1").cause
    with pytest.raises(vc.ValidationInputError):
        stores.split_endpoint("no-port")


def test_redis_not_listening_fails_with_the_cause():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    outcome = stores.redis_ping("127.0.0.1:%d" % port, timeout=1)
    assert outcome.status == "failed" and "is not reachable" in outcome.cause


def test_dynamodb_table_status():
    assert stores.table_outcome({"TableName": "t", "TableStatus": "ACTIVE"}).status == "passed"
    assert stores.table_outcome({"TableName": "t", "TableStatus": "CREATING"}).cause == "table t is CREATING, not ACTIVE"


# Frontend ----------------------------------------------------------------------------------

HTML = """<!DOCTYPE html><html><head>
<link rel="stylesheet" href="/_next/static/css/a1.css"/>
<link rel="preload" as="script" href="/_next/static/chunks/b2.js"/>
<link rel="icon" href="/favicon.ico"/>
<script src="/_next/static/chunks/c3.js" async=""></script>
<script src="/_next/static/chunks/c3.js"></script>
<script src="https://cdn.example.com/x.js"></script>
<script>inline()</script>
</head><body></body></html>"""


def test_referenced_assets_of_a_page():
    assert frontend.referenced_assets(HTML, "https://local.acinaces.test/") == [
        ("css", "https://local.acinaces.test/_next/static/css/a1.css"),
        ("js", "https://local.acinaces.test/_next/static/chunks/b2.js"),
        ("js", "https://local.acinaces.test/_next/static/chunks/c3.js"),
    ]


def test_content_types():
    assert frontend.content_type_ok("js", "application/javascript; charset=utf-8")
    assert frontend.content_type_ok("css", "text/css")
    assert not frontend.content_type_ok("js", "text/html")


@pytest.mark.parametrize("status, location, ok", [
    (301, "https://local.acinaces.test:8443/", True), (308, "https://local.acinaces.test/", True),
    (302, "https://local.acinaces.test/", False), (200, None, False),
    (301, "http://local.acinaces.test/", False), (301, "https://evil.test/", False),
])
def test_redirects(status, location, ok):
    assert (frontend.redirect_outcome(status, location, "local.acinaces.test").status == "passed") is ok


def test_browser_findings_and_switches():
    events = [
        {"type": "response", "url": "https://a/", "status": 200},
        {"type": "response", "url": "https://a/x.js", "status": 404},
        {"type": "requestfailed", "url": "https://api/h", "method": "GET", "error": "net::ERR_CONNECTION_REFUSED"},
        {"type": "requestfailed", "url": "https://a/p", "method": "HEAD", "error": "net::ERR_ABORTED"},
        {"type": "console", "level": "warning", "text": "meh"},
        {"type": "console", "level": "error", "text": "boom"},
        {"type": "pageerror", "text": "TypeError: x"},
    ]
    assert frontend.browser_findings(events) == [
        "HTTP 404: https://a/x.js", "request failed: GET https://api/h (net::ERR_CONNECTION_REFUSED)",
        "console error: boom", "uncaught error: TypeError: x",
    ]
    arguments = frontend.chromium_arguments(["b.test", "a.test", "a.test"], "127.0.0.1", 8443, "abc=")
    assert "--host-resolver-rules=MAP a.test 127.0.0.1:8443, MAP b.test 127.0.0.1:8443" in arguments
    assert "--ignore-certificate-errors-spki-list=abc=" in arguments
    assert not any(a.startswith("--host-resolver") for a in frontend.chromium_arguments(["a"], "", 443, ""))
