# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS access shared by the modules: clients with jittered retries, small S3 helpers."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


def client(module, service, extra_codes=None):
    """A boto3 client whose calls retry throttling, transient errors and `extra_codes`
    (pass aws_retry=True to a call)."""
    retry = AWSRetry.jittered_backoff(retries=8, delay=1, max_delay=20, catch_extra_error_codes=extra_codes)
    return module.client(service, retry_decorator=retry)


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
