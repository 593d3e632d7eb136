"""Monitoring checks: the pure evaluation of alarms and topics, and the property that every
alarm and topic a manifest names is checked and any fault fails its check."""

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.acinaces.deploy.plugins.module_utils import _validation_monitoring as mon

ARN = "arn:aws:sns:us-east-1:123456789012:%s"
STATES = ["OK", "ALARM", "INSUFFICIENT_DATA", None]  # None: the alarm does not exist
SUBSCRIPTION_KINDS = ["confirmed", "pending_arn", "pending_attribute"]


def subscription(kind, index):
    if kind == "pending_arn":
        return {"SubscriptionArn": "PendingConfirmation", "Protocol": "email", "Endpoint": "a%d@example.com" % index}
    return {
        "SubscriptionArn": "arn:aws:sns:us-east-1:123456789012:t:%d" % index, "Protocol": "sqs", "Endpoint": "q",
        "Attributes": {"PendingConfirmation": "true" if kind == "pending_attribute" else "false"},
    }


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20)


@st.composite
def monitoring_cases(draw):
    alarms = draw(st.lists(names, unique=True, max_size=8))
    states = {name: draw(st.sampled_from(STATES)) for name in alarms}
    topic_keys = draw(st.lists(names, unique=True, max_size=4))
    topics = {key: ARN % key for key in topic_keys}
    subscriptions = {}
    for key in topic_keys:
        if draw(st.booleans()) and draw(st.booleans()):
            continue  # the topic does not exist
        kinds = draw(st.lists(st.sampled_from(SUBSCRIPTION_KINDS), max_size=3))
        subscriptions[topics[key]] = [subscription(kind, index) for index, kind in enumerate(kinds)]
    return alarms, states, topics, subscriptions, draw(st.booleans())


@settings(max_examples=300, deadline=None)
@given(monitoring_cases())
def test_every_alarm_and_topic_is_checked_and_every_fault_fails(case):
    """Monitoring configuration compliance: for any manifest, every alarm and topic it names is
    checked, and any alarm not OK or topic without a confirmed subscription fails the check."""
    alarms, states, topics, subscriptions, insufficient_passes = case
    records = {name: {"AlarmName": name, "StateValue": state, "StateReason": "r"} for name, state in states.items() if state}
    results = dict(mon.evaluate(alarms, topics, records, subscriptions, insufficient_passes))
    assert len(results) == len(alarms) + len(topics)
    for name in alarms:
        outcome = results[mon.alarm_check_name(name)]
        good = states[name] == "OK" or (states[name] == "INSUFFICIENT_DATA" and insufficient_passes)
        assert outcome.status == ("passed" if good else "failed"), (name, states[name], outcome)
        if not good:
            assert name in outcome.cause
    for key, arn in topics.items():
        outcome = results[mon.topic_check_name(key)]
        subs = subscriptions.get(arn)
        good = bool(subs) and any(s["SubscriptionArn"].startswith("arn:") and s["Attributes"]["PendingConfirmation"] == "false"
                                  for s in subs if "Attributes" in s)
        assert outcome.status == ("passed" if good else "failed"), (key, subs, outcome)
        if not good:
            assert key in outcome.cause


def test_an_alarm_in_alarm_names_its_state_and_reason():
    outcome = mon.alarm_outcome("api-5xx", {"StateValue": "ALARM", "StateReason": "Threshold Crossed: 3 datapoints"})
    assert outcome.status == "failed"
    assert outcome.cause == "alarm api-5xx is ALARM: Threshold Crossed: 3 datapoints"


def test_insufficient_data_is_configurable():
    alarm = {"StateValue": "INSUFFICIENT_DATA", "StateReason": "no data"}
    assert mon.alarm_outcome("a", alarm, True).status == "passed"
    assert mon.alarm_outcome("a", alarm, False).status == "failed"


def test_a_missing_alarm_and_topic_fail_with_their_cause():
    assert mon.alarm_outcome("gone", None).cause == "alarm gone does not exist in CloudWatch"
    assert "does not exist" in mon.topic_outcome("alerts", ARN % "alerts", None).cause
    assert "no subscription" in mon.topic_outcome("alerts", ARN % "alerts", []).cause
    pending = mon.topic_outcome("alerts", ARN % "alerts", [subscription("pending_arn", 0)])
    assert pending.status == "failed" and "none confirmed" in pending.cause


def test_traces_are_required_or_skipped():
    assert mon.trace_outcome(3, 15, True).status == "passed"
    assert mon.trace_outcome(0, 15, True).status == "failed"
    skipped = mon.trace_outcome(0, 15, False)
    assert skipped.status == "skipped" and "validation_xray_required" in skipped.cause
