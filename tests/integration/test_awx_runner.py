"""The job templates of awx/, run as AWX runs them: ansible-runner with a private data dir per job
(project/ = the checkout, linked, env/extravars with the survey answers tagged !unsafe, the
AWS credential's injected variables in env/envvars, the vault password answered at the vault
prompt from env/passwords), against a local stack. The playbook, job type, tags and survey come
from awx/vars/main.yml, so this runs what AWX would run."""

import json
import os
import random
import re
import shutil
import string
import subprocess
import sys

import pytest
import yaml
from jinja2 import Environment

from conftest import REPO_ROOT, VENV_BIN, encrypted_vault

import awx_config  # noqa: E402  (tools/, put on sys.path by conftest)

RANDOM = random.Random(20261123)
ALNUM = string.ascii_letters + string.digits
VAULT_PASSWORD = "".join(RANDOM.choice(ALNUM) for dummy in range(24))
# Clearly fake values that fit their providers' rules, in the local environment's vault.
VAULT = {
    "binance": {"api_key": "".join(RANDOM.choice(ALNUM) for dummy in range(64)),
                "api_secret": "".join(RANDOM.choice(ALNUM) for dummy in range(64))},
    "deepseek": {"api_key": "sk-" + "".join(RANDOM.choice("0123456789abcdef") for dummy in range(32))},
}
# The templates this branch has a playbook for (validate.yml joins when it arrives).
TEMPLATES = [key for key in ("deploy", "validate", "rollback")
             if (REPO_ROOT / awx_config.template_for(key).playbook).is_file()]
PHASES = ["infrastructure", "backend", "secrets"]


class UnsafeDumper(yaml.SafeDumper):
    """Writes survey answers as AWX does: strings tagged !unsafe, so Jinja in them is never run."""


UnsafeDumper.add_representer(awx_config.Unsafe, lambda dumper, value: dumper.represent_scalar("!unsafe", str(value)))


def lay_out_project(destination):
    """The project as a job sees it: every top-level entry of the checkout git knows, linked,
    except what a job writes into (its own inventories/, with the vault, and deployment/).
    The example application stays linked, so its npm install and build cache serve every job,
    as a project cache that persists between jobs on an AWX node does."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO_ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for top in sorted({name.split("/", 1)[0] for name in listed if name}):
        if top == "inventories":
            shutil.copytree(REPO_ROOT / top, destination / top)
        elif (REPO_ROOT / top).exists():
            (destination / top).symlink_to(REPO_ROOT / top)


class AwxJob:
    """One job of a job template in a private data dir laid out as AWX lays it out."""

    def __init__(self, template, stack, root, answers, vault_file, job_tags=""):
        self.template = template
        self.dir = root / template.key
        project = self.dir / "project"
        project.mkdir(parents=True)
        lay_out_project(project)
        # The environment's vault, encrypted with the vault id of its AWX Vault credential.
        shutil.copy(vault_file, project / "inventories" / "local" / "group_vars" / "all" / "vault.yml")
        # The collection as the execution environment has it installed.
        installed = self.dir / "requirements_collections" / "ansible_collections" / "acinaces"
        installed.mkdir(parents=True)
        (installed / "deploy").symlink_to(project)
        env = self.dir / "env"
        env.mkdir()
        extravars = {name: awx_config.Unsafe(value) for name, value in template.survey_answers(**answers).items()}
        extravars.update({"awx_job_id": 42, "awx_job_template_name": template.name, "awx_user_name": "admin",
                          "awx_project_revision": "0" * 40, "awx_inventory_name": "local"})
        (env / "extravars").write_text(yaml.dump(extravars, Dumper=UnsafeDumper))
        self.extravars_text = (env / "extravars").read_text()
        envvars = dict(self.envvars(stack), ANSIBLE_COLLECTIONS_PATH=str(self.dir / "requirements_collections"))
        (env / "envvars").write_text(yaml.safe_dump(envvars))
        (env / "passwords").write_text(yaml.safe_dump({r"^Vault password \(local\):\s*?$": VAULT_PASSWORD}))
        (env / "settings").write_text(yaml.safe_dump({"idle_timeout": 600, "job_timeout": 900, "pexpect_timeout": 5,
                                                      "suppress_ansible_output": True}))
        cmdline = ["--vault-id", "local@prompt"]
        if template.job_type == "check":
            cmdline.append("--check")
        if job_tags:
            # Job tags asked at launch: AWX takes them only where the template asks for them.
            assert template.job_tags == "" and set(job_tags.split(",")) <= set(template.phases), job_tags
        if job_tags or template.job_tags:
            cmdline += ["--tags", job_tags or template.job_tags]
        (env / "cmdline").write_text(" ".join(cmdline))

    @staticmethod
    def envvars(stack):
        """The AWS credential's injectors filled with the local stack's keys, and where the stack is."""
        injectors = awx_config.load()["awx_aws_credential_type"]["injectors"]["env"]
        inputs = {"access_key": stack.info["aws_access_key_id"], "secret_key": stack.info["aws_secret_access_key"],
                  "session_token": ""}
        envvars = {name: Environment().from_string(str(value)).render(**inputs) for name, value in injectors.items()}
        # Where the local stack is (what the inventory and the runtime read), as job settings.
        envvars.update({name: value for name, value in stack.stack.environment().items() if name.startswith("ACINACES_")})
        envvars.update({"AWS_DEFAULT_REGION": stack.info["aws_region"], "ANSIBLE_FORCE_COLOR": "0"})
        return envvars

    def run(self):
        env = {name: value for name, value in os.environ.items()
               if not name.startswith(("ANSIBLE_", "AWS_", "ACINACES_"))}
        env["PATH"] = "%s:%s" % (VENV_BIN, env.get("PATH", ""))
        process = subprocess.run(
            [sys.executable, "-m", "ansible_runner", "run", str(self.dir), "--playbook", self.template.playbook,
             "--inventory", str(self.dir / "project" / "inventories" / "local"), "--ident", "job"],
            env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=1200, check=False,
        )
        artifacts = self.dir / "artifacts" / "job"
        event_files = sorted((artifacts / "job_events").glob("*.json"), key=lambda p: int(p.name.split("-", 1)[0]))
        events = [json.loads(path.read_text()) for path in event_files]
        stdout = (artifacts / "stdout").read_text() if (artifacts / "stdout").exists() else ""
        return {"rc": process.returncode, "status": (artifacts / "status").read_text() if (artifacts / "status").exists() else "",
                "events": events, "stdout": stdout, "runner": process.stdout + process.stderr, "artifacts": artifacts}


@pytest.fixture(scope="module")
def stack(own_stack):
    """These jobs deploy the `local` environment: a stack of their own."""
    return own_stack


@pytest.fixture(scope="module")
def vault_file(tmp_path_factory):
    vault, password = encrypted_vault(tmp_path_factory.mktemp("awx-vault"), VAULT, VAULT_PASSWORD)
    password.unlink()
    return vault


@pytest.fixture(scope="module")
def jobs(stack, vault_file, tmp_path_factory):
    """The deploy job (skip tests answered true), then the next template's job on the same environment."""
    root = tmp_path_factory.mktemp("awx")
    results = {}

    def launch(key, job_tags="", **answers):
        job = AwxJob(awx_config.template_for(key), stack, root, answers, vault_file, job_tags)
        results[key] = dict(job.run(), extravars=job.extravars_text)
        return results[key]

    # The frontend phase is left out at launch (test_deploy.py covers it): its static export
    # rebuilds for every new stack, whose API URL differs, and would double this module's time.
    launch("deploy", job_tags=",".join(PHASES), skip_tests="true")
    return {"results": results, "launch": launch}


def stats(result):
    (event,) = [e for e in result["events"] if e["event"] == "playbook_on_stats"]
    return event["event_data"]


def assert_successful(result):
    assert result["rc"] == 0 and result["status"] == "successful", result["runner"][-3000:] + result["stdout"][-6000:]
    data = stats(result)
    assert not data.get("failures") and not data.get("dark"), data
    assert not [e for e in result["events"] if e["event"] == "runner_on_failed" and not e["event_data"].get("ignore_errors")]


def plays(result):
    return [e["event_data"]["play"] for e in result["events"] if e["event"] == "playbook_on_play_start"]


def test_the_survey_answers_reach_the_job_untemplated(jobs):
    deploy = jobs["results"]["deploy"]
    assert "skip_tests: !unsafe 'true'" in deploy["extravars"]
    assert_successful(deploy)
    # The answer "true" (a string: AWX surveys have no boolean) skipped the test suites.
    tasks = [e["event_data"].get("task", "") for e in deploy["events"] if e["event"] == "runner_on_ok"]
    assert not [task for task in tasks if task.startswith("Test (npm test)")]


def test_the_deploy_job_runs_the_launched_phases_with_the_vault_prompt_answered(jobs, stack):
    deploy = jobs["results"]["deploy"]
    assert_successful(deploy)
    # The phases picked by the launch's job tags ran, in order, and no other.
    # (a role's argument validation runs under every tag).
    ran = [play for play in plays(deploy)
           if [e for e in deploy["events"] if e["event"] == "playbook_on_task_start" and e["event_data"]["play"] == play
               and not e["event_data"]["task"].startswith("Validating arguments against arg spec")]]
    assert ran == ["Preflight"] + ["Phase: %s" % phase for phase in PHASES]
    assert stats(deploy)["changed"].get("localhost", 0) > 0
    # The vault opened with the password answered at the prompt: its credentials are stored.
    manifest = json.loads((jobs["results"]["deploy"]["artifacts"].parents[2] / "deploy" / "project" / "deployment" / "local" / "manifest.json").read_text())
    secrets = stack.client("secretsmanager")
    for name, values in VAULT.items():
        stored = json.loads(secrets.get_secret_value(SecretId=manifest["secrets"][name])["SecretString"])
        assert stored == dict(values, provider=name)
    # The functions answer through the local API runtime.
    lam = stack.client("lambda")
    assert {lam.get_alias(FunctionName=f["function_name"], Name="live")["FunctionVersion"] for f in manifest["functions"].values()} != {"1"}


def test_no_secret_reaches_the_job_output_or_events(jobs):
    deploy = jobs["results"]["deploy"]
    text = deploy["stdout"] + json.dumps(deploy["events"]) + deploy["runner"]
    for values in VAULT.values():
        for value in values.values():
            assert value not in text
    assert VAULT_PASSWORD not in text


@pytest.mark.parametrize("key", [key for key in TEMPLATES if key != "deploy"])
def test_the_next_job_template_runs_on_the_deployed_environment(jobs, stack, key):
    # The rollback goes back to the infrastructure's placeholder (this environment's only earlier
    # release, answering 503 "not deployed"), which its validation would rightly fail: skipped.
    # The validate job checks what the deploy job deployed (no frontend): the api and smoke groups.
    answers = {"rollback": {"component": "backend", "rollback_validate": "false"}}.get(key, {})
    result = jobs["launch"](key, job_tags={"validate": "api,smoke"}.get(key, ""), **answers)
    assert_successful(result)
    if key == "validate":
        report = json.loads((result["artifacts"].parents[2] / "validate" / "project" / "deployment" / "local" / "validation" / "report.json").read_text())
        assert report["status"] == "passed" and list(report["groups"]) == ["api", "smoke"]
    if key == "rollback":
        assert "component: !unsafe 'backend'" in result["extravars"]
        assert plays(result) == ["Preflight", "Rollback: backend", "Rollback: frontend", "Rollback: validation"]
        # A fresh project (another AWX node): the release records came from the deployment bucket.
        manifest = json.loads((result["artifacts"].parents[2] / "deploy" / "project" / "deployment" / "local" / "manifest.json").read_text())
        lam = stack.client("lambda")
        assert {lam.get_alias(FunctionName=f["function_name"], Name="live")["FunctionVersion"]
                for f in manifest["functions"].values()} == {"1"}
        assert stats(result)["changed"].get("localhost", 0) > 0


def test_the_plan_job_hands_the_digest_of_its_changes_to_the_jobs_after_the_approval(jobs):
    """The approval workflow's plan job (check mode): AWX gives its set_stats artifacts to the
    jobs after the approval node as extra vars, so the apply job applies only the plan approved."""
    (apply_node,) = [node for node in awx_config.load()["awx_approval_workflow"]["nodes"] if node["identifier"] == "apply"]
    assert "terraform_approved_plan" not in apply_node.get("extra_data", {})
    result = jobs["launch"]("plan")
    assert_successful(result)
    digest = stats(result)["artifact_data"]["terraform_approved_plan"]
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest)
    assert "-e terraform_approved_plan=%s" % digest in result["stdout"]
    (planned,) = [e["event_data"]["res"] for e in result["events"]
                  if e["event"] == "runner_on_ok" and e["event_data"]["task"].startswith("Plan the infrastructure of")]
    assert not planned["summary"]["has_changes"] and planned["summary"]["changes_sha256"] == digest  # as deployed
