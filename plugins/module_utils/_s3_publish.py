# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Publishing a static export to S3: what changed, in which order to write it, and the record
of what was written (the state object).

Change detection reads the state object once (the headers, SHA-256 and VersionId last
published per key) and the bucket once (ListObjectsV2, one call per 1,000 keys, in parallel key
ranges split at the state's keys: the ETag of a single-part upload is the MD5 of its content),
while the source is hashed. Only a key the state does not vouch for is read with HeadObject.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ansible_collections.acinaces.deploy.plugins.module_utils import _aws
from ansible_collections.acinaces.deploy.plugins.module_utils import _s3_headers as headers_rules
from ansible_collections.acinaces.deploy.plugins.module_utils._s3_objects import (
    S3Error,
    check_concurrency,
    map_concurrently,
    run_waves,
    split_waves,
)

STATE_FORMAT = 1
MAX_SINGLE_PART = 5 * 1024 ** 3
COMPARED = ("content_type", "cache_control", "content_encoding", "sha256")


class PublishError(S3Error):
    """The export cannot be published as asked."""


@dataclass(frozen=True)
class LocalFile:
    rel: str
    path: str
    size: int
    md5: str
    sha256: str


@dataclass
class Upload:
    key: str
    file: LocalFile
    headers: dict
    reason: str
    before: dict = None


@dataclass
class Spec:
    """What to publish, from the module's parameters."""

    bucket: str
    source: str
    prefix: str = ""
    rules: list = field(default_factory=list)
    default_cache_control: str = headers_rules.DEFAULT_CACHE_CONTROL
    delete_stale: bool = False
    protected_keys: list = field(default_factory=list)
    concurrency: int = 16
    state_object: dict = None
    clean_urls: bool = False

    @classmethod
    def from_params(cls, params):
        rules = headers_rules.compile_rules(params.get("rules"), params.get("nextjs_defaults", True))
        return cls(
            bucket=params["bucket"],
            source=params["source"],
            prefix=normalize_prefix(params.get("prefix")),
            rules=rules,
            default_cache_control=params.get("default_cache_control") or headers_rules.DEFAULT_CACHE_CONTROL,
            delete_stale=bool(params.get("delete_stale")),
            protected_keys=list(params.get("protected_keys") or []),
            concurrency=check_concurrency(params.get("concurrency") or 16),
            state_object=params.get("state_object"),
            clean_urls=bool(params.get("clean_urls")),
        )

    @property
    def state_key(self):
        """The state object's key when it lives under the published prefix of this bucket."""
        if self.state_object and self.state_object["bucket"] == self.bucket:
            return self.state_object["key"]
        return None


def normalize_prefix(prefix):
    """'' or a prefix ending in '/' (so that 'site' never matches 'site2/...')."""
    prefix = (prefix or "").strip("/")
    return prefix + "/" if prefix else ""


# Reading the source -------------------------------------------------------------------------


def hash_file(path):
    md5, sha256, size = hashlib.md5(), hashlib.sha256(), 0  # noqa: S324 - MD5 is S3's ETag, not security
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            md5.update(block)
            sha256.update(block)
            size += len(block)
    return md5.hexdigest(), sha256.hexdigest(), size


def scan_source(source):
    """Relative key -> LocalFile for every file under `source` (symlinked directories skipped)."""
    if not os.path.isdir(source):
        raise PublishError("source %s is not a directory" % source, guidance="build the static export first")
    files = {}
    for directory, dirnames, filenames in os.walk(source):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(directory, name)
            rel = os.path.relpath(path, source).replace(os.sep, "/")
            md5, sha256, size = hash_file(path)
            files[rel] = LocalFile(rel, path, size, md5, sha256)
    if not files:
        raise PublishError("source %s holds no files: refusing to publish an empty site" % source, guidance="check the export step")
    too_big = sorted(rel for rel, local in files.items() if local.size > MAX_SINGLE_PART)
    if too_big:
        raise PublishError("files over 5 GiB cannot be uploaded in one part: %s" % ", ".join(too_big), files=too_big)
    return files


def with_clean_urls(files):
    """Each page `x.html` (but index and 404 pages) also published as `x`, so that `/x` answers."""
    aliases = {}
    for rel, local in files.items():
        name = rel.rsplit("/", 1)[-1]
        if rel.endswith(".html") and name not in ("index.html", "404.html") and rel[:-5] not in files:
            aliases[rel[:-5]] = local
    return dict(files, **aliases)


# The state object -------------------------------------------------------------------------


def parse_state(text, bucket, prefix):
    """The state's entries (key -> entry), and a warning when it exists but cannot be used."""
    if text is None:
        return {}, None
    try:
        state = json.loads(text)
    except ValueError:
        return {}, "the state object is not JSON: every existing object is read with HeadObject"
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        return {}, "the state object has an unknown format: every existing object is read with HeadObject"
    if state.get("bucket") != bucket or state.get("prefix") != prefix:
        return {}, "the state object records s3://%s/%s, not this bucket and prefix: it is not used" % (state.get("bucket"), state.get("prefix"))
    return dict(state.get("objects") or {}), None


def render_state(bucket, prefix, entries):
    document = {"format": STATE_FORMAT, "bucket": bucket, "prefix": prefix, "objects": entries}
    return json.dumps(document, sort_keys=True, indent=1) + "\n"


def vouched(listing, state):
    """The state's entries for keys whose listed ETag is the one the state recorded."""
    return {key: entry for key, entry in state.items() if key in listing and entry.get("etag") == listing[key]}


def keys_to_look_up(listing, known, wanted):
    """Existing keys in `wanted` that the state does not vouch for: each costs one HeadObject."""
    return sorted(key for key in wanted if key in listing and key not in known)


# Planning (pure) -------------------------------------------------------------------------


def desired_headers(files, spec):
    """Headers per key, from the rules for the source file (a clean URL gets its page's)."""
    return {rel: headers_rules.headers_for(local.rel, spec.rules, spec.default_cache_control) for rel, local in files.items()}


def reason_for(local, headers, listed_etag, known):
    """Why `local` must be uploaded (new, content, headers), or None when the object is current."""
    if listed_etag is None or known is None:
        return "new"
    same_content = listed_etag == local.md5 or (known.get("etag") == listed_etag and known.get("sha256") == local.sha256)
    if not same_content:
        return "content"
    wanted = dict(headers, sha256=local.sha256)
    if any((known.get(name) or None) != (wanted.get(name) or None) for name in COMPARED):
        return "headers"
    return None


def plan_uploads(files, wanted, listing, known, prefix):
    """(uploads, unchanged keys): every source file compared with what the bucket holds."""
    uploads, unchanged = [], []
    for rel, local in sorted(files.items()):
        key = prefix + rel
        before = known.get(key)
        reason = reason_for(local, wanted[rel], listing.get(key), before)
        if reason is None:
            unchanged.append(key)
        else:
            uploads.append(Upload(key, local, wanted[rel], reason, before if key in listing else None))
    return uploads, unchanged


def select_stale(listing, source_keys, prefix, protected_patterns, state_key=None):
    """(stale, protected): keys under `prefix` that the source lacks (never the state object),
    and those of them that match a protected key or glob (relative to `prefix`)."""
    patterns = [headers_rules.glob_regex(pattern.lstrip("/")) for pattern in protected_patterns]
    stale, protected = [], []
    for key in sorted(set(listing) - set(source_keys)):
        if key == state_key or not key.startswith(prefix):
            continue
        stale.append(key)
        if any(regex.match(key[len(prefix):]) for regex in patterns):
            protected.append(key)
    return stale, protected


# Publishing -------------------------------------------------------------------------------


@dataclass
class Plan:
    """What a publish run found and will do."""

    files: dict
    wanted: dict
    listing: dict
    known: dict
    stale: list
    protected: list
    to_delete: list
    looked_up: list
    uploads: list
    unchanged: list
    waves: list
    state_text: str = None


def check_state_key(spec, files):
    key = spec.state_key
    if key and key.startswith(spec.prefix) and key[len(spec.prefix):] in files:
        raise PublishError("the state object %s is also a file of the export" % key, guidance="store the state under another key")


class Publication:
    """One publish run: read and plan, then (unless in check mode) write in waves."""

    def __init__(self, objects, spec, check_mode=False):
        self.objects = objects
        self.spec = spec
        self.check_mode = check_mode
        self.warnings = []

    def run(self):
        plan = self.plan()
        written, markers = ({}, {}) if self.check_mode else self.apply(plan)
        state = self.write_state(self.new_state(plan, written), plan.state_text)
        return self.result(plan, written, markers, state)

    def plan(self):
        spec = self.spec
        files, state, state_text, listing = self.read_both_sides()
        if spec.clean_urls:
            files = with_clean_urls(files)
        check_state_key(spec, files)
        source_keys = [spec.prefix + rel for rel in files]
        known = vouched(listing, state)
        stale, protected = select_stale(listing, source_keys, spec.prefix, spec.protected_keys, spec.state_key)
        to_delete = [key for key in stale if key not in protected] if spec.delete_stale else []
        looked_up = keys_to_look_up(listing, known, source_keys + to_delete)
        known.update(self.look_up(looked_up))
        wanted = desired_headers(files, spec)
        uploads, unchanged = plan_uploads(files, wanted, listing, known, spec.prefix)
        waves = split_waves(uploads, key_of=lambda upload: upload.file.rel)
        return Plan(files, wanted, listing, known, stale, protected, to_delete, looked_up, uploads, unchanged, waves, state_text)

    def read_both_sides(self):
        """The source's files, hashed while the state object and the bucket are read. A source
        that cannot be published is reported before any error of the bucket's."""
        with ThreadPoolExecutor(max_workers=1) as pool:
            scanning = pool.submit(scan_source, self.spec.source)
            try:
                state, state_text = self.read_state()
                hints = set(state) | ({self.spec.state_key} if self.spec.state_key else set())
                listing = self.objects.listing(self.spec.prefix, hints=hints, concurrency=self.spec.concurrency)
            except Exception:
                scanning.result()
                raise
            return scanning.result(), state, state_text, listing

    def read_state(self):
        if not self.spec.state_object:
            return {}, None
        location = self.spec.state_object
        text = _aws.get_object_text(self.objects.client, location["bucket"], location["key"])
        entries, warning = parse_state(text, self.spec.bucket, self.spec.prefix)
        if warning:
            self.warnings.append(warning)
        return entries, text

    def look_up(self, keys):
        found = map_concurrently(keys, self.objects.head, self.spec.concurrency)
        return {key: entry for key, entry in zip(keys, found) if entry is not None}

    def apply(self, plan):
        """Uploads in waves, then deletions: key -> {etag, version_id}, key -> delete marker."""
        done = run_waves(plan.waves, self.upload, self.spec.concurrency, key_of=lambda upload: upload.key)
        written = {entry["key"]: {"etag": entry["etag"], "version_id": entry["version_id"]} for entry in done}
        markers = self.objects.delete(plan.to_delete) if plan.to_delete else {}
        if written and any(entry["version_id"] is None for entry in written.values()):
            self.warnings.append("bucket %s is not versioned: this release cannot be rolled back with s3_restore" % self.spec.bucket)
        return written, markers

    def upload(self, upload):
        written = self.objects.put_file(upload.key, upload.file.path, upload.headers, upload.file.md5, upload.file.sha256)
        return dict(written, key=upload.key)

    def new_state(self, plan, written):
        """The state after this run: what was written, and what was found current."""
        entries = {}
        for rel, local in plan.files.items():
            key = self.spec.prefix + rel
            if key in written:
                entries[key] = dict(plan.wanted[rel], sha256=local.sha256, **written[key])
            elif key in plan.known and key in plan.listing:
                entries[key] = state_entry(plan.known[key], listed_etag=plan.listing[key])
        for key in plan.stale:
            if key not in plan.to_delete and key in plan.known:
                entries[key] = state_entry(plan.known[key], listed_etag=plan.listing[key])
        return entries

    def write_state(self, entries, previous_text):
        if not self.spec.state_object:
            return None
        location = self.spec.state_object
        text = render_state(self.spec.bucket, self.spec.prefix, entries)
        result = {"uri": "s3://%s/%s" % (location["bucket"], location["key"]), "changed": text != previous_text, "version_id": None}
        if result["changed"] and not self.check_mode:
            result["version_id"] = _aws.put_text(self.objects.client, location["bucket"], location["key"], text)
        return result

    def result(self, plan, written, markers, state):
        uploaded = [upload_entry(upload, written.get(upload.key, {}).get("version_id")) for _name, items in plan.waves for upload in items]
        deleted = [
            {"key": key, "previous_version_id": (plan.known.get(key) or {}).get("version_id"), "delete_marker_version_id": markers.get(key)}
            for key in plan.to_delete
        ]
        return {
            "changed": bool(uploaded or deleted or (state and state["changed"])),
            "uploaded": uploaded,
            "unchanged": plan.unchanged,
            "deleted": deleted,
            "stale": plan.stale,
            "protected": plan.protected,
            "waves": [{"name": name, "keys": [upload.key for upload in items]} for name, items in plan.waves],
            "changed_keys": sorted([entry["key"] for entry in uploaded] + plan.to_delete),
            "counts": {
                "files": len(plan.files),
                "uploaded": len(uploaded),
                "unchanged": len(plan.unchanged),
                "deleted": len(deleted),
                "stale": len(plan.stale),
                "protected": len(plan.protected),
                "looked_up": len(plan.looked_up),
            },
            "requests": dict(sorted(self.objects.requests.counts.items())),
            "state": state,
            "diff": publish_diff(plan.waves, deleted, plan.known),
            "warnings": self.warnings,
        }


def state_entry(known, listed_etag):
    entry = {name: known.get(name) for name in COMPARED}
    entry.update(etag=listed_etag, version_id=known.get("version_id"))
    return entry


def upload_entry(upload, version_id):
    return {
        "key": upload.key,
        "reason": upload.reason,
        "version_id": version_id,
        "previous_version_id": (upload.before or {}).get("version_id"),
        "content_type": upload.headers["content_type"],
        "cache_control": upload.headers["cache_control"],
        "content_encoding": upload.headers.get("content_encoding"),
        "sha256": upload.file.sha256,
        "size": upload.file.size,
    }


def publish_diff(waves, deleted, known):
    """Before/after per changed key: headers, ETag and SHA-256, never contents."""
    before, after = {}, {}
    for _name, items in waves:
        for upload in items:
            if upload.before:
                before[upload.key] = diff_view(upload.before)
            after[upload.key] = diff_view(dict(upload.headers, sha256=upload.file.sha256, etag=upload.file.md5))
    for entry in deleted:
        before[entry["key"]] = diff_view(known.get(entry["key"]) or {})
    return {"before": before, "after": after}


def diff_view(entry):
    return {name: entry.get(name) for name in COMPARED + ("etag",)}
