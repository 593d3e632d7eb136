"""Release records: merging sections, order, rollback targets and retention."""

import pytest

from ansible_collections.acinaces.deploy.plugins.module_utils import _release as records
from ansible_collections.acinaces.deploy.plugins.module_utils._errors import DeployError


def record(release_id, kind="deploy", **functions):
    """functions: logical=(previous, new)."""
    return {
        "id": release_id,
        "kind": kind,
        "environment": "test",
        "functions": {
            logical: {
                "function_name": "p-%s" % logical, "previous_version": previous, "new_version": new,
                "changed": previous != new,
            }
            for logical, (previous, new) in functions.items()
        },
    }


FIRST = record("20260101T000000Z-a", health=("1", "2"), audit=("1", "2"))
SECOND = record("20260102T000000Z-b", health=("2", "3"), audit=("2", "2"))
ROLLBACK = record("20260103T000000Z-c", kind="rollback", health=("3", "2"))


def test_previous_goes_back_to_what_the_latest_deploy_replaced():
    versions, source = records.rollback_versions([SECOND, FIRST])
    assert versions == {"health": "2"} and source["id"] == SECOND["id"]


def test_rolling_back_twice_gives_the_same_versions():
    assert records.rollback_versions([FIRST, SECOND, ROLLBACK])[0] == records.rollback_versions([FIRST, SECOND])[0]


def test_a_named_release_serves_the_versions_it_left_live():
    versions, source = records.rollback_versions([FIRST, SECOND, ROLLBACK], "20260101T000000Z-a")
    assert versions == {"health": "2", "audit": "2"} and source is FIRST


def test_no_release_or_an_unknown_one_fails_clearly():
    with pytest.raises(records.RollbackError) as caught:
        records.rollback_versions([])
    assert "no previous release" in caught.value.message
    with pytest.raises(records.RollbackError) as caught:
        records.rollback_versions([FIRST], "20250101T000000Z-x")
    assert "Known releases: 20260101T000000Z-a" in caught.value.guidance


def test_a_release_that_created_every_function_has_nothing_before_it():
    created = record("20260101T000000Z-a", health=(None, "1"))
    with pytest.raises(records.RollbackError):
        records.rollback_versions([created])


def test_sections_merge_and_unknown_ones_are_refused():
    base = records.new_record("test", "20260101T000000Z-a", "deploy", "2026-01-01T00:00:00Z", "abc")
    merged = records.merged(records.merged(base, {"functions": {"a": 1}}), {"frontend": {"objects": []}})
    assert merged["functions"] == {"a": 1} and merged["frontend"] == {"objects": []}
    assert merged["git_revision"] == "abc" and merged["release_record_version"] == 1
    with pytest.raises(DeployError):
        records.merged(base, {"secrets": {}})
    with pytest.raises(DeployError):
        records.new_record("test", "yesterday", "deploy", "t")


def test_an_empty_section_keeps_what_the_record_has():
    base = records.new_record("test", "20260101T000000Z-a", "deploy", "2026-01-01T00:00:00Z", "abc")
    approved = records.merged(base, {"approval": {"approver": "alice"}, "functions": {"a": 1}})
    later = records.merged(approved, {"approval": {}, "frontend": {"objects": []}})
    assert later["approval"] == {"approver": "alice"} and later["functions"] == {"a": 1}
    assert "approval" not in records.merged(base, {"approval": {}})


def test_retention_keeps_the_versions_of_the_last_records():
    keep = records.versions_to_keep([FIRST, SECOND, ROLLBACK], 2)
    assert keep == {"p-health": {"2", "3"}, "p-audit": {"2"}}
    assert records.versions_to_keep([FIRST], 0) == {}


def test_order_is_by_id_and_duplicates_collapse():
    assert [item["id"] for item in records.ordered([ROLLBACK, FIRST, SECOND, FIRST])] == [FIRST["id"], SECOND["id"], ROLLBACK["id"]]


def test_functions_released_twice_in_a_run_keep_the_version_before_the_run():
    base = records.new_record("test", "20260101T000000Z-a", "deploy", "t")
    backend = {"health": {"function_name": "p-health", "previous_version": "3", "new_version": "4", "changed": True,
                          "code_changed": True, "config_changed": False},
               "audit": {"function_name": "p-audit", "previous_version": "2", "new_version": "2", "changed": False}}
    refresh = {"health": {"function_name": "p-health", "previous_version": "4", "new_version": "5", "changed": True,
                          "code_changed": False, "config_changed": True}}
    record = records.merged(records.merged(base, {"functions": backend}), {"functions": refresh})
    assert record["functions"]["health"]["previous_version"] == "3"
    assert record["functions"]["health"]["new_version"] == "5"
    assert record["functions"]["health"]["code_changed"] and record["functions"]["health"]["config_changed"]
    assert record["functions"]["audit"] == backend["audit"]
    assert records.rollback_versions([record])[0] == {"health": "3"}
