#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: validate_tls
short_description: Check the certificates in ACM, where they are used, and what each domain serves
version_added: 0.2.0
description:
  - Every certificate of the manifest (C(certificates)) is ISSUED in ACM, and its expiry more
    than O(min_days) days away.
  - The CloudFront distribution's viewer certificate is the C(frontend) certificate; the API's
    custom domain uses the C(api) certificate.
  - A TLS handshake with each domain (at O(edge_address) when set, with the domain as server
    name) presents a certificate trusted by O(ca_file) (or the system store), valid for the
    domain and not expiring within O(min_days) days.
options:
  manifest:
    description:
      - The deployment manifest (the infrastructure phase's C(manifest.json)), as a dict.
    type: dict
    required: true
  min_days:
    description:
      - A certificate expiring within this many days fails.
    type: int
    default: 30
  edge_address:
    description:
      - Connect here instead of to the address the domain resolves to (locally the edge,
        C(127.0.0.1)).
    type: str
    default: ""
  https_port:
    description:
      - The HTTPS port of the handshakes.
    type: int
    default: 443
  ca_file:
    description:
      - PEM file of the CA(s) to trust for the handshakes; empty for the system store.
    type: path
    default: ""
  timeout:
    description:
      - Seconds a handshake may take.
    type: float
    default: 10
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
- name: Check the certificates
  acinaces.deploy.validate_tls:
    manifest: "{{ manifest }}"
    min_days: 30
    edge_address: 127.0.0.1
    https_port: "{{ local_stack.edge.https_port }}"
    ca_file: "{{ local_stack.tls.ca }}"
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
    - group: tls
      name: certificate of api.local.acinaces.test valid for 30+ days
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
from ansible_collections.acinaces.deploy.plugins.module_utils._validation_tls import validate


def validate_tls(module):
    params = module.params
    return validate(_aws.clients(module), params["manifest"], params["min_days"], params["edge_address"], params["https_port"],
                    params["ca_file"] or "", params["timeout"])


def main():
    argument_spec = dict(
        manifest=dict(type="dict", required=True),
        min_days=dict(type="int", default=30),
        edge_address=dict(type="str", default=""),
        https_port=dict(type="int", default=443),
        ca_file=dict(type="path", default=""),
        timeout=dict(type="float", default=10.0),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run(module, validate_tls)


if __name__ == "__main__":
    main()
