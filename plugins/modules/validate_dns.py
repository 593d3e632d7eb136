#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: validate_dns
short_description: Check the hosted zone, the domains' records and their resolution
version_added: 0.2.0
description:
  - Checks that the manifest's hosted zone exists, that the frontend and API domains have an A
    (alias) record in it, and that each name resolves through O(resolver) to its expected
    addresses.
  - "Expected addresses: an A record's values; for an alias record, O(expected_addresses) when
    given, else the addresses its alias target resolves to (a match of one address suffices,
    as CloudFront's addresses rotate)."
  - A name without a record in Route 53 fails the record check; its resolution check is then
    skipped (one cause, one failure).
  - DNS queries go through dnspython.
options:
  manifest:
    description:
      - The deployment manifest (the infrastructure phase's C(manifest.json)), as a dict.
    type: dict
    required: true
  resolver:
    description:
      - The DNS server to ask, as C(host:port) (C(host) alone means port 53); empty for the
        system's resolver (C(/etc/resolv.conf)).
    type: str
    default: ""
  expected_addresses:
    description:
      - The addresses alias records must resolve to (locally the edge, C(127.0.0.1)).
    type: list
    elements: str
    default: []
  timeout:
    description:
      - Seconds a DNS lookup may take.
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
- name: Check DNS through the local stack's dnsmasq
  acinaces.deploy.validate_dns:
    manifest: "{{ manifest }}"
    resolver: "127.0.0.1:{{ local_stack.dns.port }}"
    expected_addresses: [127.0.0.1]
  register: dns_checks
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
    - group: dns
      name: api.local.acinaces.test resolves to its expected addresses
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
from ansible_collections.acinaces.deploy.plugins.module_utils._validation_dns import validate


def validate_dns(module):
    params = module.params
    return validate(_aws.client(module, "route53"), params["manifest"], params["resolver"],
                    params["expected_addresses"], params["timeout"])


def main():
    argument_spec = dict(
        manifest=dict(type="dict", required=True),
        resolver=dict(type="str", default=""),
        expected_addresses=dict(type="list", elements="str", default=[]),
        timeout=dict(type="float", default=5.0),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run(module, validate_dns)


if __name__ == "__main__":
    main()
