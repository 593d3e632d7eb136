"""What the docs show: masking by name and by known value, and the release behind each version."""

from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.acinaces.deploy.plugins.module_utils import _docs as docs
from ansible_collections.acinaces.deploy.plugins.module_utils._lambda_env import MASK

CREDENTIALS = {
    "binance": {"api_key": "Kq3vX9pLmN2rT8sW", "api_secret": "Zr7yB4cD1eF6gH0j"},
    "okx": {"api_key": "", "api_secret": None, "passphrase": "None"},
    "flags": {"short": "abc", "enabled": True},
}


def test_known_secrets_are_every_real_value_longest_first():
    assert docs.known_secret_values(CREDENTIALS) == ["Kq3vX9pLmN2rT8sW", "Zr7yB4cD1eF6gH0j"]
    assert docs.known_secret_values(None) == []
    assert docs.known_secret_values({"a": ["long-value-1", {"b": "long-value-22"}]}) == ["long-value-22", "long-value-1"]


def test_secret_like_names_are_masked_and_references_are_not():
    environment = {
        "EXCHANGE_API_KEY": "plain-looking",
        "DB_PASSWORD": "x",
        "SECRET_ARNS": '{"binance": "arn:aws:secretsmanager:..."}',
        "TABLE_STRATEGIES": "acinaces-production-strategies",
    }
    shown = docs.masked_environment(environment)
    assert shown == {
        "DB_PASSWORD": MASK,
        "EXCHANGE_API_KEY": MASK,
        "SECRET_ARNS": environment["SECRET_ARNS"],
        "TABLE_STRATEGIES": "acinaces-production-strategies",
    }
    assert list(shown) == sorted(shown)


def test_a_known_value_is_masked_whatever_its_name():
    known = docs.known_secret_values(CREDENTIALS)
    environment = {"PARTNER_HINT": "Kq3vX9pLmN2rT8sW", "UPSTREAM": "https://user:Zr7yB4cD1eF6gH0j@host", "REGION": "eu-central-1"}
    assert docs.masked_environment(environment, known) == {"PARTNER_HINT": MASK, "REGION": "eu-central-1", "UPSTREAM": MASK}


@given(
    st.dictionaries(st.from_regex(r"[A-Z][A-Z_]{0,20}", fullmatch=True), st.text(max_size=40), max_size=8),
    st.lists(st.text(min_size=docs.MIN_KNOWN_SECRET, max_size=30).filter(lambda text: text not in MASK), max_size=4),
)
def test_no_known_secret_survives_masking(environment, secrets):
    """Property: whatever the names and values, no known secret appears in a shown value."""
    planted = dict(environment)
    for index, secret in enumerate(secrets):
        planted["VALUE_%d" % index] = "prefix-%s-suffix" % secret
    known = docs.known_secret_values({"provider": {str(index): secret for index, secret in enumerate(secrets)}})
    shown = docs.masked_environment(planted, known)
    assert set(shown) == set(planted)
    for value in shown.values():
        assert not any(secret in value for secret in known)


def record(release_id, kind="deploy", **functions):
    return {
        "id": release_id, "kind": kind, "time": release_id[:4] + "-time",
        "functions": {logical: {"previous_version": None, "new_version": version} for logical, version in functions.items()},
    }


def test_each_function_names_the_newest_release_that_put_its_version_live():
    records = [
        record("20260103T000000Z-c", kind="rollback", health="2"),
        record("20260101T000000Z-a", health="2", audit="2"),
        record("20260102T000000Z-b", health="3"),
        {"id": "20260104T000000Z-d", "kind": "deploy", "frontend": {"bucket": "b"}},
    ]
    versions = docs.live_versions(records)
    assert versions["health"] == {"version": "2", "release_id": "20260103T000000Z-c", "release_time": "2026-time", "kind": "rollback"}
    assert versions["audit"]["release_id"] == "20260101T000000Z-a"
    assert docs.live_versions([]) == {}


SPEC = {"function_name": "acinaces-test-health", "alias": "live", "route": "/health", "secrets": ["okx", "binance"]}


def test_a_function_summary_flags_drift_from_its_release():
    configuration = {
        "Version": "4", "Runtime": "nodejs20.x", "Handler": "health.handler", "MemorySize": 256, "Timeout": 10,
        "CodeSha256": "abc=", "Environment": {"Variables": {"API_TOKEN": "t0k3n-value", "TABLE_X": "x"}},
    }
    summary = docs.function_summary(SPEC, configuration, {"version": "3", "release_id": "20260101T000000Z-a"})
    assert summary["live_version"] == "4" and summary["released_version"] == "3" and summary["drift"]
    assert summary["environment"] == {"API_TOKEN": MASK, "TABLE_X": "x"}
    assert summary["log_group"] == "/aws/lambda/acinaces-test-health"
    assert summary["secrets"] == ["binance", "okx"]
    assert not docs.function_summary(SPEC, configuration, {"version": "4", "release_id": "r"})["drift"]


def test_a_missing_function_is_named_not_hidden():
    summary = docs.function_summary(SPEC, None, None)
    assert summary["exists"] is False and summary["live_version"] is None and not summary["drift"]
    assert summary["environment"] == {}
