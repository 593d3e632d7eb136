# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the generated docs describe: each function's live configuration with secret values
masked, the release that put each version live, and which credentials hold a value.

Masking reuses the rule of the diffs (`_lambda_env.is_secret_name`) and adds one: a value that
holds a known secret (a credential of the vault) is masked whatever its variable is called.
"""

from __future__ import annotations

from ansible_collections.acinaces.deploy.plugins.module_utils._lambda_env import MASK, is_secret_name
from ansible_collections.acinaces.deploy.plugins.module_utils._release import ordered

# Shorter values (flags, "true", region names) are too common to be told apart from secrets.
MIN_KNOWN_SECRET = 6


def known_secret_values(credentials):
    """Every value in `credentials` (provider -> field -> value, or nested lists), as strings,
    longest first, leaving out empty placeholders and values too short to recognise."""
    found = set()

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif value is not None and not isinstance(value, bool):
            text = str(value)
            if len(text) >= MIN_KNOWN_SECRET and text != "None":
                found.add(text)

    walk(credentials or {})
    return sorted(found, key=lambda text: (-len(text), text))


def is_masked(name, value, known_secrets=()):
    """True when the variable's name looks secret, or its value holds a known secret."""
    if is_secret_name(name):
        return True
    text = "" if value is None else str(value)
    return any(secret in text for secret in known_secrets)


def masked_environment(environment, known_secrets=()):
    """The environment, sorted by name, every secret value replaced by the mask."""
    return {
        name: (MASK if is_masked(name, value, known_secrets) else value)
        for name, value in sorted((environment or {}).items())
    }


def live_versions(records):
    """logical function -> the release that last put a version live: {version, release_id,
    release_time, kind}. Records are taken oldest first; the newest naming a version wins."""
    versions = {}
    for record in ordered(records or []):
        for logical, entry in (record.get("functions") or {}).items():
            version = entry.get("new_version")
            if not version:
                continue
            versions[logical] = {
                "version": str(version),
                "release_id": record["id"],
                "release_time": record.get("time"),
                "kind": record.get("kind", "deploy"),
            }
    return versions


def function_summary(spec, configuration, released=None, known_secrets=()):
    """One function of the manifest as the docs show it.

    `configuration`: the GetFunctionConfiguration answer for its alias (None when the function
    or alias does not exist); `released`: its entry of `live_versions`."""
    summary = {
        "function_name": spec["function_name"],
        "alias": spec.get("alias", "live"),
        "route": spec.get("route"),
        "category": spec.get("category"),
        "log_group": spec.get("log_group") or "/aws/lambda/%s" % spec["function_name"],
        "secrets": sorted(spec.get("secrets") or []),
        "exists": configuration is not None,
        "live_version": None,
        "released_version": (released or {}).get("version"),
        "release_id": (released or {}).get("release_id"),
        "drift": False,
        "environment": {},
    }
    if configuration is not None:
        summary.update({
            "live_version": str(configuration.get("Version")),
            "runtime": configuration.get("Runtime"),
            "handler": configuration.get("Handler"),
            "memory_size": configuration.get("MemorySize"),
            "timeout": configuration.get("Timeout"),
            "code_sha256": configuration.get("CodeSha256"),
            "environment": masked_environment(
                (configuration.get("Environment") or {}).get("Variables") or {}, known_secrets
            ),
        })
        summary["drift"] = bool(summary["released_version"]) and summary["released_version"] != summary["live_version"]
    return summary
