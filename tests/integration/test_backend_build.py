"""The backend phase stops on a failing backend test, before anything is uploaded."""

import json
import shutil

import pytest

from conftest import REPO_ROOT

BACKEND = REPO_ROOT / "examples" / "trading-app" / "backend"


@pytest.fixture(scope="module")
def stack(own_stack):
    """This test deploys the `local` environment: a stack of its own."""
    return own_stack


def test_a_failing_backend_test_stops_the_deploy_before_any_upload(stack, tmp_path):
    source = tmp_path / "backend"
    shutil.copytree(BACKEND, source, ignore=shutil.ignore_patterns("node_modules", "dist"))
    broken = source / "test" / "zz-broken.test.ts"
    broken.write_text(
        "import { test } from 'node:test';\n"
        "import assert from 'node:assert/strict';\n"
        "test('risk limits reject a leverage of 500', () => { assert.equal(500, 100, 'leverage above the limit was accepted'); });\n"
    )

    output = tmp_path / "deployment"
    deployed = stack.playbook("deploy.yml", "--tags", "infrastructure", extra_vars={"deploy_output_dir": str(output)})
    deployed.assert_ok()
    manifest = json.loads((output / "manifest.json").read_text())
    lam = stack.client("lambda")
    before = {f["function_name"]: lam.get_alias(FunctionName=f["function_name"], Name="live")["FunctionVersion"]
              for f in manifest["functions"].values()}

    run = stack.playbook("deploy.yml", "--tags", "backend",
                         extra_vars={"deploy_output_dir": str(output), "lambda_source_dir": str(source)})
    assert run.rc != 0
    assert "The backend tests failed; nothing was uploaded" in run.output
    assert "risk limits reject a leverage of 500" in run.output
    after = {name: lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] for name in before}
    assert after == before
    assert not (output / "packages").exists()
