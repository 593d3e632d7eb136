#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lambda_rollback
short_description: Move every function's alias back to the versions of an earlier release
version_added: 0.1.0
description:
  - Finds the versions to serve in the release records, moves each alias that is elsewhere,
    and reads every alias back to verify it.
  - O(target=previous) goes back to the versions the latest deploy replaced; rolling back twice
    in a row serves the same versions again and changes nothing the second time. A release id
    serves the versions that release left live. O(versions) names versions explicitly.
  - If a move fails, the aliases already moved are moved back.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  manifest:
    description: The deployment manifest (function names and aliases).
    type: dict
    required: true
  releases:
    description: The environment's release records (M(acinaces.deploy.release_info)).
    type: list
    elements: dict
    default: []
  target:
    description: C(previous), or the id of the release whose versions to serve.
    type: str
    default: previous
  versions:
    description: Logical function name to a version, over what O(target) gives.
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    details:
      - The aliases are read and the moves planned; nothing moves.
  diff_mode:
    support: full
    details:
      - The version each moved alias points to, before and after.
  platform:
    platforms: posix
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: Roll the backend back to the previous release
  acinaces.deploy.lambda_rollback:
    manifest: "{{ manifest }}"
    releases: "{{ releases.releases }}"
"""

RETURN = r"""
functions:
  description: Logical function name to its move, in the shape of a release record's functions.
  returned: always
  type: dict
  sample: {"health": {"function_name": "acinaces-production-health", "alias": "live", "previous_version": "7", "new_version": "6", "changed": true}}
summary_lines:
  description: One line per function for the operator.
  returned: always
  type: list
  elements: str
source_release:
  description: The release whose record gave the versions (null with explicit versions only).
  returned: always
  type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.acinaces.deploy.plugins.module_utils import _aws
from ansible_collections.acinaces.deploy.plugins.module_utils._lambda_release import ReleaseError, move_aliases, summary_line
from ansible_collections.acinaces.deploy.plugins.module_utils._module import run
from ansible_collections.acinaces.deploy.plugins.module_utils._release import rollback_versions


def wanted_versions(params):
    source = None
    versions = {}
    if params["releases"] or not params["versions"]:
        versions, record = rollback_versions(params["releases"], params["target"])
        source = record["id"]
    versions.update({key: str(value) for key, value in params["versions"].items()})
    unknown = sorted(set(versions) - set(params["manifest"]["functions"]))
    if unknown:
        raise ReleaseError("versions name functions the manifest does not have: %s" % ", ".join(unknown))
    return versions, source


def roll_back(module):
    params = module.params
    versions, source = wanted_versions(params)
    client = _aws.client(module, "lambda", extra_codes=["ResourceConflictException", "TooManyRequestsException"])
    functions, moves = {}, []
    for logical, version in sorted(versions.items()):
        function = params["manifest"]["functions"][logical]
        name, alias = function["function_name"], function["alias"]
        current = client.get_alias(FunctionName=name, Name=alias, aws_retry=True)["FunctionVersion"]
        functions[logical] = {
            "function_name": name, "alias": alias, "previous_version": current,
            "new_version": str(version), "changed": current != str(version),
        }
        if current != str(version):
            moves.append((name, alias, current, str(version)))
    if moves and not module.check_mode:
        move_aliases(client, moves)
        verify(client, functions)
    result = {
        "changed": bool(moves),
        "functions": functions,
        "source_release": source,
        "summary_lines": [summary_line(logical, entry) for logical, entry in sorted(functions.items())],
    }
    if module._diff:
        result["diff"] = {
            "before": {logical: entry["previous_version"] for logical, entry in functions.items() if entry["changed"]},
            "after": {logical: entry["new_version"] for logical, entry in functions.items() if entry["changed"]},
        }
    return result


def verify(client, functions):
    wrong = []
    for entry in functions.values():
        served = client.get_alias(FunctionName=entry["function_name"], Name=entry["alias"], aws_retry=True)["FunctionVersion"]
        if served != entry["new_version"]:
            wrong.append("%s serves %s, not %s" % (entry["function_name"], served, entry["new_version"]))
    if wrong:
        raise ReleaseError("The rollback did not take: %s." % "; ".join(wrong), functions=functions)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            manifest=dict(type="dict", required=True),
            releases=dict(type="list", elements="dict", default=[]),
            target=dict(type="str", default="previous"),
            versions=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    run(module, roll_back)


if __name__ == "__main__":
    main()
