#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: validate_monitoring
short_description: Check dashboards, alarms, alert topics and delivery, traces and logs
version_added: 0.2.0
description:
  - Every dashboard of the manifest exists; every alarm exists and is OK (INSUFFICIENT_DATA
    passes unless O(insufficient_data_passes=false)); every SNS topic has a confirmed
    subscription.
  - A test alert is published to the topic O(alert_topic) and its delivery confirmed by reading
    it back from an SQS queue subscribed to the topic (O(alert_queue), else the manifest's
    C(monitoring.alert_queue), else the topic's SQS subscription); without such a queue the
    check is skipped with that cause.
  - X-Ray has traces of the last O(xray_window_minutes) minutes; without any, the check fails
    with O(xray_required) and is skipped otherwise.
  - The log group of every function has an entry of the last O(logs_window_minutes) minutes.
options:
  manifest:
    description:
      - The deployment manifest (the infrastructure phase's C(manifest.json)), as a dict.
    type: dict
    required: true
  insufficient_data_passes:
    description:
      - Whether an alarm in INSUFFICIENT_DATA passes.
    type: bool
    default: true
  alert_topic:
    description:
      - Key of the manifest's C(monitoring.sns_topics) the test alert goes to.
    type: str
    default: alerts
  alert_queue:
    description:
      - URL or ARN of the SQS queue subscribed to O(alert_topic) to read the test alert from.
    type: str
    default: ""
  alert_wait_seconds:
    description:
      - How long to wait for the test alert to arrive.
    type: int
    default: 20
  xray_required:
    description:
      - Whether the absence of recent X-Ray traces fails (else it is skipped).
    type: bool
    default: true
  xray_window_minutes:
    description:
      - The window of the trace check, in minutes.
    type: int
    default: 15
  logs_window_minutes:
    description:
      - The window of the log check, in minutes.
    type: int
    default: 60
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - acinaces.deploy.validation_checks
attributes:
  check_mode:
    support: full
    details:
      - Only reads; the test alert is not published (its check is skipped).
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: Check monitoring
  acinaces.deploy.validate_monitoring:
    manifest: "{{ manifest }}"
    xray_required: false
"""

RETURN = r"""
checks:
  description:
    - One entry per check, in the order they ran.
    - C(status) is C(passed), C(failed) or C(skipped); C(cause) says why unless it passed;
      C(details) holds what was observed.
  returned: always
  type: list
  elements: dict
  sample:
    - group: monitoring
      name: alarm acinaces-local-api-5xx is OK
      status: passed
      cause: ""
      duration_ms: 12.5
      details: {}
summary:
  description: The number of checks per status.
  returned: always
  type: dict
  sample: {"passed": 5, "failed": 0, "skipped": 0}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.acinaces.deploy.plugins.module_utils import _aws
from ansible_collections.acinaces.deploy.plugins.module_utils._module import run
from ansible_collections.acinaces.deploy.plugins.module_utils._validation_monitoring import validate


def validate_monitoring(module):
    params = module.params
    return validate(_aws.clients(module), params["manifest"], params["insufficient_data_passes"], params["alert_topic"],
                    params["alert_queue"], params["alert_wait_seconds"], params["xray_required"],
                    params["xray_window_minutes"], params["logs_window_minutes"], module.check_mode)


def main():
    argument_spec = dict(
        manifest=dict(type="dict", required=True),
        insufficient_data_passes=dict(type="bool", default=True),
        alert_topic=dict(type="str", default="alerts"),
        alert_queue=dict(type="str", default=""),
        alert_wait_seconds=dict(type="int", default=20),
        xray_required=dict(type="bool", default=True),
        xray_window_minutes=dict(type="int", default=15),
        logs_window_minutes=dict(type="int", default=60),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run(module, validate_monitoring)


if __name__ == "__main__":
    main()
