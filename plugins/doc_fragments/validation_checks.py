# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # What every validate_<group> module of the AWS action group shares: it only reads, and a
    # failed check is a result, not a module failure. A module's own attributes win.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
    details:
      - Only reads; the same as a normal run.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - The module fails only on bad input (a manifest without a field it needs, a malformed
    setting). A check that does not pass is returned with its cause in RV(checks); the role
    M(acinaces.deploy.validation_report) turns failed checks into a failed run.
seealso:
  - module: acinaces.deploy.validation_report
"""
