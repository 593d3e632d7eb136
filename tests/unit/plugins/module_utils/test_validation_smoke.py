"""The smoke journey: steps, audit check, and a cleanup that runs whatever failed."""

import json
import re

import pytest

from ansible_collections.acinaces.deploy.plugins.module_utils import _validation_smoke as smoke
from ansible_collections.acinaces.deploy.plugins.module_utils._validation_client import Response
from ansible_collections.acinaces.deploy.plugins.module_utils._validation_smoke import DynamoStore, Journey, SmokeSettingsError

RUN = "20250301T120000Z-abc123"


class Backend:
    """A small in-memory stand-in for the example API (routes, run ids, audit entries), with
    switches that make one route fail."""

    def __init__(self, broken=()):
        self.items = {}  # id -> item (with "_table")
        self.broken = set(broken)  # "METHOD /prefix" that answer 500
        self.sent = []
        self.counter = 0

    def _new_id(self):
        self.counter += 1
        return "id-%d" % self.counter

    def _audit(self, action, entity_type, entity_id, run_id):
        ident = self._new_id()
        self.items[ident] = {"id": ident, "_table": "audit", "action": action, "entityType": entity_type,
                             "entityId": entity_id, "runId": run_id, "at": "2025"}

    def request(self, method, path, headers=None, body=None):
        self.sent.append((method, path, dict(headers or {}), body))
        run_id = (body or {}).get("runId") or (headers or {}).get("X-Run-Id")
        for prefix in self.broken:
            if ("%s %s" % (method, path)).startswith(prefix):
                return Response(500, {}, b'{"message":"missing configuration: X is not set"}', 3.0)
        tables = {"/strategy-templates": ("templates", "strategy-template"), "/strategies": ("strategies", "strategy"),
                  "/market-data/subscriptions": ("subscriptions", "market-subscription")}
        if method == "POST" and path in tables:
            table, kind = tables[path]
            item = dict(body, id=self._new_id(), _table=table)
            self.items[item["id"]] = item
            self._audit("create", kind, item["id"], run_id)
            return Response(201, {}, json.dumps(item).encode(), 5.0)
        match = re.match(r"^/risk-profiles/([^/?]+)$", path)
        if method == "PUT" and match:
            item = dict(body, id=match.group(1), _table="profiles")
            self.items[item["id"]] = item
            self._audit("create", "risk-profile", item["id"], run_id)
            return Response(200, {}, json.dumps(item).encode(), 5.0)
        if method == "GET" and path.startswith("/audit-log?runId="):
            wanted = path.split("runId=")[1].split("&")[0]
            entries = [item for item in self.items.values() if item["_table"] == "audit" and item.get("runId") == wanted]
            return Response(200, {}, json.dumps({"items": entries, "count": len(entries)}).encode(), 4.0)
        if method == "DELETE" and path.startswith("/audit-log?runId="):
            wanted = path.split("runId=")[1]
            for ident in [i for i, item in self.items.items() if item["_table"] == "audit" and item.get("runId") == wanted]:
                del self.items[ident]
            return Response(204, {}, b"", 2.0)
        if method == "DELETE":
            ident = path.rsplit("/", 1)[1]
            if ident not in self.items:
                return Response(404, {}, b'{"message":"not found"}', 1.0)
            kind = self.items.pop(ident)["_table"]
            self._audit("delete", kind, ident, run_id)
            return Response(204, {}, b"", 2.0)
        return Response(404, {}, b'{"message":"no route"}', 1.0)


class Store:
    """The DynamoDB side of the same items."""

    def __init__(self, backend, fail=False):
        self.backend = backend
        self.fail = fail

    def scan_run(self, run_id):
        if self.fail:
            raise RuntimeError("dynamodb unreachable")
        return [{"table": item["_table"], "id": ident} for ident, item in sorted(self.backend.items.items()) if item.get("runId") == run_id]

    def delete_run(self, run_id):
        found = self.scan_run(run_id)
        for item in found:
            del self.backend.items[item["id"]]
        return found


def statuses(checks):
    return {item["name"]: item["status"] for item in checks}


def test_a_good_journey_passes_and_leaves_nothing():
    backend = Backend()
    checks = Journey(backend, Store(backend), RUN).run()
    assert statuses(checks) == {
        "create a strategy template": "passed", "create a strategy from the template": "passed",
        "configure a risk profile": "passed", "subscribe to market data": "passed",
        "audit log records every smoke action": "passed", "smoke data removed": "passed",
    }
    assert all(item["group"] == "smoke" for item in checks)
    assert backend.items == {}
    # Every request carries the run id; every body too; names and the profile id contain it.
    assert all(headers.get("X-Run-Id") == RUN for dummy, dummy, headers, dummy in backend.sent)
    bodies = [body for dummy, dummy, dummy, body in backend.sent if body]
    assert bodies and all(body["runId"] == RUN for body in bodies)
    assert ("PUT", "/risk-profiles/smoke-%s" % RUN) in [(m, p) for m, p, dummy, dummy in backend.sent]
    removed = checks[-1]["details"]
    assert len(removed["deleted_through_api"]) == 4 and removed["deleted_in_dynamodb"] == [] and removed["leftovers"] == []
    # Deleted newest first: the strategy before its template.
    deletes = [p for m, p, dummy, dummy in backend.sent if m == "DELETE"]
    assert deletes.index("/strategies/id-3") < deletes.index("/strategy-templates/id-1")
    assert deletes[-1] == "/audit-log?runId=%s" % RUN


def test_a_failed_step_is_reported_the_rest_still_run_and_everything_is_removed():
    backend = Backend(broken={"PUT /risk-profiles"})
    checks = Journey(backend, Store(backend), RUN).run()
    result = statuses(checks)
    assert result["configure a risk profile"] == "failed"
    assert result["subscribe to market data"] == "passed" and result["audit log records every smoke action"] == "passed"
    assert result["smoke data removed"] == "passed"
    cause = next(item["cause"] for item in checks if item["name"] == "configure a risk profile")
    assert cause == 'PUT /risk-profiles/smoke-%s: status 500 after 3.0 ms, body: {"message":"missing configuration: X is not set"}' % RUN
    assert backend.items == {}


def test_a_failed_template_skips_the_strategy():
    backend = Backend(broken={"POST /strategy-templates"})
    result = statuses(Journey(backend, Store(backend), RUN).run())
    assert result["create a strategy template"] == "failed"
    assert result["create a strategy from the template"] == "skipped"


def test_what_the_api_cannot_delete_is_deleted_in_dynamodb():
    backend = Backend(broken={"DELETE /strategies/", "DELETE /audit-log", "GET /audit-log"})
    checks = Journey(backend, Store(backend), RUN).run()
    result = statuses(checks)
    assert result["audit log records every smoke action"] == "failed"
    assert result["smoke data removed"] == "passed"
    details = checks[-1]["details"]
    assert details["api_failures"][0].startswith("DELETE /strategies/id-3: status 500")
    tables = sorted({item["table"] for item in details["deleted_in_dynamodb"]})
    assert tables == ["audit", "strategies"]
    assert backend.items == {}


def test_leftovers_fail_the_removal_check():
    backend = Backend()

    class Stubborn(Store):
        def delete_run(self, run_id):
            return []  # deletes nothing

    journey = Journey(backend, Stubborn(backend), RUN)
    journey.steps()
    journey.created = journey.created[:1]  # the API deletes only the template
    journey.cleanup()
    removal = journey.checks[-1]
    assert removal["status"] == "failed" and removal["cause"].startswith("items of run %s are left: " % RUN)
    assert "strategies id-3" in removal["cause"]


def test_an_unreachable_store_fails_the_removal_check_with_both_causes():
    backend = Backend(broken={"DELETE /market-data"})
    checks = Journey(backend, Store(backend, fail=True), RUN).run()
    removal = checks[-1]
    assert removal["status"] == "failed"
    assert "could not look for the run's items in DynamoDB: dynamodb unreachable" in removal["cause"]
    assert "the API could not delete: DELETE /market-data/subscriptions/" in removal["cause"]


def test_the_audit_check_names_missing_entries():
    backend = Backend()
    original = backend._audit
    backend._audit = lambda action, kind, ident, run_id: None if kind == "strategy" else original(action, kind, ident, run_id)
    checks = Journey(backend, Store(backend), RUN).run()
    audit = next(item for item in checks if item["name"] == "audit log records every smoke action")
    assert audit["status"] == "failed" and audit["cause"] == "no audit entry for: create strategy id-3"
    assert backend.items == {}


@pytest.mark.parametrize("run_id", ["", "has space", "x" * 101, None])
def test_run_ids_are_checked(run_id):
    with pytest.raises(SmokeSettingsError, match="run_id"):
        Journey(Backend(), None, run_id)


def test_check_mode_skips_every_step():
    checks = smoke.skipped_in_check_mode()
    assert len(checks) == 6 and {item["status"] for item in checks} == {"skipped"}


def test_the_dynamodb_store_scans_every_table_for_the_run():
    class Pages:
        def __init__(self, pages):
            self.pages = pages
            self.calls = []

        def paginate(self, **kwargs):
            self.calls.append(kwargs)
            return self.pages.get(kwargs["TableName"], [])

    class Client:
        def __init__(self):
            self.pager = Pages({"t1": [{"Items": [{"id": {"S": "a"}}]}, {"Items": [{"id": {"S": "b"}}]}], "t2": [{"Items": []}]})
            self.deleted = []

        def get_paginator(self, name):
            assert name == "scan"
            return self.pager

        def delete_item(self, **kwargs):
            self.deleted.append(kwargs)

    client = Client()
    store = DynamoStore(client, ["t2", "t1", "t1"])
    assert store.delete_run("r-1") == [{"table": "t1", "id": "a"}, {"table": "t1", "id": "b"}]
    assert client.deleted[0] == {"TableName": "t1", "Key": {"id": {"S": "a"}}, "aws_retry": True}
    assert {call["ExpressionAttributeValues"][":r"]["S"] for call in client.pager.calls} == {"r-1"}
    assert smoke.tables_of({"dynamodb_tables": {"a": "t1"}}) == ["t1"]
    with pytest.raises(SmokeSettingsError, match="dynamodb_tables"):
        smoke.tables_of({})
