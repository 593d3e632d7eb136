# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: phase_status
type: aggregate
short_description: End a deployment run with a table of its phases
version_added: 0.1.0
description:
  - Plays that set the play variable C(deploy_phase) are phases. At the end of the run this
    callback prints one row per phase, in playbook order, with its result and duration
    (C(ok), C(failed) with the task and cause, C(not run) after a failure, C(skipped) when
    the tags or its conditions did not select it, C(empty) when it had nothing to do). A phase
    is selected by a tag of its play, or by a tag of one of its tasks (C(--tags api) runs one
    group of the validation phase).
requirements:
  - Enabled in C(callbacks_enabled) (the collection's ansible.cfg does).
"""

import time

from ansible import context
from ansible.plugins.callback import CallbackBase

META_ACTIONS = frozenset(("meta", "ansible.builtin.meta"))


class Phase:
    def __init__(self, name, selected):
        self.name = name
        self.selected = selected
        self.started = None
        self.duration = 0.0
        self.tasks = 0
        self.ran = 0
        self.changed = 0
        self.failure = None

    def result(self, failed_run):
        if self.failure and failed_run:
            return "failed", self.failure
        if self.started is None:
            return ("not run" if failed_run else "skipped"), ""
        if not self.selected:
            return "skipped", "not selected by tags"
        if self.tasks == 0:
            return "empty", "nothing to do"
        if self.ran == 0:
            return "skipped", "its conditions did not hold"
        return "ok", "%d changed" % self.changed


def selected_by_tags(play_tags):
    """Whether --tags/--skip-tags of this run select a play with these tags."""
    tags = set(context.CLIARGS.get("tags") or ["all"])
    skip = set(context.CLIARGS.get("skip_tags") or [])
    play_tags = set(play_tags or [])
    if play_tags & skip:
        return False
    return "all" in tags or "always" in play_tags or bool(play_tags & tags)


def selects_task(task_tags):
    """Whether --tags names a tag of the task itself (a phase selected by a tag inside it, such
    as one validation group: --tags api)."""
    tags = set(context.CLIARGS.get("tags") or ["all"]) - {"all", "always"}
    skip = set(context.CLIARGS.get("skip_tags") or [])
    task_tags = set(task_tags or [])
    return bool(task_tags & tags) and not task_tags & skip


def one_line(text, width=160):
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 3] + "..."


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "acinaces.deploy.phase_status"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.phases = {}
        self.current = None

    def v2_playbook_on_start(self, playbook):
        for play in playbook.get_plays():
            name = (play.vars or {}).get("deploy_phase")
            if name:
                self.phases[name] = Phase(name, selected_by_tags(play.tags))

    def _close(self):
        if self.current is not None and self.current.started is not None:
            self.current.duration = time.monotonic() - self.current.started
        self.current = None

    def v2_playbook_on_play_start(self, play):
        self._close()
        phase = self.phases.get((play.vars or {}).get("deploy_phase"))
        if phase is not None:
            phase.started = time.monotonic()
            self.current = phase

    def v2_playbook_on_task_start(self, task, is_conditional):
        if self.current is not None and task.action not in META_ACTIONS:
            self.current.tasks += 1
            if not self.current.selected and selects_task(task.tags):
                self.current.selected = True

    def v2_runner_on_ok(self, result):
        if self.current is not None:
            self.current.ran += 1
            if result._result.get("changed"):
                self.current.changed += 1

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if self.current is not None:
            self.current.ran += 1
        if self.current is not None and not ignore_errors:
            message = str(result._result.get("msg") or result._result.get("stderr") or "failed")
            self.current.failure = "%s: %s" % (result._task.get_name(), one_line(message.splitlines()[0]))

    def v2_runner_on_unreachable(self, result):
        self.v2_runner_on_failed(result)

    def v2_playbook_on_stats(self, stats):
        self._close()
        if not self.phases:
            return
        failed_run = any(stats.failures.values()) or any(stats.dark.values())
        rows = []
        for phase in self.phases.values():
            status, detail = phase.result(failed_run)
            duration = "%.1fs" % phase.duration if phase.started is not None else "-"
            rows.append((phase.name, status, duration, detail))
        self._display.banner("DEPLOYMENT PHASES")
        header = ("phase", "result", "duration", "detail")
        widths = [max(len(row[i]) for row in rows + [header]) for i in range(3)]
        for row in [header] + rows:
            line = "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths))
            self._display.display("%s  %s" % (line, row[3]))
