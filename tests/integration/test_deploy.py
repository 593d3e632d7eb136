"""deploy.yml on the local environment: the demo path with the example app's infrastructure,
a second run that changes nothing, check mode, tags, and the Terraform destroy."""

import json

import pytest

from conftest import REPO_ROOT

INFRA = REPO_ROOT / "examples" / "trading-app" / "infra"
PHASES = ["infrastructure", "backend", "secrets", "frontend", "validation", "docs"]


def phase_table(output):
    """phase -> result, from the table the phase_status callback prints last."""
    rows = output.split("DEPLOYMENT PHASES", 1)[1].splitlines()[2:]
    table = {}
    for row in rows:
        cells = row.split()
        if cells and cells[0] in PHASES:
            table[cells[0]] = cells[1] if cells[1] != "not" else "not run"
    return table


@pytest.fixture(scope="module")
def deployed(stack, tmp_path_factory):
    """The local environment deployed once, in an output folder of the tests."""
    output = tmp_path_factory.mktemp("deployment")
    overrides = {"deploy_output_dir": str(output)}
    first = stack.playbook("deploy.yml", extra_vars=overrides)
    return {"run": first, "output": output, "overrides": overrides}


def test_the_demo_path_applies_the_infrastructure_and_writes_the_manifest(stack, deployed):
    run = deployed["run"].assert_ok()
    assert "Traceback" not in run.output
    assert phase_table(run.output) == {
        "infrastructure": "ok", "backend": "empty", "secrets": "empty",
        "frontend": "empty", "validation": "empty", "docs": "empty",
    }
    manifest = json.loads((deployed["output"] / "manifest.json").read_text())
    assert manifest["environment"] == "local" and manifest["manifest_version"] == 1

    # Every resource the manifest names exists in local AWS.
    lam = stack.client("lambda")
    for function in manifest["functions"].values():
        alias = lam.get_alias(FunctionName=function["function_name"], Name=function["alias"])
        assert alias["AliasArn"].startswith(function["function_arn"])
    s3 = stack.client("s3")
    for bucket in manifest["buckets"].values():
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    distribution = stack.client("cloudfront").get_distribution(Id=manifest["cloudfront"]["distribution_id"])
    assert distribution["Distribution"]["DomainName"] == manifest["cloudfront"]["domain_name"]
    assert stack.client("route53").get_hosted_zone(Id=manifest["dns"]["hosted_zone_id"])
    secrets = stack.client("secretsmanager")
    for arn in manifest["secrets"].values():
        assert secrets.describe_secret(SecretId=arn)["KmsKeyId"]
    for arn in manifest["certificates"].values():
        assert stack.client("acm").describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "ISSUED"
    dynamodb = stack.client("dynamodb")
    for table in manifest["dynamodb_tables"].values():
        assert dynamodb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"
    assert stack.client("apigateway").get_rest_api(restApiId=manifest["api"]["id"])
    alarms = stack.client("cloudwatch").describe_alarms(AlarmNames=manifest["monitoring"]["alarms"])
    assert len(alarms["MetricAlarms"]) == len(manifest["monitoring"]["alarms"])

    # The copy for runs on other nodes, the plan and its summary.
    copy = s3.get_object(Bucket=manifest["buckets"]["deployment"], Key="manifests/local/manifest.json")
    assert json.loads(copy["Body"].read()) == manifest
    summary = (deployed["output"] / "terraform" / "plan-summary.txt").read_text()
    assert summary.startswith("Plan: 180 to add, 0 to change, 0 to destroy")
    assert '  +   create   module.buckets["frontend"].terraform_data.converge' in summary.splitlines()


def test_a_second_run_changes_nothing(stack, deployed):
    run = stack.playbook("deploy.yml", extra_vars=deployed["overrides"]).assert_ok()
    assert run.changed == 0
    assert "Plan: 0 to add, 0 to change, 0 to destroy" in run.output


def test_check_mode_with_diff_changes_nothing(stack, deployed):
    before = (deployed["output"] / "manifest.json").read_text()
    run = stack.playbook("deploy.yml", extra_vars=deployed["overrides"], check=True, diff=True).assert_ok()
    assert run.changed == 0
    assert (deployed["output"] / "manifest.json").read_text() == before


def test_a_phase_runs_alone_by_tag(stack, deployed):
    run = stack.playbook("deploy.yml", "--tags", "backend", extra_vars=deployed["overrides"]).assert_ok()
    table = phase_table(run.output)
    assert table["infrastructure"] == "skipped"
    assert table["backend"] == "empty"
    assert "Plan the infrastructure" not in run.output


def test_terraform_destroy_removes_everything(stack, deployed):
    manifest = json.loads((deployed["output"] / "manifest.json").read_text())
    info = stack.info
    run = stack.playbook(
        REPO_ROOT / "tests" / "integration" / "targets" / "terraform_destroy.yml",
        extra_vars={
            "project": str(INFRA),
            "work": str(deployed["output"] / "terraform"),
            "backend": {
                "bucket": info["terraform_state_bucket"], "key": "trading-app/local/terraform.tfstate",
                "region": info["aws_region"], "dynamodb_table": info["terraform_lock_table"],
                "use_path_style": True, "skip_credentials_validation": True,
                "skip_requesting_account_id": True, "skip_metadata_api_check": True,
                "skip_region_validation": True,
                "endpoints": {"s3": info["aws_endpoint_url"], "dynamodb": info["aws_endpoint_url"]},
            },
            "variables": {
                "environment": "local", "region": "us-east-1",
                "domain": "local.acinaces.test", "api_domain": "api.local.acinaces.test",
            },
            "aws_environment": stack.stack.environment(),
        },
    )
    run.assert_ok()
    names = {function["function_name"] for function in manifest["functions"].values()}
    remaining = {function["FunctionName"] for function in stack.client("lambda").list_functions()["Functions"]}
    assert not names & remaining
    buckets = {bucket["Name"] for bucket in stack.client("s3").list_buckets()["Buckets"]}
    assert not set(manifest["buckets"].values()) & buckets
    assert stack.client("cloudfront").list_distributions()["DistributionList"].get("Quantity", 0) == 0
    zones = {zone["Name"] for zone in stack.client("route53").list_hosted_zones()["HostedZones"]}
    assert manifest["dns"]["hosted_zone_name"] + "." not in zones
    tables = set(stack.client("dynamodb").list_tables()["TableNames"])
    assert not set(manifest["dynamodb_tables"].values()) & tables
    secrets = {secret["ARN"] for secret in stack.client("secretsmanager").list_secrets()["SecretList"]}
    assert not set(manifest["secrets"].values()) & secrets


def test_check_mode_on_a_fresh_environment_plans_everything_and_creates_nothing(stack, tmp_path):
    info = stack.info
    extra = {
        "deploy_environment": "preview",
        "deploy_output_dir": str(tmp_path),
        "terraform_variables": {
            "environment": "preview", "region": "us-east-1",
            "domain": "preview.acinaces.test", "api_domain": "api.preview.acinaces.test",
        },
        "terraform_backend_config": {
            "bucket": info["terraform_state_bucket"], "key": "tests/preview.tfstate",
            "region": info["aws_region"], "dynamodb_table": info["terraform_lock_table"],
            "use_path_style": True, "skip_credentials_validation": True, "skip_requesting_account_id": True,
            "skip_metadata_api_check": True, "skip_region_validation": True,
            "endpoints": {"s3": info["aws_endpoint_url"], "dynamodb": info["aws_endpoint_url"]},
        },
    }
    run = stack.playbook("deploy.yml", extra_vars=extra, check=True).assert_ok()
    assert "Plan: 180 to add, 0 to change, 0 to destroy" in run.output
    assert "so the manifest is captured" in run.output
    assert run.changed == 2  # the output folder to create, and the plan with changes to apply
    functions = [f["FunctionName"] for f in stack.client("lambda").list_functions()["Functions"]]
    assert not [name for name in functions if name.startswith("acinaces-preview-")]
    buckets = [b["Name"] for b in stack.client("s3").list_buckets()["Buckets"]]
    assert not [name for name in buckets if name.startswith("acinaces-preview-")]
    assert not (tmp_path / "manifest.json").exists()
    assert not (tmp_path / "terraform" / "infrastructure.tfplan").exists()
