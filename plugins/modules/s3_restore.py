#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: s3_restore
short_description: Roll a static site back to earlier S3 object versions
version_added: 0.1.0
description:
  - Makes earlier versions of objects current again and deletes the keys the release being
    restored did not have. This is the frontend half of a rollback; the versions come from the
    release record (the C(previous_version_id) of each key M(acinaces.deploy.s3_publish)
    returned).
  - Each version is copied over the current object (C(CopyObject) with the source VersionId
    and C(MetadataDirective=COPY)), so its content, metadata and headers come back with it.
    Copies run in the same waves as a publish (content-hashed assets, other files, HTML last);
    deletions come after every copy.
  - Refuses a bucket whose versioning is not C(Enabled).
  - Idempotent - an object whose current content (ETag) and headers already are those of the
    target version is left alone, and so is a key to delete that is already absent.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  bucket:
    description:
      - The versioned bucket the site is served from.
    type: str
    required: true
  objects:
    description:
      - The objects to bring back, each the key and the VersionId it had in the release
        to go back to.
      - Mutually exclusive with O(publish_result). One of O(objects), O(delete_keys) and
        O(publish_result) is required.
    type: list
    elements: dict
    suboptions:
      key:
        description:
          - Object key.
        type: str
        required: true
      version_id:
        description:
          - The VersionId to make current again.
        type: str
        required: true
  delete_keys:
    description:
      - Keys the release to go back to did not have.
      - Mutually exclusive with O(publish_result).
    type: list
    elements: str
  publish_result:
    description:
      - Undo one publish - the result of M(acinaces.deploy.s3_publish) (or a release record's
        copy of its C(uploaded) and C(deleted) lists). Replaced and deleted objects get their
        C(previous_version_id) back; keys that publish created are deleted.
    type: dict
  state_object:
    description:
      - The O(acinaces.deploy.s3_publish#module:state_object) of this bucket. The entries of the
        keys restored or deleted are removed from it, so that the next publish reads those
        objects afresh rather than trust a record the rollback made untrue.
    type: dict
    suboptions:
      bucket:
        description:
          - Bucket of the state object.
        type: str
        required: true
      key:
        description:
          - Key of the state object.
        type: str
        required: true
  concurrency:
    description:
      - How many reads and copies run at the same time, from 1 to 64.
    type: int
    default: 16
attributes:
  check_mode:
    support: full
    details:
      - The current and target versions are read; the objects that would be restored and the
        keys that would be deleted are returned, and nothing is written.
  diff_mode:
    support: full
    details:
      - Before and after per key - VersionId, ETag, headers and SHA-256 metadata, never contents.
  platform:
    platforms: posix
notes:
  - A restored object is a new version with the old content; its VersionId is returned as
    C(new_version_id), and its previous one as C(previous_version_id), so that the rollback
    itself can be undone the same way.
seealso:
  - module: acinaces.deploy.s3_publish
  - module: acinaces.deploy.cloudfront_invalidate
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: Undo the last publish
  acinaces.deploy.s3_restore:
    bucket: "{{ manifest.buckets.frontend }}"
    publish_result: "{{ release.frontend }}"
    state_object:
      bucket: "{{ manifest.buckets.deployment }}"
      key: "frontend/{{ environment_name }}/publish-state.json"
  register: restored

- name: Restore explicit versions
  acinaces.deploy.s3_restore:
    bucket: site-bucket
    objects:
      - key: index.html
        version_id: 3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY
      - key: about.html
        version_id: 4K2dZ_0YsWbTlUo2PmTzE8.jR3MhWcla
    delete_keys:
      - pricing.html

- name: Invalidate what the rollback changed
  acinaces.deploy.cloudfront_invalidate:
    distribution_id: "{{ manifest.cloudfront.distribution_id }}"
    keys: "{{ restored.changed_keys }}"
"""

RETURN = r"""
restored:
  description: Objects made current again (planned in check mode), in write order.
  returned: success
  type: list
  elements: dict
  contains:
    key:
      description: Object key.
      type: str
    from_version_id:
      description: The version copied.
      type: str
    previous_version_id:
      description: The version that was current, C(null) when the key was absent.
      type: str
    new_version_id:
      description: The version the copy created (C(null) in check mode).
      type: str
deleted:
  description: Keys deleted (planned in check mode).
  returned: success
  type: list
  elements: dict
  contains:
    key:
      description: Object key.
      type: str
    previous_version_id:
      description: The version that was current.
      type: str
    delete_marker_version_id:
      description: VersionId of the delete marker (C(null) in check mode).
      type: str
unchanged:
  description: Keys already as asked.
  returned: success
  type: list
  elements: str
waves:
  description: The write order of the copies - C(assets), C(files), C(html).
  returned: success
  type: list
  elements: dict
changed_keys:
  description: Keys restored or deleted, for O(acinaces.deploy.cloudfront_invalidate#module:keys).
  returned: success
  type: list
  elements: str
state_changed:
  description: Whether entries were (or would be) removed from O(state_object).
  returned: success
  type: bool
requests:
  description: HTTP requests sent to S3, per operation.
  returned: success
  type: dict
  sample: {"CopyObject": 3, "DeleteObjects": 1, "GetBucketVersioning": 1, "HeadObject": 42}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.acinaces.deploy.plugins.module_utils import _aws
from ansible_collections.acinaces.deploy.plugins.module_utils._module import run
from ansible_collections.acinaces.deploy.plugins.module_utils._s3_objects import Objects, check_concurrency
from ansible_collections.acinaces.deploy.plugins.module_utils._s3_restore import (
    Restoration,
    check_targets,
    targets_from_publish,
)


def restore(module):
    params = module.params
    objects, delete_keys = params["objects"] or [], params["delete_keys"] or []
    if params["publish_result"] is not None:
        objects, delete_keys = targets_from_publish(params["publish_result"])
    targets = check_targets(objects, delete_keys)
    concurrency = check_concurrency(params["concurrency"])
    client = _aws.pooled_client(module, "s3", concurrency)
    objects_of_bucket = Objects(client, params["bucket"])
    result = Restoration(objects_of_bucket, targets, delete_keys, concurrency, module.check_mode, params["state_object"]).run()
    diff = result.pop("diff")
    if module._diff:
        result["diff"] = diff
    return result


def main():
    argument_spec = dict(
        bucket=dict(type="str", required=True),
        objects=dict(
            type="list", elements="dict",
            options=dict(key=dict(type="str", required=True, no_log=False), version_id=dict(type="str", required=True)),
        ),
        delete_keys=dict(type="list", elements="str", no_log=False),
        publish_result=dict(type="dict"),
        state_object=dict(type="dict", options=dict(bucket=dict(type="str", required=True), key=dict(type="str", required=True, no_log=False))),
        concurrency=dict(type="int", default=16),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("publish_result", "objects"), ("publish_result", "delete_keys")],
        required_one_of=[("publish_result", "objects", "delete_keys")],
    )
    run(module, restore)


if __name__ == "__main__":
    main()
