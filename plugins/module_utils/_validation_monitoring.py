# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""validate_monitoring: dashboards, alarms, SNS topics and their subscriptions, a test alert
delivered end to end, recent X-Ray traces and recent log entries of every function."""

from __future__ import annotations

import datetime
import json
import time
import uuid

from ansible_collections.acinaces.deploy.plugins.module_utils._validation_checks import (
    Checks,
    failed,
    optional,
    passed,
    require,
    skipped,
    utc_now,
)

GROUP = "monitoring"


# --------------------------------------------------------------------------- pure evaluation


def alarm_check_name(name):
    return "alarm %s is OK" % name


def topic_check_name(key):
    return "SNS topic %s has a confirmed subscription" % key


def confirmed(subscription):
    """A subscription is confirmed when it has an ARN (not 'PendingConfirmation') and its
    attributes, when read, do not say it is pending."""
    arn = subscription.get("SubscriptionArn") or ""
    pending = str((subscription.get("Attributes") or {}).get("PendingConfirmation", "false")).lower() == "true"
    return arn.startswith("arn:") and not pending


def alarm_outcome(name, alarm, insufficient_data_passes=True):
    """`alarm`: describe_alarms' record, or None when it does not exist."""
    if alarm is None:
        return failed("alarm %s does not exist in CloudWatch" % name)
    state = alarm.get("StateValue")
    details = {"state": state, "reason": alarm.get("StateReason", "")}
    if state == "OK" or (state == "INSUFFICIENT_DATA" and insufficient_data_passes):
        return passed(**details)
    since = alarm.get("StateUpdatedTimestamp")
    since = " since %s" % since.strftime("%Y-%m-%dT%H:%M:%SZ") if hasattr(since, "strftime") else ""
    return failed("alarm %s is %s%s: %s" % (name, state, since, alarm.get("StateReason") or "no reason given"), **details)


def topic_outcome(key, arn, subscriptions):
    """`subscriptions`: the topic's subscriptions, or None when the topic does not exist."""
    if subscriptions is None:
        return failed("SNS topic %s (%s) does not exist" % (key, arn), arn=arn)
    good = [item for item in subscriptions if confirmed(item)]
    details = {"arn": arn, "confirmed": len(good), "pending": len(subscriptions) - len(good),
               "protocols": sorted({item.get("Protocol", "") for item in good})}
    if good:
        return passed(**details)
    if subscriptions:
        return failed("SNS topic %s has %d subscription(s), none confirmed: confirm one (the e-mail's link)" % (key, len(subscriptions)), **details)
    return failed("SNS topic %s has no subscription: alerts reach nobody" % key, **details)


def evaluate(alarms, topics, alarm_records, topic_subscriptions, insufficient_data_passes=True):
    """The checks of the manifest's alarms and topics: [(name, Outcome)], one per alarm and topic.

    `alarm_records`: alarm name -> describe_alarms record (missing: the alarm does not exist);
    `topic_subscriptions`: topic ARN -> list of subscriptions (missing: no such topic)."""
    results = []
    for name in alarms:
        results.append((alarm_check_name(name), alarm_outcome(name, alarm_records.get(name), insufficient_data_passes)))
    for key, arn in sorted(topics.items()):
        results.append((topic_check_name(key), topic_outcome(key, arn, topic_subscriptions.get(arn))))
    return results


def trace_outcome(count, minutes, required):
    details = {"traces": count, "window_minutes": minutes}
    if count:
        return passed(**details)
    if required:
        return failed("X-Ray has no trace in the last %d minutes: is tracing active on the API stage and the functions?" % minutes, **details)
    return skipped("X-Ray has no trace in the last %d minutes, and validation_xray_required is false" % minutes, **details)


# --------------------------------------------------------------------------- AWS reads


def _alarm_records(cloudwatch, names):
    records = {}
    for start in range(0, len(names), 100):
        response = cloudwatch.describe_alarms(AlarmNames=names[start:start + 100], AlarmTypes=["MetricAlarm", "CompositeAlarm"], aws_retry=True)
        for alarm in response.get("MetricAlarms", []) + response.get("CompositeAlarms", []):
            records[alarm["AlarmName"]] = alarm
    return records


def _subscriptions(sns, arn):
    """The topic's subscriptions with their attributes, or None when the topic does not exist."""
    try:
        sns.get_topic_attributes(TopicArn=arn, aws_retry=True)
    except Exception as error:  # pylint: disable=broad-exception-caught
        if "NotFound" in str(getattr(error, "response", {}).get("Error", {}).get("Code", "")):
            return None
        raise
    items = []
    for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arn):
        for subscription in page["Subscriptions"]:
            if (subscription.get("SubscriptionArn") or "").startswith("arn:"):
                attributes = sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"], aws_retry=True)
                subscription = dict(subscription, Attributes=attributes.get("Attributes", {}))
            items.append(subscription)
    return items


def queue_url_of(sqs, queue):
    """A queue URL from a URL or an ARN."""
    if queue.startswith("arn:"):
        parts = queue.split(":")
        return sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4], aws_retry=True)["QueueUrl"]
    return queue


def _test_alert(sns, sqs, topic_arn, queue, wait_seconds, environment):
    token = "acinaces-validation-%s" % uuid.uuid4().hex
    message_id = sns.publish(
        TopicArn=topic_arn,
        Subject="acinaces.deploy validation: test alert (%s)" % environment,
        Message=json.dumps({"test_alert": token, "environment": environment,
                            "text": "A test alert of the deployment validation; no action needed."}),
        aws_retry=True,
    )["MessageId"]
    details = {"message_id": message_id, "topic": topic_arn}
    if not queue:
        return skipped("test alert %s published, but its delivery cannot be confirmed: the topic has no SQS "
                       "subscription to read it back from (subscribe an audit queue)" % message_id, **details)
    url = queue_url_of(sqs, queue)
    details["queue"] = url
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=30, aws_retry=True)
        for message in response.get("Messages", []):
            if token in message.get("Body", ""):
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], aws_retry=True)
                return passed(**details)
            # Someone else's message: visible again at once.
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0, aws_retry=True)
    return failed("test alert %s was published to %s but did not reach the queue %s within %ds" % (message_id, topic_arn, url, wait_seconds), **details)


def _sqs_subscription(subscriptions):
    for item in subscriptions or []:
        if item.get("Protocol") == "sqs" and confirmed(item):
            return item["Endpoint"]
    return None


def validate(clients, manifest, insufficient_data_passes=True, alert_topic="alerts", alert_queue="",
             alert_wait_seconds=20, xray_required=True, xray_window_minutes=15, logs_window_minutes=60,
             check_mode=False, now=None):
    """Run the monitoring checks; `clients(service)` gives AWS clients."""
    dashboards = require(manifest, "monitoring.dashboards")
    alarms = require(manifest, "monitoring.alarms")
    topics = require(manifest, "monitoring.sns_topics")
    functions = require(manifest, "functions")
    now = now or utc_now()
    checks = Checks(GROUP)

    def dashboard_widgets(name):
        body = clients("cloudwatch").get_dashboard(DashboardName=name, aws_retry=True)["DashboardBody"]
        return passed(widgets=len(json.loads(body or "{}").get("widgets", [])))

    for name in dashboards:
        checks.run("dashboard %s exists" % name, lambda name=name: dashboard_widgets(name))

    started = time.monotonic()
    records = _alarm_records(clients("cloudwatch"), list(alarms))
    subscriptions = {arn: _subscriptions(clients("sns"), arn) for arn in topics.values()}
    elapsed = (time.monotonic() - started) * 1000.0 / max(1, len(alarms) + len(topics))
    for name, outcome in evaluate(alarms, topics, records, subscriptions, insufficient_data_passes):
        checks.add(name, outcome, elapsed)

    def alert():
        arn = topics.get(alert_topic)
        if not arn:
            return failed("the manifest has no SNS topic '%s' (validation_monitoring_alert_topic)" % alert_topic)
        if check_mode:
            return skipped("check mode: no test alert published")
        queue = alert_queue or optional(manifest, "monitoring.alert_queue") or _sqs_subscription(subscriptions.get(arn))
        return _test_alert(clients("sns"), clients("sqs"), arn, queue, alert_wait_seconds, manifest.get("environment", ""))

    checks.run("a test alert on topic %s is delivered" % alert_topic, alert)

    def traces():
        start = now - datetime.timedelta(minutes=xray_window_minutes)
        count = 0
        for page in clients("xray").get_paginator("get_trace_summaries").paginate(StartTime=start, EndTime=now):
            count += len(page.get("TraceSummaries", []))
        return trace_outcome(count, xray_window_minutes, xray_required)

    checks.run("X-Ray has traces of the last %d minutes" % xray_window_minutes, traces)

    since = int((now - datetime.timedelta(minutes=logs_window_minutes)).timestamp() * 1000)
    for logical, function in sorted(functions.items()):
        group = function.get("log_group") or optional(manifest, "monitoring.log_groups.%s" % logical) or "/aws/lambda/%s" % function["function_name"]

        def logs(group=group):
            response = clients("logs").filter_log_events(logGroupName=group, startTime=since, limit=1, aws_retry=True)
            events = response.get("events", [])
            if not events:
                return failed("log group %s has no entry in the last %d minutes (was the function invoked?)" % (group, logs_window_minutes), log_group=group)
            latest = datetime.datetime.fromtimestamp(events[0]["timestamp"] / 1000.0, datetime.timezone.utc)
            return passed(log_group=group, entry_at=latest.strftime("%Y-%m-%dT%H:%M:%SZ"))

        checks.run("function %s logged in the last %d minutes" % (logical, logs_window_minutes), logs)
    return checks.result()
