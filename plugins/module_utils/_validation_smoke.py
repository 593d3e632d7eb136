# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The smoke group of the validation: one user journey through the API, then no trace of it.

Steps: create a strategy template, create a strategy from it, configure a risk profile,
subscribe to market data, then read the audit log of the run and find an entry for each
change. Every request carries the run id (header X-Run-Id and body field runId), so every item
and audit entry the journey creates carries it too; names and the risk profile's id contain it.

Cleanup always runs, also after a failed step: each created item is deleted through the API
(newest first), then the run's audit entries (DELETE /audit-log?runId=). What the API could not
remove is deleted from DynamoDB directly by the run id (a scan of every table of the manifest
for items whose runId is the run's). The check "smoke data removed" reports what is left.
"""

from __future__ import annotations

import re
import time
from urllib.parse import quote

from ansible_collections.acinaces.deploy.plugins.module_utils._errors import DeployError
from ansible_collections.acinaces.deploy.plugins.module_utils._validation_report import check

GROUP = "smoke"
RUN_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
PATHS = {
    "templates": "/strategy-templates",
    "strategies": "/strategies",
    "risk_profiles": "/risk-profiles",
    "subscriptions": "/market-data/subscriptions",
    "audit_log": "/audit-log",
}


class SmokeSettingsError(DeployError):
    """The smoke group's settings are unusable."""


def check_run_id(run_id):
    if not isinstance(run_id, str) or not RUN_ID.match(run_id):
        raise SmokeSettingsError(
            "run_id: %r is not 1-100 letters, digits or _ . : -" % (run_id,),
            guidance="Set validation_run_id to such a value (the default is the deploy's release id).",
        )
    return run_id


class Journey:
    """One smoke run: the steps, the audit check and the cleanup, recording checks as it goes.

    `client` sends API requests (Client of _validation_client); `store` reaches DynamoDB
    directly (scan_run / delete) for what the API cannot remove; `clock` times the steps."""

    def __init__(self, client, store, run_id, paths=None, clock=time.monotonic):
        self.client = client
        self.store = store
        self.run_id = check_run_id(run_id)
        self.paths = dict(PATHS, **(paths or {}))
        self.clock = clock
        self.headers = {"X-Run-Id": self.run_id}
        self.created = []  # (entity type, id, path to DELETE), in creation order
        self.checks = []

    # -- the steps

    def _request(self, method, path, body=None):
        return self.client.request(method, path, headers=self.headers, body=body)

    def _step(self, name, method, path, body, expected, entity_type, location=None):
        """Send one creating request; record the check; return the created item or None."""
        response = self._request(method, path, body)
        item = response.json() if response.status in expected else None
        if not isinstance(item, dict) or not item.get("id"):
            cause = "%s %s: %s" % (method, path, response.describe())
            if response.status in expected:
                cause += " (the answer is not the created item)"
            self.checks.append(check(GROUP, name, "failed", cause, response.elapsed_ms, {"request": "%s %s" % (method, path), "response": response.record()}))
            return None
        self.created.append((entity_type, item["id"], location or "%s/%s" % (path, quote(item["id"], safe=""))))
        problems = [] if item.get("runId") == self.run_id else ["the item does not carry the run id (runId %r)" % item.get("runId")]
        details = {"request": "%s %s" % (method, path), "status": response.status, "id": item["id"]}
        if problems:
            self.checks.append(check(GROUP, name, "failed", "; ".join(problems), response.elapsed_ms, details))
        else:
            self.checks.append(check(GROUP, name, "passed", None, response.elapsed_ms, details))
        return item

    def _skip(self, name, cause):
        self.checks.append(check(GROUP, name, "skipped", cause))

    def steps(self):
        run_id = self.run_id
        template = self._step(
            "create a strategy template", "POST", self.paths["templates"],
            {"name": "smoke %s" % run_id, "description": "validation smoke test %s" % run_id, "runId": run_id,
             "parameters": {"fastPeriod": {"type": "number", "default": 12, "description": "fast moving average"},
                            "slowPeriod": {"type": "number", "default": 26}}},
            (201,), "strategy-template")
        if template:
            self._step(
                "create a strategy from the template", "POST", self.paths["strategies"],
                {"templateId": template["id"], "name": "smoke %s" % run_id, "parameters": {"fastPeriod": 9}, "runId": run_id},
                (201,), "strategy")
        else:
            self._skip("create a strategy from the template", "the strategy template could not be created")
        profile_id = "smoke-%s" % run_id
        profile_path = "%s/%s" % (self.paths["risk_profiles"], quote(profile_id, safe=""))
        self._step(
            "configure a risk profile", "PUT", profile_path,
            {"maxPositionSize": 1000, "maxDailyLoss": 50, "maxLeverage": 2, "runId": run_id},
            (200, 201), "risk-profile", location=profile_path)
        self._step(
            "subscribe to market data", "POST", self.paths["subscriptions"],
            {"exchange": "binance", "symbol": "BTC-EUR", "runId": run_id}, (201,), "market-subscription")

    def audit(self):
        """Every change of the journey has its create entry, with the run id, in the audit log."""
        name = "audit log records every smoke action"
        if not self.created:
            self._skip(name, "no smoke step created anything")
            return
        path = "%s?runId=%s&limit=100" % (self.paths["audit_log"], quote(self.run_id, safe=""))
        response = self._request("GET", path)
        entries = (response.json() or {}).get("items") if response.status == 200 and isinstance(response.json(), dict) else None
        if not isinstance(entries, list):
            self.checks.append(check(GROUP, name, "failed", "GET %s: %s" % (path, response.describe()), response.elapsed_ms,
                                     {"response": response.record()}))
            return
        recorded = {(entry.get("action"), entry.get("entityType"), entry.get("entityId")) for entry in entries if isinstance(entry, dict)}
        missing = ["create %s %s" % (entity_type, ident) for entity_type, ident, dummy in self.created
                   if ("create", entity_type, ident) not in recorded]
        foreign = [entry.get("id") for entry in entries if isinstance(entry, dict) and entry.get("runId") != self.run_id]
        details = {"entries": len(entries), "expected": ["create %s %s" % (kind, ident) for kind, ident, dummy in self.created]}
        problems = []
        if missing:
            problems.append("no audit entry for: %s" % ", ".join(missing))
        if foreign:
            problems.append("entries of another run answered the run's filter: %s" % ", ".join(map(str, foreign)))
        if problems:
            self.checks.append(check(GROUP, name, "failed", "; ".join(problems), response.elapsed_ms, details))
        else:
            self.checks.append(check(GROUP, name, "passed", None, response.elapsed_ms, details))

    # -- cleanup

    def cleanup(self):
        """Delete what the run created: through the API, then directly in DynamoDB by run id."""
        started = self.clock()
        api_deleted, api_failed = [], []
        for entity_type, ident, path in reversed(self.created):
            response = self._request("DELETE", path)
            if response.status in (200, 204, 404):
                api_deleted.append("%s %s" % (entity_type, ident))
            else:
                api_failed.append("DELETE %s: %s" % (path, response.describe()))
        audit_path = "%s?runId=%s" % (self.paths["audit_log"], quote(self.run_id, safe=""))
        response = self._request("DELETE", audit_path)
        if response.status not in (200, 204):
            api_failed.append("DELETE %s: %s" % (audit_path, response.describe()))
        details = {"deleted_through_api": api_deleted, "api_failures": api_failed}
        name = "smoke data removed"
        try:
            direct = self.store.delete_run(self.run_id)
            details["deleted_in_dynamodb"] = direct
            leftovers = self.store.scan_run(self.run_id)
        except Exception as error:  # pylint: disable=broad-exception-caught  # reported as the check's cause
            elapsed = (self.clock() - started) * 1000.0
            cause = "could not look for the run's items in DynamoDB: %s" % error
            if api_failed:
                cause += "; the API could not delete: %s" % "; ".join(api_failed)
            self.checks.append(check(GROUP, name, "failed", cause, elapsed, details))
            return
        elapsed = (self.clock() - started) * 1000.0
        details["leftovers"] = leftovers
        if leftovers:
            shown = ", ".join("%s %s" % (item["table"], item["id"]) for item in leftovers)
            self.checks.append(check(GROUP, name, "failed", "items of run %s are left: %s" % (self.run_id, shown), elapsed, details))
        else:
            self.checks.append(check(GROUP, name, "passed", None, elapsed, details))

    def run(self):
        try:
            self.steps()
            self.audit()
        finally:
            self.cleanup()
        return self.checks


class DynamoStore:
    """The run's items in the manifest's DynamoDB tables (hash key `id`), through boto3."""

    def __init__(self, client, tables):
        self.client = client
        self.tables = sorted(set(tables))

    def scan_run(self, run_id):
        found = []
        for table in self.tables:
            paginator = self.client.get_paginator("scan")
            pages = paginator.paginate(
                TableName=table, FilterExpression="#r = :r", ExpressionAttributeNames={"#r": "runId", "#i": "id"},
                ExpressionAttributeValues={":r": {"S": run_id}}, ProjectionExpression="#i",
            )
            for page in pages:
                found += [{"table": table, "id": item["id"]["S"]} for item in page.get("Items", []) if "S" in item.get("id", {})]
        return found

    def delete_run(self, run_id):
        """Delete every item of the run; returns what was deleted (what the API had left)."""
        deleted = []
        for item in self.scan_run(run_id):
            self.client.delete_item(TableName=item["table"], Key={"id": {"S": item["id"]}}, aws_retry=True)
            deleted.append(item)
        return deleted


def tables_of(manifest):
    tables = manifest.get("dynamodb_tables") if isinstance(manifest, dict) else None
    if not isinstance(tables, dict) or not tables:
        raise SmokeSettingsError(
            "manifest: dynamodb_tables must name the environment's tables",
            guidance="Pass the environment's manifest (deploy_manifest), which lists its DynamoDB tables.",
        )
    return list(tables.values())


def skipped_in_check_mode():
    cause = "check mode: the smoke test creates and deletes data, so it runs only without --check"
    names = ("create a strategy template", "create a strategy from the template", "configure a risk profile",
             "subscribe to market data", "audit log records every smoke action", "smoke data removed")
    return [check(GROUP, name, "skipped", cause) for name in names]
