#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lambda_prune
short_description: Delete old published versions of the functions, keeping what a rollback may need
version_added: 0.1.0
description:
  - For every function of the manifest, deletes the published versions that no alias points to
    and that none of the last O(keep_releases) release records names (as previous or new
    version). C($LATEST) is never deleted.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  manifest:
    description: The deployment manifest.
    type: dict
    required: true
  releases:
    description: The environment's release records (M(acinaces.deploy.release_info)).
    type: list
    elements: dict
    default: []
  keep_releases:
    description: How many of the newest release records keep their versions.
    type: int
    default: 10
attributes:
  check_mode:
    support: full
    details:
      - Versions and aliases are read; the result lists what would be deleted.
  diff_mode:
    support: none
  platform:
    platforms: posix
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: Keep the versions of the last 10 releases
  acinaces.deploy.lambda_prune:
    manifest: "{{ manifest }}"
    releases: "{{ releases.releases }}"
    keep_releases: 10
"""

RETURN = r"""
functions:
  description: Function name to the versions deleted and kept.
  returned: always
  type: dict
  sample: {"acinaces-production-health": {"deleted": ["1", "2"], "kept": ["5", "6"]}}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.acinaces.deploy.plugins.module_utils import _aws
from ansible_collections.acinaces.deploy.plugins.module_utils._module import run
from ansible_collections.acinaces.deploy.plugins.module_utils._release import versions_to_keep


def published_versions(client, name):
    versions = []
    for page in client.get_paginator("list_versions_by_function").paginate(FunctionName=name):
        versions.extend(item["Version"] for item in page["Versions"] if item["Version"] != "$LATEST")
    return versions


def alias_versions(client, name):
    versions = set()
    for page in client.get_paginator("list_aliases").paginate(FunctionName=name):
        versions.update(item["FunctionVersion"] for item in page["Aliases"])
    return versions


def prune(module):
    params = module.params
    client = _aws.client(module, "lambda", extra_codes=["ResourceConflictException", "TooManyRequestsException"])
    named = versions_to_keep(params["releases"], params["keep_releases"])
    functions = {}
    for function in sorted(params["manifest"]["functions"].values(), key=lambda item: item["function_name"]):
        name = function["function_name"]
        keep = alias_versions(client, name) | named.get(name, set())
        versions = published_versions(client, name)
        doomed = [version for version in versions if version not in keep]
        if not module.check_mode:
            for version in doomed:
                client.delete_function(FunctionName=name, Qualifier=version, aws_retry=True)
        functions[name] = {
            "deleted": doomed,
            "kept": sorted((version for version in versions if version in keep), key=int),
        }
    return {"changed": any(entry["deleted"] for entry in functions.values()), "functions": functions}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            manifest=dict(type="dict", required=True),
            releases=dict(type="list", elements="dict", default=[]),
            keep_releases=dict(type="int", default=10),
        ),
        supports_check_mode=True,
    )
    run(module, prune)


if __name__ == "__main__":
    main()
