# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  manifest:
    description:
      - The environment's manifest (C(deploy_manifest)).
    type: dict
    required: true
  api_url:
    description:
      - The API's address, C(https://<API domain>) with an optional base path. Its name is the
        TLS server name (SNI), the name the certificate must have and the Host header.
    type: str
    required: true
  edge_address:
    description:
      - Connect to this address instead of the one the API's name resolves to (the local
        stack's edge, C(127.0.0.1)). Empty to resolve the name.
    type: str
    default: ""
  https_port:
    description:
      - The port to connect to, unless O(api_url) names one. The Host header carries it when
        it is not 443.
    type: int
    default: 443
  ca_file:
    description:
      - PEM file of the CA the API's certificate must chain to. Empty for the system store.
    type: path
  timeout:
    description:
      - Seconds a request may take (connect, TLS, answer) before it counts as unanswered.
    type: float
    default: 10
"""
