#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: validate_smoke
short_description: Run one user journey through the API and remove every trace of it
version_added: 0.1.0
description:
  - The C(smoke) group of the validation role. Through the API (over HTTPS, as M(acinaces.deploy.validate_api)
    reaches it) - creates a strategy template, creates a strategy from it, configures a risk
    profile, subscribes to market data, then reads the audit log of the run and checks that it
    has an entry for each of those changes. One check per step.
  - Every request carries the run id (header C(X-Run-Id) and body field C(runId)), so every
    item and audit entry carries it; names and the risk profile's id contain it.
  - Cleanup always runs, also when a step failed - each created item is deleted through the
    API, then the run's audit entries (C(DELETE /audit-log?runId=)). What remains with the run
    id in any DynamoDB table of the manifest is deleted directly with boto3. The check
    C(smoke data removed) fails when items of the run are left after that.
  - Never fails because a check failed, only on unusable settings.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - acinaces.deploy.validation_api_connection
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  run_id:
    description:
      - "The run id the journey's items carry (1-100 letters, digits, C(_), C(.), C(:), C(-)). Use a new one
        per run (the role uses the deploy's release id)."
    type: str
    required: true
attributes:
  check_mode:
    support: full
    details:
      - The journey creates data, so in check mode nothing is sent and every check is skipped.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - A market data subscription removed directly in DynamoDB (when the API could not delete it)
    keeps its Redis key C(market-data:subscription:<id>); the check's details list such deletions.
seealso:
  - module: acinaces.deploy.validate_api
  - module: acinaces.deploy.validation_report
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: Smoke test the local stack's API
  acinaces.deploy.validate_smoke:
    manifest: "{{ deploy_manifest }}"
    api_url: https://api.local.acinaces.test
    edge_address: 127.0.0.1
    https_port: "{{ local_stack.edge.https_port }}"
    ca_file: "{{ local_stack.tls.ca }}"
    run_id: "{{ deploy_release_id }}"
    endpoint_url: "{{ deploy_aws_endpoint_url }}"
    region: us-east-1
"""

RETURN = r"""
checks:
  description: The checks, as the validation contract has them (C(group) is C(smoke)).
  returned: success
  type: list
  elements: dict
  sample: [{"group": "smoke", "name": "smoke data removed", "status": "passed", "cause": null, "duration_ms": 120.5,
            "details": {"deleted_through_api": ["strategy 3f2a..."], "api_failures": [], "deleted_in_dynamodb": [], "leftovers": []}}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.acinaces.deploy.plugins.module_utils import _aws
from ansible_collections.acinaces.deploy.plugins.module_utils._module import run
from ansible_collections.acinaces.deploy.plugins.module_utils._validation_client import CONNECTION_OPTIONS, Client, Target
from ansible_collections.acinaces.deploy.plugins.module_utils._validation_smoke import (
    DynamoStore,
    Journey,
    check_run_id,
    skipped_in_check_mode,
    tables_of,
)


def smoke(module):
    params = module.params
    target = Target.from_params(params)
    tables = tables_of(params["manifest"])
    check_run_id(params["run_id"])
    if module.check_mode:
        return {"changed": False, "checks": skipped_in_check_mode()}
    store = DynamoStore(_aws.client(module, "dynamodb"), tables)
    checks = Journey(Client(target), store, params["run_id"]).run()
    # The journey creates and removes its data: the environment is as it was.
    return {"changed": False, "checks": checks}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            CONNECTION_OPTIONS,
            run_id=dict(type="str", required=True),
        ),
        supports_check_mode=True,
    )
    run(module, smoke)


if __name__ == "__main__":
    main()
