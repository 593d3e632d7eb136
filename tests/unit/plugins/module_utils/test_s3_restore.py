"""Frontend rollback: which versions come back, which keys go, and when nothing is to do."""

import pytest

from ansible_collections.acinaces.deploy.plugins.module_utils import _s3_restore as restore
from ansible_collections.acinaces.deploy.plugins.module_utils._s3_restore import RestoreError, Target

PUBLISHED = {
    "uploaded": [
        {"key": "_next/static/chunks/new-2b.js", "reason": "new", "version_id": "n1", "previous_version_id": None},
        {"key": "index.html", "reason": "content", "version_id": "i2", "previous_version_id": "i1"},
        {"key": "robots.txt", "reason": "headers", "version_id": "r2", "previous_version_id": "r1"},
    ],
    "deleted": [{"key": "old.html", "previous_version_id": "o1", "delete_marker_version_id": "d1"}],
}


def test_undoing_a_publish():
    targets, delete_keys = restore.targets_from_publish(PUBLISHED)
    assert targets == [
        {"key": "index.html", "version_id": "i1"},
        {"key": "robots.txt", "version_id": "r1"},
        {"key": "old.html", "version_id": "o1"},
    ]
    assert delete_keys == ["_next/static/chunks/new-2b.js"]


def test_a_publish_to_an_unversioned_bucket_cannot_be_undone():
    published = {"uploaded": [{"key": "index.html", "reason": "content", "previous_version_id": None}], "deleted": []}
    with pytest.raises(RestoreError, match="no previous VersionId for 1 replaced or deleted keys: index.html"):
        restore.targets_from_publish(published)


def test_keys_named_twice_are_refused():
    with pytest.raises(RestoreError, match="more than once: a.html, b.html"):
        restore.check_targets(
            [{"key": "a.html", "version_id": "1"}, {"key": "a.html", "version_id": "2"}, {"key": "b.html", "version_id": "3"}],
            ["b.html"],
        )
    assert restore.check_targets([{"key": "a.html", "version_id": "1"}], ["b.html"]) == [Target("a.html", "1")]


@pytest.mark.parametrize("status, said", [(None, "absent"), ("Suspended", "Suspended")])
def test_versioning_must_be_enabled(status, said):
    with pytest.raises(RestoreError) as caught:
        restore.require_versioning(status, "site-bucket")
    assert caught.value.message == "versioning is %s on site-bucket: object versions cannot be restored" % said
    restore.require_versioning("Enabled", "site-bucket")


def version(**overrides):
    value = {"version_id": "v1", "etag": "e1", "content_type": "text/html; charset=utf-8", "cache_control": "no-cache",
             "content_encoding": None, "sha256": "s1"}
    value.update(overrides)
    return value


def test_is_current():
    target = version()
    assert restore.is_current(version(), target)
    assert restore.is_current(version(version_id="v2"), target)  # a copy of the target: same content and headers
    assert not restore.is_current(None, target)
    assert not restore.is_current(version(version_id="v2", etag="e2"), target)
    assert not restore.is_current(version(version_id="v2", cache_control="max-age=60"), target)
    assert not restore.is_current(version(version_id="v2", sha256=None), target)
