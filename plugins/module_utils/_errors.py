# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception hierarchy of the collection.

Every module_utils function raises a DeployError (or a subclass) carrying a message for
the operator, the guidance on what to do next, and structured details; `_module.run`
turns it into `fail_json` in exactly one place.
"""

from __future__ import annotations


class DeployError(Exception):
    """A failure the operator can act on."""

    def __init__(self, message, guidance=None, cause=None, **details):
        super().__init__(message)
        self.message = message
        self.guidance = guidance
        self.cause = cause
        self.details = details

    def fail_kwargs(self):
        """Arguments for `fail_json`: the message with its guidance, and the details."""
        msg = self.message if not self.guidance else "%s\nWhat to do: %s" % (self.message, self.guidance)
        kwargs = dict(self.details)
        kwargs["msg"] = msg
        if self.guidance:
            kwargs["guidance"] = self.guidance
        if self.cause is not None:
            kwargs["cause"] = str(self.cause)
        return kwargs


class TerraformError(DeployError):
    """A terraform command failed; `stage` says which, `environment_state` what it left."""


class ManifestError(DeployError):
    """Terraform outputs do not make a valid manifest; `problems` lists every field at fault."""
