"""The approval gate of an environment that requires it, failure guidance and preflight,
on the small fixture project (one bucket, complete outputs)."""

import json
import re

import pexpect
import pytest

from conftest import REPO_ROOT, VENV_BIN

TINY = REPO_ROOT / "tests" / "integration" / "fixtures" / "tiny-infra"


def environment(stack, tmp_path, name, **variables):
    """Extra vars making `local` a separate environment on the tiny project."""
    info = stack.info
    return {
        "deploy_environment": name,
        "deploy_output_dir": str(tmp_path / name),
        "terraform_project_dir": str(TINY),
        "terraform_variables": dict({"environment": name}, **variables),
        "terraform_backend_config": {
            "bucket": info["terraform_state_bucket"], "key": "tests/%s.tfstate" % name,
            "region": info["aws_region"], "dynamodb_table": info["terraform_lock_table"],
            "use_path_style": True, "skip_credentials_validation": True, "skip_requesting_account_id": True,
            "skip_metadata_api_check": True, "skip_region_validation": True,
            "endpoints": {"s3": info["aws_endpoint_url"], "dynamodb": info["aws_endpoint_url"]},
        },
    }


def bucket_exists(stack, name):
    return "tiny-%s-deployment" % name in {b["Name"] for b in stack.client("s3").list_buckets()["Buckets"]}


def test_no_approval_without_a_terminal_stops_before_any_change(stack, tmp_path):
    extra = dict(environment(stack, tmp_path, "gate-none"), deploy_require_manual_approval=True)
    run = stack.playbook("deploy.yml", "--tags", "infrastructure", extra_vars=extra)
    assert run.rc != 0
    assert "Not approved: gate-none requires a manual approval" in run.output
    assert "Plan: 2 to add, 0 to change, 0 to destroy" in run.output
    assert "Nothing was changed" in run.output
    assert not bucket_exists(stack, "gate-none")
    assert not (tmp_path / "gate-none" / "manifest.json").exists()
    assert not (tmp_path / "gate-none" / "terraform" / "approval.json").exists()


@pytest.mark.parametrize("approve", ["None", ""])
def test_a_placeholder_approver_is_no_approval(stack, tmp_path, approve):
    extra = dict(environment(stack, tmp_path, "gate-empty"), deploy_require_manual_approval=True, approve=approve)
    run = stack.playbook("deploy.yml", "--tags", "infrastructure", extra_vars=extra)
    assert run.rc != 0 and "Not approved" in run.output
    assert not bucket_exists(stack, "gate-empty")


def test_an_approver_named_on_the_command_line_lets_the_change_through(stack, tmp_path):
    extra = dict(environment(stack, tmp_path, "gate-variable"), deploy_require_manual_approval=True)
    run = stack.playbook("deploy.yml", "--tags", "infrastructure", extra_vars=dict(extra, approve="alice")).assert_ok()
    assert bucket_exists(stack, "gate-variable")
    approval = json.loads((tmp_path / "gate-variable" / "terraform" / "approval.json").read_text())
    assert approval["approver"] == "alice" and approval["method"] == "variable"
    assert approval["summary"] == {"add": 2, "change": 0, "destroy": 0}
    assert len(approval["plan_sha256"]) == 64
    assert "Not approved" not in run.output

    # Nothing to change: nothing to approve.
    again = stack.playbook("deploy.yml", "--tags", "infrastructure", extra_vars=extra).assert_ok()
    assert again.changed == 0


def test_an_approval_applies_only_the_plan_it_was_given_to(stack, tmp_path):
    extra = dict(environment(stack, tmp_path, "gate-pinned"), deploy_require_manual_approval=True)
    plan = stack.playbook("deploy.yml", "--tags", "infrastructure", extra_vars=extra, check=True).assert_ok()
    digest = re.search(r"terraform_approved_plan=(sha256:[0-9a-f]{64})", plan.output).group(1)
    assert not bucket_exists(stack, "gate-pinned")

    # The variables changed after the plan was approved: the new plan is not applied.
    moved = dict(extra, terraform_variables={"environment": "gate-pinned", "generation": 2})
    run = stack.playbook("deploy.yml", "--tags", "infrastructure", extra_vars=dict(moved, approve="alice", terraform_approved_plan=digest))
    assert run.rc != 0
    assert "The infrastructure plan of gate-pinned is not the one approved: approved %s" % digest in run.output
    assert "Nothing was applied" in run.output
    assert not bucket_exists(stack, "gate-pinned")

    # The approved plan, planned again, is applied; the approval record names its digest.
    stack.playbook("deploy.yml", "--tags", "infrastructure", extra_vars=dict(extra, approve="alice", terraform_approved_plan=digest)).assert_ok()
    assert bucket_exists(stack, "gate-pinned")
    approval = json.loads((tmp_path / "gate-pinned" / "terraform" / "approval.json").read_text())
    assert approval["changes_sha256"] == digest


def interactive(stack, extra, tmp_path):
    path = tmp_path / "interactive-vars.json"
    path.write_text(json.dumps(extra))
    return pexpect.spawn(
        str(VENV_BIN / "ansible-playbook"),
        ["deploy.yml", "-i", "inventories/local", "--tags", "infrastructure", "-e", "@%s" % path],
        cwd=str(REPO_ROOT), env=stack.env(), encoding="utf-8", timeout=300,
    )


def test_the_prompt_shows_the_plan_and_takes_the_approvers_name(stack, tmp_path):
    extra = dict(environment(stack, tmp_path, "gate-prompt"), deploy_require_manual_approval=True)
    child = interactive(stack, extra, tmp_path)
    child.expect("requires a manual approval before its infrastructure changes")
    child.expect("Plan: 2 to add, 0 to change, 0 to destroy")
    child.expect("Type your name to approve")
    assert not bucket_exists(stack, "gate-prompt")
    child.sendline("bob")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    approval = json.loads((tmp_path / "gate-prompt" / "terraform" / "approval.json").read_text())
    assert approval["approver"] == "bob" and approval["method"] == "prompt"
    assert bucket_exists(stack, "gate-prompt")


def test_an_empty_answer_at_the_prompt_stops_the_run(stack, tmp_path):
    extra = dict(environment(stack, tmp_path, "gate-refused"), deploy_require_manual_approval=True)
    child = interactive(stack, extra, tmp_path)
    child.expect("Type your name to approve")
    child.sendline("")
    child.expect("Not approved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus != 0
    assert not bucket_exists(stack, "gate-refused")


def test_a_failed_apply_says_what_failed_the_state_and_what_to_do(stack, tmp_path):
    run = stack.playbook("deploy.yml", "--tags", "infrastructure", extra_vars=environment(stack, tmp_path, "broken", fail_apply=True))
    assert run.rc != 0
    assert "Traceback" not in run.output
    assert "The infrastructure phase of broken failed at 'Apply exactly the saved plan'" in run.output
    assert "Environment state: partially applied" in run.output
    assert "simulated failure while creating the cache cluster" in run.output
    assert "What to do: Some changes may have been applied" in run.output
    table = run.output.split("DEPLOYMENT PHASES", 1)[1]
    assert "infrastructure  failed" in table and "backend         not run" in table
    # The bucket the failed apply created before the failure stays, recorded in the state.
    assert bucket_exists(stack, "broken")


def test_a_stopped_local_stack_is_named_with_the_fix(stack, tmp_path):
    run = stack.playbook("deploy.yml", env={"ACINACES_STACK_DIR": str(tmp_path / "no-stack")})
    assert run.rc != 0
    assert "The local stack is not running" in run.output
    assert "make stack-start" in run.output
    assert "Traceback" not in run.output
