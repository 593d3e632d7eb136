#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_info
short_description: Read the release records of an environment
version_added: 0.1.0
description:
  - Reads the release records of an environment from the deployment bucket
    (C(releases/<environment>/)) and the local folder, the bucket's copy winning, oldest first.
  - A run on another node (AWX) finds the records through the bucket.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  environment:
    description: The environment.
    type: str
    required: true
  directory:
    description: Local folder of the records.
    type: path
    required: true
  bucket:
    description: Deployment bucket keeping the copies; the local folder alone when omitted.
    type: str
  last:
    description: Read only the newest records (0 reads all).
    type: int
    default: 50
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
"""

RETURN = r"""
releases:
  description: The records, oldest first.
  returned: always
  type: list
  elements: dict
latest:
  description: The newest record, or null.
  returned: always
  type: dict
"""

import glob
import json
import os

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.acinaces.deploy.plugins.module_utils import _aws
from ansible_collections.acinaces.deploy.plugins.module_utils._module import run
from ansible_collections.acinaces.deploy.plugins.module_utils._release import ordered


def local_records(directory):
    records = []
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path, encoding="utf-8") as stream:
            records.append(json.load(stream))
    return records


def bucket_records(module, bucket, environment, last):
    s3 = _aws.client(module, "s3")
    prefix = "releases/%s/" % environment
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", []) if item["Key"].endswith(".json"))
    keys = sorted(keys)[-last:] if last else sorted(keys)
    return [json.loads(_aws.get_object_text(s3, bucket, key)) for key in keys]


def read(module):
    params = module.params
    records = local_records(params["directory"])
    if params["bucket"]:
        records += bucket_records(module, params["bucket"], params["environment"], params["last"])
    records = [record for record in ordered(records) if record.get("environment") == params["environment"]]
    if params["last"]:
        records = records[-params["last"]:]
    return {"changed": False, "releases": records, "latest": records[-1] if records else None}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            environment=dict(type="str", required=True),
            directory=dict(type="path", required=True),
            bucket=dict(type="str"),
            last=dict(type="int", default=50),
        ),
        supports_check_mode=True,
    )
    run(module, read)


if __name__ == "__main__":
    main()
