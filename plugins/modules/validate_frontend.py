#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: validate_frontend
short_description: Check the frontend (CloudFront, HTTPS, assets, redirect) and navigate it in a real browser
version_added: 0.2.0
description:
  - The CloudFront distribution of the manifest is enabled.
  - O(url) answers 200 over HTTPS; the JS and CSS assets its HTML references load (200) with a
    JavaScript or CSS Content-Type; plain HTTP answers a permanent redirect (301/308) to https://.
  - With O(browser), every page of O(pages) navigates in headless Chromium (Playwright for
    Python driving O(chromium); no browser is downloaded) with no failed request, no HTTP error
    and no console error.
  - With O(edge_address), every connection goes to that address (the browser through
    C(--host-resolver-rules) for the site and the API domain); with O(ca_file), the served
    certificate is verified against it and the browser trusts that certificate's key
    (C(--ignore-certificate-errors-spki-list)).
options:
  manifest:
    description:
      - The deployment manifest (the infrastructure phase's C(manifest.json)), as a dict.
    type: dict
    required: true
  url:
    description:
      - The site's HTTPS URL.
    type: str
    required: true
  pages:
    description:
      - Paths of the pages to navigate in the browser.
    type: list
    elements: str
    default: ["/"]
  edge_address:
    description:
      - Connect here instead of to the address the site resolves to (locally C(127.0.0.1)).
    type: str
    default: ""
  https_port:
    description:
      - HTTPS port, unless O(url) names one.
    type: int
    default: 443
  http_port:
    description:
      - Plain HTTP port of the redirect check.
    type: int
    default: 80
  ca_file:
    description:
      - PEM file of the CA(s) to trust; empty for the system store.
    type: path
    default: ""
  browser:
    description:
      - Navigate the pages in headless Chromium.
    type: bool
    default: true
  chromium:
    description:
      - The Chromium executable Playwright drives.
    type: path
    default: /usr/bin/chromium
  timeout:
    description:
      - Seconds a request or a page navigation may take.
    type: float
    default: 20
requirements:
  - playwright (Python, for O(browser); the browser itself is the system's chromium)
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
- name: Check the frontend locally
  acinaces.deploy.validate_frontend:
    manifest: "{{ manifest }}"
    url: https://local.acinaces.test
    pages: [/, /strategies]
    edge_address: 127.0.0.1
    https_port: "{{ local_stack.edge.https_port }}"
    http_port: "{{ local_stack.edge.http_port }}"
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
    - group: frontend
      name: page / loads in Chromium without errors
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
from ansible_collections.acinaces.deploy.plugins.module_utils._validation_frontend import validate


def validate_frontend(module):
    params = module.params
    return validate(_aws.client(module, "cloudfront"), params["manifest"], params["url"], params["pages"],
                    params["edge_address"], params["https_port"], params["http_port"], params["ca_file"] or "",
                    params["browser"], params["chromium"], params["timeout"])


def main():
    argument_spec = dict(
        manifest=dict(type="dict", required=True),
        url=dict(type="str", required=True),
        pages=dict(type="list", elements="str", default=["/"]),
        edge_address=dict(type="str", default=""),
        https_port=dict(type="int", default=443),
        http_port=dict(type="int", default=80),
        ca_file=dict(type="path", default=""),
        browser=dict(type="bool", default=True),
        chromium=dict(type="path", default="/usr/bin/chromium"),
        timeout=dict(type="float", default=20.0),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run(module, validate_frontend)


if __name__ == "__main__":
    main()
