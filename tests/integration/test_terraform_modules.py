"""terraform_plan / terraform_apply against local AWS, through a test playbook of assertions."""

import json

from conftest import REPO_ROOT

TARGETS = REPO_ROOT / "tests" / "integration" / "targets"
TINY_PROJECT = REPO_ROOT / "tests" / "integration" / "fixtures" / "tiny-infra"


def test_terraform_modules(stack, tmp_path):
    run = stack.playbook(
        TARGETS / "terraform_modules.yml",
        extra_vars={
            "stack": stack.info,
            "project": str(TINY_PROJECT),
            "work": str(tmp_path),
            "environment_name": "modules",
        },
    )
    run.assert_ok()
    assert run.recap["failed"] == 0
    # The state lives in local S3, versioned.
    state = stack.client("s3").get_object(Bucket=stack.info["terraform_state_bucket"], Key="tests/modules.tfstate")
    assert json.loads(state["Body"].read())["outputs"]["generation"]["value"] == 2
