# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The validation report: checks of every group -> report.json, junit.xml, report.md, report.html.

A check is the dict every `validate_<group>` module returns in its `checks` list
(`{group, name, status, cause, duration_ms, details, latency?}`, see `check()`). The report
gathers them (and the wait results of the groups' asynchronous jobs, where a group that
failed or did not finish becomes a failed check of its own), counts them per group, and renders
the four files. Everything here is pure but `write_report`.
"""

from __future__ import annotations

import json
import math
import os
from datetime import datetime, timezone
from html import escape
from xml.etree import ElementTree

from ansible_collections.acinaces.deploy.plugins.module_utils._errors import DeployError
from ansible_collections.acinaces.deploy.plugins.module_utils._files import atomic_write

STATUSES = ("passed", "failed", "skipped")
# The groups of the validation role, in the order the report shows them (others follow, sorted).
GROUP_ORDER = ("dns", "tls", "api", "data_stores", "frontend", "smoke", "monitoring")
FILES = {"json": "report.json", "junit": "junit.xml", "markdown": "report.md", "html": "report.html"}
NO_CAUSE = "(the check gave no cause)"


class ValidationInputError(DeployError):
    """A check or job result that does not follow the validation contract."""


class ValidationFailed(DeployError):
    """At least one check failed; the message names each with its cause."""


# --------------------------------------------------------------------------- checks


def check(group, name, status, cause=None, duration_ms=0.0, details=None, latency=None):
    """One check as the validation contract has it."""
    result = {
        "group": group,
        "name": name,
        "status": status,
        "cause": cause if cause else (None if status == "passed" else NO_CAUSE),
        "duration_ms": round(float(duration_ms or 0.0), 1),
        "details": details or {},
    }
    if latency is not None:
        result["latency"] = latency
    return result


def percentile(values, fraction):
    """The `fraction` (0..1) percentile of `values`, linear between the closest ranks (numpy's
    default); None for no values."""
    ordered = sorted(float(value) for value in values)
    if not ordered:
        return None
    if not 0.0 <= fraction <= 1.0:
        raise ValueError("percentile fraction must be within 0..1, got %r" % fraction)
    position = (len(ordered) - 1) * fraction
    lower = int(math.floor(position))
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _rounded(value):
    return None if value is None else round(value, 1)


def latency_summary(endpoint, samples_ms, threshold_ms):
    """The `latency` of a check: the samples and their p50, p95 and max against the threshold."""
    samples = [round(float(value), 1) for value in samples_ms]
    rounded = _rounded
    return {
        "endpoint": endpoint,
        "samples_ms": samples,
        "p50_ms": rounded(percentile(samples, 0.50)),
        "p95_ms": rounded(percentile(samples, 0.95)),
        "max_ms": max(samples) if samples else None,
        "threshold_ms": float(threshold_ms),
    }


def normalize_check(raw, index="?"):
    """A check from a module, checked against the contract; ValidationInputError names the fault."""
    if not isinstance(raw, dict):
        raise ValidationInputError("check %s is not a dict: %r" % (index, raw), guidance="A validate_<group> module returns a list of check dicts.")
    problems = []
    for field in ("group", "name"):
        if not isinstance(raw.get(field), str) or not raw.get(field).strip():
            problems.append("%s must be a non-empty string" % field)
    if raw.get("status") not in STATUSES:
        problems.append("status must be one of %s, got %r" % (", ".join(STATUSES), raw.get("status")))
    if problems:
        raise ValidationInputError(
            "check %s (%s) does not follow the validation contract: %s" % (index, raw.get("name", "no name"), "; ".join(problems)),
            guidance="Fix the module that returned it: every check has group, name and status (passed, failed, skipped).",
            check=raw,
        )
    normalized = check(raw["group"], raw["name"], raw["status"], raw.get("cause"), raw.get("duration_ms") or 0.0,
                       raw.get("details") if isinstance(raw.get("details"), dict) else {}, raw.get("latency"))
    return normalized


def checks_from_jobs(jobs):
    """The checks of the groups' wait results (async_status results, each with its `item`
    {group, job}); a group whose module failed or did not finish becomes one failed check."""
    checks = []
    for job in jobs or []:
        if not isinstance(job, dict):
            raise ValidationInputError("a job result is not a dict: %r" % (job,))
        item = job.get("item") if isinstance(job.get("item"), dict) else {}
        group = item.get("group") or job.get("group")
        if not group:
            raise ValidationInputError("a job result names no group (item.group)", guidance="Each job is registered as {group, job}.")
        if job.get("skipped"):
            continue
        if isinstance(job.get("checks"), list):
            checks.extend(job["checks"])
            continue
        if not job.get("finished"):
            cause = "the %s checks did not finish in time (%s)" % (group, job.get("msg") or "still running when the wait ended")
        else:
            cause = "the %s checks could not run: %s" % (group, job.get("msg") or "the module returned no checks")
        checks.append(check(group, "%s checks ran to completion" % group, "failed", cause, details={"result": _short(job)}))
    return checks


def _short(job):
    """What of a failed job result goes into the report (never its invocation arguments)."""
    return {key: job[key] for key in ("msg", "finished", "ansible_job_id", "attempts", "rc") if key in job}


# --------------------------------------------------------------------------- the report


def _group_key(group):
    return (GROUP_ORDER.index(group), "") if group in GROUP_ORDER else (len(GROUP_ORDER), group)


def _counts(checks):
    counts = {status: sum(1 for item in checks if item["status"] == status) for status in STATUSES}
    counts["total"] = len(checks)
    return counts


def parse_time(text):
    """An ISO 8601 time (a trailing Z included) as an aware datetime; ValidationInputError otherwise."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise ValidationInputError("started: %r is not an ISO 8601 time" % (text,),
                                   guidance="Give the time the validation started, such as 2025-01-01T12:00:00Z.") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def iso(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_report(checks, environment, run_id, started, finished):
    """The report document (report.json) of the normalized `checks`; `started`/`finished` are datetimes."""
    ordered = sorted(checks, key=lambda item: _group_key(item["group"]))
    groups = {}
    for group in sorted({item["group"] for item in ordered}, key=_group_key):
        counts = _counts([item for item in ordered if item["group"] == group])
        groups[group] = {
            "status": "failed" if counts["failed"] else "passed",
            "passed": counts["passed"],
            "failed": counts["failed"],
            "skipped": counts["skipped"],
        }
    summary = _counts(ordered)
    return {
        "environment": environment,
        "run_id": run_id,
        "started": iso(started),
        "finished": iso(finished),
        "duration_ms": round(max(0.0, (finished - started).total_seconds() * 1000.0), 1),
        "status": "failed" if summary["failed"] else "passed",
        "summary": summary,
        "groups": groups,
        "checks": ordered,
    }


def failures(report):
    return [item for item in report["checks"] if item["status"] == "failed"]


def failure_message(report):
    """What a failed validation says: the counts, then each failed check with its cause."""
    failed = failures(report)
    summary = report["summary"]
    lines = ["Validation of %s failed: %d of %d checks failed (%d passed, %d skipped)." % (
        report["environment"], summary["failed"], summary["total"], summary["passed"], summary["skipped"])]
    lines += ["  - [%s] %s: %s" % (item["group"], item["name"], item["cause"]) for item in failed]
    return "\n".join(lines)


def latency_series(report):
    """One latency record per endpoint (the first check that carries it), in report order."""
    series = {}
    for item in report["checks"]:
        latency = item.get("latency")
        if isinstance(latency, dict) and latency.get("endpoint") and latency["endpoint"] not in series:
            series[latency["endpoint"]] = latency
    return list(series.values())


# --------------------------------------------------------------------------- JUnit XML


def _seconds(ms):
    return "%.3f" % ((ms or 0.0) / 1000.0)


def junit_xml(report):
    """One testsuite per group, one testcase per check; a failure carries the cause."""
    seconds = _seconds
    summary = report["summary"]
    root = ElementTree.Element("testsuites", {
        "name": "validation of %s (run %s)" % (report["environment"], report["run_id"]),
        "tests": str(summary["total"]), "failures": str(summary["failed"]), "errors": "0",
        "skipped": str(summary["skipped"]), "time": seconds(report["duration_ms"]),
        "timestamp": report["started"],
    })
    for group, counts in report["groups"].items():
        checks = [item for item in report["checks"] if item["group"] == group]
        suite = ElementTree.SubElement(root, "testsuite", {
            "name": group, "tests": str(len(checks)), "failures": str(counts["failed"]), "errors": "0",
            "skipped": str(counts["skipped"]), "time": seconds(sum(item["duration_ms"] for item in checks)),
            "timestamp": report["started"],
        })
        for item in checks:
            case = ElementTree.SubElement(suite, "testcase", {
                "classname": "validation.%s" % group, "name": item["name"], "time": seconds(item["duration_ms"]),
            })
            if item["status"] == "failed":
                failure = ElementTree.SubElement(case, "failure", {"message": item["cause"], "type": "CheckFailed"})
                failure.text = "%s\n\ndetails: %s" % (item["cause"], json.dumps(item["details"], indent=2, sort_keys=True, default=str))
            elif item["status"] == "skipped":
                ElementTree.SubElement(case, "skipped", {"message": item["cause"]})
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


# --------------------------------------------------------------------------- Markdown


def _cell(text):
    return str(text if text is not None else "").replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _ms(value):
    return "-" if value is None else "%.1f" % value


def markdown(report):
    summary = report["summary"]
    lines = [
        "# Validation of %s: %s" % (report["environment"], report["status"].upper()),
        "",
        "Run `%s`, %s to %s (%.1f s): %d checks, %d passed, %d failed, %d skipped." % (
            report["run_id"], report["started"], report["finished"], report["duration_ms"] / 1000.0,
            summary["total"], summary["passed"], summary["failed"], summary["skipped"]),
        "",
        "| group | result | passed | failed | skipped |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += ["| %s | %s | %d | %d | %d |" % (group, counts["status"], counts["passed"], counts["failed"], counts["skipped"])
              for group, counts in report["groups"].items()]
    failed = failures(report)
    lines += ["", "## Failures", ""]
    lines += ["- **%s** %s: %s" % (item["group"], _cell(item["name"]), _cell(item["cause"])) for item in failed] or ["None."]
    series = latency_series(report)
    if series:
        lines += ["", "## Latency", "", "| endpoint | probes | p50 ms | p95 ms | max ms | threshold ms |", "| --- | --- | --- | --- | --- | --- |"]
        lines += ["| %s | %d | %s | %s | %s | %s |" % (_cell(item["endpoint"]), len(item.get("samples_ms") or []), _ms(item.get("p50_ms")),
                                                       _ms(item.get("p95_ms")), _ms(item.get("max_ms")), _ms(item.get("threshold_ms")))
                  for item in series]
    for group in report["groups"]:
        lines += ["", "## %s" % group, "", "| check | result | ms | cause |", "| --- | --- | --- | --- |"]
        lines += ["| %s | %s | %s | %s |" % (_cell(item["name"]), item["status"], _ms(item["duration_ms"]), _cell(item["cause"]))
                  for item in report["checks"] if item["group"] == group]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- HTML

CHART_WIDTH, CHART_HEIGHT, MARGIN = 560, 220, 48
LINES = (("p50_ms", "p50", "#2563eb"), ("p95_ms", "p95", "#d97706"), ("threshold_ms", "threshold", "#dc2626"))


def latency_chart(latency):
    """An inline SVG: the probe samples (dots, in probe order) and the p50, p95 and threshold lines."""
    samples = [float(value) for value in latency.get("samples_ms") or []]
    levels = [(label, color, float(latency[key])) for key, label, color in LINES if latency.get(key) is not None]
    top = max(samples + [value for dummy, dummy, value in levels] + [1.0]) * 1.15
    plot_w, plot_h = CHART_WIDTH - 2 * MARGIN, CHART_HEIGHT - 2 * MARGIN

    def y(ms):
        return MARGIN + plot_h - (ms / top) * plot_h

    def x(index):
        return MARGIN + (plot_w * (index + 0.5) / max(1, len(samples)))

    title = "Latency of %s" % latency.get("endpoint", "?")
    parts = [
        '<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">'
        % (CHART_WIDTH, CHART_HEIGHT, CHART_WIDTH, CHART_HEIGHT, escape(title)),
        "<title>%s</title>" % escape(title),
        '<rect x="%d" y="%d" width="%d" height="%d" fill="#fafafa" stroke="#d4d4d4"/>' % (MARGIN, MARGIN, plot_w, plot_h),
        '<text x="%d" y="%d" font-size="12">%s</text>' % (MARGIN, MARGIN - 28, escape(title)),
        '<text x="%d" y="%d" font-size="10" text-anchor="end">%.0f ms</text>' % (MARGIN - 4, MARGIN + 4, top),
        '<text x="%d" y="%d" font-size="10" text-anchor="end">0</text>' % (MARGIN - 4, MARGIN + plot_h),
        '<text x="%d" y="%d" font-size="10" text-anchor="middle">probe</text>' % (MARGIN + plot_w / 2, CHART_HEIGHT - 12),
    ]
    for offset, (label, color, value) in enumerate(levels):
        parts.append('<line class="%s" x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="6 3"/>'
                     % (label, MARGIN, MARGIN + plot_w, y(value), y(value), color))
        parts.append('<text x="%d" y="%d" font-size="10" fill="%s">%s %.1f ms</text>'
                     % (MARGIN + offset * 150, MARGIN - 10, color, label, value))
    points = []
    for index, value in enumerate(samples):
        points.append("%.1f,%.1f" % (x(index), y(value)))
        parts.append('<circle class="sample" cx="%.1f" cy="%.1f" r="3.5" fill="#111827"><title>probe %d: %.1f ms</title></circle>'
                     % (x(index), y(value), index + 1, value))
    if len(points) > 1:
        parts.append('<polyline points="%s" fill="none" stroke="#6b7280" stroke-width="1"/>' % " ".join(points))
    if not samples:
        parts.append('<text x="%d" y="%d" font-size="12" text-anchor="middle">no probe answered</text>' % (MARGIN + plot_w / 2, MARGIN + plot_h / 2))
    parts.append("</svg>")
    return "".join(parts)


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #111827; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #d4d4d4; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
.passed { color: #15803d; } .failed { color: #b91c1c; font-weight: bold; } .skipped { color: #6b7280; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
"""


def html(report):
    """A self-contained page (no external resource): summary, failures, latency charts, every check."""
    summary = report["summary"]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Validation of %s: %s</title>" % (escape(report["environment"]), report["status"]),
        "<style>%s</style></head><body>" % STYLE,
        '<h1>Validation of %s: <span class="%s">%s</span></h1>' % (escape(report["environment"]), report["status"], report["status"].upper()),
        "<p>Run <code>%s</code>, %s to %s (%.1f s): %d checks, %d passed, %d failed, %d skipped.</p>" % (
            escape(report["run_id"]), report["started"], report["finished"], report["duration_ms"] / 1000.0,
            summary["total"], summary["passed"], summary["failed"], summary["skipped"]),
        "<table><tr><th>group</th><th>result</th><th>passed</th><th>failed</th><th>skipped</th></tr>",
    ]
    out += ['<tr><td>%s</td><td class="%s">%s</td><td>%d</td><td>%d</td><td>%d</td></tr>' % (
        escape(group), counts["status"], counts["status"], counts["passed"], counts["failed"], counts["skipped"])
        for group, counts in report["groups"].items()]
    out.append("</table><h2>Failures</h2>")
    failed = failures(report)
    if failed:
        out.append('<ul class="failures">')
        out += ["<li><b>%s</b> %s: %s</li>" % (escape(item["group"]), escape(item["name"]), escape(item["cause"])) for item in failed]
        out.append("</ul>")
    else:
        out.append("<p>None.</p>")
    series = latency_series(report)
    if series:
        out.append('<h2>Latency</h2><div class="charts">')
        out += [latency_chart(item) for item in series]
        out.append("</div>")
    for group in report["groups"]:
        out.append("<h2>%s</h2><table><tr><th>check</th><th>result</th><th>ms</th><th>cause</th></tr>" % escape(group))
        out += ['<tr><td>%s</td><td class="%s">%s</td><td>%s</td><td>%s</td></tr>' % (
            escape(item["name"]), item["status"], item["status"], _ms(item["duration_ms"]), escape(item["cause"] or ""))
            for item in report["checks"] if item["group"] == group]
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- the files


def render(report):
    """file kind -> text of the four files."""
    return {
        "json": json.dumps(report, indent=2, sort_keys=True, default=str) + "\n",
        "junit": junit_xml(report),
        "markdown": markdown(report),
        "html": html(report),
    }


def report_paths(output_dir):
    folder = os.path.join(output_dir, "validation")
    return {kind: os.path.join(folder, name) for kind, name in FILES.items()}


def write_report(report, output_dir):
    """Write the four files atomically (each replaced in one step); returns their paths."""
    paths = report_paths(output_dir)
    for kind, text in render(report).items():
        atomic_write(paths[kind], text)
    return paths


def produce(params, check_mode, now=None):
    """The validation_report module's work: the result, or ValidationFailed (after writing)."""
    raw = list(params.get("checks") or []) + checks_from_jobs(params.get("jobs"))
    checks = [normalize_check(item, index) for index, item in enumerate(raw)]
    finished = now or datetime.now(timezone.utc)
    started = parse_time(params["started"]) if params.get("started") else finished
    report = build_report(checks, params["environment"], params["run_id"], started, finished)
    paths = report_paths(params["output_dir"])
    if not check_mode:
        write_report(report, params["output_dir"])
    result = {
        "changed": not check_mode,
        "status": report["status"],
        "summary": report["summary"],
        "groups": report["groups"],
        "failures": [{"group": item["group"], "name": item["name"], "cause": item["cause"]} for item in failures(report)],
        "paths": paths,
        "written": not check_mode,
    }
    if report["status"] == "failed":
        guidance = ("Every check, with its details, is in %s and %s." % (paths["markdown"], paths["html"]) if not check_mode
                    else "Check mode wrote no report; run without --check to keep one.")
        raise ValidationFailed(failure_message(report), guidance=guidance, **result)
    return result
