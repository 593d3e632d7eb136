# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running a module's logic: the one place where errors become `fail_json`."""

from __future__ import annotations

from ansible_collections.acinaces.deploy.plugins.module_utils._errors import DeployError

try:
    from botocore.exceptions import BotoCoreError, ClientError

    AWS_ERRORS = (BotoCoreError, ClientError)
except ImportError:  # botocore is checked by AnsibleAWSModule where it is needed
    AWS_ERRORS = ()


def run(module, runner):
    """Call `runner(module)` and exit with its result dict, or fail with a clear message."""
    try:
        result = runner(module)
    except DeployError as error:
        module.fail_json(**error.fail_kwargs())
    except AWS_ERRORS as error:
        if hasattr(module, "fail_json_aws"):
            module.fail_json_aws(error, msg="AWS request failed")
        module.fail_json(msg="AWS request failed: %s" % error)
    module.exit_json(**result)
