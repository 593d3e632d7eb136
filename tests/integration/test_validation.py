"""The validation role (api and smoke groups) against the local environment, deployed once.

The checks reach the API through the stack's edge (nginx, TLS with the stack's CA) as a browser
reaches https://api.local.acinaces.test:<port>. Failures are made real: a function version
released with a configuration its handler rejects answers 500; a threshold below any real
latency fails a latency check. Afterwards no item of a smoke run is left in DynamoDB.
"""

import json
import re
import time
from xml.etree import ElementTree

import pytest

from local_stack import API_DOMAIN, edge_request

GROUPS = ["api", "smoke"]


@pytest.fixture(scope="module")
def stack(own_stack):
    """These tests deploy the `local` environment: a stack of their own keeps them apart."""
    return own_stack


def local_overrides(output):
    """The local inventory's settings, with the api and smoke groups only."""
    return {"deploy_output_dir": str(output), "skip_tests": True, "validation_groups": GROUPS}


@pytest.fixture(scope="module")
def deployed(stack, tmp_path_factory):
    """The local environment deployed once by deploy.yml, whose validation phase runs api and smoke."""
    output = tmp_path_factory.mktemp("deployment")
    overrides = local_overrides(output)
    run = stack.playbook("deploy.yml", extra_vars=overrides)
    manifest = json.loads((output / "manifest.json").read_text()) if (output / "manifest.json").exists() else None
    return {"run": run, "output": output, "overrides": overrides, "manifest": manifest}


def report_of(output):
    return json.loads((output / "validation" / "report.json").read_text())


def failed_checks(report):
    return {item["name"]: item for item in report["checks"] if item["status"] == "failed"}


def run_items(stack, manifest, run_id):
    """(table, id) of every item that carries the run id, in every table of the manifest."""
    dynamodb = stack.client("dynamodb")
    found = []
    for table in manifest["dynamodb_tables"].values():
        for page in dynamodb.get_paginator("scan").paginate(
                TableName=table, FilterExpression="runId = :r", ExpressionAttributeValues={":r": {"S": run_id}}):
            found += [(table, item["id"]["S"]) for item in page["Items"]]
    return found


def api_status(stack, path):
    info = stack.info
    status, dummy, dummy = edge_request(info["edge"]["https_port"], API_DOMAIN, path, ca_file=info["tls"]["ca"], timeout=20)
    return status


def wait_for_status(stack, path, wanted, timeout=60):
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = api_status(stack, path)
        if status == wanted:
            return
        time.sleep(0.5)
    raise AssertionError("GET %s still answers %s, not %s" % (path, status, wanted))


class Broken:
    """A function whose alias serves a version released without one environment variable its
    handler needs (it answers 500 `missing configuration: ...`); put back on exit."""

    def __init__(self, stack, manifest, logical, variable, probe_path):
        self.stack, self.function, self.variable, self.path = stack, manifest["functions"][logical], variable, probe_path

    def __enter__(self):
        lam = self.stack.client("lambda")
        name, alias = self.function["function_name"], self.function["alias"]
        self.previous = lam.get_alias(FunctionName=name, Name=alias)["FunctionVersion"]
        self.environment = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
        broken = {key: value for key, value in self.environment.items() if key != self.variable}
        lam.update_function_configuration(FunctionName=name, Environment={"Variables": broken})
        version = lam.publish_version(FunctionName=name)["Version"]
        lam.update_alias(FunctionName=name, Name=alias, FunctionVersion=version)
        wait_for_status(self.stack, self.path, 500)
        return self

    def __exit__(self, *exc):
        lam = self.stack.client("lambda")
        name = self.function["function_name"]
        lam.update_alias(FunctionName=name, Name=self.function["alias"], FunctionVersion=self.previous)
        lam.update_function_configuration(FunctionName=name, Environment={"Variables": self.environment})
        wait_for_status(self.stack, self.path, 200)


def test_deploy_validates_api_and_smoke_and_writes_the_four_reports(deployed):
    run = deployed["run"].assert_ok()
    assert "Traceback" not in run.output
    assert "validation      ok" in run.output  # the phase table
    folder = deployed["output"] / "validation"
    assert sorted(path.name for path in folder.iterdir()) == ["junit.xml", "report.html", "report.json", "report.md"]
    report = report_of(deployed["output"])
    assert report["status"] == "passed", failed_checks(report)
    assert report["environment"] == "local" and list(report["groups"]) == GROUPS
    assert report["summary"]["failed"] == 0 and report["summary"]["total"] == len(report["checks"])

    # Every Lambda category of the manifest was probed, through the edge, over verified TLS.
    api_checks = [item for item in report["checks"] if item["group"] == "api"]
    probed = {category for item in api_checks for category in item["details"].get("categories", [])}
    assert probed == {function["category"] for function in deployed["manifest"]["functions"].values()}
    assert any(item["name"].startswith("API allows the frontend origin https://local.acinaces.test:") for item in api_checks)
    endpoints = {item["latency"]["endpoint"] for item in api_checks if item.get("latency")}
    assert len(endpoints) == 7  # the base URL and six functions
    for item in api_checks:
        if item.get("latency"):
            assert len(item["latency"]["samples_ms"]) == 5

    smoke = {item["name"]: item["status"] for item in report["checks"] if item["group"] == "smoke"}
    assert smoke == {name: "passed" for name in (
        "create a strategy template", "create a strategy from the template", "configure a risk profile",
        "subscribe to market data", "audit log records every smoke action", "smoke data removed")}

    junit = ElementTree.parse(str(folder / "junit.xml")).getroot()
    assert int(junit.get("tests")) == report["summary"]["total"] and junit.get("failures") == "0"
    assert [suite.get("name") for suite in junit.findall("testsuite")] == GROUPS
    html = (folder / "report.html").read_text()
    assert html.count("<svg") == len(endpoints)
    assert "# Validation of local: PASSED" in (folder / "report.md").read_text()


def test_the_passing_smoke_run_left_no_data(stack, deployed):
    deployed["run"].assert_ok()
    report = report_of(deployed["output"])
    removed = next(item for item in report["checks"] if item["name"] == "smoke data removed")
    assert len(removed["details"]["deleted_through_api"]) == 4 and removed["details"]["deleted_in_dynamodb"] == []
    assert run_items(stack, deployed["manifest"], report["run_id"]) == []


@pytest.fixture(scope="module")
def broken_api_run(stack, deployed):
    """validate.yml --tags api while the risk-profiles route answers 500 and /strategies has a
    threshold no answer can meet."""
    deployed["run"].assert_ok()
    overrides = dict(deployed["overrides"], validation_run_id="api-broken",
                     validation_api_route_thresholds={"/strategies": 0.001})
    with Broken(stack, deployed["manifest"], "risk_profiles", "TABLE_RISK_PROFILES", "/risk-profiles"):
        run = stack.playbook("validate.yml", "--tags", "api", extra_vars=overrides)
    return {"run": run, "report": report_of(deployed["output"])}


def test_tags_api_runs_only_the_api_group(broken_api_run):
    report = broken_api_run["report"]
    assert report["run_id"] == "api-broken"
    assert list(report["groups"]) == ["api"]
    assert "Run the smoke test" not in broken_api_run["run"].output


def test_a_route_answering_500_fails_exactly_its_check_with_status_and_body(broken_api_run):
    run, report = broken_api_run["run"], broken_api_run["report"]
    assert run.rc != 0 and "Traceback" not in run.output
    failed = failed_checks(report)
    assert set(failed) == {"GET /risk-profiles answers 2xx (category risk)", "GET /strategies p95 latency within 0.001 ms"}
    cause = failed["GET /risk-profiles answers 2xx (category risk)"]["cause"]
    assert cause.startswith("5 of 5 probes failed (500); first: status 500 after ")
    assert 'body: {"message":"missing configuration: TABLE_RISK_PROFILES is not set"}' in cause
    # The run's failure names the check and its cause.
    assert "[api] GET /risk-profiles answers 2xx (category risk): 5 of 5 probes failed (500)" in run.output


def test_an_endpoint_slower_than_its_threshold_fails_exactly_its_latency_check(broken_api_run):
    report = broken_api_run["report"]
    latency = {item["name"]: item for item in report["checks"] if item.get("latency")}
    failing = [name for name, item in latency.items() if item["status"] == "failed"]
    assert failing == ["GET /strategies p95 latency within 0.001 ms"]
    item = latency[failing[0]]
    assert item["cause"].startswith("p95 ") and "exceeds the threshold of 0.001 ms" in item["cause"]
    assert item["latency"]["threshold_ms"] == 0.001 and item["latency"]["p95_ms"] > 0.001
    # The answers of /strategies were fine: only its latency failed.
    assert next(c for c in report["checks"] if c["name"] == "GET /strategies answers 2xx (category strategies)")["status"] == "passed"


def test_a_failing_smoke_run_leaves_no_data(stack, deployed):
    """The risk profile step fails (500) and the audit log cannot be read or cleaned through the
    API: the module removes the run's audit entries from DynamoDB directly."""
    deployed["run"].assert_ok()
    manifest = deployed["manifest"]
    overrides = dict(deployed["overrides"], validation_run_id="smoke-broken")
    with Broken(stack, manifest, "risk_profiles", "TABLE_RISK_PROFILES", "/risk-profiles"), \
            Broken(stack, manifest, "audit_log", "TABLE_AUDIT_LOG", "/audit-log"):
        run = stack.playbook("validate.yml", "--tags", "smoke", extra_vars=overrides)
    assert run.rc != 0 and "Traceback" not in run.output
    report = report_of(deployed["output"])
    assert report["run_id"] == "smoke-broken" and list(report["groups"]) == ["smoke"]
    statuses = {item["name"]: item["status"] for item in report["checks"]}
    assert statuses == {
        "create a strategy template": "passed", "create a strategy from the template": "passed",
        "configure a risk profile": "failed", "subscribe to market data": "passed",
        "audit log records every smoke action": "failed", "smoke data removed": "passed",
    }
    failed = failed_checks(report)
    assert "status 500" in failed["configure a risk profile"]["cause"]
    assert "TABLE_RISK_PROFILES is not set" in failed["configure a risk profile"]["cause"]
    removed = next(item for item in report["checks"] if item["name"] == "smoke data removed")["details"]
    assert len(removed["deleted_through_api"]) == 3  # template, strategy, subscription
    assert removed["api_failures"] and removed["api_failures"][0].startswith("DELETE /audit-log?runId=smoke-broken: status 500")
    assert {item["table"] for item in removed["deleted_in_dynamodb"]} == {manifest["dynamodb_tables"]["audit_log"]}
    assert run_items(stack, manifest, "smoke-broken") == []


def served_health(stack):
    """What answers /health through the edge: the function version the alias serves."""
    info = stack.info
    status, dummy, body = edge_request(info["edge"]["https_port"], API_DOMAIN, "/health", ca_file=info["tls"]["ca"], timeout=20)
    assert status == 200, body
    return json.loads(body)["functionVersion"]


def test_a_backend_rollback_serves_the_previous_release_and_validates_it(stack, deployed):
    deployed["run"].assert_ok()
    before = served_health(stack)
    # A release that changes only the configuration: every function gets a new version.
    probe = dict(deployed["overrides"],
                 lambda_extra_environment="{{ deploy_function_environment | combine({'ROLLBACK_PROBE': '1'}) }}")
    stack.playbook("deploy.yml", "--tags", "backend", extra_vars=probe).assert_ok()
    released = served_health(stack)
    assert int(released) > int(before)

    run = stack.playbook("rollback.yml", extra_vars=dict(deployed["overrides"], component="backend")).assert_ok()
    assert re.search(r"^validation +ok ", run.output, re.MULTILINE)
    assert served_health(stack) == before
    reports = sorted((deployed["output"] / "rollbacks").glob("*/validation/report.json"))
    report = json.loads(reports[-1].read_text())
    assert report["status"] == "passed" and list(report["groups"]) == ["api", "smoke"]
