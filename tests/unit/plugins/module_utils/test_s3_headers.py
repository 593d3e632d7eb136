"""S3 upload configuration: header rules for every key, defaults and custom rule lists."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.acinaces.deploy.plugins.module_utils import _s3_headers as rules
from ansible_collections.acinaces.deploy.plugins.module_utils._s3_headers import HeaderRuleError

DEFAULT = "public, max-age=3600"
IMMUTABLE = "public, max-age=31536000, immutable"
UTF8 = "; charset=utf-8"

# What a static export really holds, written out independently of the module's table.
EXPECTED_TYPES = {
    "html": "text/html" + UTF8,
    "css": "text/css" + UTF8,
    "js": "text/javascript" + UTF8,
    "mjs": "text/javascript" + UTF8,
    "json": "application/json" + UTF8,
    "map": "application/json" + UTF8,
    "txt": "text/plain" + UTF8,
    "xml": "application/xml" + UTF8,
    "svg": "image/svg+xml" + UTF8,
    "webmanifest": "application/manifest+json" + UTF8,
    "csv": "text/csv" + UTF8,
    "md": "text/markdown" + UTF8,
    "woff2": "font/woff2",
    "woff": "font/woff",
    "ttf": "font/ttf",
    "ico": "image/x-icon",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "avif": "image/avif",
    "gif": "image/gif",
    "pdf": "application/pdf",
    "wasm": "application/wasm",
}
UNKNOWN = ["bin", "dat", "lock", "xyz", ""]

segment = st.text(alphabet="abcxyz019-_[]() .", min_size=1, max_size=8).filter(lambda s: s.strip(".") != "")
extensions = st.sampled_from(sorted(EXPECTED_TYPES) + UNKNOWN + ["HTML", "Js", "PNG"])


@st.composite
def keys(draw):
    """Keys of an export: any depth, sometimes under _next/static, any extension (or none)."""
    directories = draw(st.lists(segment, max_size=4))
    if draw(st.booleans()):
        directories = ["_next", "static"] + directories
    name = draw(segment)
    ext = draw(extensions)
    return "/".join(directories + [name + ("." + ext if ext else "")])


def expected_type(key):
    name = key.rsplit("/", 1)[-1].lstrip(".")
    ext = name.rsplit(".", 1)[1].lower() if "." in name else ""
    return EXPECTED_TYPES.get(ext, "application/octet-stream")


def expected_cache(key):
    if key.startswith("_next/static/"):
        return IMMUTABLE
    if key.endswith((".html", ".txt")):
        return "no-cache"
    return DEFAULT


@settings(max_examples=400, deadline=None)
@given(keys())
def test_default_rules_give_the_expected_headers_for_any_key(key):
    headers = rules.headers_for(key, rules.compile_rules([]))
    assert headers["cache_control"] == expected_cache(key)
    assert headers["content_type"] == expected_type(key)
    assert headers["content_encoding"] is None


@pytest.mark.parametrize("key, cache, content_type", [
    ("index.html", "no-cache", "text/html; charset=utf-8"),
    ("404.html", "no-cache", "text/html; charset=utf-8"),
    ("blog/2024/post.html", "no-cache", "text/html; charset=utf-8"),
    ("index.txt", "no-cache", "text/plain; charset=utf-8"),
    ("strategies/__next.strategies.__PAGE__.txt", "no-cache", "text/plain; charset=utf-8"),
    ("_next/static/chunks/main-4f1c2a9b.js", IMMUTABLE, "text/javascript; charset=utf-8"),
    ("_next/static/css/1a2b3c.css", IMMUTABLE, "text/css; charset=utf-8"),
    ("_next/static/media/inter.2b3c4d.woff2", IMMUTABLE, "font/woff2"),
    ("_next/static/x/page.html", IMMUTABLE, "text/html; charset=utf-8"),
    ("favicon.ico", DEFAULT, "image/x-icon"),
    ("site.webmanifest", DEFAULT, "application/manifest+json; charset=utf-8"),
    ("logo.SVG", DEFAULT, "image/svg+xml; charset=utf-8"),
    ("_next/staticx/a.js", DEFAULT, "text/javascript; charset=utf-8"),
    (".well-known/security", DEFAULT, "application/octet-stream"),
    (".htaccess", DEFAULT, "application/octet-stream"),
])
def test_a_nextjs_export(key, cache, content_type):
    headers = rules.headers_for(key, rules.compile_rules([]))
    assert (headers["cache_control"], headers["content_type"]) == (cache, content_type)


def test_default_cache_control_is_an_option():
    assert rules.headers_for("favicon.ico", rules.compile_rules([]), "max-age=60")["cache_control"] == "max-age=60"


# Custom rule lists: per header, the first matching rule that sets it wins. -----------------

# Patterns with an independent oracle of what they match.
PATTERNS = {
    "**": lambda key: True,
    "*": lambda key: "/" not in key,
    "*.js": lambda key: "/" not in key and key.endswith(".js"),
    "**/*.js": lambda key: key.endswith(".js"),
    "assets/**": lambda key: key.startswith("assets/"),
    "assets/*.css": lambda key: key.startswith("assets/") and key.count("/") == 1 and key.endswith(".css"),
    "**/index.html": lambda key: key == "index.html" or key.endswith("/index.html"),
    "docs/?.html": lambda key: key.startswith("docs/") and key.count("/") == 1 and len(key) == len("docs/x.html") and key.endswith(".html"),
}
custom_key = st.sampled_from([
    "index.html", "docs/index.html", "docs/a.html", "docs/ab.html", "app.js", "lib/app.js",
    "assets/site.css", "assets/deep/site.css", "assets/x.js", "robots.txt", "a/b/c/index.html",
])
header_value = st.one_of(st.none(), st.sampled_from(["v1", "v2", "v3"]))
rule = st.fixed_dictionaries({
    "pattern": st.sampled_from(sorted(PATTERNS)),
    "cache_control": header_value,
    "content_type": header_value,
}).filter(lambda rule: rule["cache_control"] or rule["content_type"])


@settings(max_examples=300, deadline=None)
@given(st.lists(rule, max_size=6), custom_key, st.booleans())
def test_rule_order_is_respected_per_header(rule_list, key, nextjs_defaults):
    headers = rules.headers_for(key, rules.compile_rules(rule_list, nextjs_defaults))
    for name in ("cache_control", "content_type"):
        first = next((r[name] for r in rule_list if r[name] and PATTERNS[r["pattern"]](key)), None)
        if first is not None:
            assert headers[name] == first
        elif name == "content_type":
            assert headers[name] == expected_type(key)
        else:
            assert headers[name] == (expected_cache(key) if nextjs_defaults else DEFAULT)


def test_without_nextjs_defaults_html_gets_the_default():
    assert rules.headers_for("index.html", rules.compile_rules([], nextjs_defaults=False))["cache_control"] == DEFAULT


def test_content_encoding_and_type_override():
    rule_list = [{"pattern": "**/*.js.gz", "content_type": "text/javascript", "content_encoding": "gzip"}]
    headers = rules.headers_for("_next/static/a.js.gz", rules.compile_rules(rule_list))
    assert headers == {"cache_control": IMMUTABLE, "content_type": "text/javascript", "content_encoding": "gzip"}


@pytest.mark.parametrize("pattern, key, matches", [
    ("**/*.html", "index.html", True),
    ("**/*.html", "a/b/c.html", True),
    ("*.html", "a/b.html", False),
    ("_next/static/**", "_next/static/chunks/x.js", True),
    ("_next/static/**", "_next/statics/x.js", False),
    ("a/**/b.txt", "a/b.txt", True),
    ("a/**/b.txt", "a/x/y/b.txt", True),
    ("a.b", "axb", False),
    ("[ab].txt", "[ab].txt", True),
    ("[ab].txt", "a.txt", False),
])
def test_globs(pattern, key, matches):
    assert (rules.glob_regex(pattern).match(key) is not None) == matches


@pytest.mark.parametrize("rule, problem", [
    ({"pattern": "", "cache_control": "x"}, "no pattern"),
    ({"pattern": "/index.html", "cache_control": "x"}, "starts with '/'"),
    ({"pattern": "*.html"}, "sets no header"),
    ({"pattern": "*.html", "cache_control": None, "content_type": ""}, "sets no header"),
    ({"pattern": "*.html", "cache": "x"}, "unknown fields cache"),
])
def test_malformed_rules_are_named(rule, problem):
    with pytest.raises(HeaderRuleError) as caught:
        rules.compile_rules([{"pattern": "ok", "cache_control": "x"}, rule])
    assert caught.value.message.startswith("header rule 2 ")
    assert problem in caught.value.message
