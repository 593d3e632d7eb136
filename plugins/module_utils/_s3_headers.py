# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Header rules for a static export: which Cache-Control, Content-Type and Content-Encoding
each object gets. Pure functions; no AWS.

A rule is a dict: ``pattern`` (a glob on the key relative to the source directory) and any of
``cache_control``, ``content_type``, ``content_encoding``. Rules are read in order and, for
each header separately, the first matching rule that sets it wins. What no rule sets falls back
to the default Cache-Control and to the type of the file's extension.

Globs: ``*`` matches within one path segment, ``?`` one character of a segment, ``**`` any
number of characters across segments, and ``**/`` zero or more whole directories (so
``**/*.html`` matches ``index.html`` and ``a/b/page.html``). Everything else is literal.
"""

from __future__ import annotations

import re

from ansible_collections.acinaces.deploy.plugins.module_utils._errors import DeployError

IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
DEFAULT_CACHE_CONTROL = "public, max-age=3600"
OCTET_STREAM = "application/octet-stream"
HEADERS = ("cache_control", "content_type", "content_encoding")

# Next.js static export: content-hashed build output is immutable; pages and the .txt page
# payloads Next writes beside them (not content-hashed, read on client-side navigation) always
# revalidate.
NEXTJS_RULES = (
    {"pattern": "_next/static/**", "cache_control": IMMUTABLE},
    {"pattern": "*.html", "cache_control": NO_CACHE},
    {"pattern": "**/*.html", "cache_control": NO_CACHE},
    {"pattern": "*.txt", "cache_control": NO_CACHE},
    {"pattern": "**/*.txt", "cache_control": NO_CACHE},
)

# Our own table: the `mimetypes` module answers differently from one machine to the next.
TEXT_TYPES = {
    "html": "text/html",
    "htm": "text/html",
    "css": "text/css",
    "js": "text/javascript",
    "mjs": "text/javascript",
    "json": "application/json",
    "map": "application/json",
    "txt": "text/plain",
    "xml": "application/xml",
    "svg": "image/svg+xml",
    "webmanifest": "application/manifest+json",
    "csv": "text/csv",
    "md": "text/markdown",
}
BINARY_TYPES = {
    "woff2": "font/woff2",
    "woff": "font/woff",
    "ttf": "font/ttf",
    "otf": "font/otf",
    "ico": "image/x-icon",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "avif": "image/avif",
    "gif": "image/gif",
    "pdf": "application/pdf",
    "wasm": "application/wasm",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "gz": "application/gzip",
    "br": "application/x-brotli",
    "zip": "application/zip",
}
CHARSET = "; charset=utf-8"


class HeaderRuleError(DeployError):
    """A header rule is malformed; `rule` holds its position and content."""


def extension(key):
    """The lower-cased extension of the key's last segment ('' for none; dotfiles have none)."""
    name = key.rsplit("/", 1)[-1].lstrip(".")
    return name.rsplit(".", 1)[1].lower() if "." in name else ""


def content_type_for(key):
    """The Content-Type of a key from its extension; text types carry ``charset=utf-8``."""
    ext = extension(key)
    if ext in TEXT_TYPES:
        return TEXT_TYPES[ext] + CHARSET
    return BINARY_TYPES.get(ext, OCTET_STREAM)


def glob_regex(pattern):
    """Compile a key glob (see the module docstring) into a regular expression."""
    parts = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            parts.append("(?:[^/]*/)*")
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif pattern[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


class Rule:
    """One header rule, with its glob compiled."""

    def __init__(self, pattern, cache_control=None, content_type=None, content_encoding=None):
        self.pattern = pattern
        self.headers = {"cache_control": cache_control, "content_type": content_type, "content_encoding": content_encoding}
        self._regex = glob_regex(pattern)

    def matches(self, key):
        return self._regex.match(key) is not None


def compile_rules(rules, nextjs_defaults=True):
    """Rules as `Rule` objects, each checked, with the Next.js defaults after them when asked."""
    compiled = []
    for position, rule in enumerate(rules or []):
        compiled.append(_compile_rule(position, rule))
    if nextjs_defaults:
        compiled.extend(Rule(**rule) for rule in NEXTJS_RULES)
    return compiled


def _compile_rule(position, rule):
    unknown = sorted(set(rule) - set(HEADERS) - {"pattern"})
    pattern = rule.get("pattern")
    problem = None
    if not isinstance(pattern, str) or not pattern:
        problem = "has no pattern"
    elif pattern.startswith("/"):
        problem = "pattern %r starts with '/': patterns match keys relative to the source" % pattern
    elif unknown:
        problem = "has unknown fields %s" % ", ".join(unknown)
    elif not any(rule.get(header) for header in HEADERS):
        problem = "sets no header (cache_control, content_type or content_encoding)"
    if problem:
        raise HeaderRuleError("header rule %d %s" % (position + 1, problem), rule={"position": position + 1, "rule": rule})
    return Rule(pattern, **{header: rule.get(header) or None for header in HEADERS})


def headers_for(key, rules, default_cache_control=DEFAULT_CACHE_CONTROL):
    """The headers of one key: per header, the first matching rule that sets it, else the default."""
    headers = dict.fromkeys(HEADERS)
    for rule in rules:
        if all(headers[name] for name in HEADERS):
            break
        if not rule.matches(key):
            continue
        for name, value in rule.headers.items():
            if value and not headers[name]:
                headers[name] = value
    headers["cache_control"] = headers["cache_control"] or default_cache_control
    headers["content_type"] = headers["content_type"] or content_type_for(key)
    return headers
