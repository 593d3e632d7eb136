#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: deploy_manifest
short_description: Map Terraform outputs to the validated deployment manifest of an environment
version_added: 0.1.0
description:
  - Builds the manifest (one JSON document per environment, with a C(manifest_version)) from
    Terraform outputs. It names the API, Lambda functions, buckets, CloudFront, DNS, certificates,
    secrets, KMS key, DynamoDB tables, Redis, Timestream and monitoring resources. Every later
    stage reads it; none derives a resource name by itself.
  - Every required field is checked; all missing or malformed fields are named in one error,
    and then nothing is written, so a bad manifest never replaces a good one.
  - The file is replaced atomically and only when its content changes. A copy is kept in the
    environment's deployment bucket, so that a run on another node (AWX) finds it.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  environment:
    description:
      - The environment the manifest describes (C(local), C(test), C(production), ...).
      - When the outputs carry an C(environment) output, it must match.
    type: str
    required: true
  terraform_outputs:
    description:
      - Output name to value, as returned by M(acinaces.deploy.terraform_apply).
    type: dict
    required: true
  output_map:
    description:
      - Manifest field (dotted path, such as C(cloudfront.distribution_id)) to the output that
        fills it, for Terraform projects whose outputs are named differently.
    type: dict
    default: {}
  path:
    description:
      - The manifest file, conventionally C(<output folder>/manifest.json).
    type: path
    required: true
  store_in_bucket:
    description:
      - Keep a copy in the manifest's deployment bucket.
    type: bool
    default: true
  bucket_key:
    description:
      - Object key of the copy. Defaults to C(manifests/<environment>/manifest.json).
    type: str
attributes:
  check_mode:
    support: full
    details:
      - The manifest is built and validated; nothing is written. C(changed) tells whether the
        file or the bucket copy would change.
  diff_mode:
    support: full
    details:
      - Returns the manifest before and after. The manifest names resources only; it holds
        no secret values.
  platform:
    platforms: posix
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: Capture the outputs into the manifest
  acinaces.deploy.deploy_manifest:
    environment: production
    terraform_outputs: "{{ applied.outputs }}"
    path: "{{ deploy_output_dir }}/manifest.json"

- name: A project whose distribution output has another name
  acinaces.deploy.deploy_manifest:
    environment: test
    terraform_outputs: "{{ applied.outputs }}"
    output_map:
      cloudfront.distribution_id: cdn_id
    path: deployment/test/manifest.json
"""

RETURN = r"""
manifest:
  description: The manifest.
  returned: success
  type: dict
  sample: {"manifest_version": 1, "environment": "local", "region": "us-east-1"}
path:
  description: The manifest file.
  returned: success
  type: str
file_changed:
  description: Whether the file was (or in check mode would be) replaced.
  returned: success
  type: bool
bucket_copy:
  description: The copy in the deployment bucket, C(null) when O(store_in_bucket=false).
  returned: success
  type: dict
  contains:
    uri:
      description: s3:// address of the copy.
      type: str
    changed:
      description: Whether the copy was (or would be) written.
      type: bool
    version_id:
      description: VersionId of the copy written by this run.
      type: str
problems:
  description: On failure, every field at fault with its output and the problem.
  returned: failure
  type: list
  elements: dict
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.acinaces.deploy.plugins.module_utils import _aws
from ansible_collections.acinaces.deploy.plugins.module_utils._files import atomic_write, read_text
from ansible_collections.acinaces.deploy.plugins.module_utils._manifest import build, dumps
from ansible_collections.acinaces.deploy.plugins.module_utils._module import run


def parse_existing(text):
    """The manifest already stored, or None when absent or unreadable."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def store_copy(module, manifest, text):
    bucket = manifest["buckets"]["deployment"]
    key = module.params["bucket_key"] or "manifests/%s/manifest.json" % manifest["environment"]
    s3 = _aws.client(module, "s3")
    changed = _aws.get_object_text(s3, bucket, key) != text
    version_id = None
    if changed and not module.check_mode:
        version_id = _aws.put_text(s3, bucket, key, text)
    return {"uri": "s3://%s/%s" % (bucket, key), "changed": changed, "version_id": version_id}


def capture(module):
    params = module.params
    manifest = build(params["environment"], params["terraform_outputs"], params["output_map"])
    text = dumps(manifest)
    previous_text = read_text(params["path"])
    file_changed = previous_text != text
    if file_changed and not module.check_mode:
        atomic_write(params["path"], text)
    bucket_copy = store_copy(module, manifest, text) if params["store_in_bucket"] else None
    result = {
        "changed": file_changed or bool(bucket_copy and bucket_copy["changed"]),
        "manifest": manifest,
        "path": params["path"],
        "file_changed": file_changed,
        "bucket_copy": bucket_copy,
    }
    if module._diff:
        result["diff"] = {"before": parse_existing(previous_text) or {}, "after": manifest}
    return result


def main():
    argument_spec = dict(
        environment=dict(type="str", required=True),
        terraform_outputs=dict(type="dict", required=True),
        output_map=dict(type="dict", default={}),
        path=dict(type="path", required=True),
        store_in_bucket=dict(type="bool", default=True),
        bucket_key=dict(type="str", no_log=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run(module, capture)


if __name__ == "__main__":
    main()
