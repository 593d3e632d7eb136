# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Releasing Lambda functions: plan, publish in parallel, then move every alias at once.

Phase 1 brings each changed function's code and configuration to what the manifest and its
package prescribe and publishes a version; phase 2, only when every function published, moves
the aliases, and moves back those already moved if one move fails. Every Lambda call passes
one shared rate limiter and retries throttling and conflicts with jittered backoff.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.acinaces.deploy.plugins.module_utils._errors import DeployError
from ansible_collections.acinaces.deploy.plugins.module_utils._lambda_env import config_hash, function_environment

WRITE_OPERATIONS = frozenset((
    "UpdateFunctionCode", "UpdateFunctionConfiguration", "PublishVersion",
    "UpdateAlias", "CreateAlias", "DeleteFunction",
))


class ReleaseError(DeployError):
    """A release could not be planned or carried out; the details name each function at fault."""


class RateLimiter:
    """At most `rate` calls per second across every thread (calls are spaced evenly)."""

    def __init__(self, rate, clock=time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / rate
        self.clock = clock
        self.sleep = sleep
        self.lock = threading.Lock()
        self.next_slot = 0.0

    def acquire(self, **kwargs):
        with self.lock:
            now = self.clock()
            slot = max(now, self.next_slot)
            self.next_slot = slot + self.interval
        if slot > now:
            self.sleep(slot - now)


class CallCounter:
    """Lambda API calls made, by operation (botocore's before-call event)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}

    def count(self, model=None, **kwargs):
        name = model.name if model is not None else "unknown"
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + 1

    def writes(self):
        return sum(count for name, count in self.counts.items() if name in WRITE_OPERATIONS)


def instrument(client, limiter, counter):
    """Every call of `client` (retries included) waits for the limiter and is counted."""
    events = client.meta.events
    events.register("before-call.lambda", limiter.acquire)
    events.register("before-call.lambda", counter.count)


@dataclass
class Target:
    """What one function must run: its package and its environment."""

    logical: str
    function_name: str
    alias: str
    package_path: str  # None: keep the code the alias serves (a configuration-only release)
    sha256: str
    code_sha256: str
    environment: dict


@dataclass
class Observed:
    """What the alias serves now."""

    exists: bool
    alias_exists: bool
    version: str = None
    code_sha256: str = None
    environment: dict = field(default_factory=dict)


@dataclass
class Outcome:
    target: Target
    observed: Observed = None
    code_changed: bool = False
    config_changed: bool = False
    new_version: str = None
    error: str = None
    duration: float = 0.0

    @property
    def changed(self):
        return self.code_changed or self.config_changed or (self.observed is not None and not self.observed.alias_exists)

    def result(self):
        observed = self.observed or Observed(exists=False, alias_exists=False)
        return {
            "function_name": self.target.function_name,
            "alias": self.target.alias,
            "previous_version": observed.version,
            "new_version": self.new_version if self.changed else observed.version,
            "changed": self.changed,
            "code_changed": self.code_changed,
            "config_changed": self.config_changed,
            "code_sha256": self.target.code_sha256,
            "config_hash": config_hash(self.target.environment),
            "duration": round(self.duration, 3),
            "error": self.error,
        }


def plan_targets(manifest, packages, extra_environment=None, alias=None, secret_versions=None):
    """One target per function of the manifest; every function needs exactly one package.

    `packages` None releases the configuration alone, keeping the code each alias serves."""
    functions = manifest.get("functions", {})
    keep_code = packages is None
    if keep_code:
        packages = {name: {"path": None, "sha256": None, "code_sha256": None} for name in functions}
    missing = sorted(set(functions) - set(packages))
    unknown = sorted(set(packages) - set(functions))
    if missing or unknown:
        problems = ["no package for function %s" % name for name in missing]
        problems += ["package %s matches no function of the manifest" % name for name in unknown]
        raise ReleaseError(
            "The packages do not match the functions of the manifest: %s." % "; ".join(problems),
            guidance="Build one package per function (lambda_package with the manifest's functions).",
            problems=problems,
        )
    targets = []
    for logical, function in sorted(functions.items()):
        package = packages[logical]
        targets.append(Target(
            logical=logical,
            function_name=function["function_name"],
            alias=alias or function["alias"],
            package_path=package["path"],
            sha256=package["sha256"],
            code_sha256=package["code_sha256"],
            environment=function_environment(manifest, logical, extra_environment, secret_versions),
        ))
    if keep_code:
        for target in targets:
            target.package_path = None
    return targets


def observe(client, target):
    """The configuration the alias serves (one call), or what is missing."""
    try:
        current = client.get_function_configuration(
            FunctionName=target.function_name, Qualifier=target.alias, aws_retry=True
        )
    except is_boto3_error_code("ResourceNotFoundException"):
        return observe_without_alias(client, target)
    return Observed(
        exists=True,
        alias_exists=True,
        version=current["Version"],
        code_sha256=current["CodeSha256"],
        environment=current.get("Environment", {}).get("Variables", {}),
    )


def observe_without_alias(client, target):
    try:
        latest = client.get_function_configuration(FunctionName=target.function_name, aws_retry=True)
    except is_boto3_error_code("ResourceNotFoundException"):
        return Observed(exists=False, alias_exists=False)
    return Observed(
        exists=True,
        alias_exists=False,
        code_sha256=latest["CodeSha256"],
        environment=latest.get("Environment", {}).get("Variables", {}),
    )


def decide(outcome):
    observed, target = outcome.observed, outcome.target
    if target.package_path is None:
        target.code_sha256 = observed.code_sha256
    outcome.code_changed = observed.code_sha256 != target.code_sha256
    outcome.config_changed = observed.environment != target.environment
    return outcome


def package_key(target):
    return "lambda-packages/%s/%s.zip" % (target.function_name, target.sha256)


def upload(s3, bucket, target):
    """The package in the deployment bucket under its content address (uploaded once)."""
    key = package_key(target)
    try:
        s3.head_object(Bucket=bucket, Key=key, aws_retry=True)
        return key
    except is_boto3_error_code(["404", "NoSuchKey", "NotFound"]):
        pass
    with open(target.package_path, "rb") as stream:
        s3.put_object(Bucket=bucket, Key=key, Body=stream.read(), ServerSideEncryption="AES256", aws_retry=True)
    return key


def check_published_code(target, response):
    if response.get("CodeSha256") != target.code_sha256:
        raise ReleaseError(
            "version %s of %s holds other code than the version its alias serves: $LATEST changed "
            "since (a rollback?); deploy the backend to release its configuration with its code"
            % (response.get("Version"), target.function_name)
        )


def wait_until_updated(client, function_name, response, timeout, sleep=time.sleep, clock=time.monotonic):
    """Poll while the last update is in progress; fail on a failed update."""
    deadline = clock() + timeout
    while response.get("LastUpdateStatus") == "InProgress":
        if clock() > deadline:
            raise ReleaseError("the update of %s did not finish within %ss" % (function_name, timeout))
        sleep(1)
        response = client.get_function_configuration(FunctionName=function_name, aws_retry=True)
    if response.get("LastUpdateStatus") == "Failed":
        raise ReleaseError("the update of %s failed: %s" % (function_name, response.get("LastUpdateStatusReason")))
    return response


class Releaser:
    """Carries out a release with one Lambda client, one S3 client and one rate limiter."""

    def __init__(self, lambda_client, s3_client, bucket, concurrency=8, wait_timeout=300):
        self.client = lambda_client
        self.s3 = s3_client
        self.bucket = bucket
        self.concurrency = concurrency
        self.wait_timeout = wait_timeout

    def _each(self, function, items):
        with ThreadPoolExecutor(max_workers=max(1, min(self.concurrency, len(items) or 1))) as pool:
            return list(pool.map(function, items))

    def plan(self, targets):
        """Observe every function and decide what changes; writes nothing."""
        def examine(target):
            outcome = Outcome(target)
            started = time.monotonic()
            try:
                outcome.observed = observe(self.client, target)
                if not outcome.observed.exists:
                    outcome.error = "function %s does not exist; run the infrastructure phase first" % target.function_name
                else:
                    decide(outcome)
            except Exception as error:  # pylint: disable=broad-except
                outcome.error = describe(error)
            outcome.duration = time.monotonic() - started
            return outcome

        return self._each(examine, targets)

    def publish(self, outcome):
        """Phase 1 for one function: update what differs, publish a version.

        With a package, its code is pushed with the publish even when only the configuration
        changed: $LATEST may hold other code (after a rollback), and a version must hold exactly
        the package. Without one, the version must hold the code the alias serves."""
        target = outcome.target
        started = time.monotonic()
        try:
            if outcome.config_changed:
                response = self.client.update_function_configuration(
                    FunctionName=target.function_name,
                    Environment={"Variables": target.environment},
                    aws_retry=True,
                )
                wait_until_updated(self.client, target.function_name, response, self.wait_timeout)
            if target.package_path is not None:
                response = self.client.update_function_code(
                    FunctionName=target.function_name, S3Bucket=self.bucket,
                    S3Key=upload(self.s3, self.bucket, target), Publish=True, aws_retry=True,
                )
            else:
                response = self.client.publish_version(
                    FunctionName=target.function_name, CodeSha256=target.code_sha256, aws_retry=True
                )
                check_published_code(target, response)
            outcome.new_version = response["Version"]
        except Exception as error:  # pylint: disable=broad-except
            outcome.error = describe(error)
        outcome.duration += time.monotonic() - started
        return outcome

    def release(self, outcomes):
        """Phase 1 for every changed function, then phase 2 when all published."""
        changed = [outcome for outcome in outcomes if outcome.changed and not outcome.error]
        self._each(self.publish, changed)
        failed = [outcome for outcome in outcomes if outcome.error]
        if failed:
            return failed
        moves = [
            (outcome.target.function_name, outcome.target.alias, outcome.observed.version, outcome.new_version)
            for outcome in changed
        ]
        move_aliases(self.client, moves)
        return []


def move_aliases(client, moves):
    """Point each alias at its new version; on a failure, move back those already moved.

    `moves` holds (function name, alias, previous version or None, new version)."""
    done = []
    for function_name, alias, previous, new in moves:
        try:
            point_alias(client, function_name, alias, new, create=previous is None)
        except Exception as error:  # pylint: disable=broad-except
            restored, not_restored = restore_aliases(client, done)
            raise ReleaseError(
                "moving alias %s of %s to version %s failed: %s" % (alias, function_name, new, describe(error)),
                guidance="The aliases already moved were moved back (%s); no alias serves the new release. "
                "Fix the cause and deploy again." % (", ".join(restored) or "none"),
                failed_function=function_name,
                aliases_restored=restored,
                aliases_not_restored=not_restored,
            )
        done.append((function_name, alias, previous, new))


def point_alias(client, function_name, alias, version, create=False):
    if create:
        client.create_alias(FunctionName=function_name, Name=alias, FunctionVersion=version, aws_retry=True)
    else:
        client.update_alias(FunctionName=function_name, Name=alias, FunctionVersion=version, aws_retry=True)


def restore_aliases(client, done):
    restored, not_restored = [], []
    for function_name, alias, previous, dummy in reversed(done):
        try:
            if previous is None:
                client.delete_alias(FunctionName=function_name, Name=alias, aws_retry=True)
            else:
                point_alias(client, function_name, alias, previous)
            restored.append(function_name)
        except Exception:  # pylint: disable=broad-except
            not_restored.append(function_name)
    return restored, not_restored


def summary_line(logical, entry):
    """One line per function for the operator."""
    if entry.get("error"):
        return "%s: FAILED: %s" % (logical, entry["error"])
    if not entry.get("changed"):
        return "%s: version %s, unchanged" % (logical, entry.get("previous_version") or entry.get("new_version"))
    what = [name for name, flag in (("code", entry.get("code_changed")), ("configuration", entry.get("config_changed"))) if flag]
    return "%s: version %s -> %s (%s)" % (
        logical, entry.get("previous_version") or "none", entry.get("new_version") or "next", ", ".join(what) or "alias",
    )


def describe(error):
    """One line for an AWS or local error."""
    response = getattr(error, "response", None)
    if response:
        details = response.get("Error", {})
        operation = getattr(error, "operation_name", "")
        return "%s: %s: %s" % (operation, details.get("Code", "Error"), details.get("Message", str(error)))
    return str(error)
