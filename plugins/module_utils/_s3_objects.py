# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""S3 objects of a static site: the requests s3_publish and s3_restore make, and the order in
which they write (content-hashed assets, then other files, HTML last, in waves)."""

from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.acinaces.deploy.plugins.module_utils import _aws
from ansible_collections.acinaces.deploy.plugins.module_utils._errors import DeployError
from ansible_collections.acinaces.deploy.plugins.module_utils._module import AWS_ERRORS

NOT_FOUND = ("404", "NoSuchKey", "NotFound", "NoSuchVersion")
HASHED_ASSETS = "_next/static/"
HTML_EXTENSIONS = (".html", ".htm")
WAVES = ("assets", "files", "html")
DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys
MAX_CONCURRENCY = 64


class S3Error(DeployError):
    """An S3 step failed; `failed` names each key and its error, `completed` what was done."""


def check_concurrency(value):
    """The number of requests to run at a time, between 1 and MAX_CONCURRENCY."""
    if not 1 <= value <= MAX_CONCURRENCY:
        raise S3Error("concurrency must be between 1 and %d, not %d" % (MAX_CONCURRENCY, value))
    return value


def strip_etag(etag):
    return (etag or "").strip('"')


def header_fields(response):
    """Headers and sha256 metadata of a HeadObject/GetObject response, in our field names."""
    return {
        "content_type": response.get("ContentType"),
        "cache_control": response.get("CacheControl"),
        "content_encoding": response.get("ContentEncoding"),
        "sha256": (response.get("Metadata") or {}).get("sha256"),
    }


def wave_of(key):
    """`assets` for content-hashed build output, `html` for pages, `files` for the rest."""
    if key.startswith(HASHED_ASSETS) or ("/" + HASHED_ASSETS) in key:
        return "assets"
    if key.lower().endswith(HTML_EXTENSIONS):
        return "html"
    return "files"


def split_waves(items, key_of=lambda item: item):
    """The items in write order: a list of (wave name, items), every wave present, keys sorted."""
    waves = {name: [] for name in WAVES}
    for item in sorted(items, key=key_of):
        waves[wave_of(key_of(item))].append(item)
    return [(name, waves[name]) for name in WAVES]


def run_waves(waves, action, concurrency, key_of=lambda item: item):
    """Run `action(item)` for every item, at most `concurrency` at a time, one wave after another:
    a wave starts only when the previous one has finished, and not at all after a failure.

    Returns the actions' results in wave order. Raises S3Error naming every failed key, with the
    results of what completed, so that the caller can record them."""
    completed = []
    for name, items in waves:
        if not items:
            continue
        results, failed = _run_wave(items, action, concurrency, key_of)
        completed.extend(results)
        if failed:
            raise S3Error(
                "%d of %d writes of the %s wave failed; later waves were not started" % (len(failed), len(items), name),
                guidance="fix the cause and run again: what was written is found unchanged next time",
                failed=failed,
                completed=completed,
            )
    return completed


def _run_wave(items, action, concurrency, key_of):
    results, failed = [], []
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = [(item, pool.submit(action, item)) for item in items]
        for item, future in futures:
            try:
                results.append(future.result())
            except AWS_ERRORS + (OSError,) as error:
                failed.append({"key": key_of(item), "error": str(error)})
    return results, failed


def map_concurrently(items, function, concurrency):
    """`function(item)` for every item, at most `concurrency` at a time; results in item order."""
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return list(pool.map(function, items))


class Objects:
    """The objects of one bucket, through a client with retries, counting every request sent."""

    def __init__(self, client, bucket):
        self.client = client
        self.bucket = bucket
        self.requests = _aws.RequestCounter(client)

    def listing(self, prefix):
        """Key -> ETag of every object under `prefix`, one paginated ListObjectsV2."""
        objects = {}
        kwargs = {"Bucket": self.bucket, "Prefix": prefix}
        while True:
            page = self.client.list_objects_v2(aws_retry=True, **kwargs)
            for entry in page.get("Contents", []):
                objects[entry["Key"]] = strip_etag(entry.get("ETag"))
            if not page.get("IsTruncated"):
                return objects
            kwargs["ContinuationToken"] = page["NextContinuationToken"]

    def head(self, key, version_id=None):
        """The object's etag, version_id and header fields, or None when absent (or deleted)."""
        kwargs = {"Bucket": self.bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            response = self.client.head_object(aws_retry=True, **kwargs)
        except is_boto3_error_code(list(NOT_FOUND)):
            return None
        entry = header_fields(response)
        entry.update(etag=strip_etag(response.get("ETag")), version_id=response.get("VersionId"))
        return entry

    def put_file(self, key, path, headers, md5_hex, sha256):
        """Single-part upload (so that the ETag is the MD5), checked by S3 against Content-MD5.
        Returns the response's etag and version_id."""
        kwargs = {
            "Bucket": self.bucket,
            "Key": key,
            "ContentType": headers["content_type"],
            "CacheControl": headers["cache_control"],
            "ContentMD5": base64.b64encode(bytes.fromhex(md5_hex)).decode("ascii"),
            "Metadata": {"sha256": sha256},
        }
        if headers.get("content_encoding"):
            kwargs["ContentEncoding"] = headers["content_encoding"]

        @_aws.retrying
        def upload():
            with open(path, "rb") as body:  # re-opened on each attempt
                return self.client.put_object(Body=body, **kwargs)

        response = upload()
        return {"etag": strip_etag(response.get("ETag")), "version_id": response.get("VersionId")}

    def copy_version(self, key, version_id):
        """Make `version_id` of `key` current again, with its metadata and headers."""
        response = self.client.copy_object(
            aws_retry=True,
            Bucket=self.bucket,
            Key=key,
            CopySource={"Bucket": self.bucket, "Key": key, "VersionId": version_id},
            MetadataDirective="COPY",
        )
        return {"etag": strip_etag(response.get("CopyObjectResult", {}).get("ETag")), "version_id": response.get("VersionId")}

    def delete(self, keys):
        """Delete keys in batches; key -> delete marker VersionId (None on unversioned buckets)."""
        markers, failed = {}, []
        keys = sorted(keys)
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start:start + DELETE_BATCH]
            response = self.client.delete_objects(
                aws_retry=True, Bucket=self.bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": False}
            )
            for entry in response.get("Deleted", []):
                markers[entry["Key"]] = entry.get("DeleteMarkerVersionId")
            failed.extend({"key": entry.get("Key"), "error": entry.get("Message") or entry.get("Code")} for entry in response.get("Errors", []))
        if failed:
            raise S3Error("%d of %d deletions failed on %s" % (len(failed), len(keys), self.bucket), failed=failed, completed=markers)
        return markers

    def versioning(self):
        """The bucket's versioning status: Enabled, Suspended, or None when never enabled."""
        return self.client.get_bucket_versioning(aws_retry=True, Bucket=self.bucket).get("Status")
