#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: release_record
short_description: Write what a run changed into its release record, locally and in the deployment bucket
version_added: 0.1.0
description:
  - A release record is one JSON document per run that changed something. Each phase merges
    its section (C(functions), C(frontend), C(validation), C(approval)) into the record of the
    run; sections not given are kept.
  - The record is written atomically to O(directory) and copied to
    C(releases/<environment>/<id>.json) in O(bucket), only when its content changes.
  - Rollback needs nothing else than these records.
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
  release_id:
    description: Id of the run's release, C(<YYYYmmddTHHMMSSZ>-<suffix>); ids sort by time.
    type: str
    required: true
  kind:
    description: What the run did.
    type: str
    choices: [deploy, rollback]
    default: deploy
  time:
    description: When the release started (ISO 8601, UTC). Kept from the first write.
    type: str
    required: true
  git_revision:
    description: Revision of the application that was released.
    type: str
  rolls_back:
    description: For a rollback, the release it went back from.
    type: str
  sections:
    description: Sections to set, by name (C(functions), C(frontend), C(validation), C(approval)).
    type: dict
    default: {}
  directory:
    description: Local folder of the records (conventionally C(<output folder>/releases)).
    type: path
    required: true
  bucket:
    description: Deployment bucket keeping a copy; none when omitted.
    type: str
attributes:
  check_mode:
    support: full
    details:
      - The record is merged and compared; nothing is written.
  diff_mode:
    support: full
    details:
      - The record before and after. Records hold versions, keys and digests, never secrets.
  platform:
    platforms: posix
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: Record the backend release
  acinaces.deploy.release_record:
    environment: production
    release_id: "{{ deploy_release_id }}"
    time: "{{ deploy_release_time }}"
    sections:
      functions: "{{ released.functions }}"
    directory: "{{ deploy_output_dir }}/releases"
    bucket: "{{ manifest.buckets.deployment }}"
"""

RETURN = r"""
record:
  description: The release record.
  returned: always
  type: dict
path:
  description: The local file of the record.
  returned: always
  type: str
uri:
  description: The copy in the bucket (null without O(bucket)).
  returned: always
  type: str
"""

import json
import os

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.acinaces.deploy.plugins.module_utils import _aws
from ansible_collections.acinaces.deploy.plugins.module_utils._files import atomic_write, read_text
from ansible_collections.acinaces.deploy.plugins.module_utils._module import run
from ansible_collections.acinaces.deploy.plugins.module_utils._release import bucket_key, dumps, merged, new_record


def write(module):
    params = module.params
    path = os.path.join(params["directory"], "%s.json" % params["release_id"])
    key = bucket_key(params["environment"], params["release_id"])
    s3 = _aws.client(module, "s3") if params["bucket"] else None
    local_text = read_text(path)
    remote_text = _aws.get_object_text(s3, params["bucket"], key) if s3 else None
    existing = json.loads(local_text or remote_text) if (local_text or remote_text) else None
    base = existing or new_record(
        params["environment"], params["release_id"], params["kind"], params["time"],
        params["git_revision"], params["rolls_back"],
    )
    record = merged(base, params["sections"])
    text = dumps(record)
    file_changed, copy_changed = local_text != text, bool(s3) and remote_text != text
    if not module.check_mode:
        if file_changed:
            atomic_write(path, text)
        if copy_changed:
            _aws.put_text(s3, params["bucket"], key, text)
    result = {
        "changed": file_changed or copy_changed,
        "record": record,
        "path": path,
        "uri": "s3://%s/%s" % (params["bucket"], key) if s3 else None,
    }
    if module._diff:
        result["diff"] = {"before": existing or {}, "after": record}
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            environment=dict(type="str", required=True),
            release_id=dict(type="str", required=True),
            kind=dict(type="str", choices=["deploy", "rollback"], default="deploy"),
            time=dict(type="str", required=True),
            git_revision=dict(type="str"),
            rolls_back=dict(type="str"),
            sections=dict(type="dict", default={}),
            directory=dict(type="path", required=True),
            bucket=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    run(module, write)


if __name__ == "__main__":
    main()
