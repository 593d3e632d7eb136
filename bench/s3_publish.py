"""Publishing a generated static export of 5,000 files against local S3: acinaces.deploy.s3_publish
beside `aws s3 sync` (AWS CLI v1) and community.aws.s3_sync, on the same files in the same run,
each to its own versioned bucket: cold (empty bucket) then no-op (the same files again), each
three times with the two tools taking turns (medians), and once after a rebuild (the same
content with new mtimes, as a new `next build` leaves it).

Targets: the cold publish takes at most `aws s3 sync`'s time; the no-op publish uploads nothing,
makes at most one listing call per 1,000 objects and takes under a quarter of `aws s3 sync`'s
no-op time.
Run: .venv/bin/python bench/s3_publish.py [--concurrency N]   (prints figures; asserts nothing)

The AWS CLI pins an exact botocore, so it lives in a venv of its own, .cache/bench-awscli
(ignored by git), made from requirements/bench.txt the first time and whenever that file changes.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _harness import REPO_ROOT, Bench, calls_table, s3_calls_since, target

FILES = 5000
SEED = 5000
MIN_SIZE, MAX_SIZE = 200, 100_000
BUILT_AT = 1767225600  # 2026-01-01T00:00:00Z: every file's mtime (the export's build time)
CONCURRENCY = 16  # the module's default; on this 2-core machine moto, not the client, is the limit
PLAYBOOKS = REPO_ROOT / "bench" / "playbooks"
AWSCLI_VENV = REPO_ROOT / ".cache" / "bench-awscli"
AWSCLI_REQUIREMENTS = REPO_ROOT / "requirements" / "bench.txt"

# Size ranges (bytes, drawn log-uniformly) per kind of file.
SIZES = {
    "html": (2_000, 100_000), "txt": (500, 60_000), "js": (MIN_SIZE, MAX_SIZE), "css": (500, 80_000),
    "woff2": (8_000, MAX_SIZE), "svg": (MIN_SIZE, 12_000), "json": (MIN_SIZE, 30_000), "ico": (4_000, 16_000),
}
TEXT_HEAD = {
    "html": '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/><title>%s</title>'
            '<link rel="stylesheet" href="/_next/static/css/app.css"/></head><body><main>',
    "txt": '1:HL["/_next/static/css/app.css","style"]\n0:["%s",[["children","__PAGE__",{}]]]\n',
    "js": '"use strict";(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([["%s"],{',
    "css": "/* %s */:root{--fg:#111;--bg:#fff}.container{max-width:72rem;margin:0 auto}",
    "svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><!-- %s --><path d="',
    "json": '{"id":"%s","items":["',
}


# The export -----------------------------------------------------------------------------------


def token(rng, length=16):
    return "%0*x" % (length, rng.getrandbits(4 * length))


def slug(rng, words):
    return "-".join(rng.choice(words) for _count in range(rng.randint(2, 4)))


def layout(rng, words):
    """(relative path, kind) of a Next.js static export (app router) of exactly FILES files."""
    build_id = token(rng, 21)
    paths = [("index.html", "html"), ("index.txt", "txt"), ("404.html", "html"), ("robots.txt", "txt"),
             ("sitemap.xml", "txt"), ("favicon.ico", "ico"), ("manifest.json", "json"),
             ("_next/static/%s/_buildManifest.js" % build_id, "js"), ("_next/static/%s/_ssgManifest.js" % build_id, "js")]
    for name in ("framework", "main", "main-app", "webpack", "polyfills", "pages/_app", "pages/_error"):
        paths.append(("_next/static/chunks/%s-%s.js" % (name, token(rng)), "js"))
    routes = []
    for year in range(2019, 2027):  # blog/<year>/<post>
        routes += ["blog/%d/%s" % (year, slug(rng, words)) for _count in range(60)]
    for section in range(12):  # docs/<section>/<page>
        name = slug(rng, words)
        routes += ["docs/%s/%s" % (name, slug(rng, words)) for _count in range(25)]
    for category in range(10):  # products/<category>/<item>
        name = rng.choice(words)
        routes += ["products/%s/%s-%d" % (name, slug(rng, words), item) for item in range(30)]
    routes += ["guides/%s" % slug(rng, words) for _count in range(50)]
    routes = sorted(set(routes))[:1150]
    for route in routes:  # each page and the RSC payload Next writes beside it
        paths += [(route + ".html", "html"), (route + ".txt", "txt")]
    templates = ["blog/[year]/[slug]", "docs/[section]/[page]", "products/[category]/[item]", "guides/[slug]"]
    templates += ["%s/%s" % (rng.choice(["account", "search", "legal", "about"]), slug(rng, words)) for _count in range(46)]
    paths += [("_next/static/chunks/app/%s/page-%s.js" % (template, token(rng)), "js") for template in templates]
    paths += [("_next/static/css/%s.css" % token(rng), "css") for _count in range(80)]
    paths += [("_next/static/media/%s.%s.woff2" % (rng.choice(words), token(rng, 8)), "woff2") for _count in range(40)]
    paths += [("_next/static/media/%s.%s.svg" % (slug(rng, words), token(rng, 8)), "svg") for _count in range(60)]
    paths += [("images/%s/%s.svg" % (rng.choice(["icons", "logos", "illustrations"]), slug(rng, words)), "svg") for _count in range(500)]
    paths += [("data/%s/%s.json" % (rng.choice(["products", "authors", "search"]), slug(rng, words)), "json") for _count in range(300)]
    chunk = 0
    while len(set(path for path, _kind in paths)) < FILES:  # numbered and named chunks fill the rest
        chunk += 1
        name = "%d-%s" % (chunk, token(rng)) if chunk % 3 else token(rng)
        paths.append(("_next/static/chunks/%s.js" % name, "js"))
    unique = dict(paths)
    return sorted(unique.items())[:FILES]


def generate_export(root: Path) -> int:
    """Writes the export under `root` (deterministic: fixed seed and mtimes); returns its bytes."""
    rng = random.Random(SEED)
    words = sorted({"".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _count in range(rng.randint(3, 9))) for _count in range(600)})
    corpus = " ".join(rng.choice(words) for _count in range(40_000)).encode("ascii")
    corpus += corpus  # a slice may wrap
    total = 0
    made = set()
    for rel, kind in layout(rng, words):
        low, high = SIZES[kind]
        size = max(MIN_SIZE, min(MAX_SIZE, int(math.exp(rng.uniform(math.log(low), math.log(high))))))
        if kind in TEXT_HEAD:
            head = (TEXT_HEAD[kind] % rel).encode("ascii")
            start = rng.randrange(len(corpus) // 2)
            body = (head + corpus[start:start + size])[:size]
        else:
            body = rng.randbytes(size)
        path = root / rel
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_bytes(body)
        os.utime(path, (BUILT_AT, BUILT_AT))
        total += size
    return total


# The AWS CLI ----------------------------------------------------------------------------------


def awscli() -> Path:
    """The `aws` of the benchmark's own venv, installed when missing or when its pin changed."""
    aws, stamp = AWSCLI_VENV / "bin" / "aws", AWSCLI_VENV / ".requirements"
    wanted = AWSCLI_REQUIREMENTS.read_text()
    if not aws.exists() or not stamp.exists() or stamp.read_text() != wanted:
        print("installing the AWS CLI (%s) into %s ..." % (AWSCLI_REQUIREMENTS.name, AWSCLI_VENV.relative_to(REPO_ROOT)), flush=True)
        for command in ([sys.executable, "-m", "venv", "--clear", str(AWSCLI_VENV)],
                        [str(AWSCLI_VENV / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                         "-r", str(AWSCLI_REQUIREMENTS)]):
            process = subprocess.run(command, capture_output=True, text=True, check=False)
            if process.returncode != 0:
                raise SystemExit("%s failed:\n%s" % (" ".join(command), (process.stdout + process.stderr)[-4000:]))
        stamp.write_text(wanted)
    return aws


def aws_version(aws: Path) -> str:
    output = subprocess.run([str(aws), "--version"], capture_output=True, text=True, check=True)
    return (output.stdout or output.stderr).split()[0]


def aws_s3_sync(bench: Bench, aws: Path, source: Path, bucket: str):
    """`aws s3 sync` of `source` to the bucket; returns (seconds, S3 calls by operation)."""
    env = dict(os.environ, **bench.stack.environment())
    env.pop("AWS_PROFILE", None)
    env.update(AWS_CONFIG_FILE=str(bench.state_dir / "aws-config"), AWS_SHARED_CREDENTIALS_FILE=str(bench.state_dir / "aws-credentials"),
               AWS_PAGER="")
    offset = bench.mark()
    started = time.monotonic()
    process = subprocess.run(
        [str(aws), "s3", "sync", str(source), "s3://%s" % bucket, "--endpoint-url", bench.info["aws_endpoint_url"],
         "--only-show-errors"],
        env=env, capture_output=True, text=True, check=False,
    )
    seconds = time.monotonic() - started
    if process.returncode != 0:
        raise RuntimeError("aws s3 sync failed (%d):\n%s" % (process.returncode, (process.stdout + process.stderr)[-4000:]))
    time.sleep(0.2)  # let the server flush its log
    return seconds, s3_calls_since(bench, offset)


def playbook(bench: Bench, name: str, extra_vars: dict):
    """A playbook run; returns (seconds, S3 calls by operation)."""
    offset = bench.mark()
    seconds, _calls = bench.playbook(PLAYBOOKS / name, extra_vars)
    return seconds, s3_calls_since(bench, offset)


# The run --------------------------------------------------------------------------------------

REPEATS = 3  # cold and no-op runs per tool, interleaved; the figures are their medians


def uploads(calls_by_bucket):
    return calls_by_bucket.get("s3:PutObject", 0)


def create_versioned_bucket(s3, name):
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def rebuild(root: Path) -> None:
    """What a new build of the same sources does to the export: same bytes, new mtimes."""
    now = time.time()
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (now, now))


class Runs:
    """Timed runs per label: seconds (None when the run failed), S3 calls, uploads to its bucket."""

    def __init__(self, bench):
        self.bench = bench
        self.seconds, self.calls, self.uploads, self.failures = {}, {}, {}, {}

    def record(self, label, bucket, run):
        offset = self.bench.mark()
        try:
            seconds, calls = run()
        except RuntimeError as error:
            self.failures[label] = str(error)
            seconds, calls = None, s3_calls_since(self.bench, offset)
        self.seconds.setdefault(label, []).append(seconds)
        self.calls[label] = calls
        self.uploads.setdefault(label, []).append(uploads(s3_calls_since(self.bench, offset, bucket)))

    def median(self, label):
        values = self.seconds[label]
        return None if None in values else statistics.median(values)

    def most_uploads(self, label):
        return max(self.uploads[label])

    def figure(self, label):
        value = self.median(label)
        return "%7s" % "n/a" if value is None else "%6.1fs" % value


def run_all(bench, aws, concurrency):
    s3 = bench.client("s3")
    source = bench.state_dir / "out"
    size = generate_export(source)
    create_versioned_bucket(s3, "bench-state")
    aws_vars = {"endpoint_url": bench.info["aws_endpoint_url"], "region": bench.info["aws_region"],
                "access_key": bench.info["aws_access_key_id"], "secret_key": bench.info["aws_secret_access_key"]}
    runs = Runs(bench)

    def ours(bucket):
        extra = {"aws": aws_vars, "bucket": bucket, "source": str(source), "concurrency": concurrency,
                 "state_bucket": "bench-state", "state_key": "%s/publish-state.json" % bucket}
        return lambda: playbook(bench, "s3_publish.yml", extra)

    def cli(bucket):
        return lambda: aws_s3_sync(bench, aws, source, bucket)

    # Cold: each run to an empty bucket of its own, the two tools taking turns to go first.
    for repeat in range(REPEATS):
        pair = [("s3_publish", "bench-s3-publish-%d" % repeat, ours), ("aws s3 sync", "bench-aws-s3-sync-%d" % repeat, cli)]
        for name, bucket, tool in pair if repeat % 2 == 0 else reversed(pair):
            create_versioned_bucket(s3, bucket)
            runs.record(name + " cold", bucket, tool(bucket))
    last = REPEATS - 1
    for _repeat in range(REPEATS):  # no-op: the same files again
        runs.record("s3_publish no-op", "bench-s3-publish-%d" % last, ours("bench-s3-publish-%d" % last))
        runs.record("aws s3 sync no-op", "bench-aws-s3-sync-%d" % last, cli("bench-aws-s3-sync-%d" % last))
    rebuild(source)  # the same content with new mtimes, once each
    runs.record("s3_publish rebuild", "bench-s3-publish-%d" % last, ours("bench-s3-publish-%d" % last))
    runs.record("aws s3 sync rebuild", "bench-aws-s3-sync-%d" % last, cli("bench-aws-s3-sync-%d" % last))

    theirs = {"aws": aws_vars, "bucket": "bench-community-s3-sync", "source": str(source)}
    create_versioned_bucket(s3, theirs["bucket"])
    for phase in ("cold", "no-op"):  # once each: it is an order of magnitude slower
        runs.record("community s3_sync " + phase, theirs["bucket"], lambda: playbook(bench, "community_s3_sync.yml", theirs))
    baseline, _calls = bench.playbook(PLAYBOOKS / "s3_publish_baseline.yml", {})
    return runs, size, baseline


def report(runs, size, baseline, version, concurrency):
    print("Publishing a Next.js-like export of {:,} files ({:.1f} MB, {:,} to {:,} bytes each) against local S3 (moto_server);"
          .format(FILES, size / 1e6, MIN_SIZE, MAX_SIZE))
    print("medians of %d interleaved runs (community.aws.s3_sync: one run), rebuild: one run after new mtimes:" % REPEATS)
    rows = [("acinaces.deploy.s3_publish (concurrency %d)" % concurrency, "s3_publish"), ("aws s3 sync (%s)" % version, "aws s3 sync"),
            ("community.aws.s3_sync (checksum)", "community s3_sync")]
    for title, name in rows:
        phases = ["cold", "no-op"] + (["rebuild"] if name + " rebuild" in runs.seconds else [])
        print("  %-44s" % title + "".join(
            "   %s %s (%4d uploads)" % (phase, runs.figure(name + " " + phase), runs.most_uploads(name + " " + phase)) for phase in phases))
    print("  (for reading the no-op figures: ansible-playbook with one ping task takes %.1fs here)" % baseline)
    for label, calls in runs.calls.items():
        print(calls_table(label + " (last run)", calls))
    for label, error in runs.failures.items():
        print("  %s FAILED: %s" % (label, error.strip().splitlines()[-1] if error.strip() else error))


def ratio_target(label, ours, theirs, met):
    if ours is None or theirs is None:
        return target(label, False, "n/a: a run failed")
    return target(label, met(ours, theirs), "%.1fs vs %.1fs: %.2fx" % (ours, theirs, ours / theirs))


def report_targets(runs, baseline):
    print("Targets:")
    cold, sync_cold = runs.median("s3_publish cold"), runs.median("aws s3 sync cold")
    noop, sync_noop = runs.median("s3_publish no-op"), runs.median("aws s3 sync no-op")
    print(ratio_target("cold publish at or below aws s3 sync's time", cold, sync_cold, lambda ours, theirs: ours <= theirs))
    print(target("no-op publish uploads nothing", noop is not None and runs.most_uploads("s3_publish no-op") == 0,
                 "%d uploads" % runs.most_uploads("s3_publish no-op")))
    calls = runs.calls["s3_publish no-op"]
    listings = calls.get("s3:ListObjectsV2", 0) + calls.get("s3:ListObjects", 0)
    per_thousand = listings / (FILES / 1000)
    print(target("no-op publish: at most one listing call per 1,000 objects", noop is not None and per_thousand <= 1,
                 "{:,} listing calls for {:,} objects: {:.2f} per 1,000".format(listings, FILES, per_thousand)))
    print(ratio_target("no-op publish under a quarter of aws s3 sync's no-op time", noop, sync_noop, lambda ours, theirs: ours < theirs / 4))
    if noop is not None:
        print(ratio_target("(for information) the same, less ansible-playbook's own cost (one ping task)", noop - baseline, sync_noop,
                           lambda ours, theirs: ours < theirs / 4))
    print(ratio_target("(for information) after a rebuild (same content, new mtimes): under a quarter of aws s3 sync's time",
                       runs.median("s3_publish rebuild"), runs.median("aws s3 sync rebuild"), lambda ours, theirs: ours < theirs / 4))
    print(target("(for information) after a rebuild: s3_publish uploads nothing, aws s3 sync every file",
                 runs.most_uploads("s3_publish rebuild") == 0,
                 "%d vs %d uploads" % (runs.most_uploads("s3_publish rebuild"), runs.most_uploads("aws s3 sync rebuild"))))
    for phase in ("cold", "no-op"):
        ours, theirs = runs.median("s3_publish " + phase), runs.median("community s3_sync " + phase)
        if ours is not None and theirs is not None:
            print(target("(for information) %s publish faster than community.aws.s3_sync" % phase, ours < theirs,
                         "%.1fs vs %.1fs: %.1fx faster" % (ours, theirs, theirs / ours)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY, help="s3_publish's concurrency (default %(default)s)")
    args = parser.parse_args()
    aws = awscli()
    version = aws_version(aws)
    with Bench() as bench:
        runs, size, baseline = run_all(bench, aws, args.concurrency)
    report(runs, size, baseline, version, args.concurrency)
    report_targets(runs, baseline)


if __name__ == "__main__":
    main()
