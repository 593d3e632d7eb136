#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: validate_data_stores
short_description: Check DynamoDB tables, Redis and Timestream
version_added: 0.2.0
description:
  - Every DynamoDB table of the manifest (C(dynamodb_tables)) is reachable and ACTIVE.
  - Redis (O(redis_endpoint), else the manifest's C(redis.endpoint)) answers PING, in RESP over
    a socket (TLS with O(redis_tls)).
  - The Timestream database is describable, and each of its tables of the manifest is ACTIVE.
options:
  manifest:
    description:
      - The deployment manifest (the infrastructure phase's C(manifest.json)), as a dict.
    type: dict
    required: true
  redis_endpoint:
    description:
      - C(host:port) of Redis, instead of the manifest's C(redis.endpoint) (locally the stack's
        redis-server).
    type: str
    default: ""
  redis_tls:
    description:
      - Speak TLS to Redis (ElastiCache with encryption in transit).
    type: bool
    default: false
  timeout:
    description:
      - Seconds the Redis connection may take.
    type: float
    default: 5
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - acinaces.deploy.validation_checks
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: Check the data stores
  acinaces.deploy.validate_data_stores:
    manifest: "{{ manifest }}"
    redis_endpoint: "{{ local_stack.redis_endpoint }}"
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
    - group: data_stores
      name: Redis answers PING
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
from ansible_collections.acinaces.deploy.plugins.module_utils._validation_data_stores import validate


def validate_data_stores(module):
    params = module.params
    return validate(_aws.clients(module), params["manifest"], params["redis_endpoint"], params["redis_tls"], params["timeout"])


def main():
    argument_spec = dict(
        manifest=dict(type="dict", required=True),
        redis_endpoint=dict(type="str", default=""),
        redis_tls=dict(type="bool", default=False),
        timeout=dict(type="float", default=5.0),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run(module, validate_data_stores)


if __name__ == "__main__":
    main()
