"""Invalidation planning: paths from keys, CloudFront's limits, reuse, and the wait loop."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.acinaces.deploy.plugins.module_utils import _invalidation as inv
from ansible_collections.acinaces.deploy.plugins.module_utils._invalidation import Budget, InvalidationError, InvalidationTimeout

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=timezone.utc)


# Paths from keys --------------------------------------------------------------------------

def test_paths_of_an_export():
    keys = [
        "index.html", "about.html", "blog/index.html", "blog/first-post.html", "index.txt", "favicon.ico",
        "_next/static/chunks/main-4f1c2a9b.js", "_next/static/css/1a2b.css",
    ]
    assert inv.paths_for_keys(keys) == [
        "/", "/about", "/about.html", "/blog/", "/blog/first-post", "/blog/first-post.html", "/blog/index.html",
        "/favicon.ico", "/index.html", "/index.txt",
    ]


def test_hashed_assets_are_never_invalidated():
    assert inv.paths_for_keys(["_next/static/chunks/a.js", "_next/static/x/page.html"]) == []


def test_unsafe_characters_are_encoded_and_a_star_is_not_a_wildcard():
    assert inv.paths_for_keys(["docs/a b*.pdf", "docs/ü.txt"]) == ["/docs/%C3%BC.txt", "/docs/a%20b%2A.pdf"]


def test_origin_path_is_removed_and_keys_outside_it_refused():
    assert inv.paths_for_keys(["site/index.html", "site/_next/static/a.js"], origin_path="/site/") == ["/", "/index.html"]
    with pytest.raises(InvalidationError, match="not under the origin path /site"):
        inv.paths_for_keys(["other/index.html"], origin_path="site")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.from_regex(r"(_next/static/)?([a-z0-9]{1,3}/){0,3}[a-z0-9]{1,4}\.(html|txt|js|ico)", fullmatch=True), max_size=30))
def test_every_unhashed_key_is_covered_and_no_hashed_one(keys):
    paths = inv.paths_for_keys(keys)
    for key in keys:
        if key.startswith("_next/static/"):
            assert not any(path.startswith("/_next/static/") for path in paths)
        else:
            assert "/" + key in paths


def test_user_paths_are_checked():
    assert inv.check_paths(["/a", "/b/*", "/a"]) == ["/a", "/b/*"]
    with pytest.raises(InvalidationError, match="/b/\\*/c, a"):
        inv.check_paths(["a", "/b/*/c", "/ok"])


# Limits -----------------------------------------------------------------------------------

def test_few_paths_are_kept_as_they_are():
    paths = ["/", "/index.html", "/about", "/about.html"]
    assert inv.fit(paths) == sorted(paths)


def test_a_crowded_directory_becomes_a_wildcard():
    paths = ["/blog/post-%d.html" % i for i in range(10)] + ["/docs/a.html", "/index.html"]
    assert inv.fit(paths) == ["/blog/*", "/docs/a.html", "/index.html"]
    assert inv.fit(paths, threshold=11) == sorted(paths)


def test_crowded_directories_collapse_deepest_first_then_into_their_parent():
    two_years = ["/blog/%d/post-%d.html" % (year, i) for year in (2023, 2024) for i in range(10)]
    assert inv.fit(two_years) == ["/blog/2023/*", "/blog/2024/*"]
    ten_years = ["/blog/%d/post-%d.html" % (year, i) for year in range(2015, 2025) for i in range(10)]
    assert inv.fit(ten_years) == ["/blog/*"]


def test_paths_covered_by_a_wildcard_are_dropped():
    assert inv.fit(["/blog/*", "/blog/a.html", "/blog/x/y.html", "/blogger.html"]) == ["/blog/*", "/blogger.html"]


def test_more_than_3000_paths_are_collapsed():
    paths = ["/d%d/p%d.html" % (d, i) for d in range(40) for i in range(100)]
    planned = inv.fit(paths, threshold=1000)
    assert len(planned) <= inv.MAX_PATHS
    assert sum(path.endswith("*") for path in planned) <= inv.MAX_WILDCARDS


def test_root_level_paths_beyond_the_limit_fall_back_to_everything():
    assert inv.fit(["/p%d.html" % i for i in range(3001)]) == ["/*"]


def test_paths_in_progress_count_against_the_limits():
    budget = Budget.left([["/a%d" % i for i in range(2990)], ["/x/*"] * 3])
    assert budget == Budget(paths=10, wildcards=12)
    paths = ["/docs/p%d.html" % i for i in range(8)] + ["/q%d.html" % i for i in range(5)]
    assert inv.fit(paths, budget, threshold=50) == ["/docs/*"] + ["/q%d.html" % i for i in range(5)]


def test_wildcards_are_limited_to_what_is_left():
    paths = ["/d%d/p%d.html" % (d, i) for d in range(20) for i in range(10)]
    planned = inv.fit(paths, Budget(paths=3000, wildcards=3))
    assert sum(path.endswith("*") for path in planned) <= 3
    assert len(planned) < len(paths)


def test_when_nothing_fits_everything_is_invalidated_or_it_is_refused():
    paths = ["/p%d.html" % i for i in range(20)]
    assert inv.fit(paths, Budget(paths=10, wildcards=1)) == ["/*"]
    with pytest.raises(InvalidationError, match="15 wildcard paths are already in progress"):
        inv.fit(paths, Budget(paths=10, wildcards=0))


def test_all_paths():
    assert inv.fit(["/a"], all_paths=True) == ["/*"]
    assert inv.fit(["/*", "/a"]) == ["/*"]


@settings(max_examples=150, deadline=None)
@given(
    st.sets(st.from_regex(r"(/[a-c]{1,2}){0,3}/[a-z]{1,3}(\.html)?", fullmatch=True), max_size=80),
    st.integers(0, 40), st.integers(0, 15), st.integers(2, 20),
)
def test_fitted_paths_stay_within_the_budget_and_cover_every_path(paths, path_budget, wildcard_budget, threshold):
    budget = Budget(path_budget, wildcard_budget)
    try:
        planned = inv.fit(paths, budget, threshold)
    except InvalidationError:
        assert wildcard_budget == 0
        return
    files = [path for path in planned if not path.endswith("*")]
    wildcards = [path[:-1] for path in planned if path.endswith("*")]
    assert len(files) <= path_budget and len(wildcards) <= wildcard_budget and len(planned) <= inv.MAX_PATHS
    for path in paths:
        assert path in files or any(path.startswith(base) for base in wildcards)


# Caller reference and reuse ---------------------------------------------------------------

def test_caller_reference():
    one = inv.caller_reference("E1", ["/a", "/b"], release_id="r1")
    assert one == inv.caller_reference("E1", ["/b", "/a"], release_id="r1")
    assert one != inv.caller_reference("E1", ["/a", "/b"], release_id="r2")
    assert one.split(".")[0] == inv.caller_reference("E1", ["/a", "/b"], release_id="r2").split(".")[0]
    assert one.split(".")[0] != inv.caller_reference("E2", ["/a", "/b"], release_id="r1").split(".")[0]
    # Without a release each run is new: a later deploy of the same pages must not get the old one.
    assert inv.caller_reference("E1", ["/a"]) != inv.caller_reference("E1", ["/a"])


def invalidation(reference, status="Completed", paths=("/a",), ident="I1"):
    return {"id": ident, "status": status, "paths": list(paths), "caller_reference": reference}


def test_reuse():
    reference = inv.caller_reference("E1", ["/a"], release_id="r1")
    other_run = inv.caller_reference("E1", ["/a"], nonce="n2")
    assert inv.reusable([invalidation(reference)], reference)["id"] == "I1"
    assert inv.reusable([invalidation(other_run, status="InProgress")], reference)["id"] == "I1"
    assert inv.reusable([invalidation(other_run, status="Completed")], reference) is None
    assert inv.reusable([invalidation(other_run, status="InProgress")], reference, exact_only=True) is None
    assert inv.reusable([invalidation("someone-else", status="InProgress")], reference) is None


# The wait loop ----------------------------------------------------------------------------

class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def statuses(*values):
    values = list(values)
    return lambda: values.pop(0) if len(values) > 1 else values[0]


def test_wait_until_completed():
    clock = Clock()
    status, waited, timed_out = inv.wait_for(statuses("InProgress", "InProgress", "Completed"), 600, delay=10, clock=clock, sleep=clock.sleep)
    assert (status, waited, timed_out) == ("Completed", 20, False)


def test_wait_times_out_without_oversleeping():
    clock = Clock()
    status, waited, timed_out = inv.wait_for(statuses("InProgress"), 25, delay=10, clock=clock, sleep=clock.sleep)
    assert (status, waited, timed_out) == ("InProgress", 25, True)
    assert clock.sleeps == [10, 10, 5]


def test_completed_at_once_waits_nothing():
    clock = Clock()
    assert inv.wait_for(statuses("COMPLETED"), 0, clock=clock, sleep=clock.sleep) == ("COMPLETED", 0, False)


# The run, against a fake distribution -----------------------------------------------------

class FakeDistribution:
    def __init__(self, existing=(), status_after=("InProgress",)):
        self.existing = list(existing)
        self.created = []
        self.status_after = list(status_after)

    def recent(self, now):
        return list(self.existing)

    def get(self, invalidation_id):
        status = self.status_after.pop(0) if len(self.status_after) > 1 else self.status_after[0]
        return {"id": invalidation_id, "status": status, "paths": [], "caller_reference": ""}

    def create(self, paths, reference):
        self.created.append((paths, reference))
        return invalidation(reference, status="InProgress", paths=paths, ident="NEW")


def run(distribution, check_mode=False, clock=None, **params):
    params.setdefault("distribution_id", "E1")
    request = inv.Request.from_params(params)
    clock = clock or Clock()
    return inv.Invalidation(distribution, request, check_mode, now=NOW, clock=clock, sleep=clock.sleep).run()


def test_check_mode_plans_and_creates_nothing():
    distribution = FakeDistribution()
    result = run(distribution, check_mode=True, keys=["index.html", "_next/static/a.js"], release_id="r1")
    assert result["changed"] and result["id"] is None
    assert result["paths"] == ["/", "/index.html"]
    assert distribution.created == []


def test_nothing_to_invalidate():
    distribution = FakeDistribution()
    result = run(distribution, keys=["_next/static/a.js"])
    assert not result["changed"] and result["paths"] == [] and distribution.created == []


def test_a_retried_run_returns_the_first_invalidation():
    first = FakeDistribution()
    created = run(first, keys=["index.html"], release_id="r1")
    retried = FakeDistribution(existing=[invalidation(created["caller_reference"], paths=created["paths"], ident="NEW")])
    again = run(retried, keys=["index.html"], release_id="r1")
    assert created["changed"] and not again["changed"] and again["reused"]
    assert again["id"] == "NEW" and retried.created == []


def test_wildcards_in_progress_leave_less_room():
    busy = [invalidation("x%d" % i, status="InProgress", paths=["/w%d/*" % i], ident="B%d" % i) for i in range(15)]
    with pytest.raises(InvalidationError, match="already in progress"):
        run(FakeDistribution(existing=busy), all_paths=True)


def test_timeout_fails_or_warns():
    clock = Clock()
    with pytest.raises(InvalidationTimeout) as caught:
        run(FakeDistribution(), clock=clock, keys=["index.html"], wait=True, wait_timeout=30)
    assert caught.value.details["invalidation_id"] == "NEW"
    assert "still InProgress after 30 seconds" in caught.value.message
    warned = run(FakeDistribution(), keys=["index.html"], wait=True, wait_timeout=30, on_timeout="warn")
    assert warned["timed_out"] and warned["status"] == "InProgress" and warned["waited"] == 30
    assert "still InProgress" in warned["warnings"][0]


def test_wait_until_done():
    result = run(FakeDistribution(status_after=("InProgress", "Completed")), keys=["index.html"], wait=True)
    assert result["status"] == "Completed" and not result["timed_out"] and result["waited"] == 10


def test_recent_stops_paging_at_old_invalidations():
    class Client:
        def __init__(self):
            self.pages = 0

        def list_invalidations(self, aws_retry, **kwargs):
            self.pages += 1
            items = [{"Id": "I%d" % self.pages, "Status": "Completed", "CreateTime": NOW - timedelta(hours=self.pages - 1, minutes=30)}]
            return {"InvalidationList": {"Items": items, "IsTruncated": True, "NextMarker": "m%d" % self.pages}}

        def get_invalidation(self, aws_retry, DistributionId, Id):  # noqa: N803 - boto3's names
            return {"Invalidation": {"Id": Id, "Status": "Completed", "InvalidationBatch": {"Paths": {"Items": ["/a"]}, "CallerReference": "r"}}}

    client = Client()
    recent = inv.Distribution(client, "E1").recent(NOW)
    assert client.pages == 2
    assert [item["id"] for item in recent] == ["I1"]
