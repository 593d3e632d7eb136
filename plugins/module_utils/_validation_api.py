# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The api group of the validation: health probes of the API and its CORS answer.

`plan_probes` (pure) turns the manifest into the probes: the API's base URL, and one GET per
Lambda function at its route (or the path `probe_paths` gives for it), so that every category
of the manifest is probed. Each probe is sent `count` times; endpoints are probed in parallel
threads, the probes of one endpoint one after the other. Each endpoint gives two checks: its
answers (every probe 2xx; the base URL: any answer but a server error) and its latency (p95 of
the answers against the endpoint's threshold). One more check sends the frontend's Origin.
"""

from __future__ import annotations

import re
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.acinaces.deploy.plugins.module_utils._errors import DeployError
from ansible_collections.acinaces.deploy.plugins.module_utils._validation_report import check, latency_summary

GROUP = "api"
PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@/%?-]*$")
MAX_PROBES = 100

# kind: "base" (the API's base URL) or "route" (a function's endpoint); categories, functions
# and routes: what the endpoint stands for; problem: why it cannot be probed (path None).
Probe = namedtuple("Probe", "endpoint method path kind categories functions routes threshold_ms problem")


class ApiSettingsError(DeployError):
    """The manifest or the api group's settings are unusable."""


def _functions(manifest):
    functions = manifest.get("functions") if isinstance(manifest, dict) else None
    if not isinstance(functions, dict) or not all(isinstance(entry, dict) for entry in functions.values()):
        raise ApiSettingsError(
            "manifest: functions must be a map of logical name -> function attributes",
            guidance="Pass the environment's manifest (deploy_manifest) as produced by acinaces.deploy.deploy_manifest.",
        )
    return functions


def categories_of(manifest):
    """The Lambda categories of the manifest."""
    return {entry.get("category") or "uncategorised" for entry in _functions(manifest).values()}


def _check_paths(probe_paths):
    for key, path in (probe_paths or {}).items():
        if not isinstance(path, str) or not PATH.match(path):
            raise ApiSettingsError(
                "probe_paths.%s: %r is not an absolute URL path" % (key, path),
                guidance="Give the path to GET for that route, such as /market-data/subscriptions.",
            )


def _threshold(keys, thresholds, default):
    for key in keys:
        if key in thresholds:
            value = thresholds[key]
            try:
                value = float(value)
            except (TypeError, ValueError):
                value = -1.0
            if value <= 0:
                raise ApiSettingsError("route_thresholds.%s: %r is not a positive number of milliseconds" % (key, thresholds[key]),
                                       guidance="Give the p95 latency allowed, in ms, such as 500.")
            return value
    return float(default)


def plan_probes(manifest, probe_paths=None, threshold_ms=1000.0, route_thresholds=None, base_path="/"):
    """The probes of the api group: the base URL first, then one per endpoint, in path order.

    A function's endpoint is `probe_paths[route]` (or `probe_paths[logical name]`), else its
    route; functions sharing a path share the probe. A function with neither gives a probe with
    a `problem` (and no path), so that every category of the manifest is covered by a probe."""
    probe_paths = dict(probe_paths or {})
    route_thresholds = dict(route_thresholds or {})
    _check_paths(probe_paths)
    if float(threshold_ms) <= 0:
        raise ApiSettingsError("threshold_ms: must be positive, got %r" % (threshold_ms,), guidance="Give the p95 latency allowed, in ms.")

    by_path = {}
    problems = []
    for logical, entry in sorted(_functions(manifest).items()):
        route = entry.get("route")
        category = entry.get("category") or "uncategorised"
        path = probe_paths.get(route) if route else None
        path = path or probe_paths.get(logical) or route
        if not path:
            problems.append(Probe(
                endpoint="function %s" % logical, method="GET", path=None, kind="route", categories=(category,),
                functions=(logical,), routes=(), threshold_ms=float(threshold_ms),
                problem="function %s (category %s) has no route in the manifest and no entry in probe_paths, so no "
                        "health check reaches it" % (logical, category),
            ))
            continue
        slot = by_path.setdefault(path, {"categories": [], "functions": [], "routes": []})
        slot["functions"].append(logical)
        if category not in slot["categories"]:
            slot["categories"].append(category)
        if route and route not in slot["routes"]:
            slot["routes"].append(route)

    probes = [Probe(
        endpoint="GET %s" % base_path, method="GET", path=base_path, kind="base", categories=(), functions=(), routes=(),
        threshold_ms=_threshold([base_path], route_thresholds, threshold_ms), problem=None,
    )]
    for path, slot in sorted(by_path.items()):
        keys = [path] + slot["routes"] + slot["functions"]
        probes.append(Probe(
            endpoint="GET %s" % path, method="GET", path=path, kind="route", categories=tuple(slot["categories"]),
            functions=tuple(slot["functions"]), routes=tuple(slot["routes"]),
            threshold_ms=_threshold(keys, route_thresholds, threshold_ms), problem=None,
        ))
    return probes + problems


def covered_categories(probes):
    return {category for probe in probes for category in probe.categories}


# --------------------------------------------------------------------------- probing


def answered_as_expected(probe, response):
    """A function's endpoint answers 2xx; the base URL any HTTP answer but a server error (an
    API with no method at its root answers 403 or 404, which still proves it is there)."""
    if response.status is None:
        return False
    if probe.kind == "base":
        return response.status < 500
    return 200 <= response.status < 300


def probe_endpoint(client, probe, count, warmup=0):
    """`warmup` requests (not counted: the first answer of a function can be a cold start),
    then `count` probes of one endpoint, one after the other."""
    for dummy in range(warmup):
        client.request(probe.method, probe.path)
    return [client.request(probe.method, probe.path) for dummy in range(count)]


def run_probes(client, probes, count, concurrency=8, warmup=0):
    """endpoint -> its responses; endpoints in parallel threads."""
    runnable = [probe for probe in probes if probe.path]
    if not runnable:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(runnable)))) as pool:
        futures = {probe.endpoint: pool.submit(probe_endpoint, client, probe, count, warmup) for probe in runnable}
        return {endpoint: future.result() for endpoint, future in futures.items()}


def _what(probe):
    if probe.kind == "base":
        return "the API's base URL"
    return "category %s" % ", ".join(probe.categories)


def endpoint_checks(probe, responses, url):
    """The answers check and the latency check of one endpoint."""
    if probe.problem:
        return [check(GROUP, "%s is probed" % probe.endpoint, "failed", probe.problem,
                      details={"categories": list(probe.categories), "functions": list(probe.functions)})]
    expected = "answers" if probe.kind == "base" else "answers 2xx"
    details = {
        "url": url, "method": probe.method, "path": probe.path, "categories": list(probe.categories),
        "functions": list(probe.functions), "routes": list(probe.routes), "probes": [response.record() for response in responses],
    }
    duration = sum(response.elapsed_ms for response in responses)
    bad = [response for response in responses if not answered_as_expected(probe, response)]
    name = "%s %s (%s)" % (probe.endpoint, expected, _what(probe))
    if not responses:
        answers = check(GROUP, name, "skipped", "no probe was sent (probes: 0)", duration, details)
    elif bad:
        statuses = sorted({str(response.status) if response.status is not None else "no answer" for response in bad})
        cause = "%d of %d probes failed (%s); first: %s" % (len(bad), len(responses), ", ".join(statuses), bad[0].describe())
        answers = check(GROUP, name, "failed", cause, duration, details)
    else:
        answers = check(GROUP, name, "passed", None, duration, details)

    samples = [response.elapsed_ms for response in responses if response.status is not None]
    latency = latency_summary(probe.endpoint, samples, probe.threshold_ms)
    name = "%s p95 latency within %g ms" % (probe.endpoint, probe.threshold_ms)
    figures = {key: latency[key] for key in ("p50_ms", "p95_ms", "max_ms", "threshold_ms")}
    if not samples:
        timing = check(GROUP, name, "skipped", "no probe got an answer to time", 0.0, figures, latency)
    elif latency["p95_ms"] > probe.threshold_ms:
        cause = "p95 %s ms exceeds the threshold of %g ms (p50 %s ms, max %s ms, %d probes)" % (
            latency["p95_ms"], probe.threshold_ms, latency["p50_ms"], latency["max_ms"], len(samples))
        timing = check(GROUP, name, "failed", cause, 0.0, figures, latency)
    else:
        timing = check(GROUP, name, "passed", None, 0.0, figures, latency)
    return [answers, timing]


def cors_check(client, path, origin):
    """A preflight (OPTIONS with Access-Control-Request-Method) and a GET with the frontend's
    Origin: both must allow it (Access-Control-Allow-Origin equal to the origin, or *)."""
    name = "API allows the frontend origin %s (CORS, %s)" % (origin, path)
    preflight = client.request("OPTIONS", path, headers={
        "Origin": origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "content-type"})
    simple = client.request("GET", path, headers={"Origin": origin})
    problems = []
    for label, response in (("preflight OPTIONS", preflight), ("GET", simple)):
        allowed = response.header("Access-Control-Allow-Origin")
        if response.status is None:
            problems.append("%s: %s" % (label, response.describe()))
        elif label.startswith("preflight") and not 200 <= response.status < 300:
            problems.append("%s answered %s" % (label, response.describe()))
        elif allowed is None:
            problems.append("%s answered status %s without Access-Control-Allow-Origin" % (label, response.status))
        elif allowed not in (origin, "*"):
            problems.append("%s allows origin %r, not %s" % (label, allowed, origin))
    details = {
        "origin": origin, "path": path,
        "preflight": dict(preflight.record(), allow_origin=preflight.header("Access-Control-Allow-Origin"),
                          allow_methods=preflight.header("Access-Control-Allow-Methods")),
        "get": dict(simple.record(), allow_origin=simple.header("Access-Control-Allow-Origin")),
    }
    duration = preflight.elapsed_ms + simple.elapsed_ms
    if problems:
        return check(GROUP, name, "failed", "; ".join(problems), duration, details)
    return check(GROUP, name, "passed", None, duration, details)


def validate(client, manifest, count=5, threshold_ms=1000.0, route_thresholds=None, probe_paths=None, origin=None,
             cors_path=None, concurrency=8, warmup=1):
    """Every check of the api group, and the plan (for the module's result)."""
    if not 1 <= int(count) <= MAX_PROBES:
        raise ApiSettingsError("probes: must be between 1 and %d, got %r" % (MAX_PROBES, count), guidance="Give how many probes per endpoint, such as 5.")
    probes = plan_probes(manifest, probe_paths, threshold_ms, route_thresholds)
    if not 0 <= int(warmup) <= 10:
        raise ApiSettingsError("warmup: must be between 0 and 10, got %r" % (warmup,),
                               guidance="Give how many uncounted requests precede the probes, such as 1.")
    responses = run_probes(client, probes, int(count), concurrency, int(warmup))
    checks = []
    for probe in probes:
        url = client.target.url_of(probe.path) if probe.path else None
        checks.extend(endpoint_checks(probe, responses.get(probe.endpoint, []), url))
    if origin:
        routed = [probe for probe in probes if probe.kind == "route" and probe.path]
        path = cors_path or (routed[0].path if routed else "/")
        checks.append(cors_check(client, path, origin))
    return checks, [probe._asdict() for probe in probes]
