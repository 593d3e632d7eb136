"""The docs phase: a deployed local environment (credentials from an encrypted vault, one of them
planted in a function's environment under an innocent name), then the three Markdown files: every
endpoint named, no secret value anywhere, stable on a re-run, nothing written in check mode, and
the readiness checklist ticked from a validation report in the contract's format."""

import json
import random
import re
import shutil
import string

import pytest

from conftest import encrypted_vault

RANDOM = random.Random(20261123)
ALNUM = string.ascii_letters + string.digits


def text(alphabet, length):
    return "".join(RANDOM.choice(alphabet) for dummy in range(length))


# Clearly fake values that fit their providers' rules.
VAULT = {
    "binance": {"api_key": text(ALNUM, 64), "api_secret": text(ALNUM, 64)},
    "bybit": {"api_key": text(ALNUM, 18), "api_secret": text(ALNUM, 36)},
    "openai": {"api_key": "sk-proj-" + text(ALNUM, 48)},
}
SECRET_VALUES = [value for fields in VAULT.values() for value in fields.values()]
DOCS = ("deployment-summary.md", "runbook.md", "readiness-checklist.md")


@pytest.fixture(scope="module")
def stack(own_stack):
    """These tests deploy the `local` environment: a stack of their own."""
    return own_stack


@pytest.fixture(scope="module")
def environment(stack, tmp_path_factory):
    """The local environment deployed once, with the vault's credentials stored, and its docs."""
    output = tmp_path_factory.mktemp("deployment")
    vault, password = encrypted_vault(tmp_path_factory.mktemp("vault"), VAULT)
    extra = {
        "deploy_output_dir": str(output),
        "skip_tests": True,
        # A credential that leaked into a function's configuration under a name that does not
        # look secret, and one under a secret-like name: both must be masked in the docs.
        "deploy_function_environment": {
            "AWS_ENDPOINT_URL": "{{ deploy_aws_endpoint_url }}",
            "ALLOWED_ORIGIN": "https://{{ deploy_domain }}",
            "PARTNER_HINT": VAULT["bybit"]["api_key"],
            "EXCHANGE_API_KEY": VAULT["binance"]["api_key"],
        },
    }
    args = ["--vault-id", "local@%s" % password, "-e", "@%s" % vault]
    run = stack.playbook("deploy.yml", *args, extra_vars=extra).assert_ok()
    return {
        "output": output, "extra": extra, "args": args, "run": run,
        "manifest": json.loads((output / "manifest.json").read_text()),
    }


def read_docs(environment, folder=None):
    folder = folder or environment["output"] / "docs"
    return {name: (folder / name).read_text() for name in DOCS}


def latest_record(environment):
    records = sorted((environment["output"] / "releases").glob("*.json"))
    return json.loads(records[-1].read_text())


def docs_run(stack, environment, *extra_args, check=False, **extra_vars):
    return stack.playbook("deploy.yml", "--tags", "docs", *environment["args"], *extra_args,
                          extra_vars=dict(environment["extra"], **extra_vars), check=check)


def test_the_deploy_writes_the_three_docs(environment):
    assert "docs            ok" in environment["run"].output
    assert sorted(path.name for path in (environment["output"] / "docs").iterdir()) == sorted(DOCS)


def test_the_summary_names_every_endpoint_the_release_and_each_live_version(stack, environment):
    summary = read_docs(environment)["deployment-summary.md"]
    manifest = environment["manifest"]
    for endpoint in (manifest["api"]["endpoint"], "https://" + manifest["api"]["domain"],
                     "https://" + manifest["dns"]["frontend_domain"], "https://" + manifest["cloudfront"]["domain_name"],
                     manifest["cloudfront"]["distribution_id"], manifest["api"].get("domain_target", "")):
        assert endpoint in summary
    record = latest_record(environment)
    assert "`%s`" % record["id"] in summary
    assert "| Released at | %s |" % record["time"] in summary
    assert "`%s`" % record["git_revision"] in summary
    records = [json.loads(path.read_text()) for path in sorted((environment["output"] / "releases").glob("*.json"))]
    lam = stack.client("lambda")
    for logical, function in manifest["functions"].items():
        assert "https://%s%s" % (manifest["api"]["domain"], function["route"]) in summary
        live = lam.get_alias(FunctionName=function["function_name"], Name="live")["FunctionVersion"]
        row = re.search(r"^\| `%s` \| `live` \| (\S+) \| `([^`]+)`" % re.escape(function["function_name"]), summary, re.MULTILINE)
        assert row, function["function_name"]
        assert row.group(1) == live
        putting_live = [r["id"] for r in records if ((r.get("functions") or {}).get(logical) or {}).get("new_version") == live]
        assert row.group(2) == putting_live[-1]


def test_every_configured_variable_is_listed_with_secrets_masked(stack, environment):
    summary = read_docs(environment)["deployment-summary.md"]
    lam = stack.client("lambda")
    for function in environment["manifest"]["functions"].values():
        variables = lam.get_function_configuration(FunctionName=function["function_name"], Qualifier="live")["Environment"]["Variables"]
        section = summary.split("#### ")[1:]
        block = next(part for part in section if "`%s:live`" % function["function_name"] in part)
        for name in variables:
            assert "| `%s` |" % name in block
        assert "| `PARTNER_HINT` | `********` |" in block
        assert "| `EXCHANGE_API_KEY` | `********` |" in block
        assert "| `TIMESTREAM_DATABASE` | `%s` |" % variables["TIMESTREAM_DATABASE"] in block


def test_no_secret_value_appears_in_any_generated_file(environment):
    for name, content in read_docs(environment).items():
        for value in SECRET_VALUES:
            assert value not in content, "a credential value is in %s" % name


def test_manual_steps_name_the_credentials_still_missing(environment):
    summary = read_docs(environment)["deployment-summary.md"]
    steps = summary.split("## Manual steps still required", 1)[1]
    missing = sorted(set(environment["manifest"]["secrets"]) - set(VAULT))
    assert "(%s)" % ", ".join(missing) in steps
    for name in VAULT:
        assert re.search(r"^\| %s \| `[^`]+` \| stored \|$" % name, summary, re.MULTILINE)
    assert "populate_secrets.yml -i inventories/local" in steps
    assert "Delegate the domain" not in steps  # dnsmasq answers the local zone


def test_the_runbook_uses_the_environments_real_names(stack, environment):
    runbook = read_docs(environment)["runbook.md"]
    manifest = environment["manifest"]
    assert manifest["cloudfront"]["distribution_id"] in runbook
    assert "`%s`" % manifest["buckets"]["frontend"] in runbook
    for logical, function in manifest["functions"].items():
        assert "lambda get-alias --function-name %s --name live" % function["function_name"] in runbook
        assert "logs tail %s --follow" % manifest["monitoring"]["log_groups"][logical] in runbook
    assert "ansible-playbook rollback.yml -i inventories/local -e component=backend" in runbook
    assert "ansible-playbook rollback.yml -i inventories/local -e component=frontend" in runbook
    assert "`%s`" % latest_record(environment)["id"] in runbook
    assert "aws --region us-east-1 --endpoint-url %s " % stack.info["aws_endpoint_url"] in runbook


def test_the_deploys_own_validation_ticks_every_measured_item(environment):
    checklist = read_docs(environment)["readiness-checklist.md"]
    assert checklist.count("- [x]") == 9
    assert "— validation not run" not in checklist and "— not measured" not in checklist
    assert "| Measured items | 9 ticked, 0 failed, 0 not measured |" in checklist


def test_without_a_report_every_measured_item_is_open(stack, environment, tmp_path):
    target = tmp_path / "docs"
    docs_run(stack, environment, docs_validation_report=str(tmp_path / "absent.json"), docs_output_dir=str(target)).assert_ok()
    checklist = (target / "readiness-checklist.md").read_text()
    assert "[x]" not in checklist
    assert checklist.count("— validation not run (") == 9


def test_a_rerun_with_nothing_changed_changes_nothing(stack, environment):
    before = read_docs(environment)
    run = docs_run(stack, environment).assert_ok()
    assert run.changed == 0, run.output[-3000:]
    assert read_docs(environment) == before


def test_check_mode_writes_nothing(stack, environment, tmp_path):
    target = tmp_path / "docs"
    run = docs_run(stack, environment, check=True, docs_output_dir=str(target)).assert_ok()
    assert run.changed > 0
    assert not target.exists()


REPORT_CHECKS = [
    ("dns", "api.local.acinaces.test resolves to the edge", "passed", None),
    ("dns", "local.acinaces.test resolves to the edge", "passed", None),
    ("tls", "certificate of api.local.acinaces.test valid for 30+ days", "failed", "certificate expires in 12 days"),
    ("frontend", "plain HTTP redirects to HTTPS", "passed", None),
    ("api", "GET /health answers 200", "passed", None),
    ("api", "GET /strategies answers 200", "passed", None),
    ("api", "p95 latency of /health within 500 ms", "failed", "p95 812 ms over the 500 ms threshold"),
    ("smoke", "paper trade round trip", "skipped", "smoke tests disabled"),
]


def write_report(path):
    checks = [{"group": group, "name": name, "status": status, "cause": cause or "", "duration_ms": 12.5, "details": {}}
              for group, name, status, cause in REPORT_CHECKS]
    groups = {}
    for check in checks:
        counts = groups.setdefault(check["group"], {"status": "passed", "passed": 0, "failed": 0, "skipped": 0})
        counts[check["status"]] += 1
        if check["status"] == "failed":
            counts["status"] = "failed"
    total = {status: sum(1 for check in checks if check["status"] == status) for status in ("passed", "failed", "skipped")}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "environment": "local", "run_id": "fixture", "started": "2026-11-22T10:00:00Z", "finished": "2026-11-22T10:00:09Z",
        "duration_ms": 9000.0, "status": "failed", "summary": dict(total, total=len(checks)), "groups": groups, "checks": checks,
    }))


def item(checklist, text_start):
    line = next((line for line in checklist.splitlines() if line.startswith("- [") and line[6:].startswith(text_start)), None)
    assert line, "no checklist item starting with %r" % text_start
    return line


def test_the_checklist_ticks_measured_items_from_the_report(stack, environment):
    report = environment["output"] / "validation" / "report.json"
    write_report(report)
    # The approval record the gate keeps where an environment requires approval.
    approval = environment["output"] / "approval.json"
    approval.write_text(json.dumps({"approver": "Ada Lovelace", "method": "variable", "time": "2026-11-22T09:00:00Z",
                                    "plan_sha256": "ab" * 32, "summary": {"add": 0, "change": 1, "destroy": 0}}))
    try:
        run = docs_run(stack, environment).assert_ok()
        assert run.changed == 1  # one template task
        checklist = read_docs(environment)["readiness-checklist.md"]
    finally:
        shutil.rmtree(report.parent)
        approval.unlink()
    assert "approved by **Ada Lovelace** (variable)\non 2026-11-22T09:00:00Z" in checklist
    assert item(checklist, "The frontend and API domains resolve").startswith("- [x]")
    assert "measured: 2 dns checks passed" in item(checklist, "The frontend and API domains resolve")
    assert item(checklist, "The certificates are valid").startswith("- [ ]")
    assert "failed: 1 of 1 tls checks" in item(checklist, "The certificates are valid")
    assert "certificate expires in 12 days" in checklist
    assert item(checklist, "Plain HTTP redirects to HTTPS").startswith("- [x]")
    assert item(checklist, "The frontend is served").startswith("- [x]")
    assert item(checklist, "Every API route answers").startswith("- [x]")
    assert "measured: 2 api checks passed" in item(checklist, "Every API route answers")
    assert item(checklist, "API latency stays").startswith("- [ ]")
    assert "p95 812 ms over the 500 ms threshold" in checklist
    assert item(checklist, "DynamoDB tables, Redis").endswith("— not measured (no data_stores check ran)")
    assert item(checklist, "An end-to-end trading flow").endswith("— not measured (1 smoke checks skipped)")
    assert item(checklist, "A rollback was rehearsed").endswith("— confirm by hand")
    assert "| Measured items | 4 ticked, 2 failed, 3 not measured |" in checklist
    summary = read_docs(environment)["deployment-summary.md"]
    assert "| Validation | failed: 5 passed, 2 failed, 1 skipped |" in summary
    assert "| Approval | approved by Ada Lovelace (variable) at 2026-11-22T09:00:00Z |" in summary
