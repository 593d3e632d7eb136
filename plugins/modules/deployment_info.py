#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: deployment_info
short_description: Read what an environment serves now, with every secret value masked
version_added: 0.1.0
description:
  - For every function of the manifest, reads the configuration its alias serves (version,
    runtime, handler, memory, timeout, code SHA-256 and environment variables) and names the
    release that put that version live, from the release records.
  - Environment values are masked when the variable's name looks secret (the rule of the
    release diffs) or when the value holds one of O(credentials)' values, whatever its name.
  - For every credential of the manifest, says whether its secret holds a value (metadata only;
    no secret value is ever read).
  - Reads the name servers of the hosted zone, for the DNS delegation of a real domain.
  - Written because M(amazon.aws.lambda_info) reads C($LATEST), not the version an alias serves,
    and returns the environment unmasked.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  manifest:
    description: The deployment manifest (as written by M(acinaces.deploy.deploy_manifest)).
    type: dict
    required: true
  releases:
    description: The environment's release records, as returned by M(acinaces.deploy.release_info).
    type: list
    elements: dict
    default: []
  credentials:
    description:
      - Credentials whose values are masked wherever they appear (provider to field to value,
        the shape of C(vault_credentials)). Never returned.
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    details:
      - Reads only; the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: Read the release records
  acinaces.deploy.release_info:
    environment: production
    directory: "{{ deploy_output_dir }}/releases"
    bucket: "{{ manifest.buckets.deployment }}"
  register: releases

- name: Read what the environment serves
  acinaces.deploy.deployment_info:
    manifest: "{{ manifest }}"
    releases: "{{ releases.releases }}"
    credentials: "{{ vault_credentials | default({}) }}"
  register: deployed
"""

RETURN = r"""
functions:
  description: Logical function name to what its alias serves.
  returned: always
  type: dict
  sample:
    health:
      function_name: acinaces-production-health
      alias: live
      route: /health
      log_group: /aws/lambda/acinaces-production-health
      exists: true
      live_version: "5"
      released_version: "5"
      release_id: 20260101T120000Z-a1b2c3
      drift: false
      runtime: nodejs20.x
      handler: health.handler
      memory_size: 256
      timeout: 10
      code_sha256: nywG...=
      environment: {"TABLE_STRATEGIES": "acinaces-production-strategies", "EXCHANGE_API_KEY": "********"}
credentials:
  description: Credential to its secret's ARN and whether it holds a value.
  returned: always
  type: dict
  sample: {"binance": {"arn": "arn:aws:secretsmanager:...", "stored": true}}
name_servers:
  description: Name servers of the hosted zone (empty when the zone cannot be read).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.acinaces.deploy.plugins.module_utils import _aws
from ansible_collections.acinaces.deploy.plugins.module_utils._docs import (
    function_summary,
    known_secret_values,
    live_versions,
)
from ansible_collections.acinaces.deploy.plugins.module_utils._module import run


def alias_configuration(client, spec):
    try:
        return client.get_function_configuration(
            FunctionName=spec["function_name"], Qualifier=spec.get("alias", "live"), aws_retry=True
        )
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def name_servers(module, manifest):
    zone = (manifest.get("dns") or {}).get("hosted_zone_id")
    if not zone:
        return []
    try:
        answer = _aws.client(module, "route53").get_hosted_zone(Id=zone, aws_retry=True)
    except is_boto3_error_code(["NoSuchHostedZone", "AccessDenied"]):
        return []
    return sorted((answer.get("DelegationSet") or {}).get("NameServers") or [])


def read(module):
    params = module.params
    manifest = params["manifest"]
    known = known_secret_values(params["credentials"])
    for value in known:
        module.no_log_values.add(value)
    released = live_versions(params["releases"])
    client = _aws.client(module, "lambda")
    functions = {
        logical: function_summary(spec, alias_configuration(client, spec), released.get(logical), known)
        for logical, spec in sorted((manifest.get("functions") or {}).items())
    }
    secrets = manifest.get("secrets") or {}
    versions = _aws.current_secret_versions(_aws.client(module, "secretsmanager"), secrets)
    credentials = {name: {"arn": arn, "stored": bool(versions.get(name))} for name, arn in sorted(secrets.items())}
    return {
        "changed": False,
        "functions": functions,
        "credentials": credentials,
        "name_servers": name_servers(module, manifest),
    }


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            manifest=dict(type="dict", required=True),
            releases=dict(type="list", elements="dict", default=[]),
            credentials=dict(type="dict", default={}, no_log=True),
        ),
        supports_check_mode=True,
    )
    run(module, read)


if __name__ == "__main__":
    main()
