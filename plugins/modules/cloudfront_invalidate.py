#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cloudfront_invalidate
short_description: Invalidate exactly what a publish changed on a CloudFront distribution
version_added: 0.1.0
description:
  - Plans the paths a set of changed S3 keys needs (or takes O(paths) as given), fits them into
    CloudFront's limits and creates one invalidation; optionally waits for it.
  - "Planning from O(keys): content-hashed assets (C(_next/static/**)) are never invalidated
    (they are immutable); C(dir/index.html) also invalidates C(/dir/) (C(/) at the root) and
    C(x.html) also C(/x) (clean URLs). A directory with at least O(collapse_threshold) paths
    becomes one wildcard (C(/dir/*))."
  - "Limits: at most 3,000 file paths and 15 wildcard paths in progress per distribution
    (the paths of invalidations already in progress count), at most 3,000 paths per request.
    When the paths do not fit, directories are collapsed into wildcards, and as a last resort
    the whole distribution is invalidated (C(/*))."
  - "A run does not create a second invalidation for the same request: with O(release_id) (or
    O(caller_reference)), the same release and paths always give the same caller reference,
    and an invalidation created with it in the last hour is returned instead (C(reused)).
    Without them, an invalidation still in progress for the same requested paths is reused,
    and otherwise a new one is created."
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  distribution_id:
    description:
      - The distribution.
    type: str
    required: true
  keys:
    description:
      - Changed S3 keys to plan the paths from, such as the C(changed_keys) of
        M(acinaces.deploy.s3_publish) or M(acinaces.deploy.s3_restore).
      - Mutually exclusive with O(paths).
    type: list
    elements: str
  paths:
    description:
      - Paths to invalidate as given (each starting with C(/), a C(*) only at the end), still
        fitted into the limits.
      - Mutually exclusive with O(keys).
    type: list
    elements: str
  origin_path:
    description:
      - The origin path of the distribution's S3 origin (the publish O(acinaces.deploy.s3_publish#module:prefix)),
        removed from each key to give its URL path.
    type: str
    default: ""
  all_paths:
    description:
      - Invalidate everything (C(/*)), whatever the keys.
    type: bool
    default: false
  collapse_threshold:
    description:
      - A directory with at least this many paths is invalidated as C(/dir/*).
    type: int
    default: 10
  wait:
    description:
      - Wait until the invalidation has completed.
    type: bool
    default: false
  wait_timeout:
    description:
      - How long to wait, in seconds.
    type: int
    default: 600
  on_timeout:
    description:
      - What to do when the invalidation has not completed after O(wait_timeout) seconds -
        C(fail), or C(warn) and return its status.
    type: str
    choices: [fail, warn]
    default: fail
  release_id:
    description:
      - The release the invalidation belongs to. It makes the caller reference deterministic,
        so that a retried run returns the invalidation of the first.
    type: str
  caller_reference:
    description:
      - The caller reference, instead of the generated one. CloudFront answers a request
        with a reference it has seen with that earlier invalidation.
    type: str
attributes:
  check_mode:
    support: full
    details:
      - The invalidations in progress are read and the paths that would be submitted are
        returned; nothing is created.
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: acinaces.deploy.s3_publish
  - module: acinaces.deploy.s3_restore
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: Invalidate what the publish changed, and wait
  acinaces.deploy.cloudfront_invalidate:
    distribution_id: "{{ manifest.cloudfront.distribution_id }}"
    keys: "{{ published.changed_keys }}"
    release_id: "{{ release_id }}"
    wait: true
    wait_timeout: 900
    on_timeout: warn

- name: Invalidate everything
  acinaces.deploy.cloudfront_invalidate:
    distribution_id: E2QWRUHAPOMQZL
    all_paths: true
"""

RETURN = r"""
id:
  description: The invalidation created or reused; C(null) in check mode or when there was nothing to invalidate.
  returned: success
  type: str
  sample: I2J0I21PCUYOIK
paths:
  description: The paths submitted (planned in check mode).
  returned: success
  type: list
  elements: str
  sample: ["/", "/index.html", "/about", "/about.html", "/blog/*"]
requested_paths:
  description: The paths asked for, before they were fitted into the limits.
  returned: success
  type: list
  elements: str
status:
  description: Status of the invalidation (C(InProgress) or C(Completed)).
  returned: success
  type: str
waited:
  description: Seconds spent waiting.
  returned: success
  type: float
timed_out:
  description: Whether the wait ended before the invalidation completed (with O(on_timeout=warn)).
  returned: success
  type: bool
reused:
  description: Whether an existing invalidation for the same request was returned instead of creating one.
  returned: success
  type: bool
caller_reference:
  description: The caller reference.
  returned: success
  type: str
budget:
  description: File and wildcard paths the distribution could still take when the run started.
  returned: when there was something to invalidate
  type: dict
  sample: {"paths": 3000, "wildcards": 15}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.acinaces.deploy.plugins.module_utils import _aws
from ansible_collections.acinaces.deploy.plugins.module_utils._invalidation import Distribution, Invalidation, Request
from ansible_collections.acinaces.deploy.plugins.module_utils._module import run


def invalidate(module):
    request = Request.from_params(module.params)
    distribution = Distribution(_aws.client(module, "cloudfront"), request.distribution_id)
    result = Invalidation(distribution, request, module.check_mode).run()
    for warning in result.pop("warnings"):
        module.warn(warning)
    return result


def main():
    argument_spec = dict(
        distribution_id=dict(type="str", required=True),
        keys=dict(type="list", elements="str", no_log=False),
        paths=dict(type="list", elements="str"),
        origin_path=dict(type="str", default=""),
        all_paths=dict(type="bool", default=False),
        collapse_threshold=dict(type="int", default=10),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
        on_timeout=dict(type="str", choices=["fail", "warn"], default="fail"),
        release_id=dict(type="str"),
        caller_reference=dict(type="str"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("keys", "paths")],
    )
    run(module, invalidate)


if __name__ == "__main__":
    main()
