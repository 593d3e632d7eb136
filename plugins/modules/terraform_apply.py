#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: terraform_apply
short_description: Apply exactly a saved Terraform plan and return the outputs
version_added: 0.1.0
description:
  - Applies the plan saved by M(acinaces.deploy.terraform_plan), after checking that the file
    is the one that was summarised and approved (O(plan_sha256)), then returns
    C(terraform output -json) as plain values.
  - A plan without changes is not applied; the outputs are read all the same.
  - On failure the result says which stage failed, the state the environment is in, and
    what to do next.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - acinaces.deploy.terraform
options:
  plan_file:
    description:
      - The saved plan to apply.
    type: path
    required: true
  plan_sha256:
    description:
      - The SHA-256 returned when the plan was made. When set, any other file is refused.
    type: str
attributes:
  check_mode:
    support: full
    details:
      - Nothing is applied. C(changed) tells whether the plan holds changes; the outputs
        returned are the current ones.
  diff_mode:
    support: none
  platform:
    platforms: posix
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: Apply the approved plan
  acinaces.deploy.terraform_apply:
    project_path: "{{ terraform_project_dir }}"
    data_dir: "{{ deploy_output_dir }}/terraform/data"
    plan_file: "{{ plan.plan_file }}"
    plan_sha256: "{{ plan.plan_sha256 }}"
  register: applied
"""

RETURN = r"""
changed:
  description: Whether the plan held changes (and, out of check mode, was applied).
  returned: always
  type: bool
applied:
  description: Whether terraform apply ran.
  returned: always
  type: bool
resources:
  description: What the apply did, per resource, in the order it finished.
  returned: always
  type: list
  elements: dict
  sample: [{"address": "terraform_data.example", "action": "create", "seconds": 2}]
summary:
  description: What the plan did (same shape as M(acinaces.deploy.terraform_plan)'s summary).
  returned: always
  type: dict
outputs:
  description: Output name to value. Sensitive outputs are left out.
  returned: always
  type: dict
sensitive_outputs:
  description: Names of the outputs left out because they are sensitive.
  returned: always
  type: list
  elements: str
diagnostics:
  description: On failure, terraform's errors and warnings (severity, summary, detail, address).
  returned: failure
  type: list
  elements: dict
stage:
  description: On failure, the terraform command that failed (init, plan, show, apply, output).
  returned: failure
  type: str
environment_state:
  description: On failure, what the failure left (unchanged, partially applied, applied).
  returned: failure
  type: str
guidance:
  description: On failure, what to do next.
  returned: failure
  type: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acinaces.deploy.plugins.module_utils._errors import TerraformError
from ansible_collections.acinaces.deploy.plugins.module_utils._files import file_sha256
from ansible_collections.acinaces.deploy.plugins.module_utils._module import run
from ansible_collections.acinaces.deploy.plugins.module_utils._terraform import TERRAFORM_COMMON_ARGS, commands_for


def check_plan_file(plan_file, expected_sha256):
    if not os.path.isfile(plan_file):
        raise TerraformError(
            "plan file %s does not exist" % plan_file,
            guidance="Nothing was changed. Plan again (the infrastructure phase does both).",
            stage="apply",
            environment_state="unchanged",
        )
    if expected_sha256 and file_sha256(plan_file) != expected_sha256:
        raise TerraformError(
            "plan file %s is not the plan that was summarised and approved" % plan_file,
            guidance="Nothing was changed. Plan and approve again.",
            stage="apply",
            environment_state="unchanged",
        )


def apply(module):
    params = module.params
    plan_file = os.path.abspath(params["plan_file"])
    check_plan_file(plan_file, params["plan_sha256"])
    terraform = commands_for(module)[0]
    summary = terraform.show_plan(plan_file)
    applied = summary.has_changes and not module.check_mode
    resources = terraform.apply(plan_file, lock_timeout=params["lock_timeout"]) if applied else []
    outputs, sensitive = terraform.outputs()
    return {
        "changed": summary.has_changes,
        "applied": applied,
        "resources": resources,
        "summary": summary.to_dict(),
        "outputs": outputs,
        "sensitive_outputs": sensitive,
    }


def main():
    argument_spec = dict(
        TERRAFORM_COMMON_ARGS,
        plan_file=dict(type="path", required=True),
        plan_sha256=dict(type="str"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run(module, apply)


if __name__ == "__main__":
    main()
