"""deploy.yml on the local environment: the demo path with the example app's infrastructure,
a second run that changes nothing, check mode, tags, and the Terraform destroy."""

import hashlib
import json
import shutil

import pytest

from conftest import REPO_ROOT
from local_stack import LOCAL_DOMAIN, edge_request
from local_stack import dns_query, edge_request
from ansible_collections.acinaces.deploy.plugins.module_utils import _s3_headers as header_rules

INFRA = REPO_ROOT / "examples" / "trading-app" / "infra"
FRONTEND = REPO_ROOT / "examples" / "trading-app" / "frontend"
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
def stack(own_stack):
    """These tests deploy the `local` environment: a stack of their own keeps them apart."""
    return own_stack


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
        "infrastructure": "ok", "backend": "ok", "secrets": "ok",
        "frontend": "ok", "validation": "ok", "docs": "ok",
    }
    manifest = json.loads((deployed["output"] / "manifest.json").read_text())
    assert manifest["environment"] == "local" and manifest["manifest_version"] == 1
    # The full deployment validates green: every group ran and no check failed.
    report = json.loads((deployed["output"] / "validation" / "report.json").read_text())
    assert report["status"] == "passed", [c for c in report["checks"] if c["status"] == "failed"]
    assert set(report["groups"]) == {"dns", "tls", "api", "data_stores", "frontend", "smoke", "monitoring"}

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
    # 180 on AWS; locally the stack's certificate is used, none requested (4 modules fewer),
    # and an SQS queue audits the alerts topic (3 resources more).
    assert summary.startswith("Plan: 171 to add, 0 to change, 0 to destroy")
    assert '  +   create   module.buckets["frontend"].terraform_data.converge' in summary.splitlines()


def test_the_backend_is_released_as_the_manifest_prescribes(stack, deployed):
    manifest = json.loads((deployed["output"] / "manifest.json").read_text())
    lam = stack.client("lambda")
    for logical, function in manifest["functions"].items():
        served = lam.get_function_configuration(FunctionName=function["function_name"], Qualifier=function["alias"])
        assert served["Version"] != "1", logical  # no longer the placeholder
        environment = served["Environment"]["Variables"]
        assert environment["ACINACES_ENVIRONMENT"] == "local"
        assert json.loads(environment["SECRET_ARNS"]) == {name: manifest["secrets"][name] for name in function["secrets"]}
        assert environment["AWS_ENDPOINT_URL"] == stack.info["aws_endpoint_url"]
    records = sorted((deployed["output"] / "releases").glob("*.json"))
    assert len(records) == 1
    record = json.loads(records[0].read_text())
    assert record["kind"] == "deploy" and set(record["functions"]) == set(manifest["functions"])
    assert all(entry["previous_version"] == "1" and entry["changed"] for entry in record["functions"].values())
    assert len(record["git_revision"]) == 40
    copy = stack.client("s3").get_object(
        Bucket=manifest["buckets"]["deployment"], Key="releases/local/%s.json" % record["id"])
    assert json.loads(copy["Body"].read()) == record


def bucket_objects(stack, bucket):
    s3 = stack.client("s3")
    keys = [item["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for item in page.get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key) for key in keys}


def source_of(key, export):
    """The export file a key was published from (a clean URL is its page)."""
    return key if (export / key).is_file() else key + ".html"


def test_every_frontend_object_has_the_headers_of_the_rules(stack, deployed):
    manifest = json.loads((deployed["output"] / "manifest.json").read_text())
    export = FRONTEND / "out"
    objects = bucket_objects(stack, manifest["buckets"]["frontend"])
    exported = {str(path.relative_to(export)) for path in export.rglob("*") if path.is_file()}
    assert exported <= set(objects)
    assert "strategies" in objects and "audit" in objects  # pages under their clean URLs
    rules = header_rules.compile_rules([])
    for key, response in objects.items():
        source = source_of(key, export)
        expected = header_rules.headers_for(source, rules)
        assert response["ContentType"] == expected["content_type"], key
        assert response["CacheControl"] == expected["cache_control"], key
        body = response["Body"].read()
        assert body == (export / source).read_bytes(), key
        assert response["Metadata"]["sha256"] == hashlib.sha256(body).hexdigest(), key
    config = (FRONTEND / ".env.production.local").read_text()
    assert "NEXT_PUBLIC_API_URL=https://%s\n" % manifest["api"]["domain"] in config
    assert "NEXT_PUBLIC_FEATURE_LIVE_TRADING=false" in config


def test_the_local_edge_serves_the_deployed_environment(stack, deployed):
    """The domains resolve through the stack's DNS to its edge, which serves the export and the
    API with the certificate CloudFront and the API domain of local AWS name."""
    manifest = json.loads((deployed["output"] / "manifest.json").read_text())
    info = stack.stack.describe()
    arn = info["tls"]["certificate_arn"]
    assert manifest["certificates"] == {"frontend": arn, "api": arn}
    distribution = stack.client("cloudfront").get_distribution(Id=manifest["cloudfront"]["distribution_id"])
    assert distribution["Distribution"]["DistributionConfig"]["ViewerCertificate"]["ACMCertificateArn"] == arn
    assert stack.client("apigateway").get_domain_name(domainName=manifest["api"]["domain"])["regionalCertificateArn"] == arn
    assert manifest["redis"]["endpoint"] == info["redis_endpoint"]
    for name in (manifest["dns"]["frontend_domain"], manifest["api"]["domain"]):
        assert dns_query(name, info["dns"]["port"]) == ("NOERROR", [info["edge"]["address"]]), name
    port, ca = info["edge"]["https_port"], info["tls"]["ca"]
    status, headers, body = edge_request(port, manifest["dns"]["frontend_domain"], "/", ca_file=ca)
    index = s3_object(stack, manifest["buckets"]["frontend"], "index.html")
    assert (status, body) == (200, (FRONTEND / "out" / "index.html").read_bytes())
    assert headers["Content-Type"] == index["ContentType"] and headers["Cache-Control"] == index["CacheControl"]
    status, headers, body = edge_request(port, manifest["api"]["domain"], "/health", ca_file=ca)
    assert status == 200 and json.loads(body)["checks"]["redis"] == "ok"


def s3_object(stack, bucket, key):
    return stack.client("s3").get_object(Bucket=bucket, Key=key)


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
    assert table == {
        "infrastructure": "skipped", "backend": "ok", "secrets": "skipped",
        "frontend": "skipped", "validation": "skipped", "docs": "skipped",
    }
    assert run.changed == 0
    assert "Plan the infrastructure" not in run.output and "Publish the export" not in run.output


def test_rollback_of_the_backend_serves_the_previous_versions_and_twice_is_safe(stack, deployed):
    manifest = json.loads((deployed["output"] / "manifest.json").read_text())
    lam = stack.client("lambda")
    serving = {
        logical: lam.get_function_configuration(FunctionName=function["function_name"], Qualifier="live")["CodeSha256"]
        for logical, function in manifest["functions"].items()
    }
    # The release before the first deploy is the infrastructure's placeholder (answers 503 "not
    # deployed"), which the validation after a rollback would rightly fail: it is skipped here
    # (test_validation.py rolls back to a real release and validates it).
    no_validation = dict(deployed["overrides"], component="backend", rollback_validate=False)
    run = stack.playbook("rollback.yml", extra_vars=no_validation).assert_ok()
    table = phase_table(run.output)
    assert (table["backend"], table["frontend"]) == ("ok", "skipped")
    for logical, function in manifest["functions"].items():
        assert lam.get_alias(FunctionName=function["function_name"], Name="live")["FunctionVersion"] == "1", logical
    rollback_records = [
        json.loads(path.read_text()) for path in (deployed["output"] / "releases").glob("*.json")
        if json.loads(path.read_text())["kind"] == "rollback"
    ]
    assert len(rollback_records) == 1
    assert {entry["new_version"] for entry in rollback_records[0]["functions"].values()} == {"1"}

    again = stack.playbook("rollback.yml", extra_vars=no_validation).assert_ok()
    assert again.changed == 0

    # Deploying again serves the release's code once more.
    redeploy = stack.playbook("deploy.yml", "--tags", "backend", extra_vars=deployed["overrides"]).assert_ok()
    assert redeploy.changed > 0
    for logical, function in manifest["functions"].items():
        served = lam.get_function_configuration(FunctionName=function["function_name"], Qualifier="live")
        assert served["Version"] != "1" and served["CodeSha256"] == serving[logical], logical


def test_one_changed_page_is_published_alone_and_rolled_back_byte_for_byte(stack, deployed, tmp_path):
    manifest = json.loads((deployed["output"] / "manifest.json").read_text())
    bucket = manifest["buckets"]["frontend"]
    before = {key: response["Body"].read() for key, response in bucket_objects(stack, bucket).items()}
    source = tmp_path / "frontend"
    shutil.copytree(FRONTEND, source, ignore=shutil.ignore_patterns("node_modules", ".next", "out", ".env*.local"))
    view = source / "app" / "audit" / "AuditView.tsx"
    view.write_text(view.read_text().replace("Audit log", "Audit trail", 1))
    assert "Audit trail" in view.read_text()

    run = stack.playbook("deploy.yml", "--tags", "frontend",
                         extra_vars=dict(deployed["overrides"], frontend_source_dir=str(source))).assert_ok()
    records = [json.loads(path.read_text()) for path in sorted((deployed["output"] / "releases").glob("*.json"))]
    published = [record for record in records if record.get("frontend", {}).get("uploaded")][-1]
    uploaded = sorted(entry["key"] for entry in published["frontend"]["uploaded"])
    pages = [key for key in uploaded if not key.startswith("_next/static/")]
    assert sorted(pages) == ["audit", "audit.html", "audit.txt", "audit/__next._full.txt", "audit/__next.audit.__PAGE__.txt"]
    assert len(uploaded) - len(pages) == 1  # the page's own chunk, under a new name
    assert all(entry["previous_version_id"] for entry in published["frontend"]["uploaded"] if entry["key"] in pages)
    assert len(published["frontend"]["invalidations"]) == 1
    invalidation = stack.client("cloudfront").get_invalidation(
        DistributionId=manifest["cloudfront"]["distribution_id"], Id=published["frontend"]["invalidations"][0])
    paths = invalidation["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]
    assert "/audit" in paths and "/audit.html" in paths and not any(path.startswith("/_next/static") for path in paths)
    assert b"Audit trail" in stack.client("s3").get_object(Bucket=bucket, Key="audit.html")["Body"].read()
    assert "1 uploaded" not in run.output

    rollback = stack.playbook("rollback.yml", extra_vars=dict(deployed["overrides"], component="frontend")).assert_ok()
    assert rollback.changed > 0
    after = {key: response["Body"].read() for key, response in bucket_objects(stack, bucket).items()}
    assert after == before
    # The edge serves the previous page again, and the rollback's own validation (frontend) passed.
    status, dummy, body = edge_request(stack.info["edge"]["https_port"], LOCAL_DOMAIN, "/audit.html",
                                       ca_file=stack.info["tls"]["ca"], timeout=20)
    assert status == 200 and body == before["audit.html"]
    reports = list((deployed["output"] / "rollbacks").glob("*/validation/report.json"))
    frontend_report = [json.loads(path.read_text()) for path in reports]
    assert [report["status"] for report in frontend_report if list(report["groups"]) == ["frontend"]] == ["passed"]
    again = stack.playbook("rollback.yml", extra_vars=dict(deployed["overrides"], component="frontend")).assert_ok()
    assert again.changed == 0


def test_rollback_without_a_previous_release_fails_clearly(stack, deployed, tmp_path):
    (tmp_path / "manifest.json").write_text((deployed["output"] / "manifest.json").read_text())
    extra = {"deploy_output_dir": str(tmp_path), "deploy_environment": "norelease", "component": "backend"}
    run = stack.playbook("rollback.yml", extra_vars=extra)
    assert run.rc != 0
    assert "There is no previous release of the backend to roll back to" in run.output
    assert "Traceback" not in run.output


def test_a_stage_without_a_manifest_says_what_to_run(stack, tmp_path):
    run = stack.playbook("rollback.yml", extra_vars={"deploy_output_dir": str(tmp_path), "deploy_environment": "nowhere"})
    assert run.rc != 0
    assert "There is no manifest for nowhere" in run.output
    assert "ansible-playbook deploy.yml --tags infrastructure" in run.output


def test_an_environment_requiring_approval_changes_no_function_without_it(stack, deployed):
    manifest = json.loads((deployed["output"] / "manifest.json").read_text())
    lam = stack.client("lambda")

    def served():
        return {
            logical: lam.get_alias(FunctionName=function["function_name"], Name="live")["FunctionVersion"]
            for logical, function in manifest["functions"].items()
        }

    before = served()
    # The infrastructure has nothing to change: the backend's change is the first, and is gated.
    gated = dict(
        deployed["overrides"], deploy_require_manual_approval=True,
        deploy_function_environment={
            "AWS_ENDPOINT_URL": stack.info["aws_endpoint_url"], "ALLOWED_ORIGIN": "https://local.acinaces.test",
            "APPROVAL_PROBE": "1",
        },
    )
    refused = stack.playbook("deploy.yml", "--tags", "infrastructure,backend", extra_vars=gated)
    assert refused.rc != 0
    assert "Not approved: local requires a manual approval before its backend changes" in refused.output
    assert "Nothing was changed" in refused.output
    assert served() == before

    approved = stack.playbook("deploy.yml", "--tags", "backend", extra_vars=dict(gated, approve="carol")).assert_ok()
    assert "Not approved" not in approved.output
    after = served()
    assert all(after[logical] != before[logical] for logical in before)
    approval = json.loads((deployed["output"] / "approval.json").read_text())
    assert approval["approver"] == "carol" and approval["method"] == "variable" and approval["scope"] == "its backend"
    record = json.loads((deployed["output"] / "releases" / ("%s.json" % approval["release_id"])).read_text())
    assert record["approval"]["approver"] == "carol"

    # Nothing left to change: nothing to approve.
    stack.playbook("deploy.yml", "--tags", "backend", extra_vars=gated).assert_ok()


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
                "existing_certificate_arns": manifest["certificates"], "redis_endpoint": info["redis_endpoint"],
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
    # The stack's certificate is not the infrastructure's to delete; its names stop resolving
    # at the next DNS sync.
    acm = stack.client("acm")
    assert acm.describe_certificate(CertificateArn=manifest["certificates"]["api"])["Certificate"]["Status"] == "ISSUED"
    assert stack.stack.sync_dns() == []
    assert dns_query(manifest["api"]["domain"], stack.info["dns"]["port"])[0] == "NXDOMAIN"


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
