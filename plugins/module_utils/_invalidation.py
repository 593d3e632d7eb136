# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudFront invalidations of a static site: which paths a set of changed keys needs, fitted
into CloudFront's limits, created once, and waited for.

Limits (per distribution): at most 3,000 file paths in progress at a time, at most 15 wildcard
paths in progress, at most 3,000 paths in one request. Paths of invalidations already in
progress count against the first two.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from ansible_collections.acinaces.deploy.plugins.module_utils._errors import DeployError

MAX_PATHS = 3000
MAX_WILDCARDS = 15
DEFAULT_COLLAPSE_THRESHOLD = 10
HASHED_ASSETS = "_next/static/"
ALL = "/*"
# RFC 1738 unsafe characters (and `*`, which would make a wildcard) are percent-encoded.
SAFE_IN_PATH = "/-_.!$&'()+,;=:@"
RECENT = timedelta(hours=1)
MAX_LIST_PAGES = 10
WAIT_DELAY = 10


class InvalidationError(DeployError):
    """The invalidation cannot be planned or created as asked."""


class InvalidationTimeout(InvalidationError):
    """The invalidation did not complete in time; `invalidation_id` names it."""


# Paths from keys (pure) -------------------------------------------------------------------


def relative_key(key, origin_path=""):
    """The key as the distribution serves it: without the origin path (no leading '/')."""
    key = key.lstrip("/")
    origin = origin_path.strip("/")
    if not origin:
        return key
    if not key.startswith(origin + "/"):
        raise InvalidationError(
            "key %s is not under the origin path /%s" % (key, origin),
            guidance="pass the keys published under the distribution's origin path, or fix origin_path",
        )
    return key[len(origin) + 1:]


def paths_for_key(rel):
    """The URL paths serving one key: never content-hashed assets (they are immutable);
    `dir/index.html` also `/dir/`, `x.html` also `/x` (clean URLs)."""
    if rel.startswith(HASHED_ASSETS):
        return []
    path = "/" + quote(rel, safe=SAFE_IN_PATH)
    directory, _sep, name = path.rpartition("/")
    if name == "index.html":
        return [path, directory + "/"]
    if name.endswith(".html"):
        return [path, path[: -len(".html")]]
    return [path]


def paths_for_keys(keys, origin_path=""):
    return sorted({path for key in keys for path in paths_for_key(relative_key(key, origin_path))})


def check_paths(paths):
    """Paths given by the user: each starts with '/', with '*' only at its end."""
    bad = sorted(path for path in paths if not path.startswith("/") or "*" in path[:-1])
    if bad:
        raise InvalidationError(
            "invalid invalidation paths: %s" % ", ".join(bad),
            guidance="paths start with '/' and may end with a single '*' wildcard",
            paths=bad,
        )
    return sorted(set(paths))


# Fitting into the limits (pure) -----------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    """What the distribution can still take: file paths and wildcard paths."""

    paths: int = MAX_PATHS
    wildcards: int = MAX_WILDCARDS

    @classmethod
    def left(cls, in_progress):
        """The budget once the paths of invalidations in progress (lists of paths) are counted."""
        paths = [path for batch in in_progress for path in batch]
        wildcards = sum(1 for path in paths if is_wildcard(path))
        return cls(max(0, MAX_PATHS - (len(paths) - wildcards)), max(0, MAX_WILDCARDS - wildcards))


def is_wildcard(path):
    return path.endswith("*")


def directory_of(path):
    """The directory a path belongs to: `/a/b.html` and `/a/` and `/a/*` all to `/a/`."""
    return path[: path.rfind("/") + 1]


def ancestors(directory):
    """`/a/b/` -> [`/a/b/`, `/a/`]; the root is never collapsed but by the `/*` fallback."""
    parts = directory.strip("/").split("/") if directory.strip("/") else []
    return ["/" + "/".join(parts[:depth]) + "/" for depth in range(len(parts), 0, -1)]


def deduplicated(paths):
    """The paths without those a wildcard among them already covers."""
    wildcards = [path[:-1] for path in paths if is_wildcard(path)]
    return {path for path in paths if not any(path != base + "*" and path.startswith(base) for base in wildcards)}


def collapsed(entries, directory):
    """Entries with everything under `directory` replaced by `directory*`."""
    return {entry for entry in entries if not entry.startswith(directory)} | {directory + "*"}


def counts(entries):
    wildcards = sum(1 for entry in entries if is_wildcard(entry))
    return len(entries) - wildcards, wildcards


def excess(entries, budget):
    """How far entries are over the budget: wildcards first, then file paths."""
    files, wildcards = counts(entries)
    return (max(0, wildcards - budget.wildcards), max(0, files - budget.paths) + max(0, len(entries) - MAX_PATHS))


def directories(entries):
    return sorted({directory for entry in entries for directory in ancestors(directory_of(entry))}, key=lambda d: (-d.count("/"), d))


def collapse_crowded(entries, threshold, budget):
    """Deepest first, a directory with at least `threshold` paths becomes one wildcard."""
    for directory in directories(entries):
        members = [entry for entry in entries if entry.startswith(directory)]
        if len(members) >= threshold and members != [directory + "*"]:
            candidate = collapsed(entries, directory)
            if counts(candidate)[1] <= budget.wildcards:
                entries = candidate
    return entries


def shrink_to_budget(entries, budget):
    """Collapse, greedily, the directory that brings the entries nearest the budget; `/*` when
    nothing else fits."""
    while excess(entries, budget) != (0, 0):
        candidates = [collapsed(entries, directory) for directory in directories(entries)]
        best = min(candidates, key=lambda candidate: (excess(candidate, budget), len(candidate)), default=None)
        if best is None or excess(best, budget) >= excess(entries, budget):
            return {ALL}
        entries = best
    return entries


def fit(paths, budget=Budget(), threshold=DEFAULT_COLLAPSE_THRESHOLD, all_paths=False):
    """The paths to submit: deduplicated, crowded directories collapsed to wildcards, within
    the budget, or `/*`. Raises when even `/*` does not fit."""
    entries = {ALL} if all_paths or ALL in paths else deduplicated(set(paths))
    if entries != {ALL}:
        entries = shrink_to_budget(collapse_crowded(entries, threshold, budget), budget)
    if entries == {ALL} and budget.wildcards < 1:
        raise InvalidationError(
            "%d wildcard paths are already in progress: no room for another" % MAX_WILDCARDS,
            guidance="wait for the invalidations in progress to complete, then run again",
            budget={"paths": budget.paths, "wildcards": budget.wildcards},
        )
    return sorted(entries)


# Caller reference and reuse (pure) --------------------------------------------------------


def caller_reference(distribution_id, requested, release_id=None, nonce=None):
    """`acinaces-<digest of the requested paths>.<release digest or nonce>`.

    The same release and paths always give the same reference, so CloudFront returns the
    existing invalidation instead of creating a second one. Without a release, each run gets a
    new reference: a reference made of the paths alone would make CloudFront answer a later
    deploy that changes the same pages with the old, completed invalidation."""
    digest = hashlib.sha256("\n".join([distribution_id] + sorted(requested)).encode("utf-8")).hexdigest()[:32]
    tail = hashlib.sha256(release_id.encode("utf-8")).hexdigest()[:16] if release_id else (nonce or uuid.uuid4().hex[:16])
    return "acinaces-%s.%s" % (digest, tail)


def reusable(invalidations, reference, exact_only=False):
    """An invalidation this run would duplicate: one with the same reference, or (for
    generated references) one in progress for the same requested paths."""
    same_request = reference.split(".", 1)[0] + "."
    for invalidation in invalidations:
        if invalidation["caller_reference"] == reference:
            return invalidation
        if not exact_only and in_progress(invalidation["status"]) and invalidation["caller_reference"].startswith(same_request):
            return invalidation
    return None


def in_progress(status):
    return (status or "").lower() == "inprogress"


def completed(status):
    return (status or "").lower() == "completed"


def wait_for(get_status, timeout, delay=WAIT_DELAY, clock=time.monotonic, sleep=time.sleep):
    """Poll `get_status()` until it says Completed or `timeout` seconds have passed.
    Returns (status, seconds waited, timed out)."""
    start = clock()
    status = get_status()
    while not completed(status):
        waited = clock() - start
        if waited >= timeout:
            return status, waited, True
        sleep(min(delay, timeout - waited))
        status = get_status()
    return status, clock() - start, False


# CloudFront -------------------------------------------------------------------------------


class Distribution:
    """The invalidations of one distribution, through a client with retries."""

    def __init__(self, client, distribution_id):
        self.client = client
        self.id = distribution_id

    def recent(self, now):
        """Details of invalidations in progress or created within the last hour (most recent
        first, as CloudFront lists them)."""
        summaries, marker = [], None
        for _page in range(MAX_LIST_PAGES):
            kwargs = {"DistributionId": self.id, "MaxItems": "100"}
            if marker:
                kwargs["Marker"] = marker
            listing = self.client.list_invalidations(aws_retry=True, **kwargs)["InvalidationList"]
            items = listing.get("Items") or []
            summaries.extend(items)
            if not listing.get("IsTruncated") or any(item["CreateTime"] < now - RECENT for item in items):
                break
            marker = listing["NextMarker"]
        wanted = [item for item in summaries if in_progress(item["Status"]) or item["CreateTime"] >= now - RECENT]
        return [self.get(item["Id"]) for item in wanted]

    def get(self, invalidation_id):
        invalidation = self.client.get_invalidation(aws_retry=True, DistributionId=self.id, Id=invalidation_id)["Invalidation"]
        return described(invalidation)

    def create(self, paths, reference):
        batch = {"Paths": {"Quantity": len(paths), "Items": list(paths)}, "CallerReference": reference}
        invalidation = self.client.create_invalidation(aws_retry=True, DistributionId=self.id, InvalidationBatch=batch)["Invalidation"]
        return described(invalidation)


def described(invalidation):
    batch = invalidation.get("InvalidationBatch") or {}
    return {
        "id": invalidation["Id"],
        "status": invalidation.get("Status"),
        "paths": list((batch.get("Paths") or {}).get("Items") or []),
        "caller_reference": batch.get("CallerReference") or "",
    }


@dataclass
class Request:
    """What the module was asked."""

    distribution_id: str
    paths: list = None
    keys: list = None
    origin_path: str = ""
    all_paths: bool = False
    collapse_threshold: int = DEFAULT_COLLAPSE_THRESHOLD
    wait: bool = False
    wait_timeout: int = 600
    on_timeout: str = "fail"
    caller_reference: str = None
    release_id: str = None

    @classmethod
    def from_params(cls, params):
        request = cls(**{name: params[name] for name in cls.__dataclass_fields__ if params.get(name) is not None})
        if request.collapse_threshold < 2:
            raise InvalidationError("collapse_threshold must be at least 2, not %d" % request.collapse_threshold)
        if request.wait_timeout < 0:
            raise InvalidationError("wait_timeout must not be negative")
        return request

    def requested_paths(self):
        if self.all_paths:
            return [ALL]
        if self.paths:
            return check_paths(self.paths)
        return paths_for_keys(self.keys or [], self.origin_path)


class Invalidation:
    """One run: plan, reuse or create, and optionally wait."""

    def __init__(self, distribution, request, check_mode=False, now=None, clock=time.monotonic, sleep=time.sleep):
        self.distribution = distribution
        self.request = request
        self.check_mode = check_mode
        self.now = now or datetime.now(timezone.utc)
        self.clock = clock
        self.sleep = sleep

    def run(self):
        request = self.request
        requested = request.requested_paths()
        result = {"changed": False, "id": None, "status": None, "paths": [], "requested_paths": requested,
                  "caller_reference": None, "reused": False, "waited": 0, "timed_out": False, "warnings": []}
        if not requested:
            return result
        recent = self.distribution.recent(self.now)
        reference = request.caller_reference or caller_reference(request.distribution_id, requested, request.release_id)
        found = reusable(recent, reference, exact_only=bool(request.caller_reference))
        budget = Budget.left([item["paths"] for item in recent if in_progress(item["status"])])
        result.update(caller_reference=reference, budget={"paths": budget.paths, "wildcards": budget.wildcards})
        if found:
            result.update(id=found["id"], status=found["status"], paths=found["paths"], reused=True, caller_reference=found["caller_reference"])
        else:
            result["paths"] = fit(requested, budget, request.collapse_threshold, request.all_paths)
            result["changed"] = True
            if not self.check_mode:
                created = self.distribution.create(result["paths"], reference)
                result.update(id=created["id"], status=created["status"])
        if request.wait and result["id"] and not completed(result["status"]):
            self.wait(result)
        return result

    def wait(self, result):
        request = self.request
        status, waited, timed_out = wait_for(
            lambda: self.distribution.get(result["id"])["status"], request.wait_timeout, clock=self.clock, sleep=self.sleep
        )
        result.update(status=status, waited=round(waited, 1), timed_out=timed_out)
        if not timed_out:
            return
        message = "invalidation %s of %s is still %s after %d seconds" % (result["id"], request.distribution_id, status, request.wait_timeout)
        if request.on_timeout == "fail":
            raise InvalidationTimeout(
                message, guidance="it goes on in CloudFront; wait longer or check it later", invalidation_id=result["id"], paths=result["paths"]
            )
        result["warnings"].append(message)
