"""Release of 30 functions against local AWS: acinaces.deploy.lambda_release beside a loop of
amazon.aws.lambda + lambda_alias, cold (every function changes) and no-op (nothing changes).

Targets: the no-op release makes zero write calls; the cold release makes at most 4 Lambda
control-plane calls per changed function; it is at least 3x faster than the amazon.aws loop.
Run: .venv/bin/python bench/lambda_release.py   (prints figures; asserts nothing)
"""

from __future__ import annotations

import io
import json
import sys
import zipfile

from _harness import REPO_ROOT, Bench, calls_table, is_write, target

sys.path.insert(0, str(REPO_ROOT / ".venv"))
sys.path.insert(0, str(REPO_ROOT / "tests"))
from ansible_collections.acinaces.deploy.plugins.module_utils._lambda_env import function_environment  # noqa: E402
from ansible_collections.acinaces.deploy.plugins.module_utils._manifest import build  # noqa: E402
from unit.plugins.module_utils.manifest_outputs import valid_outputs  # noqa: E402

FUNCTIONS = 30
PLAYBOOKS = REPO_ROOT / "bench" / "playbooks"
ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def placeholder():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.js", "exports.handler = async () => ({ statusCode: 503 });")
    return buffer.getvalue()


def create_functions(bench, prefix, role_arn):
    """FUNCTIONS placeholder functions (version 1, alias live) and the manifest naming them."""
    lam = bench.client("lambda")
    outputs = valid_outputs()
    outputs.update(environment="bench", region="us-east-1", deployment_bucket="%s-deployment" % prefix)
    template = outputs["lambda_functions"]["health"]
    functions = {}
    for index in range(FUNCTIONS):
        logical, name = "handler_%02d" % index, "%s-handler-%02d" % (prefix, index)
        created = lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=role_arn,
                                      Handler="index.handler", Code={"ZipFile": placeholder()}, Publish=True)
        lam.create_alias(FunctionName=name, Name="live", FunctionVersion=created["Version"])
        functions[logical] = dict(template, function_name=name, function_arn=":".join(created["FunctionArn"].split(":")[:7]),
                                  handler="handler-%02d.handler" % index, category="bench", route="/h%02d" % index,
                                  log_group="/aws/lambda/%s" % name)
    outputs["lambda_functions"] = functions
    bench.client("s3").create_bucket(Bucket=outputs["deployment_bucket"])
    return build("bench", outputs)


def main():
    with Bench() as bench:
        iam = bench.client("iam")
        role_arn = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
        work = bench.state_dir / "work"
        (work / "dist").mkdir(parents=True)
        for index in range(FUNCTIONS):
            (work / "dist" / ("handler-%02d.js" % index)).write_text(
                "exports.handler = async () => ({ statusCode: 200, body: '%d' });\n" % index)
        aws = {"endpoint_url": bench.info["aws_endpoint_url"], "region": bench.info["aws_region"],
               "access_key": bench.info["aws_access_key_id"], "secret_key": bench.info["aws_secret_access_key"]}

        ours = create_functions(bench, "ours", role_arn)
        handler_of = {logical: function["handler"] for logical, function in ours["functions"].items()}
        ours_vars = {"aws": aws, "work": str(work), "manifest": ours, "handler_of": handler_of}
        cold, cold_calls = bench.playbook(PLAYBOOKS / "lambda_release.yml", ours_vars)
        noop, noop_calls = bench.playbook(PLAYBOOKS / "lambda_release.yml", ours_vars)

        theirs = create_functions(bench, "theirs", role_arn)
        theirs_vars = {
            "aws": aws, "work": str(work), "manifest": theirs, "role_arn": role_arn,
            "environments": {logical: function_environment(theirs, logical) for logical in theirs["functions"]},
        }
        loop_cold, loop_cold_calls = bench.playbook(PLAYBOOKS / "amazon_aws_loop.yml", theirs_vars)
        loop_noop, loop_noop_calls = bench.playbook(PLAYBOOKS / "amazon_aws_loop.yml", theirs_vars)

    lambda_cold = sum(count for name, count in cold_calls.items() if name.startswith("lambda:"))
    noop_writes = sum(count for name, count in noop_calls.items() if is_write(name))
    print("Release of %d functions against local AWS (moto_server), one run:" % FUNCTIONS)
    print("  acinaces.deploy.lambda_release  cold %6.1fs   no-op %6.1fs" % (cold, noop))
    print("  amazon.aws lambda+lambda_alias  cold %6.1fs   no-op %6.1fs" % (loop_cold, loop_noop))
    print(calls_table("lambda_release cold", cold_calls))
    print(calls_table("lambda_release no-op", noop_calls))
    print(calls_table("amazon.aws loop cold", loop_cold_calls))
    print(calls_table("amazon.aws loop no-op", loop_noop_calls))
    print("Targets:")
    print(target("no-op release makes zero write calls", noop_writes == 0, "%d writes" % noop_writes))
    print(target("cold release: at most 4 Lambda calls per changed function", lambda_cold <= 4 * FUNCTIONS,
                 "%.2f per function" % (lambda_cold / FUNCTIONS)))
    print(target("cold release at least 3x faster than the amazon.aws loop", loop_cold >= 3 * cold,
                 "%.1fx" % (loop_cold / cold)))
    print(target("(no-op, for information) faster than the amazon.aws loop", loop_noop >= noop,
                 "%.1fx" % (loop_noop / noop)))


if __name__ == "__main__":
    main()
