"""deploy_manifest against local S3, through a test playbook of assertions."""

import sys

from conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tests"))
from unit.plugins.module_utils.manifest_outputs import valid_outputs  # noqa: E402  pylint: disable=wrong-import-position


def test_deploy_manifest(stack, tmp_path):
    outputs = valid_outputs()
    outputs["deployment_bucket"] = "manifest-test-deployment"
    run = stack.playbook(
        REPO_ROOT / "tests" / "integration" / "targets" / "deploy_manifest.yml",
        extra_vars={"stack": stack.info, "work": str(tmp_path), "outputs": outputs},
    )
    run.assert_ok()
    versions = stack.client("s3").list_object_versions(Bucket="manifest-test-deployment", Prefix="manifests/")
    # One version: the idempotent run and the refused one wrote nothing.
    assert len(versions["Versions"]) == 1
