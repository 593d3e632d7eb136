"""lambda_package and lambda_release (with release records, rollback and pruning) against local AWS."""

import io
import json
import sys
import zipfile

from conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tests"))
from unit.plugins.module_utils.manifest_outputs import valid_outputs  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.acinaces.deploy.plugins.module_utils._lambda_env import function_environment  # noqa: E402
from ansible_collections.acinaces.deploy.plugins.module_utils._manifest import build  # noqa: E402

HANDLERS = {"health": "health", "strategies": "strategies", "audit_log": "audit-log"}
ROLE_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
})


def placeholder_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.js", "exports.handler = async () => ({ statusCode: 503 });")
    return buffer.getvalue()


def unqualified(arn):
    """arn:aws:lambda:region:account:function:name[:version] without the version."""
    return ":".join(arn.split(":")[:7])


def environment_of(stack, prefix):
    """Functions (version 1, alias live), a bucket and the manifest naming them."""
    iam, lam, s3 = stack.client("iam"), stack.client("lambda"), stack.client("s3")
    role = iam.create_role(RoleName="%s-role" % prefix, AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    outputs = valid_outputs()
    outputs.update(environment="lambda-test", region="us-east-1", deployment_bucket="%s-deployment" % prefix)
    functions = {}
    for logical, module in HANDLERS.items():
        name = "%s-%s" % (prefix, module)
        created = lam.create_function(
            FunctionName=name, Runtime="nodejs20.x", Role=role, Handler="index.handler",
            Code={"ZipFile": placeholder_zip()}, Publish=True,
        )
        lam.create_alias(FunctionName=name, Name="live", FunctionVersion=created["Version"])
        functions[logical] = dict(outputs["lambda_functions"].get(logical, outputs["lambda_functions"]["health"]))
        functions[logical].update(
            function_name=name, function_arn=unqualified(created["FunctionArn"]),
            handler="%s.handler" % module, route="/%s" % module, log_group="/aws/lambda/%s" % name,
        )
    outputs["lambda_functions"] = functions
    s3.create_bucket(Bucket=outputs["deployment_bucket"])
    s3.put_bucket_versioning(Bucket=outputs["deployment_bucket"], VersioningConfiguration={"Status": "Enabled"})
    return build("lambda-test", outputs)


def test_lambda_release(stack, tmp_path):
    manifest = environment_of(stack, "lt")
    dist = tmp_path / "dist"
    dist.mkdir()
    for module in HANDLERS.values():
        (dist / ("%s.js" % module)).write_text("exports.handler = async () => ({ statusCode: 200, body: '%s' });\n" % module)

    run = stack.playbook(
        REPO_ROOT / "tests" / "integration" / "targets" / "lambda_release.yml",
        extra_vars={"stack": stack.info, "work": str(tmp_path), "manifest": manifest},
    )
    run.assert_ok()

    # What the aliases serve after the last rollback: the first release's versions, configured
    # exactly as the manifest prescribes.
    lam = stack.client("lambda")
    for logical, function in manifest["functions"].items():
        served = lam.get_function_configuration(FunctionName=function["function_name"], Qualifier="live")
        assert served["Version"] == "2"
        # The manifest's secrets do not exist in this test: their versions are unknown.
        expected = function_environment(manifest, logical, {"ALLOWED_ORIGIN": "https://local.example.test"}, {})
        assert served["Environment"]["Variables"] == expected
    # Packages are content-addressed in the deployment bucket.
    keys = [item["Key"] for item in stack.client("s3").list_objects_v2(
        Bucket=manifest["buckets"]["deployment"], Prefix="lambda-packages/")["Contents"]]
    assert len(keys) == len(HANDLERS) + 1  # one per handler, and the changed audit_log
    assert all(key.endswith(".zip") and len(key.rsplit("/", 1)[1]) == 68 for key in keys)
