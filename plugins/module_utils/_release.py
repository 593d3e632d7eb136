# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Release records: what one run changed, enough for a rollback to need nothing else.

A record is one JSON document per run that changed something (id, time, environment, git
revision, approver, per function the previous and new version, per frontend object the previous
and new VersionId, invalidations, validation summary). Records are kept in the output folder
and in the deployment bucket under `releases/<environment>/<id>.json`; ids sort by time.
"""

from __future__ import annotations

import json
import re

from ansible_collections.acinaces.deploy.plugins.module_utils._errors import DeployError

RECORD_VERSION = 1
SECTIONS = ("functions", "frontend", "validation", "approval")
KINDS = ("deploy", "rollback")
RELEASE_ID = re.compile(r"^\d{8}T\d{6}Z-[A-Za-z0-9-]+$")


class RollbackError(DeployError):
    """There is nothing (or nothing valid) to roll back to."""


def bucket_key(environment, release_id):
    return "releases/%s/%s.json" % (environment, release_id)


def new_record(environment, release_id, kind, time, git_revision=None, rolls_back=None):
    if not RELEASE_ID.match(release_id):
        raise DeployError("release id %r is not <YYYYmmddTHHMMSSZ>-<suffix>" % release_id)
    if kind not in KINDS:
        raise DeployError("release kind %r is not one of %s" % (kind, ", ".join(KINDS)))
    record = {
        "release_record_version": RECORD_VERSION,
        "id": release_id,
        "kind": kind,
        "environment": environment,
        "time": time,
        "git_revision": git_revision,
    }
    if rolls_back:
        record["rolls_back"] = rolls_back
    return record


def merged(record, sections):
    """The record with each given section replaced (sections not given, or given empty, are kept).

    Functions released twice in one run (the backend phase, then the refresh after new secret
    values) keep the version they had before the run and the one they have after it."""
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        raise DeployError("unknown release record sections: %s" % ", ".join(unknown))
    sections = {name: value for name, value in sections.items() if value not in (None, {}, [])}
    result = dict(record)
    result.update(sections)
    if record.get("functions") and "functions" in sections:
        result["functions"] = merged_functions(record["functions"], sections["functions"])
    return result


def merged_functions(earlier, later):
    result = dict(earlier)
    for logical, entry in later.items():
        first = earlier.get(logical)
        if first is None:
            result[logical] = entry
            continue
        combined = dict(entry, previous_version=first.get("previous_version"))
        combined["changed"] = combined["previous_version"] != combined.get("new_version")
        combined["code_changed"] = bool(first.get("code_changed") or entry.get("code_changed"))
        combined["config_changed"] = bool(first.get("config_changed") or entry.get("config_changed"))
        result[logical] = combined
    return result


def dumps(record):
    return json.dumps(record, indent=2, sort_keys=True) + "\n"


def ordered(records):
    """Records of one environment, oldest first, without duplicates (the same id twice)."""
    by_id = {}
    for record in records:
        by_id[record["id"]] = record
    return [by_id[key] for key in sorted(by_id)]


def changed_functions(record):
    return {
        logical: entry for logical, entry in (record.get("functions") or {}).items()
        if entry.get("changed") and entry.get("new_version")
    }


def deploys(records):
    """Deploy records that changed at least one function, oldest first."""
    return [record for record in ordered(records) if record.get("kind") == "deploy" and changed_functions(record)]


def rollback_versions(records, target="previous"):
    """logical function -> version to serve, and the record it comes from.

    'previous': the versions the latest deploy replaced (rolling back twice in a row gives the
    same versions again: safe). A release id: the versions that release left live."""
    candidates = deploys(records)
    if not candidates:
        raise RollbackError(
            "There is no previous release of the backend to roll back to.",
            guidance="A rollback needs a release record from an earlier deploy that changed functions "
            "(kept in the output folder and the deployment bucket under releases/).",
        )
    if target in (None, "", "previous"):
        latest = candidates[-1]
        versions = {
            logical: entry["previous_version"]
            for logical, entry in changed_functions(latest).items() if entry.get("previous_version")
        }
        if not versions:
            raise RollbackError(
                "Release %s created every function it changed: there is no earlier version to go back to." % latest["id"],
                guidance="Name an explicit release or versions to roll back to.",
            )
        return versions, latest
    chosen = [record for record in ordered(records) if record["id"] == target]
    if not chosen:
        raise RollbackError(
            "There is no release %s of this environment." % target,
            guidance="Known releases: %s." % (", ".join(record["id"] for record in ordered(records)) or "none"),
        )
    versions = {
        logical: entry.get("new_version") or entry.get("previous_version")
        for logical, entry in (chosen[0].get("functions") or {}).items()
    }
    return {logical: version for logical, version in versions.items() if version}, chosen[0]


def versions_to_keep(records, keep_releases):
    """function name -> versions named by the last `keep_releases` records (any kind)."""
    keep = {}
    for record in ordered(records)[-keep_releases:] if keep_releases > 0 else []:
        for entry in (record.get("functions") or {}).values():
            for version in (entry.get("previous_version"), entry.get("new_version")):
                if version:
                    keep.setdefault(entry["function_name"], set()).add(str(version))
    return keep
