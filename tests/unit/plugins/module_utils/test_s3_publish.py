"""Publishing plan: change detection, write order in waves, stale selection, the state object."""

import hashlib
import json
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.acinaces.deploy.plugins.module_utils import _s3_headers as rules
from ansible_collections.acinaces.deploy.plugins.module_utils import _s3_objects as objects
from ansible_collections.acinaces.deploy.plugins.module_utils import _s3_publish as publish
from ansible_collections.acinaces.deploy.plugins.module_utils._s3_objects import S3Error
from ansible_collections.acinaces.deploy.plugins.module_utils._s3_publish import LocalFile, PublishError

DEFAULT_RULES = rules.compile_rules([])


def local(rel, content=b"x"):
    return LocalFile(rel, "/src/" + rel, len(content), hashlib.md5(content).hexdigest(), hashlib.sha256(content).hexdigest())  # noqa: S324


def headers(rel):
    return rules.headers_for(rel, DEFAULT_RULES)


def entry(local_file, rel=None, version_id="v1", **overrides):
    """What the state (or a HeadObject) says of an object published from `local_file`."""
    value = dict(headers(rel or local_file.rel), sha256=local_file.sha256, etag=local_file.md5, version_id=version_id)
    value.update(overrides)
    return value


# Waves ------------------------------------------------------------------------------------

@pytest.mark.parametrize("key, wave", [
    ("_next/static/chunks/main-1a2b.js", "assets"),
    ("_next/static/css/app.css", "assets"),
    ("site/_next/static/chunks/x.js", "assets"),
    ("_next/data/page.json", "files"),
    ("index.txt", "files"),
    ("favicon.ico", "files"),
    ("index.html", "html"),
    ("blog/post.HTML", "html"),
    ("legacy.htm", "html"),
])
def test_wave_of(key, wave):
    assert objects.wave_of(key) == wave


export_key = st.sampled_from([
    "index.html", "about.html", "blog/index.html", "404.html", "index.txt", "blog/index.txt", "favicon.ico",
    "_next/static/chunks/main-1a2b.js", "_next/static/chunks/app/page-9f8e.js", "_next/static/css/5d6e.css",
    "_next/static/media/inter.woff2", "logo.svg", "site.webmanifest",
])


@settings(max_examples=200, deadline=None)
@given(st.sets(export_key))
def test_waves_put_hashed_assets_first_and_html_last(keys):
    waves = objects.split_waves(keys)
    assert [name for name, _items in waves] == ["assets", "files", "html"]
    order = [key for _name, items in waves for key in items]
    assert sorted(order) == sorted(keys)
    position = {key: index for index, key in enumerate(order)}
    for key in keys:
        if key.startswith("_next/static/"):
            assert all(position[key] < position[other] for other in keys if not other.startswith("_next/static/"))
        if key.endswith(".html"):
            assert all(position[key] > position[other] for other in keys if not other.endswith(".html"))


class Recorder:
    """An action that records when each key starts and ends, taking a little time."""

    def __init__(self, fail=()):
        self.lock = threading.Lock()
        self.events = []
        self.fail = set(fail)
        self.running = 0
        self.peak = 0

    def __call__(self, key):
        with self.lock:
            self.events.append(("start", key))
            self.running += 1
            self.peak = max(self.peak, self.running)
        time.sleep(0.005)
        with self.lock:
            self.running -= 1
            self.events.append(("end", key))
        if key in self.fail:
            raise OSError("disk on fire: %s" % key)
        return {"key": key}


def test_a_wave_starts_only_when_the_previous_one_has_finished():
    keys = ["_next/static/a%d.js" % i for i in range(12)] + ["f%d.txt" % i for i in range(12)] + ["p%d.html" % i for i in range(12)]
    recorder = Recorder()
    done = objects.run_waves(objects.split_waves(keys), recorder, concurrency=4)
    assert sorted(item["key"] for item in done) == sorted(keys)
    assert 1 < recorder.peak <= 4
    for earlier, later in (("assets", "files"), ("files", "html")):
        last_end = max(i for i, (kind, key) in enumerate(recorder.events) if kind == "end" and objects.wave_of(key) == earlier)
        first_start = min(i for i, (kind, key) in enumerate(recorder.events) if kind == "start" and objects.wave_of(key) == later)
        assert last_end < first_start


def test_a_failed_wave_stops_the_later_ones_and_says_what_completed():
    keys = ["_next/static/a.js", "_next/static/b.js", "f.txt", "p.html"]
    recorder = Recorder(fail={"_next/static/b.js"})
    with pytest.raises(S3Error) as caught:
        objects.run_waves(objects.split_waves(keys), recorder, concurrency=2)
    assert caught.value.details["failed"] == [{"key": "_next/static/b.js", "error": "disk on fire: _next/static/b.js"}]
    assert caught.value.details["completed"] == [{"key": "_next/static/a.js"}]
    assert "assets wave" in caught.value.message
    assert {key for _kind, key in recorder.events} == {"_next/static/a.js", "_next/static/b.js"}


@pytest.mark.parametrize("value", [0, -1, 65])
def test_concurrency_is_bounded(value):
    with pytest.raises(S3Error):
        objects.check_concurrency(value)


# Listing in key ranges ----------------------------------------------------------------------


class PagedBucket:
    """ListObjectsV2 as S3 answers it (keys in UTF-8 order, Prefix, StartAfter, MaxKeys,
    ContinuationToken), counting calls: the listing logic's counterpart, not an S3 stand-in."""

    def __init__(self, keys):
        self.keys = sorted(keys, key=lambda key: key.encode("utf-8"))
        self.calls = []
        self._lock = threading.Lock()

    def list_objects_v2(self, aws_retry=False, Bucket=None, Prefix="", MaxKeys=1000, StartAfter=None, ContinuationToken=None):  # noqa: N803
        with self._lock:
            self.calls.append(StartAfter)
        after = ContinuationToken or StartAfter
        matching = [key for key in self.keys if key.startswith(Prefix) and (after is None or key.encode() > after.encode())]
        page = matching[:MaxKeys]
        response = {"Contents": [{"Key": key, "ETag": '"%s"' % key} for key in page], "IsTruncated": len(matching) > MaxKeys}
        if response["IsTruncated"]:
            response["NextContinuationToken"] = page[-1]
        return response


def paged_objects(bucket, page_size):
    listing = objects.Objects.__new__(objects.Objects)
    listing.client, listing.bucket, listing.page_size = bucket, "site", page_size
    return listing


def test_range_starts_split_the_hints_under_the_prefix_every_page():
    keys = ["site/%02d" % number for number in range(10)] + ["other/1"]
    assert objects.range_starts(keys, "site/", 4) == [None, "site/03", "site/07"]
    assert objects.range_starts(keys[:4], "site/", 4) == [None]
    assert objects.range_starts([], "", 4) == [None]


def test_an_unchanged_bucket_costs_one_call_per_page_all_in_parallel():
    keys = ["k%03d" % number for number in range(25)]
    bucket = PagedBucket(keys)
    assert paged_objects(bucket, 5).listing("", hints=keys, concurrency=8) == {key: key for key in keys}
    assert sorted(bucket.calls, key=str) == sorted([None, "k004", "k009", "k014", "k019"], key=str)


KEY = st.text(alphabet="ab/é-", min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.sets(KEY, max_size=40), st.sets(KEY, max_size=40), st.integers(1, 6), st.sampled_from(["", "a", "b/"]))
def test_the_listing_is_exactly_the_bucket_whatever_the_hints(in_bucket, hints, page_size, prefix):
    """Keys added, removed or never seen since the hints were taken are all listed, once."""
    bucket = PagedBucket(in_bucket)
    listed = paged_objects(bucket, page_size).listing(prefix, hints=hints, concurrency=4)
    assert listed == {key: key for key in in_bucket if key.startswith(prefix)}
    under = [key for key in in_bucket if key.startswith(prefix)]
    if set(hints) == set(in_bucket):
        assert len(bucket.calls) == max(1, -(-len(under) // page_size))


# Change detection -------------------------------------------------------------------------

def test_reasons():
    page = local("index.html", b"<html>v1</html>")
    wanted = headers("index.html")
    assert publish.reason_for(page, wanted, None, None) == "new"
    assert publish.reason_for(page, wanted, "0" * 32, entry(page, etag="0" * 32, sha256="1" * 64)) == "content"
    assert publish.reason_for(page, wanted, page.md5, entry(page)) is None
    assert publish.reason_for(page, wanted, page.md5, entry(page, cache_control="max-age=60")) == "headers"
    assert publish.reason_for(page, wanted, page.md5, entry(page, content_type="text/html")) == "headers"
    assert publish.reason_for(page, wanted, page.md5, entry(page, sha256=None)) == "headers"
    assert publish.reason_for(page, dict(wanted, content_encoding="gzip"), page.md5, entry(page)) == "headers"


def test_an_etag_that_is_not_the_md5_is_unchanged_content_when_the_state_vouches_for_it():
    # SSE-KMS: the ETag is not the MD5; the state recorded that ETag with the SHA-256.
    page = local("index.html", b"<html>v1</html>")
    assert publish.reason_for(page, headers("index.html"), "kms-etag", entry(page, etag="kms-etag")) is None
    assert publish.reason_for(page, headers("index.html"), "kms-etag", entry(page, etag="kms-etag", sha256="f" * 64)) == "content"


def test_plan_uploads_and_unchanged():
    files = {rel: local(rel, rel.encode()) for rel in ("index.html", "about.html", "a.txt", "new.txt")}
    wanted = {rel: headers(rel) for rel in files}
    listing = {"site/" + rel: files[rel].md5 for rel in ("index.html", "about.html", "a.txt")}
    listing["site/about.html"] = "0" * 32
    known = {
        "site/index.html": entry(files["index.html"], version_id="i1"),
        "site/about.html": entry(files["about.html"], version_id="a1", etag="0" * 32, sha256="0" * 64),
        "site/a.txt": entry(files["a.txt"], version_id="t1", cache_control="no-store"),
    }
    uploads, unchanged = publish.plan_uploads(files, wanted, listing, known, "site/")
    assert unchanged == ["site/index.html"]
    assert [(upload.key, upload.reason, (upload.before or {}).get("version_id")) for upload in uploads] == [
        ("site/a.txt", "headers", "t1"), ("site/about.html", "content", "a1"), ("site/new.txt", "new", None),
    ]


def test_only_keys_the_state_does_not_vouch_for_are_looked_up():
    files = {rel: local(rel, rel.encode()) for rel in ("a.html", "b.html", "c.html")}
    listing = {rel: files[rel].md5 for rel in files}
    listing["c.html"] = "changed-etag"
    state = {"a.html": entry(files["a.html"]), "c.html": entry(files["c.html"]), "gone.html": entry(files["a.html"])}
    known = publish.vouched(listing, state)
    assert sorted(known) == ["a.html"]  # c.html changed since the state was written, gone.html is gone
    assert publish.keys_to_look_up(listing, known, sorted(files) + ["new.html"]) == ["b.html", "c.html"]
    full_state = publish.vouched(listing, {rel: entry(files[rel], etag=listing[rel]) for rel in files})
    assert publish.keys_to_look_up(listing, full_state, sorted(files)) == []


# Stale objects ----------------------------------------------------------------------------

def test_stale_selection_with_protected_keys_and_the_state_object():
    listing = dict.fromkeys([
        "site/index.html", "site/old.html", "site/_next/static/chunks/old-1a.js", "site/_next/static/css/old.css",
        "site/keep.txt", "site/.publish-state.json", "other/x.html", "site2/y.html",
    ], "e")
    stale, protected = publish.select_stale(
        listing, ["site/index.html"], "site/", ["_next/static/chunks/**", "/keep.txt"], state_key="site/.publish-state.json"
    )
    assert stale == ["site/_next/static/chunks/old-1a.js", "site/_next/static/css/old.css", "site/keep.txt", "site/old.html"]
    assert protected == ["site/_next/static/chunks/old-1a.js", "site/keep.txt"]


@settings(max_examples=200, deadline=None)
@given(st.sets(export_key), st.sets(export_key), st.lists(st.sampled_from(["*.html", "_next/static/**", "index.txt"]), max_size=3))
def test_stale_is_exactly_what_the_source_lacks_and_protected_is_a_subset(in_bucket, in_source, patterns):
    stale, protected = publish.select_stale(dict.fromkeys(in_bucket, "e"), in_source, "", patterns)
    assert set(stale) == in_bucket - in_source
    assert set(protected) <= set(stale)
    for key in protected:
        assert any(rules.glob_regex(pattern).match(key) for pattern in patterns)


@pytest.mark.parametrize("prefix, normal", [("", ""), (None, ""), ("/", ""), ("site", "site/"), ("/site/", "site/"), ("a/b", "a/b/")])
def test_prefixes_are_normalised(prefix, normal):
    assert publish.normalize_prefix(prefix) == normal


# The state object -------------------------------------------------------------------------

def test_state_round_trip_is_stable():
    entries = {"b.html": {"etag": "2", "sha256": "s"}, "a.html": {"etag": "1", "sha256": "t"}}
    text = publish.render_state("bucket", "site/", entries)
    assert text == publish.render_state("bucket", "site/", dict(reversed(list(entries.items()))))
    assert publish.parse_state(text, "bucket", "site/") == (entries, None)


@pytest.mark.parametrize("text, warning", [
    (None, None),
    ("not json", "not JSON"),
    (json.dumps({"format": 99}), "unknown format"),
    (json.dumps({"format": 1, "bucket": "other", "prefix": "", "objects": {}}), "not this bucket"),
])
def test_unusable_state_is_ignored_with_a_warning(text, warning):
    entries, said = publish.parse_state(text, "bucket", "")
    assert entries == {}
    assert said == warning if warning is None else warning in said


# Reading the source -----------------------------------------------------------------------

def test_scan_source(tmp_path):
    (tmp_path / "_next" / "static").mkdir(parents=True)
    (tmp_path / "_next" / "static" / "a.js").write_bytes(b"js")
    (tmp_path / "index.html").write_bytes(b"<html></html>")
    files = publish.scan_source(str(tmp_path))
    assert sorted(files) == ["_next/static/a.js", "index.html"]
    assert files["index.html"].md5 == hashlib.md5(b"<html></html>").hexdigest()  # noqa: S324
    assert files["index.html"].sha256 == hashlib.sha256(b"<html></html>").hexdigest()
    assert files["_next/static/a.js"].size == 2


def test_an_empty_or_missing_source_is_refused(tmp_path):
    with pytest.raises(PublishError, match="holds no files"):
        publish.scan_source(str(tmp_path))
    with pytest.raises(PublishError, match="not a directory"):
        publish.scan_source(str(tmp_path / "missing"))


def test_clean_urls_publish_each_page_under_its_path_with_the_page_headers():
    from ansible_collections.acinaces.deploy.plugins.module_utils import _s3_publish as publish  # pylint: disable=import-outside-toplevel

    page = publish.LocalFile("strategies.html", "/out/strategies.html", 10, "m", "s")
    files = {
        "index.html": publish.LocalFile("index.html", "/out/index.html", 10, "m", "s"),
        "404.html": publish.LocalFile("404.html", "/out/404.html", 10, "m", "s"),
        "strategies.html": page,
        "docs/intro.html": publish.LocalFile("docs/intro.html", "/out/docs/intro.html", 10, "m", "s"),
        "robots.txt": publish.LocalFile("robots.txt", "/out/robots.txt", 10, "m", "s"),
    }
    aliased = publish.with_clean_urls(files)
    assert sorted(set(aliased) - set(files)) == ["docs/intro", "strategies"]
    assert aliased["strategies"] is page
    spec = publish.Spec(bucket="b", source="/out", rules=publish.headers_rules.compile_rules([]))
    headers = publish.desired_headers(aliased, spec)
    assert headers["strategies"] == headers["strategies.html"]
    assert headers["strategies"]["content_type"] == "text/html; charset=utf-8"
    assert headers["strategies"]["cache_control"] == "no-cache"
    waves = dict(publish.split_waves(["strategies", "robots.txt"], key_of=lambda key: aliased[key].rel))
    assert waves["html"] == ["strategies"]
