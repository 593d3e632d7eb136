"""Publishing a generated static export of 5,000 files against local S3: acinaces.deploy.s3_publish
beside `aws s3 sync` (AWS CLI v1) and community.aws.s3_sync, on the same files in the same run,
each to its own versioned bucket, cold (empty bucket) then no-op (the same files again).

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


def uploads(calls_by_bucket):
    return calls_by_bucket.get("s3:PutObject", 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY, help="s3_publish's concurrency (default %(default)s)")
    args = parser.parse_args()
    aws = awscli()
    version = aws_version(aws)

    runs, uploaded, failures = {}, {}, {}
    with Bench() as bench:
        s3 = bench.client("s3")
        buckets = {name: "bench-%s" % name for name in ("s3-publish", "aws-s3-sync", "community-s3-sync", "state")}
        for bucket in buckets.values():
            s3.create_bucket(Bucket=bucket)
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        source = bench.state_dir / "out"
        size = generate_export(source)
        aws_vars = {"endpoint_url": bench.info["aws_endpoint_url"], "region": bench.info["aws_region"],
                    "access_key": bench.info["aws_access_key_id"], "secret_key": bench.info["aws_secret_access_key"]}

        def record(label, bucket, run):
            offset = bench.mark()
            try:
                runs[label] = run()
            except RuntimeError as error:
                failures[label] = str(error)
                runs[label] = (None, s3_calls_since(bench, offset))
            uploaded[label] = uploads(s3_calls_since(bench, offset, bucket))

        ours = {"aws": aws_vars, "bucket": buckets["s3-publish"], "source": str(source), "concurrency": args.concurrency,
                "state_bucket": buckets["state"], "state_key": "site/publish-state.json"}
        theirs = {"aws": aws_vars, "bucket": buckets["community-s3-sync"], "source": str(source)}
        for phase in ("cold", "no-op"):
            record("s3_publish " + phase, buckets["s3-publish"], lambda: playbook(bench, "s3_publish.yml", ours))
        for phase in ("cold", "no-op"):
            record("aws s3 sync " + phase, buckets["aws-s3-sync"], lambda: aws_s3_sync(bench, aws, source, buckets["aws-s3-sync"]))
        for phase in ("cold", "no-op"):
            record("community s3_sync " + phase, buckets["community-s3-sync"], lambda: playbook(bench, "community_s3_sync.yml", theirs))
        baseline, _calls = bench.playbook(PLAYBOOKS / "s3_publish_baseline.yml", {})

    def seconds(label):
        value = runs[label][0]
        return "%7s" % "n/a" if value is None else "%6.1fs" % value

    print("Publishing a Next.js-like export of {:,} files ({:.1f} MB, {:,} to {:,} bytes each) against local S3 (moto_server), one run:"
          .format(FILES, size / 1e6, MIN_SIZE, MAX_SIZE))
    print("  %-46s cold %s (%4d uploads)   no-op %s (%4d uploads)" % (
        "acinaces.deploy.s3_publish (concurrency %d)" % args.concurrency, seconds("s3_publish cold"), uploaded["s3_publish cold"],
        seconds("s3_publish no-op"), uploaded["s3_publish no-op"]))
    print("  %-46s cold %s (%4d uploads)   no-op %s (%4d uploads)" % (
        "aws s3 sync (%s)" % version, seconds("aws s3 sync cold"), uploaded["aws s3 sync cold"],
        seconds("aws s3 sync no-op"), uploaded["aws s3 sync no-op"]))
    print("  %-46s cold %s (%4d uploads)   no-op %s (%4d uploads)" % (
        "community.aws.s3_sync (checksum)", seconds("community s3_sync cold"), uploaded["community s3_sync cold"],
        seconds("community s3_sync no-op"), uploaded["community s3_sync no-op"]))
    print("  (for reading the no-op figures: ansible-playbook with one ping task takes %.1fs here)" % baseline)
    for label, (_seconds, calls) in runs.items():
        print(calls_table(label, calls))
    for label, error in failures.items():
        print("  %s FAILED: %s" % (label, error.strip().splitlines()[-1] if error.strip() else error))

    print("Targets:")
    cold, sync_cold = runs["s3_publish cold"][0], runs["aws s3 sync cold"][0]
    noop, sync_noop = runs["s3_publish no-op"][0], runs["aws s3 sync no-op"][0]
    if cold is None or sync_cold is None:
        print(target("cold publish at or below aws s3 sync's time", False, "n/a: a run failed"))
    else:
        print(target("cold publish at or below aws s3 sync's time", cold <= sync_cold,
                     "%.1fs vs %.1fs: %.2fx" % (cold, sync_cold, cold / sync_cold)))
    print(target("no-op publish uploads nothing", noop is not None and uploaded["s3_publish no-op"] == 0,
                 "%d uploads" % uploaded["s3_publish no-op"]))
    listings = runs["s3_publish no-op"][1].get("s3:ListObjectsV2", 0) + runs["s3_publish no-op"][1].get("s3:ListObjects", 0)
    per_thousand = listings / (FILES / 1000)
    print(target("no-op publish: at most one listing call per 1,000 objects", noop is not None and per_thousand <= 1,
                 "{:,} listing calls for {:,} objects: {:.2f} per 1,000".format(listings, FILES, per_thousand)))
    if noop is None or sync_noop is None:
        print(target("no-op publish under a quarter of aws s3 sync's no-op time", False, "n/a: a run failed"))
    else:
        print(target("no-op publish under a quarter of aws s3 sync's no-op time", noop < sync_noop / 4,
                     "%.1fs vs %.1fs: %.2fx" % (noop, sync_noop, noop / sync_noop)))
        print(target("(for information) the same, less ansible-playbook's own cost (one ping task)", noop - baseline < sync_noop / 4,
                     "%.1fs vs %.1fs: %.2fx" % (noop - baseline, sync_noop, (noop - baseline) / sync_noop)))
    for phase in ("cold", "no-op"):
        ours, theirs = runs["s3_publish " + phase][0], runs["community s3_sync " + phase][0]
        if ours is not None and theirs is not None:
            print(target("(for information) %s publish faster than community.aws.s3_sync" % phase, ours < theirs,
                         "%.1fs vs %.1fs: %.1fx faster" % (ours, theirs, theirs / ours)))


if __name__ == "__main__":
    main()
