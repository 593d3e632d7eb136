#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: terraform_plan
short_description: Initialise a Terraform project and save a plan with a per-resource summary
version_added: 0.1.0
description:
  - Runs C(terraform init -reconfigure) with the given backend settings, then
    C(terraform plan -out) into O(plan_file), then reads the saved plan with
    C(terraform show -json) and returns what it would do, per resource, as data and as text.
  - Written because community.general.terraform plans and applies in one call and returns no
    per-resource summary, and cloud.terraform is not part of the C(ansible) package. An approval
    gate between a saved plan and its application needs both.
  - Pair with M(acinaces.deploy.terraform_apply), which applies exactly the saved plan.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - acinaces.deploy.terraform
options:
  plan_file:
    description:
      - Where the plan is saved. Its SHA-256 is returned so that the apply can refuse any
        other file.
    type: path
    required: true
  backend_config:
    description:
      - Backend settings written to a backend configuration file in O(data_dir) and passed
        with C(-backend-config). Nested maps (such as the S3 backend's C(endpoints)) are allowed.
    type: dict
    default: {}
  backend_config_files:
    description:
      - Further backend configuration files.
    type: list
    elements: path
    default: []
  variables:
    description:
      - Input variables, written to a variables file in O(data_dir) (mode 0600) rather than the
        command line, so they never show in a process listing.
    type: dict
    default: {}
  variable_files:
    description:
      - Further variable files.
    type: list
    elements: path
    default: []
  reconfigure:
    description:
      - Pass C(-reconfigure) to C(terraform init), ignoring any backend settings saved before.
    type: bool
    default: true
  destroy:
    description:
      - Plan the destruction of every resource instead.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details:
      - The real plan is computed into a temporary file, which is removed; O(plan_file) is
        not written. C(changed) tells whether the plan holds changes.
  diff_mode:
    support: none
  platform:
    platforms: posix
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: Plan the infrastructure
  acinaces.deploy.terraform_plan:
    project_path: "{{ terraform_project_dir }}"
    data_dir: "{{ deploy_output_dir }}/terraform/data"
    plan_file: "{{ deploy_output_dir }}/terraform/infrastructure.tfplan"
    backend_config:
      bucket: acinaces-local-tfstate
      key: trading-app/local.tfstate
      region: us-east-1
      dynamodb_table: acinaces-local-tflock
    variables:
      environment: local
  register: plan

- name: Show the summary
  ansible.builtin.debug:
    msg: "{{ plan.summary_lines }}"
"""

RETURN = r"""
changed:
  description: Whether the plan holds changes.
  returned: always
  type: bool
plan_file:
  description: The saved plan (null in check mode).
  returned: always
  type: str
plan_sha256:
  description: SHA-256 of the saved plan (null in check mode).
  returned: always
  type: str
summary:
  description: What the plan would do.
  returned: always
  type: dict
  contains:
    counts:
      description: Resources to add, change and destroy, counted as terraform counts them.
      type: dict
      sample: {"add": 2, "change": 1, "destroy": 0}
    has_changes:
      description: Whether anything (resources or outputs) would change.
      type: bool
    resources:
      description: One entry per resource that would change.
      type: list
      elements: dict
      sample: [{"address": "module.buckets[\"frontend\"].terraform_data.converge", "action": "create"}]
    outputs:
      description: Output name to action.
      type: dict
    changes_sha256:
      description:
        - SHA-256 of the changes (each changing resource's address, actions and values before
          and after, and each changing output). Planning the same changes to the same state
          again gives the same digest, so an approval given to one plan can be checked against
          a later one (the terraform role's C(terraform_approved_plan)).
      type: str
      sample: sha256:5f1c0a9e4b7d2c3a8e6f0b1d9c2e4a7f3b5d8c0e1f2a4b6c8d0e2f4a6b8c0d2e
summary_lines:
  description: The summary as text lines for an operator.
  returned: always
  type: list
  elements: str
  sample: ["Plan: 1 to add, 0 to change, 0 to destroy", "  +   create   terraform_data.example"]
outputs:
  description: The current outputs (before the plan is applied), name to value; sensitive ones left out.
  returned: always
  type: dict
sensitive_outputs:
  description: Names of the outputs left out because they are sensitive.
  returned: always
  type: list
  elements: str
terraform_version:
  description: Version of the terraform that planned.
  returned: always
  type: str
diagnostics:
  description: On failure, terraform's errors and warnings (severity, summary, detail, address).
  returned: failure
  type: list
  elements: dict
stage:
  description: On failure, the terraform command that failed (init, plan, show, output).
  returned: failure
  type: str
environment_state:
  description: On failure, what the failure left (always unchanged for a plan).
  returned: failure
  type: str
guidance:
  description: On failure, what to do next.
  returned: failure
  type: str
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acinaces.deploy.plugins.module_utils._module import run
from ansible_collections.acinaces.deploy.plugins.module_utils._files import file_sha256, write_private_file
from ansible_collections.acinaces.deploy.plugins.module_utils._terraform import (
    TERRAFORM_COMMON_ARGS,
    commands_for,
    render_backend_config,
)


def plan(module):
    params = module.params
    terraform, data_dir = commands_for(module)
    backend_files = list(params["backend_config_files"])
    if params["backend_config"]:
        path = os.path.join(data_dir, "backend.tfbackend")
        write_private_file(path, render_backend_config(params["backend_config"]))
        backend_files.insert(0, path)
    var_files = list(params["variable_files"])
    if params["variables"]:
        path = os.path.join(data_dir, "variables.auto.tfvars.json")
        write_private_file(path, module.jsonify(params["variables"]))
        var_files.insert(0, path)

    version = terraform.version()
    terraform.init(backend_files, reconfigure=params["reconfigure"])
    plan_file = os.path.abspath(params["plan_file"])
    if module.check_mode:
        handle, plan_file = tempfile.mkstemp(prefix="check-", suffix=".tfplan", dir=data_dir)
        os.close(handle)
    else:
        os.makedirs(os.path.dirname(plan_file), exist_ok=True)
    try:
        terraform.plan(plan_file, var_files, destroy=params["destroy"], lock_timeout=params["lock_timeout"])
        summary = terraform.show_plan(plan_file)
        digest = None if module.check_mode else file_sha256(plan_file)
    finally:
        if module.check_mode:
            os.unlink(plan_file)
    if not module.check_mode:
        os.chmod(plan_file, 0o600)
    outputs, sensitive = terraform.outputs()
    return {
        "changed": summary.has_changes,
        "plan_file": None if module.check_mode else plan_file,
        "plan_sha256": digest,
        "summary": summary.to_dict(),
        "summary_lines": summary.lines(),
        "outputs": outputs,
        "sensitive_outputs": sensitive,
        "terraform_version": version,
    }


def main():
    argument_spec = dict(
        TERRAFORM_COMMON_ARGS,
        plan_file=dict(type="path", required=True),
        backend_config=dict(type="dict", default={}),
        backend_config_files=dict(type="list", elements="path", default=[]),
        variables=dict(type="dict", default={}),
        variable_files=dict(type="list", elements="path", default=[]),
        reconfigure=dict(type="bool", default=True),
        destroy=dict(type="bool", default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run(module, plan)


if __name__ == "__main__":
    main()
