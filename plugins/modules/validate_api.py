#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: validate_api
short_description: Probe the API over HTTPS - health of every Lambda category, latency, CORS
version_added: 0.1.0
description:
  - The C(api) group of the validation role. Probes, over HTTPS, the API's base URL and one
    endpoint per Lambda function of the manifest (its C(route), or the path O(probe_paths)
    gives for it), so that every Lambda category is probed. Every probe is a GET that creates
    nothing.
  - Each endpoint is probed O(probes) times, one probe after the other on a new connection;
    endpoints are probed in parallel threads (at most O(concurrency)).
  - Per endpoint, two checks - its answers (2xx for a function's endpoint, any answer but a
    server error for the base URL; a failure gives the status, the first 200 characters of the
    body and the time) and its latency (the p95 of the answers against O(threshold_ms), or the
    endpoint's entry in O(route_thresholds); the check carries the samples, p50, p95 and max).
  - With O(frontend_url), one more check sends a CORS preflight and a GET with the frontend's
    C(Origin) and expects C(Access-Control-Allow-Origin) to allow it.
  - Never fails because a check failed, only on unusable settings. Python's standard library
    only (C(http.client), C(ssl)).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - acinaces.deploy.validation_api_connection
options:
  probes:
    description: Probes per endpoint, 1 to 100.
    type: int
    default: 5
  threshold_ms:
    description: The p95 latency (ms) an endpoint may have, unless O(route_thresholds) gives its own.
    type: float
    default: 1000
  route_thresholds:
    description:
      - p95 latency thresholds (ms) per endpoint, keyed by the probed path, the manifest route
        or the function's logical name (the first found wins).
    type: dict
    default: {}
  probe_paths:
    description:
      - The path to GET for a route whose own path answers no GET (such as
        C(/market-data) -> C(/market-data/subscriptions)), keyed by route or logical name.
    type: dict
    default: {}
  frontend_url:
    description:
      - The frontend's URL; its origin (with O(https_port) when it is not 443 and the URL names
        no port, as a browser sends it) is the C(Origin) of the CORS check. Empty to skip that check.
    type: str
    default: ""
  cors_path:
    description: The path of the CORS check. Defaults to the first function endpoint probed.
    type: str
    default: ""
  concurrency:
    description: Endpoints probed at the same time.
    type: int
    default: 8
  warmup:
    description:
      - Requests sent to each endpoint before its probes and not counted (0 to 10) - the first
        answer of a function can be a cold start, which is not the latency users see.
    type: int
    default: 1
attributes:
  check_mode:
    support: full
    details:
      - The probes are GET and OPTIONS requests that change nothing; they run in check mode too.
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: acinaces.deploy.validation_report
  - module: acinaces.deploy.validate_smoke
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: Probe the API of the local stack through its edge
  acinaces.deploy.validate_api:
    manifest: "{{ deploy_manifest }}"
    api_url: https://api.local.acinaces.test
    edge_address: 127.0.0.1
    https_port: "{{ local_stack.edge.https_port }}"
    ca_file: "{{ local_stack.tls.ca }}"
    frontend_url: https://local.acinaces.test
    probe_paths:
      /market-data: /market-data/subscriptions
    route_thresholds:
      /health: 300
  register: api_checks

- name: Probe a production API (system resolver and CA store), 10 probes each
  acinaces.deploy.validate_api:
    manifest: "{{ deploy_manifest }}"
    api_url: https://api.example.com
    probes: 10
    threshold_ms: 800
"""

RETURN = r"""
checks:
  description:
    - The checks, as the validation contract has them (C(group) is C(api)). Latency checks
      carry C(latency) - C({endpoint, samples_ms, p50_ms, p95_ms, max_ms, threshold_ms}).
  returned: success
  type: list
  elements: dict
  sample: [{"group": "api", "name": "GET /health answers 2xx (category system)", "status": "failed",
            "cause": "5 of 5 probes failed (500); first: status 500 after 8.1 ms, body: {\"message\": \"missing configuration\"}",
            "duration_ms": 40.2, "details": {"url": "https://api.example.com/health", "probes": []}}]
plan:
  description: The probes planned from the manifest (endpoint, path, categories, functions, routes, threshold).
  returned: success
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acinaces.deploy.plugins.module_utils._module import run
from ansible_collections.acinaces.deploy.plugins.module_utils._validation_api import validate
from ansible_collections.acinaces.deploy.plugins.module_utils._validation_client import CONNECTION_OPTIONS, Client, Target


def probe(module):
    params = module.params
    target = Target.from_params(params)
    origin = target.origin_of(params["frontend_url"]) if params["frontend_url"] else None
    checks, plan = validate(
        Client(target), params["manifest"], params["probes"], params["threshold_ms"], params["route_thresholds"],
        params["probe_paths"], origin, params["cors_path"] or None, params["concurrency"], params["warmup"],
    )
    return {"changed": False, "checks": checks, "plan": plan}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            CONNECTION_OPTIONS,
            probes=dict(type="int", default=5),
            threshold_ms=dict(type="float", default=1000),
            route_thresholds=dict(type="dict", default={}),
            probe_paths=dict(type="dict", default={}),
            frontend_url=dict(type="str", default=""),
            cors_path=dict(type="str", default=""),
            concurrency=dict(type="int", default=8),
            warmup=dict(type="int", default=1),
        ),
        supports_check_mode=True,
    )
    run(module, probe)


if __name__ == "__main__":
    main()
