"""The validation report: percentiles, counts, JUnit XML, Markdown, HTML charts, jobs, failure."""

import json
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.acinaces.deploy.plugins.module_utils import _validation_report as rep
from ansible_collections.acinaces.deploy.plugins.module_utils._validation_report import ValidationFailed, ValidationInputError

STARTED = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
FINISHED = STARTED + timedelta(seconds=42.5)


def sample_checks():
    return [
        rep.check("smoke", "create a strategy template", "passed", duration_ms=120.0),
        rep.check("api", "GET /health answers 2xx (category system)", "failed",
                  "5 of 5 probes failed (500); first: status 500 after 8.1 ms, body: {\"message\": \"x | y\"}", 40.0,
                  {"probes": [{"status": 500}]}),
        rep.check("api", "GET /health p95 latency within 300 ms", "passed", latency=rep.latency_summary("GET /health", [10, 20, 30, 40, 50], 300)),
        rep.check("api", "GET /strategies p95 latency within 5 ms", "failed", "p95 48.0 ms exceeds the threshold of 5 ms",
                  latency=rep.latency_summary("GET /strategies", [12, 48, 30], 5)),
        rep.check("dns", "api.example.com resolves", "skipped", "check mode"),
        rep.check("custom", "something else", "passed"),
    ]


def report_of(checks):
    return rep.build_report([rep.normalize_check(item) for item in checks], "test", "run-1", STARTED, FINISHED)


# Percentiles ------------------------------------------------------------------------------

def test_percentiles_interpolate_between_ranks():
    values = [50, 10, 40, 20, 30]
    assert rep.percentile(values, 0.5) == 30
    assert rep.percentile(values, 0.95) == pytest.approx(48.0)
    assert rep.percentile(values, 0.0) == 10 and rep.percentile(values, 1.0) == 50
    assert rep.percentile([7], 0.95) == 7
    assert rep.percentile([], 0.5) is None
    with pytest.raises(ValueError):
        rep.percentile([1], 1.5)


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=50),
       st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=1))
def test_percentiles_are_monotone_and_within_the_samples(values, a, b):
    low, high = sorted((a, b))
    assert min(values) <= rep.percentile(values, low) <= rep.percentile(values, high) <= max(values)


def test_latency_summary():
    latency = rep.latency_summary("GET /health", [10.04, 20, 30, 40, 50], 300)
    assert latency == {"endpoint": "GET /health", "samples_ms": [10.0, 20.0, 30.0, 40.0, 50.0], "p50_ms": 30.0,
                       "p95_ms": 48.0, "max_ms": 50.0, "threshold_ms": 300.0}
    assert rep.latency_summary("GET /", [], 100)["p95_ms"] is None


# The document -----------------------------------------------------------------------------

def test_report_counts_per_group_in_the_role_order():
    report = report_of(sample_checks())
    assert report["status"] == "failed"
    assert report["summary"] == {"passed": 3, "failed": 2, "skipped": 1, "total": 6}
    assert list(report["groups"]) == ["dns", "api", "smoke", "custom"]
    assert report["groups"]["api"] == {"status": "failed", "passed": 1, "failed": 2, "skipped": 0}
    assert report["groups"]["dns"]["status"] == "passed"
    assert report["started"] == "2025-03-01T12:00:00Z" and report["finished"] == "2025-03-01T12:00:42Z"
    assert report["duration_ms"] == 42500.0
    assert [item["group"] for item in report["checks"]] == ["dns", "api", "api", "api", "smoke", "custom"]


def test_an_empty_run_passes():
    report = report_of([])
    assert report["status"] == "passed" and report["summary"]["total"] == 0 and report["groups"] == {}


def test_checks_are_held_to_the_contract():
    with pytest.raises(ValidationInputError, match="status must be one of passed, failed, skipped"):
        rep.normalize_check({"group": "api", "name": "x", "status": "ok"})
    with pytest.raises(ValidationInputError, match="group must be a non-empty string"):
        rep.normalize_check({"name": "x", "status": "passed"})
    # A failed check without a cause still says so.
    assert rep.normalize_check({"group": "api", "name": "x", "status": "failed"})["cause"] == rep.NO_CAUSE


def test_jobs_give_their_checks_and_a_failed_check_for_a_group_that_did_not_complete():
    jobs = [
        {"item": {"group": "api", "job": {}}, "finished": 1, "checks": [rep.check("api", "a", "passed")]},
        {"item": {"group": "smoke", "job": {}}, "finished": 1, "failed": False, "msg": "run_id: 'x y' is not 1-100 letters"},
        {"item": {"group": "dns", "job": {}}, "finished": 0, "attempts": 300, "msg": ""},
        {"item": {"group": "tls", "job": {}}, "skipped": True},
    ]
    checks = rep.checks_from_jobs(jobs)
    assert [(item["group"], item["status"]) for item in checks] == [("api", "passed"), ("smoke", "failed"), ("dns", "failed")]
    assert "could not run: run_id: 'x y'" in checks[1]["cause"]
    assert "did not finish in time" in checks[2]["cause"]
    with pytest.raises(ValidationInputError, match="names no group"):
        rep.checks_from_jobs([{"finished": 1}])


# The files --------------------------------------------------------------------------------

def test_junit_xml_parses_and_its_counts_match():
    report = report_of(sample_checks())
    root = ElementTree.fromstring(rep.junit_xml(report))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("6", "2", "1")
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert list(suites) == list(report["groups"])
    for name, suite in suites.items():
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases) == sum(1 for item in report["checks"] if item["group"] == name)
        assert int(suite.get("failures")) == sum(1 for case in cases if case.find("failure") is not None) == report["groups"][name]["failed"]
        assert int(suite.get("skipped")) == sum(1 for case in cases if case.find("skipped") is not None)
    failure = suites["api"].find("testcase[@name='GET /health answers 2xx (category system)']/failure")
    assert "status 500" in failure.get("message") and '"probes"' in failure.text


def test_markdown_lists_every_failure_with_its_cause():
    report = report_of(sample_checks())
    text = rep.markdown(report)
    failures_section = text.split("## Failures", 1)[1].split("##", 1)[0]
    for item in rep.failures(report):
        assert item["name"] in failures_section
    assert "x \\| y" in failures_section  # a pipe in a cause does not break the tables
    assert "| GET /strategies | 3 | 30.0 | 46.2 | 48.0 | 5.0 |" in text
    assert "None." in rep.markdown(report_of([rep.check("api", "a", "passed")]))


def test_html_is_self_contained_with_one_chart_per_endpoint():
    checks = sample_checks() + [rep.check("api", "GET /health answers 2xx again", "passed",
                                          latency=rep.latency_summary("GET /health", [1], 300))]
    page = rep.html(report_of(checks))
    assert page.count("<svg") == 2  # GET /health and GET /strategies, once each
    assert "Latency of GET /health" in page and "Latency of GET /strategies" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "&quot;x | y&quot;" in page  # causes are escaped


def test_the_chart_draws_every_sample_and_the_three_lines():
    chart = rep.latency_chart(rep.latency_summary("GET /x", [5, 10, 400], 300))
    root = ElementTree.fromstring(chart)
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(ns + "circle")) == 3
    assert sorted(line.get("class") for line in root.findall(ns + "line")) == ["p50", "p95", "threshold"]
    # The slowest sample sits above the threshold line (smaller y is higher).
    threshold_y = float(root.find(ns + "line[@class='threshold']").get("y1"))
    assert min(float(circle.get("cy")) for circle in root.findall(ns + "circle")) < threshold_y


def test_produce_writes_the_four_files_and_fails_naming_each_failure(tmp_path):
    params = {"checks": sample_checks(), "jobs": [], "environment": "test", "run_id": "run-1",
              "started": "2025-03-01T12:00:00Z", "output_dir": str(tmp_path)}
    with pytest.raises(ValidationFailed) as failed:
        rep.produce(params, check_mode=False, now=FINISHED)
    message = failed.value.fail_kwargs()["msg"]
    assert "2 of 6 checks failed" in message
    assert "[api] GET /health answers 2xx (category system): 5 of 5 probes failed" in message
    assert "[api] GET /strategies p95 latency within 5 ms: p95 48.0 ms exceeds" in message
    paths = failed.value.details["paths"]
    assert sorted(p.rsplit("/", 1)[1] for p in paths.values()) == ["junit.xml", "report.html", "report.json", "report.md"]
    document = json.loads((tmp_path / "validation" / "report.json").read_text())
    assert document["summary"]["failed"] == 2 and document["run_id"] == "run-1"
    ElementTree.parse(str(tmp_path / "validation" / "junit.xml"))


def test_produce_in_check_mode_writes_nothing(tmp_path):
    params = {"checks": [rep.check("api", "a", "passed")], "jobs": [], "environment": "test", "run_id": "r",
              "started": None, "output_dir": str(tmp_path)}
    result = rep.produce(params, check_mode=True)
    assert result["status"] == "passed" and result["written"] is False and not result["changed"]
    assert not (tmp_path / "validation").exists()
    result = rep.produce(params, check_mode=False)
    assert result["written"] and (tmp_path / "validation" / "report.html").is_file()


def test_a_bad_start_time_is_named():
    with pytest.raises(ValidationInputError, match="started: 'yesterday'"):
        rep.produce({"checks": [], "jobs": [], "environment": "t", "run_id": "r", "started": "yesterday", "output_dir": "/tmp/x"}, True)
