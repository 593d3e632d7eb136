#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lambda_release
short_description: Release every Lambda function of the manifest and move their aliases together
version_added: 0.1.0
description:
  - For every function of the manifest, compares what its alias serves with its package and the
    environment the manifest prescribes. Where code differs, uploads the package to the
    deployment bucket under a content address and updates the code; where configuration
    differs, updates it and waits for the update; then publishes a version (a configuration-only
    change is published too, so that it can be rolled back).
  - Aliases move only after every function has published. If a move fails, the aliases already
    moved are moved back, and the result names the function that failed and why.
  - Functions are processed in parallel (a bounded pool) under one client-side rate limit shared
    by every call (15 control-plane requests per second by default, Lambda's account limit), with
    jittered retries on throttling and on conflicts with an update in progress.
  - An unchanged function costs one read and no write (and the release reads the current version
    id of each secret once).
  - Written because amazon.aws.lambda and amazon.aws.lambda_alias handle one function per task, so
    they cannot hold back every alias until all functions are published, nor share one rate limit.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  manifest:
    description: The deployment manifest (as written by M(acinaces.deploy.deploy_manifest)).
    type: dict
    required: true
  packages:
    description:
      - Logical function name to its package, as returned by M(acinaces.deploy.lambda_package)
        (C(path), C(sha256), C(code_sha256)). Every function of the manifest needs exactly one.
      - Omitted, the configuration alone is released and each version keeps the code its alias
        serves (as after new secret values); a function whose C($LATEST) holds other code (after
        a rollback) then fails without moving any alias.
    type: dict
  secrets_marker:
    description:
      - Give every function that reads secrets a C(SECRETS_REFRESH_MARKER) variable, a digest of
        the current version ids of those secrets (never their values), so that new secret values
        republish exactly the functions that read them, and those read them afresh.
    type: bool
    default: true
  extra_environment:
    description:
      - Variables added to every function's environment (for example C(AWS_ENDPOINT_URL) on the
        local environment, C(ALLOWED_ORIGIN)). Values of secret-like names are never shown.
    type: dict
    default: {}
  bucket:
    description: Bucket for the packages. Defaults to the manifest's deployment bucket.
    type: str
  concurrency:
    description: Functions processed at once.
    type: int
    default: 8
  rate_limit:
    description: Lambda control-plane requests per second, shared by every thread.
    type: float
    default: 15
  wait_timeout:
    description: Seconds to wait for one function's update to finish.
    type: int
    default: 300
attributes:
  check_mode:
    support: full
    details:
      - Each function is read once; the result says per function what would change. Nothing is
        uploaded, updated, published or moved.
  diff_mode:
    support: full
    details:
      - Before and after per changed function (version, code SHA-256, environment with
        secret-like values masked).
  platform:
    platforms: posix
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: Release the backend
  acinaces.deploy.lambda_release:
    manifest: "{{ lookup('ansible.builtin.file', deploy_output_dir ~ '/manifest.json') | from_json }}"
    packages: "{{ packaged.packages }}"
    extra_environment:
      ALLOWED_ORIGIN: https://trading.example.com
  register: released
"""

RETURN = r"""
functions:
  description: Logical function name to what happened to it.
  returned: always
  type: dict
  sample:
    health:
      function_name: acinaces-production-health
      alias: live
      previous_version: "4"
      new_version: "5"
      changed: true
      code_changed: true
      config_changed: false
      code_sha256: nywG...=
      config_hash: 5d1c...
      duration: 1.42
      error: null
failed_functions:
  description: Names of the functions that failed (their C(error) says why).
  returned: always
  type: list
  elements: str
aliases_moved:
  description: Whether the aliases were moved to the new versions.
  returned: always
  type: bool
summary_lines:
  description: One line per function for the operator.
  returned: always
  type: list
  elements: str
  sample: ["health: version 4 -> 5 (code)", "audit_log: version 3, unchanged"]
api_calls:
  description: Lambda API calls made, by operation.
  returned: always
  type: dict
  sample: {"GetFunctionConfiguration": 6, "UpdateFunctionCode": 1, "UpdateAlias": 1}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.acinaces.deploy.plugins.module_utils import _aws
from ansible_collections.acinaces.deploy.plugins.module_utils._lambda_env import masked, secret_values
from ansible_collections.acinaces.deploy.plugins.module_utils._lambda_release import (
    CallCounter,
    RateLimiter,
    Releaser,
    ReleaseError,
    instrument,
    plan_targets,
    summary_line,
)
from ansible_collections.acinaces.deploy.plugins.module_utils._module import run

LAMBDA_RETRY_CODES = ["ResourceConflictException", "TooManyRequestsException"]


def diff_of(outcomes):
    before, after = {}, {}
    for outcome in outcomes:
        if not outcome.changed or outcome.observed is None:
            continue
        name = outcome.target.logical
        before[name] = {
            "version": outcome.observed.version,
            "code_sha256": outcome.observed.code_sha256,
            "environment": masked(outcome.observed.environment),
        }
        after[name] = {
            "version": outcome.new_version or "(next)",
            "code_sha256": outcome.target.code_sha256,
            "environment": masked(outcome.target.environment),
        }
    return {"before": before, "after": after}


def release(module):
    params = module.params
    secret_versions = _aws.current_secret_versions(
        _aws.client(module, "secretsmanager"), params["manifest"].get("secrets", {})
    ) if params["secrets_marker"] else None
    targets = plan_targets(params["manifest"], params["packages"], params["extra_environment"], secret_versions=secret_versions)
    for target in targets:
        for value in secret_values(target.environment):
            module.no_log_values.add(value)
    client = _aws.client(module, "lambda", extra_codes=LAMBDA_RETRY_CODES)
    counter = CallCounter()
    instrument(client, RateLimiter(params["rate_limit"]), counter)
    bucket = params["bucket"] or params["manifest"]["buckets"]["deployment"]
    releaser = Releaser(client, _aws.client(module, "s3"), bucket, params["concurrency"], params["wait_timeout"])

    outcomes = releaser.plan(targets)
    failed, aliases_moved, failure = [], False, None
    if not any(outcome.error for outcome in outcomes) and not module.check_mode:
        try:
            failed = releaser.release(outcomes)
            aliases_moved = not failed and any(outcome.changed for outcome in outcomes)
        except ReleaseError as error:
            failure = error
    failed = [outcome.target.logical for outcome in outcomes if outcome.error]
    functions = {outcome.target.logical: outcome.result() for outcome in outcomes}
    result = {
        "changed": aliases_moved or (module.check_mode and any(outcome.changed for outcome in outcomes)),
        "functions": functions,
        "summary_lines": [summary_line(logical, entry) for logical, entry in sorted(functions.items())],
        "failed_functions": failed,
        "aliases_moved": aliases_moved,
        "api_calls": dict(sorted(counter.counts.items())),
    }
    if module._diff:
        result["diff"] = diff_of(outcomes)
    if failure is not None:
        failure.details.update(result)
        raise failure
    if failed:
        raise ReleaseError(
            "The release stopped before moving any alias: %s." % "; ".join(
                "%s: %s" % (name, result["functions"][name]["error"]) for name in failed
            ),
            guidance="Every alias still serves the previous release. Fix the cause and deploy again.",
            **result
        )
    return result


def main():
    argument_spec = dict(
        manifest=dict(type="dict", required=True),
        packages=dict(type="dict"),
        secrets_marker=dict(type="bool", default=True),
        extra_environment=dict(type="dict", default={}),
        bucket=dict(type="str"),
        concurrency=dict(type="int", default=8),
        rate_limit=dict(type="float", default=15),
        wait_timeout=dict(type="int", default=300),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run(module, release)


if __name__ == "__main__":
    main()
