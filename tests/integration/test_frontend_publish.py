"""s3_publish, cloudfront_invalidate and s3_restore against local AWS, through test playbooks of
assertions; then every object is read back here and compared with the export and the rules."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from conftest import REPO_ROOT

TARGETS = REPO_ROOT / "tests" / "integration" / "targets"
BUILD_ID = "kX7bq2Tn9RzLp4Wd1YhAe"
IMMUTABLE = "public, max-age=31536000, immutable"
DEFAULT = "public, max-age=3600"
UTF8 = "; charset=utf-8"
TYPES = {
    "html": "text/html" + UTF8, "txt": "text/plain" + UTF8, "js": "text/javascript" + UTF8, "css": "text/css" + UTF8,
    "map": "application/json" + UTF8, "svg": "image/svg+xml" + UTF8, "xml": "application/xml" + UTF8,
    "webmanifest": "application/manifest+json" + UTF8, "json": "application/json" + UTF8,
    "woff2": "font/woff2", "ico": "image/x-icon", "png": "image/png",
}
PAGES = ("index", "404", "about", "blog", "blog/first-post", "blog/second-post", "docs/getting-started/index")


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:16]


def noise(seed: str, size: int) -> bytes:
    """Deterministic bytes standing in for fonts and images."""
    out = b""
    block = seed.encode()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return out[:size]


class Export:
    """A Next.js static export (app router, `output: 'export'`): hashed chunks, css, a font,
    the build manifest, one HTML page and one RSC payload (.txt) per route, and public files."""

    def __init__(self, revision: str = "1", pages=PAGES, chunk_revisions=None):
        self.files: dict[str, bytes] = {}
        self.chunks: dict[str, str] = {}
        chunk_revisions = chunk_revisions or {}
        for name in ("webpack", "framework", "main-app", "app/layout", "app/page", "app/about/page", "app/blog/page", "app/blog/[slug]/page"):
            self.add_chunk(name, chunk_revisions.get(name, "1"))
        css = b"body{font-family:Inter,sans-serif;margin:0}.hero{display:grid}"
        self.css = "_next/static/css/%s.css" % digest(css)
        self.files[self.css] = css
        font = noise("inter", 2048)
        self.files["_next/static/media/inter-latin.%s.woff2" % digest(font)] = font
        self.files["_next/static/chunks/main-app-%s.js.map" % digest(b"map")] = b'{"version":3,"sources":[]}'
        self.files["_next/static/%s/_buildManifest.js" % BUILD_ID] = b"self.__BUILD_MANIFEST={};"
        self.files["_next/static/%s/_ssgManifest.js" % BUILD_ID] = b"self.__SSG_MANIFEST=new Set;"
        for page in pages:
            self.add_page(page, revision)
        self.files["favicon.ico"] = noise("ico", 318)
        self.files["logo.svg"] = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><path d="M0 0h8v8z"/></svg>'
        self.files["images/hero.png"] = b"\x89PNG\r\n\x1a\n" + noise("png", 600)
        self.files["site.webmanifest"] = b'{"name":"Acinaces","icons":[]}'
        self.files["robots.txt"] = b"User-agent: *\nAllow: /\n"
        self.files["sitemap.xml"] = b'<?xml version="1.0"?><urlset/>'

    def add_chunk(self, name: str, revision: str) -> None:
        content = ("/* %s r%s */(self.webpackChunk=self.webpackChunk||[]).push([[%d]]);" % (name, revision, len(name))).encode()
        key = "_next/static/chunks/%s-%s.js" % (name, digest(content))
        self.chunks[name] = key
        self.files[key] = content

    def chunk_of(self, page: str) -> str:
        route = page.rsplit("/index", 1)[0] if page.endswith("/index") else page
        if route in ("index", "404"):
            return self.chunks["app/page"]
        if route.startswith("blog/"):
            return self.chunks["app/blog/[slug]/page"]
        return self.chunks.get("app/%s/page" % route, self.chunks["app/page"])

    def add_page(self, page: str, revision: str) -> None:
        chunk = self.chunk_of(page)
        html = (
            '<!DOCTYPE html><html><head><link rel="stylesheet" href="/%s"/><script src="/%s" async></script></head>'
            "<body><h1>%s</h1><p>revision %s</p></body></html>" % (self.css, chunk, page, revision)
        )
        self.files[page + ".html"] = html.encode()
        if page != "404":
            self.files[page + ".txt"] = ('0:["%s",[["children","%s"]]]\n' % (BUILD_ID, page)).encode()

    def write(self, root: Path) -> Path:
        for key, content in self.files.items():
            path = root / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        return root


def expected_headers(key: str, txt_cache: str | None = None) -> tuple[str, str]:
    """Cache-Control and Content-Type the default rules (and the test's .txt rule) give a key."""
    if key.startswith("_next/static/"):
        cache = IMMUTABLE
    elif txt_cache and key.endswith(".txt"):
        cache = txt_cache
    elif key.endswith((".html", ".txt")):
        cache = "no-cache"
    else:
        cache = DEFAULT
    return cache, TYPES[key.rsplit(".", 1)[1]]


def run_target(stack, name: str, work: Path, **extra_vars):
    run = stack.playbook(TARGETS / name, extra_vars={"stack": stack.info, "work": str(work), **extra_vars})
    run.assert_ok()
    return run


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def create_bucket(s3, name: str) -> None:
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def test_s3_publish(stack, tmp_path):
    export = Export()
    export.write(tmp_path / "out")
    page_edit = {"key": "about.html", "content": export.files["about.html"].decode().replace("revision 1", "revision 2")}
    # A rebuilt blog chunk gets a new hashed name; the blog page refers to it.
    rebuilt = Export(chunk_revisions={"app/blog/page": "2"})
    old_chunk, new_chunk = export.chunks["app/blog/page"], rebuilt.chunks["app/blog/page"]
    asset_edit = {
        "page": "blog.html", "page_content": rebuilt.files["blog.html"].decode(),
        "old_chunk": old_chunk, "new_chunk": new_chunk, "new_chunk_content": rebuilt.files[new_chunk].decode(),
    }
    final = dict(export.files)
    final["about.html"] = page_edit["content"].encode()
    final["blog.html"] = rebuilt.files["blog.html"]
    del final[old_chunk]
    final[new_chunk] = rebuilt.files[new_chunk]

    run_target(
        stack, "s3_publish.yml", tmp_path, bucket="frontend-publish", files=sorted(export.files),
        html_keys=sorted(key for key in export.files if key.endswith(".html")),
        asset_keys=sorted(key for key in export.files if key.startswith("_next/static/")),
        txt_keys=sorted(key for key in final if key.endswith(".txt")),
        page_edit=page_edit, asset_edit=asset_edit,
    )

    s3 = stack.client("s3")
    first = {entry["key"]: entry for entry in read(tmp_path / "first.json")["uploaded"]}
    # Every object of the final export is the local file, with the headers of the rules.
    listed = {entry["Key"] for entry in s3.list_objects_v2(Bucket="frontend-publish")["Contents"]}
    assert listed == set(final) | {old_chunk, ".publish-state.json"}  # old chunk protected, legacy page deleted
    for key, content in final.items():
        head = s3.head_object(Bucket="frontend-publish", Key=key)
        cache, content_type = expected_headers(key, txt_cache="public, max-age=60")
        assert (head["CacheControl"], head["ContentType"]) == (cache, content_type), key
        assert head["Metadata"] == {"sha256": hashlib.sha256(content).hexdigest()}, key
        assert head["ETag"].strip('"') == hashlib.md5(content).hexdigest(), key  # noqa: S324 - S3's ETag
        assert s3.get_object(Bucket="frontend-publish", Key=key)["Body"].read() == content, key
    # The first publish's versions are kept with the headers of the default rules.
    for key, content in export.files.items():
        old = s3.get_object(Bucket="frontend-publish", Key=key, VersionId=first[key]["version_id"])
        assert (old["CacheControl"], old["ContentType"]) == expected_headers(key), key
        assert old["Body"].read() == content, key
    state = json.loads(s3.get_object(Bucket="frontend-publish", Key=".publish-state.json")["Body"].read())
    assert sorted(state["objects"]) == sorted(set(final) | {old_chunk})


def write_files(root: Path, keys) -> None:
    for key in keys:
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("// %s\n" % key)


def test_s3_publish_reads_a_large_bucket_in_parallel_key_ranges(stack, tmp_path):
    """Over 1,000 objects: the no-op lists one page per 1,000 keys, in ranges split at the
    state's keys; keys put by hand inside a range (overflowing it), removed from the bucket by
    hand or new in the export are all found."""
    s3 = stack.client("s3")
    create_bucket(s3, "frontend-ranges")
    out = tmp_path / "out"
    chunks = ["_next/static/chunks/%04d.js" % number for number in range(1100)]
    write_files(out, chunks + ["index.html"])
    run_target(stack, "s3_publish_once.yml", tmp_path, bucket="frontend-ranges", result="first")
    assert read(tmp_path / "first.json")["counts"]["uploaded"] == 1101

    run_target(stack, "s3_publish_once.yml", tmp_path, bucket="frontend-ranges", result="again")
    again = read(tmp_path / "again.json")
    assert not again["changed"] and again["counts"]["unchanged"] == 1101 and again["counts"]["looked_up"] == 0
    assert again["requests"] == {"GetObject": 1, "ListObjectsV2": 2}  # 1,102 keys with the state object

    strays = ["_next/static/chunks/0500-stray-%04d.js" % number for number in range(1000)]  # all in the first range
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda key: s3.put_object(Bucket="frontend-ranges", Key=key, Body=b"stray"), strays))
    removed = [chunks[5], chunks[1050], "index.html"]
    s3.delete_objects(Bucket="frontend-ranges", Delete={"Objects": [{"Key": key} for key in removed]})
    added = ["_next/static/chunks/0000-new-%d.js" % number for number in range(5)]
    write_files(out, added)
    run_target(stack, "s3_publish_once.yml", tmp_path, bucket="frontend-ranges", result="changed")
    changed = read(tmp_path / "changed.json")
    assert {entry["key"]: entry["reason"] for entry in changed["uploaded"]} == dict.fromkeys(added + removed, "new")
    assert sorted(entry["key"] for entry in changed["deleted"]) == strays
    assert changed["counts"]["unchanged"] == 1101 - len(removed)
    assert changed["requests"]["ListObjectsV2"] == 3  # the first range now holds 1,999 keys: two pages

    run_target(stack, "s3_publish_once.yml", tmp_path, bucket="frontend-ranges", result="after")
    after = read(tmp_path / "after.json")
    assert not after["changed"] and after["requests"] == {"GetObject": 1, "ListObjectsV2": 2}
    listed = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="frontend-ranges"):
        listed.update(entry["Key"] for entry in page.get("Contents", []))
    assert listed == set(chunks + added + ["index.html", ".publish-state.json"])


def create_distribution(stack, bucket: str) -> str:
    config = {
        "CallerReference": "frontend-test",
        "Comment": "frontend test",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "site", "DomainName": "%s.s3.us-east-1.amazonaws.com" % bucket,
            "S3OriginConfig": {"OriginAccessIdentity": ""},
        }]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
        "DefaultRootObject": "index.html",
    }
    return stack.client("cloudfront").create_distribution(DistributionConfig=config)["Distribution"]["Id"]


def test_cloudfront_invalidate(stack, tmp_path):
    export = Export()
    export.write(tmp_path / "out")
    rebuilt = Export(chunk_revisions={"app/about/page": "2"})
    distribution_id = create_distribution(stack, "frontend-cdn")
    many_posts = ["blog/post-%02d.html" % i for i in range(12)] + ["index.html"]

    run_target(
        stack, "cloudfront_invalidate.yml", tmp_path, bucket="frontend-cdn", distribution_id=distribution_id,
        about={"page_content": rebuilt.files["about.html"].decode(), "old_chunk": export.chunks["app/about/page"],
               "new_chunk": rebuilt.chunks["app/about/page"], "new_chunk_content": rebuilt.files[rebuilt.chunks["app/about/page"]].decode()},
        many_keys=many_posts,
    )

    cloudfront = stack.client("cloudfront")
    items = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"]["Items"]
    batches = sorted(
        sorted(cloudfront.get_invalidation(DistributionId=distribution_id, Id=item["Id"])["Invalidation"]["InvalidationBatch"]["Paths"]["Items"])
        for item in items
    )
    # One invalidation per distinct request: the idempotent runs created none.
    assert batches == sorted([["/about", "/about.html"], ["/", "/blog/*", "/index.html"], ["/*"]])


def test_s3_restore(stack, tmp_path):
    first = Export(revision="1")
    first.write(tmp_path / "v1")
    pages = [page for page in PAGES if page != "blog/second-post"] + ["pricing"]
    second = Export(revision="2", pages=pages, chunk_revisions={"app/blog/page": "2", "framework": "2"})
    second.write(tmp_path / "v2")
    added = sorted(set(second.files) - set(first.files))
    removed = sorted(set(first.files) - set(second.files))
    replaced = sorted(key for key in set(first.files) & set(second.files) if first.files[key] != second.files[key])

    s3 = stack.client("s3")
    create_bucket(s3, "frontend-restore")
    s3.create_bucket(Bucket="frontend-unversioned")
    create_bucket(s3, "frontend-suspended")
    s3.put_bucket_versioning(Bucket="frontend-suspended", VersioningConfiguration={"Status": "Suspended"})

    run_target(
        stack, "s3_restore.yml", tmp_path, bucket="frontend-restore", added=added, removed=removed,
        restored=sorted(removed + replaced + ["robots.txt"]),
    )

    published = {entry["key"]: entry for entry in read(tmp_path / "first.json")["uploaded"]}
    # Every object is back, byte for byte, with the headers of the first publish's version.
    for key, content in first.files.items():
        current = s3.get_object(Bucket="frontend-restore", Key=key)
        original = s3.get_object(Bucket="frontend-restore", Key=key, VersionId=published[key]["version_id"])
        assert current["Body"].read() == original["Body"].read() == content, key
        for header in ("CacheControl", "ContentType", "Metadata", "ETag"):
            assert current[header] == original[header], (key, header)
    for key in added:
        with pytest.raises(ClientError):
            s3.head_object(Bucket="frontend-restore", Key=key)
