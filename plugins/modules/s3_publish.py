#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: s3_publish
short_description: Publish a static export to S3 with header rules, in a safe order
version_added: 0.1.0
description:
  - Uploads a directory tree (a Next.js static export) to an S3 bucket served by CloudFront.
    Each object gets its Cache-Control, Content-Type and Content-Encoding from ordered header
    rules, and a C(sha256) metadata entry.
  - "Change detection: one read of O(state_object), which records the headers, SHA-256 and
    VersionId last published per key, and one listing of the bucket (the ETag of a single-part
    upload is the MD5 of its content), made while the source is hashed. The listing is split
    at every 1,000th key of the state into key ranges listed in parallel, so an unchanged
    bucket costs one C(ListObjectsV2) call per 1,000 objects and no call waits for another.
    An object is uploaded when it is new, its content changed, or its headers no longer match
    the rules. Only an existing object the state does not vouch for (no state, or a key it
    lacks) is read with HeadObject."
  - "Order: uploads run in parallel (at most O(concurrency) at a time) in three waves, each
    started only when the previous one finished: content-hashed assets (C(_next/static/**)),
    then every other non-HTML file, then HTML. A visitor never gets a page whose assets are
    missing. Stale objects are deleted only after every upload, and only with
    O(delete_stale=true)."
  - Every upload is a single-part C(PutObject) checked against C(Content-MD5); files over
    5 GiB are refused.
  - The result lists the VersionId each upload replaced, which is what a release record keeps
    so that M(acinaces.deploy.s3_restore) can roll the site back.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  bucket:
    description:
      - The bucket the site is served from. It should be versioned, so that a release can
        be rolled back.
    type: str
    required: true
  source:
    description:
      - The directory to publish (the static export, such as C(out/)).
    type: path
    required: true
  prefix:
    description:
      - Key prefix under which the tree is published. A trailing C(/) is added when missing.
    type: str
    default: ""
  rules:
    description:
      - Header rules, read in order. For each header separately, the first matching rule
        that sets it wins. Patterns are globs on the key relative to O(source) (not including
        O(prefix)) where C(*) stays within a path segment, C(**) crosses segments and C(**/)
        matches zero or more directories.
      - With O(nextjs_defaults=true), the Next.js rules follow these ones.
    type: list
    elements: dict
    default: []
    suboptions:
      pattern:
        description:
          - Glob on the key relative to O(source), such as C(**/*.html) or C(_next/static/**).
        type: str
        required: true
      cache_control:
        description:
          - The Cache-Control header.
        type: str
      content_type:
        description:
          - The Content-Type header, instead of the one of the file's extension.
        type: str
      content_encoding:
        description:
          - The Content-Encoding header, for files stored compressed.
        type: str
  nextjs_defaults:
    description:
      - Append the Next.js rules after O(rules) - C(_next/static/**) gets
        C(public, max-age=31536000, immutable); pages (C(*.html), C(**/*.html)) and the C(.txt)
        page payloads Next writes beside them get C(no-cache).
    type: bool
    default: true
  clean_urls:
    description:
      - Also publish each page C(x.html) (but C(index.html) and C(404.html)) as C(x), with the
        page's headers, so that C(/x) answers from S3 behind CloudFront without a rewrite
        function. The copies go with the HTML, last.
    type: bool
    default: false
  default_cache_control:
    description:
      - Cache-Control of a key no rule gives one.
    type: str
    default: public, max-age=3600
  delete_stale:
    description:
      - Delete objects under O(prefix) that the source does not have, after every upload.
        Never O(protected_keys), never the state object.
    type: bool
    default: false
  protected_keys:
    description:
      - Keys (relative to O(prefix)) or globs never deleted, such as the assets the previous
        release still needs while browsers hold its pages.
    type: list
    elements: str
    default: []
  concurrency:
    description:
      - How many uploads (and HeadObject reads, and listings of key ranges) run at the same
        time, from 1 to 64.
    type: int
    default: 16
  state_object:
    description:
      - Where the record of what was last published is kept (a JSON object). Without it,
        every existing object is read with HeadObject on each run.
      - One state object per bucket and prefix. When it lives under O(prefix) of O(bucket),
        it is never treated as stale.
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
attributes:
  check_mode:
    support: full
    details:
      - The bucket and the state object are read and the exact plan is returned (uploads
        with their headers and reason, deletions); nothing is written.
  diff_mode:
    support: full
    details:
      - Before and after per changed key - headers, ETag and SHA-256, never contents.
  platform:
    platforms: posix
notes:
  - Content-Types come from the collection's own table (text types with C(charset=utf-8);
    JavaScript is C(text/javascript)), not from the machine's C(mimetypes), so that every
    controller publishes the same headers.
  - With SSE-KMS default encryption the ETag is not the MD5 of the content; changes are then
    seen through O(state_object) (the ETag and SHA-256 it recorded), and the first run without
    it uploads every file once.
  - A header edited out of band on an object whose content and state entry are unchanged is
    not seen; run once without O(state_object) to check every object.
seealso:
  - module: acinaces.deploy.cloudfront_invalidate
  - module: acinaces.deploy.s3_restore
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: Publish the export, HTML last, stale objects kept
  acinaces.deploy.s3_publish:
    bucket: "{{ manifest.buckets.frontend }}"
    source: "{{ frontend_dir }}/out"
    state_object:
      bucket: "{{ manifest.buckets.deployment }}"
      key: "frontend/{{ environment_name }}/publish-state.json"
  register: published

- name: Custom rules before the Next.js ones; delete what the export dropped, except old chunks
  acinaces.deploy.s3_publish:
    bucket: site-bucket
    source: out
    rules:
      - pattern: "sw.js"
        cache_control: no-cache
      - pattern: "**/*.js.gz"
        content_type: text/javascript; charset=utf-8
        content_encoding: gzip
    delete_stale: true
    protected_keys:
      - "_next/static/**"
"""

RETURN = r"""
uploaded:
  description: Every upload (planned in check mode), in write order.
  returned: success
  type: list
  elements: dict
  contains:
    key:
      description: Object key.
      type: str
    reason:
      description: C(new), C(content) (the content changed) or C(headers) (only headers changed).
      type: str
    version_id:
      description: VersionId written (C(null) in check mode or on an unversioned bucket).
      type: str
    previous_version_id:
      description: VersionId replaced, C(null) when the key is new.
      type: str
    content_type:
      description: Content-Type.
      type: str
    cache_control:
      description: Cache-Control.
      type: str
    content_encoding:
      description: Content-Encoding, C(null) when none.
      type: str
    sha256:
      description: SHA-256 of the content (also stored as the C(sha256) metadata).
      type: str
    size:
      description: Size in bytes.
      type: int
  sample: [{"key": "index.html", "reason": "content", "version_id": "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY",
            "previous_version_id": "2cXnuDVSNCdvZ0jsFCbyCLWBvD1ZfTMn", "content_type": "text/html; charset=utf-8",
            "cache_control": "no-cache", "content_encoding": null, "sha256": "9f86d0...", "size": 5120}]
unchanged:
  description: Keys already current.
  returned: success
  type: list
  elements: str
deleted:
  description: Stale objects deleted (planned in check mode).
  returned: success
  type: list
  elements: dict
  contains:
    key:
      description: Object key.
      type: str
    previous_version_id:
      description: VersionId that was current.
      type: str
    delete_marker_version_id:
      description: VersionId of the delete marker (C(null) in check mode).
      type: str
stale:
  description: Keys under the prefix that the source lacks, deleted or not.
  returned: success
  type: list
  elements: str
protected:
  description: Stale keys kept because they match O(protected_keys).
  returned: success
  type: list
  elements: str
waves:
  description: The write order - three waves (C(assets), C(files), C(html)) with their keys.
  returned: success
  type: list
  elements: dict
  sample: [{"name": "assets", "keys": ["_next/static/chunks/main-1a2b.js"]}, {"name": "files", "keys": []},
           {"name": "html", "keys": ["index.html"]}]
changed_keys:
  description: Keys uploaded or deleted, for invalidation planning (O(acinaces.deploy.cloudfront_invalidate#module:keys)).
  returned: success
  type: list
  elements: str
counts:
  description: Numbers of files, uploads, unchanged, deletions, stale and protected keys, and keys read with HeadObject (C(looked_up)).
  returned: success
  type: dict
  sample: {"files": 42, "uploaded": 1, "unchanged": 41, "deleted": 0, "stale": 0, "protected": 0, "looked_up": 0}
requests:
  description: HTTP requests sent to S3, per operation (retries included).
  returned: success
  type: dict
  sample: {"GetObject": 1, "ListObjectsV2": 1, "PutObject": 2}
state:
  description: The state object, C(null) without O(state_object).
  returned: success
  type: dict
  contains:
    uri:
      description: s3:// address.
      type: str
    changed:
      description: Whether it was (or would be) rewritten.
      type: bool
    version_id:
      description: VersionId written by this run.
      type: str
failed:
  description: On a failed wave, each key that failed with its error.
  returned: failure
  type: list
  elements: dict
completed:
  description: On a failed wave, the uploads that completed (key, etag, version_id).
  returned: failure
  type: list
  elements: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.acinaces.deploy.plugins.module_utils import _aws
from ansible_collections.acinaces.deploy.plugins.module_utils._module import run
from ansible_collections.acinaces.deploy.plugins.module_utils._s3_objects import Objects
from ansible_collections.acinaces.deploy.plugins.module_utils._s3_publish import Publication, Spec


def publish(module):
    spec = Spec.from_params(module.params)
    client = _aws.pooled_client(module, "s3", spec.concurrency)
    result = Publication(Objects(client, spec.bucket), spec, module.check_mode).run()
    for warning in result.pop("warnings"):
        module.warn(warning)
    diff = result.pop("diff")
    if module._diff:
        result["diff"] = diff
    return result


def main():
    rule = dict(
        pattern=dict(type="str", required=True),
        cache_control=dict(type="str"),
        content_type=dict(type="str"),
        content_encoding=dict(type="str"),
    )
    argument_spec = dict(
        bucket=dict(type="str", required=True),
        source=dict(type="path", required=True),
        prefix=dict(type="str", default=""),
        rules=dict(type="list", elements="dict", default=[], options=rule),
        nextjs_defaults=dict(type="bool", default=True),
        clean_urls=dict(type="bool", default=False),
        default_cache_control=dict(type="str", default="public, max-age=3600"),
        delete_stale=dict(type="bool", default=False),
        protected_keys=dict(type="list", elements="str", default=[], no_log=False),
        concurrency=dict(type="int", default=16),
        state_object=dict(type="dict", options=dict(bucket=dict(type="str", required=True), key=dict(type="str", required=True, no_log=False))),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run(module, publish)


if __name__ == "__main__":
    main()
