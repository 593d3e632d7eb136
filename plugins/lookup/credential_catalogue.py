# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: credential_catalogue
short_description: The exchange and AI provider credentials the platform uses, with their fields and rules
version_added: 0.1.0
description:
  - One entry per credential (provider, display name, kind, its secret's name suffix, and each
    field with the rule its value must meet), from the collection's one credential catalogue.
  - Holds no values; the secrets role uses it to prompt for each field.
options: {}
author:
  - acinaces.deploy developers (@acinaces)
"""

EXAMPLES = r"""
- name: List the credentials
  ansible.builtin.debug:
    msg: "{{ item.display }}: {{ item.fields | map(attribute='name') | join(', ') }}"
  loop: "{{ lookup('acinaces.deploy.credential_catalogue', wantlist=True) }}"
  loop_control:
    label: "{{ item.provider }}"
"""

RETURN = r"""
_raw:
  description: One entry per credential.
  type: list
  elements: dict
  contains:
    provider:
      description: Logical name (binance, okx, openai, ...).
      type: str
    display:
      description: Name for people.
      type: str
    kind:
      description: C(exchange) or C(ai).
      type: str
    secret:
      description: End of the secret's name (C(exchanges/<name>) or C(ai/<name>)).
      type: str
    fields:
      description: The fields, each with C(name) and C(rule) (what a valid value looks like).
      type: list
      elements: dict
"""

from ansible.plugins.lookup import LookupBase

from ansible_collections.acinaces.deploy.plugins.module_utils._credentials import CATALOGUE, describe, secret_suffix


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        return [
            {
                "provider": name,
                "display": entry.display,
                "kind": entry.kind,
                "secret": secret_suffix(name),
                "fields": [{"name": field.name, "rule": describe(field)} for field in entry.fields],
            }
            for name, entry in CATALOGUE.items()
        ]
