# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rolling a static site back: earlier object versions made current again (CopyObject with a
source VersionId keeps their metadata and headers), keys the release did not have deleted."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.acinaces.deploy.plugins.module_utils import _aws
from ansible_collections.acinaces.deploy.plugins.module_utils._s3_objects import (
    S3Error,
    map_concurrently,
    run_waves,
    split_waves,
)

COMPARED = ("etag", "content_type", "cache_control", "content_encoding", "sha256")
# HeadObject of a delete marker's VersionId answers 405; of a malformed VersionId, 400.
NOT_A_VERSION = ["405", "MethodNotAllowed", "400", "InvalidArgument"]


class RestoreError(S3Error):
    """The objects cannot be restored as asked."""


@dataclass(frozen=True)
class Target:
    key: str
    version_id: str


def targets_from_publish(published):
    """(targets, keys to delete) that undo an s3_publish result (or a release record's copy of
    its `uploaded` and `deleted` lists): replaced objects and deleted ones come back, new keys go."""
    targets, delete_keys, problems = [], [], []
    for entry in published.get("uploaded") or []:
        previous = entry.get("previous_version_id")
        if previous:
            targets.append({"key": entry["key"], "version_id": previous})
        elif entry.get("reason", "new") == "new":
            delete_keys.append(entry["key"])
        else:
            problems.append(entry["key"])
    for entry in published.get("deleted") or []:
        if entry.get("previous_version_id"):
            targets.append({"key": entry["key"], "version_id": entry["previous_version_id"]})
        else:
            problems.append(entry["key"])
    if problems:
        raise RestoreError(
            "the publish result has no previous VersionId for %d replaced or deleted keys: %s" % (len(problems), ", ".join(sorted(problems))),
            guidance="that release was published to an unversioned bucket; it cannot be rolled back from versions",
            keys=sorted(problems),
        )
    return targets, delete_keys


def check_targets(objects, delete_keys):
    """Targets as `Target`s; a key named twice, or both restored and deleted, is refused."""
    targets = [Target(entry["key"], entry["version_id"]) for entry in objects]
    keys = [target.key for target in targets] + list(delete_keys)
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise RestoreError("keys named more than once: %s" % ", ".join(twice), keys=twice)
    return targets


def require_versioning(status, bucket):
    if status != "Enabled":
        raise RestoreError(
            "versioning is %s on %s: object versions cannot be restored" % (status or "absent", bucket),
            guidance="roll back by publishing the previous export again with s3_publish",
            versioning=status,
        )


def forget_keys(text, keys):
    """The publish state without the entries of `keys` (None when it does not change): those
    objects changed behind s3_publish's back, so its next run reads them afresh."""
    try:
        state = json.loads(text) if text else None
    except ValueError:
        return None
    entries = state.get("objects") if isinstance(state, dict) else None
    if not isinstance(entries, dict) or not set(keys) & set(entries):
        return None
    state["objects"] = {key: entry for key, entry in entries.items() if key not in set(keys)}
    return json.dumps(state, sort_keys=True, indent=1) + "\n"


def is_current(current, target):
    """Whether the current object already is the target version (its content and headers)."""
    if current is None:
        return False
    if current.get("version_id") == target.get("version_id"):
        return True
    return all((current.get(name) or None) == (target.get(name) or None) for name in COMPARED)


class Restoration:
    """One restore run: read the current and target versions, then copy and delete in waves."""

    def __init__(self, objects, targets, delete_keys, concurrency=16, check_mode=False, state_object=None):
        self.objects = objects
        self.targets = targets
        self.delete_keys = sorted(set(delete_keys))
        self.concurrency = concurrency
        self.check_mode = check_mode
        self.state_object = state_object

    def update_state(self, keys):
        """Drop the restored and deleted keys from the publish state; whether it changed."""
        if not self.state_object or not keys:
            return False
        bucket, key = self.state_object["bucket"], self.state_object["key"]
        text = forget_keys(_aws.get_object_text(self.objects.client, bucket, key), keys)
        if text is not None and not self.check_mode:
            _aws.put_text(self.objects.client, bucket, key, text)
        return text is not None

    def read_target(self, target):
        try:
            return self.objects.head(target.key, target.version_id)
        except is_boto3_error_code(NOT_A_VERSION):
            return None

    def read(self):
        keys = [target.key for target in self.targets] + self.delete_keys
        current = dict(zip(keys, map_concurrently(keys, self.objects.head, self.concurrency)))
        versions = dict(zip(self.targets, map_concurrently(self.targets, self.read_target, self.concurrency)))
        missing = sorted("%s (version %s)" % (target.key, target.version_id) for target, found in versions.items() if found is None)
        if missing:
            raise RestoreError(
                "%d object versions to restore do not exist (or are delete markers) in %s: %s" % (len(missing), self.objects.bucket, ", ".join(missing)),
                guidance="check the release record: its versions may have been removed by a lifecycle rule",
                missing=missing,
            )
        return current, versions

    def copy(self, target):
        written = self.objects.copy_version(target.key, target.version_id)
        return dict(written, key=target.key)

    def apply(self, waves, to_delete):
        """Copies in waves, then deletions: key -> copy written, key -> delete marker."""
        done = run_waves(waves, self.copy, self.concurrency, key_of=lambda target: target.key)
        markers = self.objects.delete(to_delete) if to_delete else {}
        return {entry["key"]: entry for entry in done}, markers

    def run(self):
        require_versioning(self.objects.versioning(), self.objects.bucket)
        current, versions = self.read()
        to_copy = [target for target in self.targets if not is_current(current[target.key], versions[target])]
        to_delete = [key for key in self.delete_keys if current[key] is not None]
        waves = split_waves(to_copy, key_of=lambda target: target.key)
        written, markers = ({}, {}) if self.check_mode else self.apply(waves, to_delete)
        restored = [restored_entry(target, current[target.key], written.get(target.key)) for _name, items in waves for target in items]
        deleted = [
            {"key": key, "previous_version_id": current[key].get("version_id"), "delete_marker_version_id": markers.get(key)}
            for key in to_delete
        ]
        changed_keys = sorted([entry["key"] for entry in restored] + to_delete)
        return {
            "changed": bool(changed_keys),
            "restored": restored,
            "deleted": deleted,
            "unchanged": sorted(set(current) - set(changed_keys)),
            "waves": [{"name": name, "keys": [target.key for target in items]} for name, items in waves],
            "changed_keys": changed_keys,
            "state_changed": self.update_state(changed_keys),
            "requests": dict(sorted(self.objects.requests.counts.items())),
            "diff": restore_diff(to_copy, to_delete, current, versions),
        }


def restored_entry(target, current, written):
    return {
        "key": target.key,
        "from_version_id": target.version_id,
        "previous_version_id": (current or {}).get("version_id"),
        "new_version_id": (written or {}).get("version_id"),
    }


def restore_diff(to_copy, to_delete, current, versions):
    """Before/after per key: VersionId, ETag and headers, never contents."""
    fields = ("version_id",) + COMPARED
    before, after = {}, {}
    for target in to_copy:
        if current[target.key]:
            before[target.key] = {name: current[target.key].get(name) for name in fields}
        after[target.key] = {name: versions[target].get(name) for name in fields}
    for key in to_delete:
        before[key] = {name: current[key].get(name) for name in fields}
    return {"before": before, "after": after}
