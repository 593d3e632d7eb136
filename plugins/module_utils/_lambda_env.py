# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the manifest prescribes as each function's environment, and how it is shown."""

from __future__ import annotations

import hashlib
import json
import re

MASK = "********"
# Names whose values are secret; ARNs name a secret and are not secret themselves.
SECRET_LIKE = re.compile(r"PASSWORD|PASSPHRASE|TOKEN|SECRET|PRIVATE|API_KEY|CREDENTIAL", re.IGNORECASE)
REFERENCE = re.compile(r"_ARNS?$", re.IGNORECASE)


def variable_suffix(logical):
    """'strategy_templates' -> 'STRATEGY_TEMPLATES'."""
    return re.sub(r"[^A-Za-z0-9]+", "_", logical).upper()


def compact_json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def refresh_marker(credentials, secret_versions):
    """A digest of the current versions of the secrets a function reads: it changes exactly when
    one of them gets a new value, so the function is republished and reads them afresh."""
    text = ",".join("%s=%s" % (name, secret_versions.get(name) or "none") for name in sorted(credentials))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def function_environment(manifest, logical, extra=None, secret_versions=None):
    """The environment variables of function `logical`, from the manifest, plus `extra`.

    With `secret_versions` (credential -> current version id), a function that reads secrets
    also gets SECRETS_REFRESH_MARKER."""
    function = manifest["functions"][logical]
    environment = {"ACINACES_ENVIRONMENT": manifest["environment"]}
    for table_logical, table in sorted(manifest.get("dynamodb_tables", {}).items()):
        environment["TABLE_" + variable_suffix(table_logical)] = table
    if manifest.get("redis", {}).get("endpoint"):
        environment["REDIS_URL"] = "redis://" + manifest["redis"]["endpoint"]
    if manifest.get("timestream", {}).get("database"):
        environment["TIMESTREAM_DATABASE"] = manifest["timestream"]["database"]
    secrets = manifest.get("secrets", {})
    environment["SECRET_ARNS"] = compact_json({name: secrets[name] for name in function.get("secrets", []) if name in secrets})
    if secret_versions is not None and function.get("secrets"):
        environment["SECRETS_REFRESH_MARKER"] = refresh_marker(function["secrets"], secret_versions)
    for key, value in (extra or {}).items():
        environment[str(key)] = str(value)
    return environment


def is_secret_name(name):
    return bool(SECRET_LIKE.search(name)) and not REFERENCE.search(name)


def masked(environment):
    """The environment with secret-like values replaced, for results and diffs."""
    return {key: (MASK if is_secret_name(key) else value) for key, value in sorted(environment.items())}


def secret_values(environment):
    return [value for key, value in environment.items() if is_secret_name(key) and value]


def config_hash(environment):
    """A stable digest of the configuration (kept in release records, never the values)."""
    return hashlib.sha256(compact_json(environment).encode("utf-8")).hexdigest()
