#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lambda_package
short_description: Build one reproducible ZIP per Lambda handler
version_added: 0.1.0
description:
  - For each function, zips the built file of its handler module (C(<module>.js) for the
    handler C(<module>.handler)) into C(<dest>/<logical name>.zip).
  - ZIPs are reproducible (sorted entries, fixed dates, permissions and compression), so the
    same build gives byte-identical ZIPs with the same SHA-256, and an unchanged handler is
    never uploaded or republished.
  - Written because community.general.archive stamps file times into the archive, so equal
    sources give different ZIPs.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  source:
    description: The build output folder holding one file per handler module.
    type: path
    required: true
  dest:
    description: Where the ZIPs are written.
    type: path
    required: true
  functions:
    description:
      - Logical function name to its handler (C(<module>.<export>)), as in the manifest.
      - Exactly one package is built per entry.
    type: dict
    required: true
  extra_files:
    description: Files of O(source) added to every package (shared assets).
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    details:
      - The packages are built in memory and compared with the ZIPs in O(dest); nothing is written.
  diff_mode:
    support: none
  platform:
    platforms: posix
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: Package every handler
  acinaces.deploy.lambda_package:
    source: "{{ backend_dir }}/dist"
    dest: "{{ deploy_output_dir }}/packages"
    functions:
      health: health.handler
      strategy_templates: strategy-templates.handler
"""

RETURN = r"""
packages:
  description: Logical function name to its package.
  returned: always
  type: dict
  sample:
    health:
      path: /srv/deployment/local/packages/health.zip
      sha256: 9f2c...
      code_sha256: nywG...=
      size: 12345
      changed: false
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acinaces.deploy.plugins.module_utils._files import atomic_write, file_sha256
from ansible_collections.acinaces.deploy.plugins.module_utils._module import run
from ansible_collections.acinaces.deploy.plugins.module_utils._package import build_package, handler_module


def package_all(module):
    params = module.params
    packages = {}
    for logical, handler in sorted(params["functions"].items()):
        built = build_package(params["source"], handler_module(handler), params["extra_files"])
        path = os.path.join(params["dest"], "%s.zip" % logical)
        changed = not os.path.isfile(path) or file_sha256(path) != built["sha256"]
        if changed and not module.check_mode:
            atomic_write(path, built["data"])
        packages[logical] = {
            "path": path,
            "sha256": built["sha256"],
            "code_sha256": built["code_sha256"],
            "size": built["size"],
            "changed": changed,
        }
    return {"changed": any(item["changed"] for item in packages.values()), "packages": packages}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            source=dict(type="path", required=True),
            dest=dict(type="path", required=True),
            functions=dict(type="dict", required=True),
            extra_files=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    run(module, package_all)


if __name__ == "__main__":
    main()
