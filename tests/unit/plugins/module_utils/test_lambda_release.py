"""Release planning, environment prescription, rate limiting and alias moves (pure logic)."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.acinaces.deploy.plugins.module_utils import _lambda_release as release
from ansible_collections.acinaces.deploy.plugins.module_utils._lambda_env import (
    MASK,
    function_environment,
    masked,
    refresh_marker,
    variable_suffix,
)

LOGICAL = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
CREDENTIALS = ["binance", "coinbase", "kraken", "okx", "bsdex", "bison", "finoa", "bybit", "gemini", "openai", "deepseek"]


@st.composite
def manifests(draw):
    names = draw(st.lists(LOGICAL, min_size=1, max_size=12, unique=True))
    secrets = {name: "arn:aws:secretsmanager:us-east-1:123456789012:secret:p/%s-Ab12Cd" % name for name in CREDENTIALS}
    functions = {
        name: {
            "function_name": "p-%s" % name.replace("_", "-"),
            "alias": "live",
            "handler": "%s.handler" % name,
            "secrets": draw(st.lists(st.sampled_from(CREDENTIALS), unique=True)),
        }
        for name in names
    }
    tables = draw(st.dictionaries(LOGICAL, st.from_regex(r"p-[a-z-]{1,20}", fullmatch=True), max_size=6))
    return {
        "environment": draw(st.sampled_from(["local", "test", "production"])),
        "functions": functions,
        "dynamodb_tables": tables,
        "redis": {"endpoint": "cache.internal:6379"},
        "timestream": {"database": "p-market"},
        "secrets": secrets,
        "buckets": {"deployment": "p-deployment"},
    }


def packages_for(names):
    return {name: {"path": "/tmp/%s.zip" % name, "sha256": "a" * 64, "code_sha256": "b64%s" % name} for name in names}


@settings(max_examples=150, deadline=None)
@given(manifests())
def test_every_handler_gets_exactly_one_package_and_one_release(manifest):
    targets = release.plan_targets(manifest, packages_for(manifest["functions"]))
    assert sorted(target.logical for target in targets) == sorted(manifest["functions"])
    assert len({target.function_name for target in targets}) == len(manifest["functions"])
    for target in targets:
        assert target.package_path == "/tmp/%s.zip" % target.logical
        assert target.function_name == manifest["functions"][target.logical]["function_name"]


@settings(max_examples=100, deadline=None)
@given(manifests(), st.data())
def test_a_package_without_function_or_a_function_without_package_is_refused(manifest, data):
    names = sorted(manifest["functions"])
    dropped = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    extra = data.draw(st.lists(LOGICAL.filter(lambda name: name not in names), unique=True, max_size=3))
    if not dropped and not extra:
        return
    packages = packages_for([name for name in names if name not in dropped] + extra)
    with pytest.raises(release.ReleaseError) as caught:
        release.plan_targets(manifest, packages)
    problems = caught.value.details["problems"]
    assert sorted(problems) == sorted(
        ["no package for function %s" % name for name in dropped]
        + ["package %s matches no function of the manifest" % name for name in extra]
    )


VERSIONS = st.dictionaries(st.sampled_from(CREDENTIALS), st.uuids().map(str), max_size=len(CREDENTIALS))


@settings(max_examples=150, deadline=None)
@given(manifests(), st.dictionaries(st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True), st.text(max_size=20), max_size=4), VERSIONS)
def test_every_function_gets_the_environment_the_manifest_prescribes(manifest, extra, versions):
    targets = release.plan_targets(manifest, packages_for(manifest["functions"]), extra, secret_versions=versions)
    for target in targets:
        function = manifest["functions"][target.logical]
        environment = dict(target.environment)
        expected_extra = {key: environment.pop(key) for key in extra}
        assert expected_extra == extra
        if "ACINACES_ENVIRONMENT" not in extra:
            assert environment.pop("ACINACES_ENVIRONMENT") == manifest["environment"]
        for logical, table in manifest["dynamodb_tables"].items():
            key = "TABLE_" + variable_suffix(logical)
            if key not in extra:
                assert environment.pop(key) == table
        if "REDIS_URL" not in extra:
            assert environment.pop("REDIS_URL") == "redis://cache.internal:6379"
        if "TIMESTREAM_DATABASE" not in extra:
            assert environment.pop("TIMESTREAM_DATABASE") == "p-market"
        if "SECRET_ARNS" not in extra:
            arns = json.loads(environment.pop("SECRET_ARNS"))
            assert arns == {name: manifest["secrets"][name] for name in function["secrets"]}
        if function["secrets"] and "SECRETS_REFRESH_MARKER" not in extra:
            assert environment.pop("SECRETS_REFRESH_MARKER") == refresh_marker(function["secrets"], versions)
        assert not set(environment) - set(extra)  # nothing else


@settings(max_examples=100, deadline=None)
@given(manifests(), VERSIONS, st.sampled_from(CREDENTIALS), st.uuids().map(str))
def test_a_new_secret_value_refreshes_exactly_the_functions_that_read_it(manifest, versions, credential, version):
    before = release.plan_targets(manifest, None, secret_versions=versions)
    after = release.plan_targets(manifest, None, secret_versions=dict(versions, **{credential: version}))
    for old, new in zip(before, after):
        reads = credential in manifest["functions"][old.logical]["secrets"]
        assert (old.environment != new.environment) == (reads and versions.get(credential) != version)
        assert new.package_path is None


def test_secret_like_values_are_masked_but_arns_are_not():
    shown = masked({"DB_PASSWORD": "hunter2", "API_TOKEN": "t", "SECRET_ARNS": "{}", "REDIS_URL": "redis://x:1"})
    assert shown == {"API_TOKEN": MASK, "DB_PASSWORD": MASK, "REDIS_URL": "redis://x:1", "SECRET_ARNS": "{}"}


def test_the_environment_is_stable_text():
    manifest = {
        "environment": "test", "functions": {"a": {"secrets": ["okx", "binance"]}},
        "secrets": {"okx": "arn-okx", "binance": "arn-binance"}, "dynamodb_tables": {},
    }
    assert function_environment(manifest, "a")["SECRET_ARNS"] == '{"binance":"arn-binance","okx":"arn-okx"}'


class Clock:
    def __init__(self):
        self.now = 100.0
        self.slept = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_the_rate_limiter_spaces_calls_evenly():
    clock = Clock()
    limiter = release.RateLimiter(10, clock=clock.time, sleep=clock.sleep)
    for dummy in range(5):
        limiter.acquire()
    assert clock.slept == pytest.approx([0.1, 0.1, 0.1, 0.1])
    clock.now += 5  # idle: the next call goes at once
    limiter.acquire()
    assert len(clock.slept) == 4


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=1, max_value=50), st.integers(min_value=1, max_value=60))
def test_the_rate_limiter_never_exceeds_its_rate(rate, calls):
    clock = Clock()
    limiter = release.RateLimiter(rate, clock=clock.time, sleep=clock.sleep)
    times = []
    for dummy in range(calls):
        limiter.acquire()
        times.append(clock.now)
    for earlier, later in zip(times, times[1:]):
        assert later - earlier >= 1.0 / rate - 1e-9


class AliasClient:
    """Records alias moves; fails the move of one function."""

    def __init__(self, failing=None):
        self.failing = failing
        self.aliases = {}
        self.calls = []

    def update_alias(self, FunctionName, Name, FunctionVersion, aws_retry=False):  # noqa: N803 pylint: disable=invalid-name
        self.calls.append(("update", FunctionName, FunctionVersion))
        if FunctionName == self.failing and FunctionVersion != "1":
            raise RuntimeError("conflict")
        self.aliases[FunctionName] = FunctionVersion

    def create_alias(self, FunctionName, Name, FunctionVersion, aws_retry=False):  # noqa: N803 pylint: disable=invalid-name
        self.calls.append(("create", FunctionName, FunctionVersion))
        self.aliases[FunctionName] = FunctionVersion

    def delete_alias(self, FunctionName, Name, aws_retry=False):  # noqa: N803 pylint: disable=invalid-name
        self.calls.append(("delete", FunctionName))
        self.aliases.pop(FunctionName, None)


def test_a_failed_alias_move_moves_the_others_back():
    client = AliasClient(failing="c")
    client.aliases = {"a": "1", "b": "1", "c": "1"}
    moves = [("a", "live", "1", "2"), ("b", "live", "1", "2"), ("c", "live", "1", "2")]
    with pytest.raises(release.ReleaseError) as caught:
        release.move_aliases(client, moves)
    assert client.aliases == {"a": "1", "b": "1", "c": "1"}
    assert caught.value.details["failed_function"] == "c"
    assert caught.value.details["aliases_restored"] == ["b", "a"]
    assert "moved back (b, a)" in caught.value.guidance


def test_an_alias_created_by_the_release_is_removed_on_failure():
    client = AliasClient(failing="b")
    client.aliases = {"b": "1"}
    with pytest.raises(release.ReleaseError):
        release.move_aliases(client, [("a", "live", None, "1"), ("b", "live", "1", "2")])
    assert client.aliases == {"b": "1"}
    assert ("delete", "a") in client.calls


def test_waiting_for_an_update_polls_until_done_and_reports_failures():
    responses = iter([{"LastUpdateStatus": "InProgress"}, {"LastUpdateStatus": "Successful"}])

    class Client:
        def get_function_configuration(self, **kwargs):
            return next(responses)

    clock = Clock()
    done = release.wait_until_updated(Client(), "f", {"LastUpdateStatus": "InProgress"}, 60, clock.sleep, clock.time)
    assert done["LastUpdateStatus"] == "Successful" and clock.slept == [1, 1]
    with pytest.raises(release.ReleaseError) as caught:
        release.wait_until_updated(None, "f", {"LastUpdateStatus": "Failed", "LastUpdateStatusReason": "bad zip"}, 60)
    assert "bad zip" in caught.value.message


def test_summary_lines_say_what_changed():
    entry = {"changed": True, "previous_version": "3", "new_version": "4", "code_changed": True, "config_changed": False}
    assert release.summary_line("health", entry) == "health: version 3 -> 4 (code)"
    assert release.summary_line("a", {"changed": False, "previous_version": "4"}) == "a: version 4, unchanged"
    assert release.summary_line("a", {"error": "boom"}) == "a: FAILED: boom"


def test_a_configuration_only_release_keeps_the_code_the_alias_serves():
    manifest = {"environment": "t", "functions": {"a": {"function_name": "f", "alias": "live", "secrets": []}}, "secrets": {}}
    target = release.plan_targets(manifest, None)[0]
    outcome = release.decide(release.Outcome(target, release.Observed(True, True, "3", "abc=", {"X": "1"})))
    assert not outcome.code_changed and outcome.config_changed and target.code_sha256 == "abc="
    release.check_published_code(target, {"Version": "4", "CodeSha256": "abc="})
    with pytest.raises(release.ReleaseError) as caught:
        release.check_published_code(target, {"Version": "4", "CodeSha256": "other="})
    assert "a rollback?" in caught.value.message
