"""The api group: probe planning (with the coverage property), checks from answers, CORS."""

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.acinaces.deploy.plugins.module_utils import _validation_api as api
from ansible_collections.acinaces.deploy.plugins.module_utils._validation_api import ApiSettingsError
from ansible_collections.acinaces.deploy.plugins.module_utils._validation_client import ConnectionSettingsError, Response, Target


def function(category, route=None, **extra):
    entry = {"function_name": "f", "category": category, "handler": "x.handler", "alias": "live"}
    if route is not None:
        entry["route"] = route
    entry.update(extra)
    return entry


MANIFEST = {"functions": {
    "health": function("system", "/health"),
    "strategy_templates": function("strategies", "/strategy-templates"),
    "strategies": function("strategies", "/strategies"),
    "risk_profiles": function("risk", "/risk-profiles"),
    "market_data": function("market-data", "/market-data"),
    "audit_log": function("audit", "/audit-log"),
}}


class FakeClient:
    """Answers per (method, path) from a table; records every request and the threads used."""

    def __init__(self, answers, target=None):
        self.answers = answers
        self.sent = []
        self.threads = set()
        self.lock = threading.Lock()
        self.target = target or Target("https://api.example.com")

    def request(self, method, path, headers=None, body=None):
        with self.lock:
            self.sent.append((method, path, dict(headers or {})))
            self.threads.add(threading.current_thread().name)
        answer = self.answers.get((method, path)) or self.answers.get(path)
        if callable(answer):
            return answer(len([s for s in self.sent if s[1] == path]), headers or {})
        return answer or Response(404, {}, b'{"message": "no route"}', 5.0)


def ok(ms=20.0, headers=None):
    return Response(200, dict(headers or {}), b'{"items": []}', ms)


# Planning ---------------------------------------------------------------------------------

def test_the_plan_probes_the_base_url_and_every_route():
    probes = api.plan_probes(MANIFEST, {"/market-data": "/market-data/subscriptions"}, 1000, {"/health": 300, "risk_profiles": 200})
    assert [(p.endpoint, p.kind) for p in probes] == [
        ("GET /", "base"), ("GET /audit-log", "route"), ("GET /health", "route"), ("GET /market-data/subscriptions", "route"),
        ("GET /risk-profiles", "route"), ("GET /strategies", "route"), ("GET /strategy-templates", "route")]
    by_endpoint = {p.endpoint: p for p in probes}
    assert by_endpoint["GET /health"].threshold_ms == 300
    assert by_endpoint["GET /risk-profiles"].threshold_ms == 200  # by logical name
    assert by_endpoint["GET /strategies"].threshold_ms == 1000
    assert by_endpoint["GET /market-data/subscriptions"].routes == ("/market-data",)
    assert api.covered_categories(probes) == api.categories_of(MANIFEST)


def test_functions_sharing_a_path_share_a_probe_and_a_routeless_function_is_a_problem():
    manifest = {"functions": {
        "a": function("one", "/shared"), "b": function("two", "/shared"), "c": function("three"),
    }}
    probes = api.plan_probes(manifest)
    shared = [p for p in probes if p.path == "/shared"]
    assert len(shared) == 1 and shared[0].categories == ("one", "two") and shared[0].functions == ("a", "b")
    problem = [p for p in probes if p.problem]
    assert len(problem) == 1 and problem[0].categories == ("three",) and "function c (category three) has no route" in problem[0].problem
    # A probe path for it (by logical name) makes it probed.
    assert not [p for p in api.plan_probes(manifest, {"c": "/c/status"}) if p.problem]


@pytest.mark.parametrize("kwargs, message", [
    ({"probe_paths": {"/x": "relative"}}, "probe_paths./x: 'relative' is not an absolute URL path"),
    ({"route_thresholds": {"/health": 0}}, "route_thresholds./health: 0 is not a positive"),
    ({"route_thresholds": {"/health": "fast"}}, "route_thresholds./health: 'fast'"),
    ({"threshold_ms": -1}, "threshold_ms: must be positive"),
])
def test_bad_settings_are_named(kwargs, message):
    with pytest.raises(ApiSettingsError, match=message.replace(".", r"\.").replace("(", r"\(")):
        api.plan_probes(MANIFEST, **kwargs)


def test_a_manifest_without_functions_is_refused():
    with pytest.raises(ApiSettingsError, match="manifest: functions must be a map"):
        api.plan_probes({"api": {}})


# The property: every Lambda category is probed by at least one health check ----------------

categories = st.sampled_from(["system", "strategies", "risk", "market-data", "audit", "ai", "exchange-sync"])
routes = st.one_of(st.none(), st.sampled_from(["/health", "/a", "/b", "/b/c", "/strategies", "/x-y"]),
                   st.from_regex(r"\A/[a-z][a-z0-9/-]{0,20}\Z"))
functions = st.dictionaries(
    st.from_regex(r"\A[a-z][a-z0-9_-]{0,12}\Z"),
    st.builds(function, categories, routes),
    min_size=1, max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(functions, st.dictionaries(st.sampled_from(["/a", "/health", "/b", "/missing"]), st.sampled_from(["/a/list", "/status"]), max_size=3))
def test_every_lambda_category_is_probed_by_at_least_one_health_check(functions, probe_paths):
    manifest = {"functions": functions}
    probes = api.plan_probes(manifest, probe_paths)
    assert api.categories_of(manifest) <= api.covered_categories(probes)
    # Every function is covered too, and each probe is either a GET of a path or a named problem.
    assert {name for probe in probes for name in probe.functions} == set(functions)
    for probe in probes:
        assert (probe.path is None) == (probe.problem is not None)
        assert probe.method == "GET"
    # One probe per path.
    paths = [probe.path for probe in probes if probe.path]
    assert len(paths) == len(set(paths))


# Checks from answers ----------------------------------------------------------------------

def test_all_good_gives_two_passed_checks_per_endpoint_and_cors():
    origin = "https://app.example.com"
    cors = {"Access-Control-Allow-Origin": origin}
    answers = {path: ok(headers={"access-control-allow-origin": origin}) for path in
               ("/health", "/audit-log", "/market-data/subscriptions", "/risk-profiles", "/strategies", "/strategy-templates")}
    answers["/"] = Response(403, {}, b'{"message": "Missing Authentication Token"}', 3.0)
    answers[("OPTIONS", "/health")] = Response(204, {"access-control-allow-origin": origin}, b"", 2.0)
    client = FakeClient(answers)
    checks, plan = api.validate(client, MANIFEST, count=3, probe_paths={"/market-data": "/market-data/subscriptions"},
                                origin=origin, cors_path="/health", warmup=1)
    assert [c["status"] for c in checks] == ["passed"] * 15, [c for c in checks if c["status"] != "passed"]
    assert all(c["group"] == "api" for c in checks) and len(plan) == 7
    # warmup + count probes each; CORS: one OPTIONS and one GET with the origin.
    assert sum(1 for s in client.sent if s[1] == "/strategies") == 4
    assert [s[2].get("Origin") for s in client.sent if s[0] == "OPTIONS"] == [origin]
    latency = [c for c in checks if c.get("latency")]
    assert len(latency) == 7 and latency[1]["latency"]["samples_ms"] == [20.0, 20.0, 20.0]
    assert cors  # the CORS check passed above with the exact origin


def test_endpoints_are_probed_in_parallel_threads():
    # The first probe of each of the three endpoints waits until all three are in flight: probed
    # one after the other, the barrier would time out (BrokenBarrierError).
    barrier = threading.Barrier(3, timeout=10)

    def answer(count, headers):
        if count == 1:
            barrier.wait()
        return ok()

    client = FakeClient({path: answer for path in ("/", "/health", "/audit-log")})
    responses = api.run_probes(client, api.plan_probes({"functions": {"h": function("s", "/health"), "a": function("a", "/audit-log")}}), 2, 8)
    assert len(client.threads) == 3
    assert {endpoint: [r.status for r in answers] for endpoint, answers in responses.items()} == {
        "GET /": [200, 200], "GET /audit-log": [200, 200], "GET /health": [200, 200]}


def test_a_500_fails_only_that_endpoints_answer_check_with_status_body_and_time():
    body = b'{"message": "missing configuration: TABLE_RISK_PROFILES is not set"}' + b" " * 300
    answers = {path: ok() for path in ("/", "/health", "/audit-log", "/market-data", "/strategies", "/strategy-templates")}
    answers["/risk-profiles"] = Response(500, {}, body, 12.5)
    checks, dummy = api.validate(FakeClient(answers), MANIFEST, count=2, warmup=0)
    failed = [c for c in checks if c["status"] == "failed"]
    assert [c["name"] for c in failed] == ["GET /risk-profiles answers 2xx (category risk)"]
    cause = failed[0]["cause"]
    assert cause.startswith("2 of 2 probes failed (500); first: status 500 after 12.5 ms, body: {\"message\": \"missing configuration")
    assert failed[0]["details"]["probes"][0]["body_excerpt"] == body.decode()[:200]


def test_a_slow_endpoint_fails_only_its_latency_check():
    answers = {path: ok(30.0) for path in ("/", "/health", "/audit-log", "/market-data", "/risk-profiles", "/strategies", "/strategy-templates")}
    checks, dummy = api.validate(FakeClient(answers), MANIFEST, count=5, route_thresholds={"/strategies": 10}, warmup=0)
    failed = [c for c in checks if c["status"] == "failed"]
    assert [c["name"] for c in failed] == ["GET /strategies p95 latency within 10 ms"]
    assert failed[0]["cause"] == "p95 30.0 ms exceeds the threshold of 10 ms (p50 30.0 ms, max 30.0 ms, 5 probes)"
    assert failed[0]["latency"]["threshold_ms"] == 10.0


def test_unanswered_probes_fail_the_answers_and_skip_the_latency():
    checks = api.endpoint_checks(api.plan_probes({"functions": {"h": function("s", "/health")}})[1],
                                 [Response(elapsed_ms=10000.0, error="timed out after 10 s")] * 2, "https://x/health")
    assert checks[0]["status"] == "failed" and "no answer after 10000.0 ms: timed out" in checks[0]["cause"]
    assert checks[1]["status"] == "skipped"


def test_the_base_url_passes_with_a_client_error_but_not_a_server_error():
    base = api.plan_probes({"functions": {}})[0]
    assert api.answered_as_expected(base, Response(403))
    assert not api.answered_as_expected(base, Response(502))
    route = api.plan_probes({"functions": {"h": function("s", "/health")}})[1]
    assert not api.answered_as_expected(route, Response(404))


@pytest.mark.parametrize("preflight, get, problem", [
    (Response(204, {}, b"", 1.0), ok(), "preflight OPTIONS answered status 204 without Access-Control-Allow-Origin"),
    (Response(204, {"access-control-allow-origin": "https://evil.example"}, b"", 1.0), ok(), "allows origin 'https://evil.example'"),
    (Response(403, {}, b"forbidden", 1.0), ok(), "preflight OPTIONS answered status 403"),
    (Response(204, {"access-control-allow-origin": "*"}, b"", 1.0), ok(), None),
])
def test_cors(preflight, get, problem):
    origin = "https://app.example.com"
    get.headers.setdefault("access-control-allow-origin", origin)
    result = api.cors_check(FakeClient({("OPTIONS", "/health"): preflight, ("GET", "/health"): get}), "/health", origin)
    if problem:
        assert result["status"] == "failed" and problem in result["cause"]
    else:
        assert result["status"] == "passed"


# Connection settings ----------------------------------------------------------------------

def test_target_names_ports_and_origins():
    local = Target("https://api.local.acinaces.test", "127.0.0.1", 38089)
    assert (local.address, local.port, local.host_header) == ("127.0.0.1", 38089, "api.local.acinaces.test:38089")
    assert local.url_of("/health") == "https://api.local.acinaces.test:38089/health"
    assert local.origin_of("https://local.acinaces.test") == "https://local.acinaces.test:38089"
    aws = Target("https://abc.execute-api.eu-central-1.amazonaws.com/live/")
    assert (aws.address, aws.port, aws.host_header, aws.full_path("/health")) == (
        "abc.execute-api.eu-central-1.amazonaws.com", 443, "abc.execute-api.eu-central-1.amazonaws.com", "/live/health")
    assert aws.origin_of("https://example.com") == "https://example.com"
    with pytest.raises(ConnectionSettingsError, match="api_url: 'http://x' is not an https:// URL"):
        Target("http://x")


def test_probe_counts_are_bounded():
    with pytest.raises(ApiSettingsError, match="probes: must be between 1 and 100"):
        api.validate(FakeClient({}), MANIFEST, count=0)
