#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: validation_report
short_description: Gather the validation checks into one report, and fail when a check failed
version_added: 0.1.0
description:
  - Takes the checks of the C(validate_<group>) modules (directly in O(checks), or as the wait
    results of their asynchronous jobs in O(jobs)) and writes, in C(<output_dir>/validation/),
    C(report.json) (environment, run id, times, status, counts in total and per group, every
    check), C(junit.xml) (one testsuite per group, one testcase per check, failures with their
    cause), C(report.md) and C(report.html) (self-contained, with an inline SVG latency chart
    per API endpoint - the probe samples and the p50, p95 and threshold lines).
  - Each file is replaced atomically.
  - A job whose module failed, or which did not finish, becomes a failed check of its group
    (C(<group> checks ran to completion)).
  - Fails when any check failed, after writing the report; the message names each failed check
    with its cause.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  checks:
    description:
      - Checks, each C({group, name, status, cause, duration_ms, details, latency}) with
        C(status) one of C(passed), C(failed), C(skipped), and C(cause) saying why unless passed.
    type: list
    elements: dict
    default: []
  jobs:
    description:
      - The results of waiting for the groups' jobs (C(ansible.builtin.async_status) in a loop
        over C({group, job}) items). Each result's C(checks) are taken.
    type: list
    elements: dict
    default: []
  environment:
    description: The environment validated.
    type: str
    required: true
  run_id:
    description: Id of the validation run (the release id of the deploy).
    type: str
    required: true
  started:
    description: When the validation started (ISO 8601). Defaults to now.
    type: str
  output_dir:
    description: The environment's output folder; the report goes into its C(validation/) folder.
    type: path
    required: true
attributes:
  check_mode:
    support: full
    details:
      - Computes the report and its result (and fails when a check failed); writes nothing.
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: acinaces.deploy.validate_api
  - module: acinaces.deploy.validate_smoke
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: Write the report of the checks the groups returned
  acinaces.deploy.validation_report:
    jobs: "{{ validation__waited.results }}"
    environment: "{{ deploy_environment }}"
    run_id: "{{ validation_run_id }}"
    started: "{{ validation__started }}"
    output_dir: "{{ deploy_output_dir }}"

- name: Report checks given directly
  acinaces.deploy.validation_report:
    checks:
      - group: api
        name: GET /health answers 2xx
        status: failed
        cause: "status 500 after 12.0 ms: {\"message\": \"missing configuration\"}"
    environment: test
    run_id: manual-1
    output_dir: /tmp/out
"""

RETURN = r"""
status:
  description: C(passed) when no check failed, else C(failed).
  returned: always
  type: str
summary:
  description: Numbers of checks passed, failed, skipped and in total.
  returned: always
  type: dict
  sample: {"passed": 17, "failed": 1, "skipped": 0, "total": 18}
groups:
  description: Per group, its status and counts.
  returned: always
  type: dict
  sample: {"api": {"status": "failed", "passed": 12, "failed": 1, "skipped": 0}}
failures:
  description: The failed checks (group, name, cause).
  returned: always
  type: list
  elements: dict
paths:
  description: The report files (C(json), C(junit), C(markdown), C(html)); not written in check mode.
  returned: always
  type: dict
  sample: {"json": "/srv/deployment/test/validation/report.json", "junit": "/srv/deployment/test/validation/junit.xml",
           "markdown": "/srv/deployment/test/validation/report.md", "html": "/srv/deployment/test/validation/report.html"}
written:
  description: Whether the files were written (false in check mode).
  returned: always
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acinaces.deploy.plugins.module_utils._module import run
from ansible_collections.acinaces.deploy.plugins.module_utils._validation_report import produce


def report(module):
    return produce(module.params, module.check_mode)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            checks=dict(type="list", elements="dict", default=[]),
            jobs=dict(type="list", elements="dict", default=[]),
            environment=dict(type="str", required=True),
            run_id=dict(type="str", required=True),
            started=dict(type="str"),
            output_dir=dict(type="path", required=True),
        ),
        supports_check_mode=True,
    )
    run(module, report)


if __name__ == "__main__":
    main()
