#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: credentials_store
short_description: Validate exchange and AI provider credentials and store them in Secrets Manager
version_added: 0.1.0
description:
  - Checks every credential against the collection's catalogue (fields and format rules of each
    exchange and AI provider), then stores each valid one as a JSON secret under the ARN the
    manifest names, encrypted with the manifest's KMS key.
  - A credential whose fields are all empty (or C(None), as Ansible gives without a terminal) is
    skipped and never stored; one that breaks a rule is rejected, naming provider, field and
    rule, never the value, and nothing of it is written; an unchanged one creates no new version.
  - Written because amazon.aws.secretsmanager_secret stores one secret per task without format
    rules, so a loop over credentials could neither check them all first nor summarise them.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
options:
  credentials:
    description:
      - Provider to its fields (C(vault_credentials) of the inventory's vault, or typed at prompts).
      - Never logged.
    type: dict
    required: true
  manifest:
    description: The deployment manifest (secret ARNs per credential, the KMS key).
    type: dict
    required: true
attributes:
  check_mode:
    support: full
    details:
      - The credentials are checked and compared with the stored values; nothing is written.
  diff_mode:
    support: full
    details:
      - Which credentials would get a new version (names and version ids, never values).
  platform:
    platforms: posix
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: Store the credentials
  acinaces.deploy.credentials_store:
    credentials: "{{ vault_credentials }}"
    manifest: "{{ deploy_manifest }}"
  no_log: true
  register: stored
"""

RETURN = r"""
outcomes:
  description: Provider to C(stored), C(unchanged), C(skipped) or C(rejected).
  returned: always
  type: dict
  sample: {"binance": "stored", "okx": "rejected", "gemini": "skipped"}
versions:
  description: Provider to the version id of its current value, for stored and unchanged ones.
  returned: always
  type: dict
problems:
  description: Provider to its problems (provider, field and rule; never a value).
  returned: always
  type: dict
summary_lines:
  description: The run summary for the operator.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.acinaces.deploy.plugins.module_utils import _aws
from ansible_collections.acinaces.deploy.plugins.module_utils._module import run
from ansible_collections.acinaces.deploy.plugins.module_utils._secrets_store import STORED, SecretStore, plan, summary_lines


def store(module):
    documents, outcomes, problems = plan(module.params["credentials"], module.params["manifest"])
    secrets = SecretStore(_aws.client(module, "secretsmanager"), module.params["manifest"], module.check_mode)
    versions, before = {}, {}
    for provider, document in sorted(documents.items()):
        before[provider] = secrets.current(module.params["manifest"]["secrets"][provider])[1]
        outcomes[provider], versions[provider] = secrets.store(provider, document)
    result = {
        "changed": STORED in outcomes.values(),
        "outcomes": dict(sorted(outcomes.items())),
        "versions": versions,
        "problems": problems,
        "summary_lines": summary_lines(outcomes, problems),
    }
    if module._diff:
        stored = sorted(name for name, outcome in outcomes.items() if outcome == STORED)
        result["diff"] = {
            "before": {name: before[name] or "(no value)" for name in stored},
            "after": {name: versions[name] or "(new version)" for name in stored},
        }
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            credentials=dict(type="dict", required=True, no_log=True),
            manifest=dict(type="dict", required=True),
        ),
        supports_check_mode=True,
    )
    run(module, store)


if __name__ == "__main__":
    main()
