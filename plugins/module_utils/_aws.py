# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS access shared by the modules: clients with jittered retries, small S3 helpers."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


def client(module, service, extra_codes=None, region=None):
    """A boto3 client whose calls retry throttling, transient errors and `extra_codes`
    (pass aws_retry=True to a call); in `region` when given, else the module's."""
    retry = AWSRetry.jittered_backoff(retries=8, delay=1, max_delay=20, catch_extra_error_codes=extra_codes)
    if region and region != module.region:
        return module.client(service, retry_decorator=retry, region=region)
    return module.client(service, retry_decorator=retry)


def clients(module):
    """`get(service, region=None)`: the `client()` of a service (and region), made once."""
    made = {}

    def get(service, region=None):
        key = (service, region or module.region)
        if key not in made:
            made[key] = client(module, service, region=region)
        return made[key]

    return get


def get_object_text(s3, bucket, key):
    """The object's text, or None when there is no such object."""
    try:
        response = s3.get_object(Bucket=bucket, Key=key, aws_retry=True)
    except is_boto3_error_code(["NoSuchKey", "404"]):
        return None
    return response["Body"].read().decode("utf-8")


def put_text(s3, bucket, key, text, content_type="application/json"):
    """Store `text`; returns the new VersionId (None on an unversioned bucket)."""
    response = s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=text.encode("utf-8"),
        ContentType=content_type,
        ServerSideEncryption="AES256",
        aws_retry=True,
    )
    return response.get("VersionId")


def current_secret_versions(secretsmanager, secrets):
    """Credential -> version id of its current value (None when it has no value, or no secret),
    for `secrets` (credential -> secret ARN). Reads metadata only, never a value."""
    versions = {}
    for name, arn in sorted((secrets or {}).items()):
        try:
            stages = secretsmanager.describe_secret(SecretId=arn, aws_retry=True).get("VersionIdsToStages") or {}
        except is_boto3_error_code("ResourceNotFoundException"):
            stages = {}
        versions[name] = next((version for version, labels in sorted(stages.items()) if "AWSCURRENT" in labels), None)
    return versions


# Shared by s3_publish and s3_restore (and any module that sends requests from a thread pool).


def pooled_client(module, service, connections):
    """`client()` with room for `connections` concurrent HTTP connections (botocore keeps 10)."""
    from botocore.config import Config  # pylint: disable=import-outside-toplevel  # botocore is checked by AnsibleAWSModule

    return module.client(
        service,
        retry_decorator=AWSRetry.jittered_backoff(retries=8, delay=1, max_delay=20),
        config=Config(max_pool_connections=max(10, connections)),
    )


def retrying(function):
    """Retry `function` as `client()` retries a call: for calls that must redo their own set-up
    on each attempt, such as re-opening the file an upload streams."""
    return AWSRetry.jittered_backoff(retries=8, delay=1, max_delay=20)(function)


class RequestCounter:
    """Counts the HTTP requests a client really sends, per operation (retries included)."""

    def __init__(self, client):
        import threading  # pylint: disable=import-outside-toplevel

        self._lock = threading.Lock()
        self.counts = {}
        client.meta.events.register("before-send", self._count)

    def _count(self, event_name=None, **kwargs):
        operation = (event_name or "").rsplit(".", 1)[-1]
        with self._lock:
            self.counts[operation] = self.counts.get(operation, 0) + 1

    def get(self, operation):
        return self.counts.get(operation, 0)
