"""The frontend phase stops on a failing build, before anything is uploaded."""

import json
import shutil

import pytest

from conftest import REPO_ROOT

FRONTEND = REPO_ROOT / "examples" / "trading-app" / "frontend"


@pytest.fixture(scope="module")
def stack(own_stack):
    """This test deploys the `local` environment: a stack of its own."""
    return own_stack


def test_a_failing_frontend_build_stops_the_deploy_before_any_upload(stack, tmp_path):
    source = tmp_path / "frontend"
    shutil.copytree(FRONTEND, source, ignore=shutil.ignore_patterns("node_modules", ".next", "out", ".env*.local"))
    page = source / "app" / "audit" / "page.tsx"
    page.write_text(page.read_text() + "\nexport const broken: number = 'not a number';\n")

    output = tmp_path / "deployment"
    stack.playbook("deploy.yml", "--tags", "infrastructure", extra_vars={"deploy_output_dir": str(output)}).assert_ok()
    manifest = json.loads((output / "manifest.json").read_text())

    run = stack.playbook("deploy.yml", "--tags", "frontend",
                         extra_vars={"deploy_output_dir": str(output), "frontend_source_dir": str(source)})
    assert run.rc != 0
    assert "The frontend did not build; nothing was uploaded" in run.output
    assert "app/audit/page.tsx" in run.output and "not assignable" in run.output
    listing = stack.client("s3").list_objects_v2(Bucket=manifest["buckets"]["frontend"])
    assert listing.get("KeyCount", 0) == 0
    assert not list(output.glob("releases/*.json"))
