# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storing validated credentials in Secrets Manager under the manifest's ARNs and KMS key.

Every credential is checked against the catalogue first; a rejected one is never written, a
skipped one (all fields empty) is never written, an unchanged one gets no new version. Nothing
here returns, logs or raises a value.
"""

from __future__ import annotations

import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.acinaces.deploy.plugins.module_utils._credentials import message, review

STORED, UNCHANGED, SKIPPED, REJECTED = "stored", "unchanged", "skipped", "rejected"


def canonical(document):
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def key_id(reference):
    """The key id at the end of a key ARN, alias ARN or id (to compare KMS key references)."""
    return (reference or "").rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def plan(credentials, manifest):
    """(documents to store by provider, outcome by provider, problems by provider)."""
    checked = review(credentials)
    outcomes = {name: SKIPPED for name in checked.skip}
    problems = {}
    for problem in checked.problems:
        problems.setdefault(problem["provider"], []).append(message(problem))
        outcomes[problem["provider"]] = REJECTED
    documents = {}
    for provider, document in checked.store.items():
        if provider not in manifest.get("secrets", {}):
            problems.setdefault(provider, []).append(
                "%s: the manifest names no secret for it (add it to the infrastructure's secret_arns)" % provider)
            outcomes[provider] = REJECTED
        else:
            documents[provider] = document
    return documents, outcomes, problems


class SecretStore:
    """Secrets Manager with the manifest's secret ARNs and KMS key."""

    def __init__(self, client, manifest, check_mode=False):
        self.client = client
        self.manifest = manifest
        self.check_mode = check_mode

    def current(self, arn):
        """(the current value's document or None, its version id or None)."""
        try:
            response = self.client.get_secret_value(SecretId=arn, aws_retry=True)
        except is_boto3_error_code("ResourceNotFoundException"):
            return None, None
        try:
            return json.loads(response.get("SecretString") or "null"), response.get("VersionId")
        except ValueError:
            return None, response.get("VersionId")

    def ensure_key(self, arn):
        """The secret is encrypted with the manifest's KMS key; True when it had to be set."""
        wanted = self.manifest.get("kms", {}).get("key_arn")
        if not wanted:
            return False
        described = self.client.describe_secret(SecretId=arn, aws_retry=True)
        if key_id(described.get("KmsKeyId")) == key_id(wanted):
            return False
        if not self.check_mode:
            self.client.update_secret(SecretId=arn, KmsKeyId=wanted, aws_retry=True)
        return True

    def store(self, provider, document):
        """(outcome, version id) of one valid credential."""
        arn = self.manifest["secrets"][provider]
        key_changed = self.ensure_key(arn)
        existing, version = self.current(arn)
        if existing == document and not key_changed:
            return UNCHANGED, version
        if self.check_mode:
            return STORED, None
        response = self.client.put_secret_value(SecretId=arn, SecretString=canonical(document), aws_retry=True)
        return STORED, response.get("VersionId")


def summary_lines(outcomes, problems):
    lines = []
    for outcome in (STORED, UNCHANGED, SKIPPED, REJECTED):
        names = sorted(name for name, value in outcomes.items() if value == outcome)
        lines.append("%s: %s" % (outcome, ", ".join(names) or "none"))
    for provider in sorted(problems):
        lines.extend("  " + line for line in problems[provider])
    return lines
