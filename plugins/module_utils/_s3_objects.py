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
LIST_PAGE = 1000  # the most keys ListObjectsV2 returns in one call


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


def range_starts(hints, prefix, size=LIST_PAGE):
    """Where each listing range starts (None: at the beginning): after every `size`-th key of
    `hints` under `prefix`, in S3's order (UTF-8 bytes, which is also code point order)."""
    keys = sorted(key for key in hints if key.startswith(prefix))
    return [None] + [keys[index - 1] for index in range(size, len(keys), size)]


class Objects:
    """The objects of one bucket, through a client with retries, counting every request sent."""

    page_size = LIST_PAGE

    def __init__(self, client, bucket):
        self.client = client
        self.bucket = bucket
        self.requests = _aws.RequestCounter(client)

    def listing(self, prefix, hints=(), concurrency=1):
        """Key -> ETag of every object under `prefix`: one paginated ListObjectsV2 per key range,
        the ranges listed in parallel. `hints` (the keys last seen there, such as a state
        object's) split the key space into ranges of LIST_PAGE keys, so that an unchanged bucket
        costs exactly one call per LIST_PAGE objects and no call waits for another."""
        starts = range_starts(hints, prefix, self.page_size)
        ranges = list(zip(starts, starts[1:] + [None]))
        objects = {}
        for part in map_concurrently(ranges, lambda bounds: self.list_range(prefix, *bounds), concurrency):
            objects.update(part)
        return objects

    def list_range(self, prefix, after, until):
        """Key -> ETag of the keys under `prefix` after `after` up to `until` (None: no bound)."""
        objects = {}
        kwargs = {"Bucket": self.bucket, "Prefix": prefix, "MaxKeys": self.page_size}
        if after is not None:
            kwargs["StartAfter"] = after
        while True:
            page = self.client.list_objects_v2(aws_retry=True, **kwargs)
            contents = page.get("Contents", [])
            for entry in contents:
                if until is not None and entry["Key"] > until:
                    return objects  # the next range lists the rest
                objects[entry["Key"]] = strip_etag(entry.get("ETag"))
            if not page.get("IsTruncated") or (until is not None and contents and contents[-1]["Key"] == until):
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
