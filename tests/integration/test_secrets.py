"""Credentials into Secrets Manager: the vault path, hidden prompts in a real terminal, no
terminal, idempotence, the function refresh through the health endpoint, and no leak anywhere."""

import json
import random
import re
import string
import urllib.request
from pathlib import Path

import pexpect
import pytest

from conftest import REPO_ROOT, VENV_BIN, encrypted_vault

RANDOM = random.Random(20261122)
ALNUM = string.ascii_letters + string.digits


def text(alphabet, length):
    return "".join(RANDOM.choice(alphabet) for dummy in range(length))


# Clearly fake values that fit their providers' rules.
VAULT = {
    "binance": {"api_key": text(ALNUM, 64), "api_secret": text(ALNUM, 64)},
    "bybit": {"api_key": text(ALNUM, 18), "api_secret": text(ALNUM, 36)},
    "deepseek": {"api_key": "sk-" + text("0123456789abcdef", 32)},
}
TYPED_BINANCE = {"api_key": text(ALNUM, 64), "api_secret": text(ALNUM, 64)}
TYPED_KRAKEN_KEY = text(ALNUM, 56)
TYPED_OKX_KEY = "not-a-uuid-" + text(ALNUM, 20)


@pytest.fixture(scope="module")
def stack(own_stack):
    """These tests deploy the `local` environment: a stack of their own."""
    return own_stack


@pytest.fixture(scope="module")
def environment(stack, tmp_path_factory):
    """The local environment with its infrastructure and backend, and an encrypted vault."""
    output = tmp_path_factory.mktemp("deployment")
    stack.playbook("deploy.yml", "--tags", "infrastructure,backend", extra_vars={"deploy_output_dir": str(output)}).assert_ok()
    vault, password = encrypted_vault(tmp_path_factory.mktemp("vault"), VAULT)
    manifest = json.loads((output / "manifest.json").read_text())
    return {"output": output, "vault": vault, "password": password, "manifest": manifest}


def summary(output):
    """outcome -> names, from the summary the secrets phase prints (wrapped lines joined)."""
    flat = " ".join(output.split())
    found = {}
    for outcome, names in re.findall(r"'?(stored|unchanged|skipped|rejected): ([a-z, ]+?)'?(?= -|$| [A-Z])", flat):
        found[outcome] = set() if names.strip() == "none" else {name.strip() for name in names.split(",") if name.strip()}
    return found


def vault_args(environment):
    return ["--vault-id", "local@%s" % environment["password"], "-e", "@%s" % environment["vault"]]


def versions(stack, manifest):
    client = stack.client("secretsmanager")
    return {name: len(client.list_secret_version_ids(SecretId=arn)["Versions"]) for name, arn in manifest["secrets"].items()}


def stored_value(stack, arn):
    return json.loads(stack.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])


def health(stack):
    with urllib.request.urlopen(stack.stack.describe()["api_runtime_url"] + "/health", timeout=10) as response:
        return json.loads(response.read())


def test_the_vault_path_stores_checks_and_refreshes(stack, environment):
    manifest = environment["manifest"]
    lam = stack.client("lambda")
    before = {logical: lam.get_alias(FunctionName=f["function_name"], Name="live")["FunctionVersion"]
              for logical, f in manifest["functions"].items()}
    run = stack.playbook("populate_secrets.yml", *vault_args(environment),
                         extra_vars={"deploy_output_dir": str(environment["output"])}).assert_ok()
    outcomes = summary(run.output)
    assert outcomes["stored"] == set(VAULT)
    assert outcomes["skipped"] == {"bison", "bsdex", "coinbase", "finoa", "gemini", "kraken", "okx", "openai"}
    assert outcomes["rejected"] == set()
    for name, values in VAULT.items():
        assert stored_value(stack, manifest["secrets"][name]) == dict(values, provider=name)
        kms = stack.client("secretsmanager").describe_secret(SecretId=manifest["secrets"][name])["KmsKeyId"]
        assert kms.rsplit("/", 1)[-1] == manifest["kms"]["key_arn"].rsplit("/", 1)[-1]
    # Exactly the functions reading a changed secret were republished.
    after = {logical: lam.get_alias(FunctionName=f["function_name"], Name="live")["FunctionVersion"]
             for logical, f in manifest["functions"].items()}
    moved = {logical for logical in before if before[logical] != after[logical]}
    assert moved == {logical for logical, f in manifest["functions"].items() if set(f["secrets"]) & set(VAULT)}
    report = health(stack)
    assert {name: report["secrets"][name] for name in VAULT} == {name: "readable" for name in VAULT}
    assert report["secrets"]["okx"] == "empty"


def test_a_second_run_makes_no_new_version(stack, environment):
    manifest = environment["manifest"]
    counted = versions(stack, manifest)
    run = stack.playbook("populate_secrets.yml", *vault_args(environment),
                         extra_vars={"deploy_output_dir": str(environment["output"])}).assert_ok()
    assert run.changed == 0
    assert summary(run.output)["unchanged"] == set(VAULT)
    assert versions(stack, manifest) == counted


def test_without_a_terminal_nothing_is_asked_and_nothing_stored(stack, environment):
    manifest = environment["manifest"]
    counted = versions(stack, manifest)
    run = stack.playbook("populate_secrets.yml", extra_vars={
        "deploy_output_dir": str(environment["output"]), "secrets_prompt": True, "vault_credentials": {"okx": {
            "api_key": "None", "api_secret": "None", "passphrase": "None"}},
    }).assert_ok()
    assert "not interactive" in run.output
    assert "Type the field" not in run.output
    outcomes = summary(run.output)
    assert outcomes["stored"] == set() and "okx" in outcomes["skipped"]
    assert versions(stack, manifest) == counted
    assert versions(stack, manifest)["okx"] == 0


def test_hidden_prompts_skip_mismatch_and_reject(stack, environment, tmp_path):
    """Binance typed twice (stored), Coinbase skipped, Kraken typed differently the second time,
    OKX with a key that is not a UUID (rejected), the rest skipped."""
    manifest = environment["manifest"]
    counted = versions(stack, manifest)
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps({"deploy_output_dir": str(environment["output"]), "secrets_prompt": True}))
    child = pexpect.spawn(
        str(VENV_BIN / "ansible-playbook"), ["populate_secrets.yml", "-i", "inventories/local", "-e", "@%s" % extra],
        cwd=str(REPO_ROOT), env=stack.env(), encoding="utf-8", timeout=120,
    )
    transcript = []
    child.logfile_read = TranscriptWriter(transcript)

    def answer(prompt, value):
        child.expect(prompt)
        child.sendline(value)

    answer("Press Enter to start", "")
    answer("Binance api_key", TYPED_BINANCE["api_key"])
    answer("Binance api_key again", TYPED_BINANCE["api_key"])
    answer("Binance api_secret", TYPED_BINANCE["api_secret"])
    answer("Binance api_secret again", TYPED_BINANCE["api_secret"])
    answer("Coinbase api_key", "")
    answer("Kraken api_key", TYPED_KRAKEN_KEY)
    answer("Kraken api_key again", TYPED_KRAKEN_KEY[:-1] + "Q")
    answer("OKX api_key", TYPED_OKX_KEY)
    answer("OKX api_key again", TYPED_OKX_KEY)
    okx_secret, okx_passphrase = text("0123456789ABCDEF", 32), text(ALNUM, 12)
    answer("OKX api_secret", okx_secret)
    answer("OKX api_secret again", okx_secret)
    answer("OKX passphrase", okx_passphrase)
    answer("OKX passphrase again", okx_passphrase)
    # This run takes no vault: every other credential is asked for, and skipped.
    for name in ("BSDEX", "BISON", "FINOA", "Bybit", "Google Gemini", "OpenAI", "DeepSeek"):
        answer("%s api_key" % name, "")
    child.expect(pexpect.EOF)
    child.close()
    output = "".join(transcript)
    assert child.exitstatus != 0, output[-3000:]
    outcomes = summary(output)
    assert outcomes["stored"] == {"binance"}
    assert outcomes["rejected"] == {"okx"}
    assert outcomes["skipped"] == {"bison", "bsdex", "bybit", "coinbase", "deepseek", "finoa", "gemini", "kraken", "openai"}
    assert "unconfirmed (typed twice differently, not stored): kraken" in " ".join(output.split())
    assert "okx.api_key: must be" in output
    for secret in [TYPED_BINANCE["api_key"], TYPED_BINANCE["api_secret"], TYPED_KRAKEN_KEY, TYPED_OKX_KEY]:
        assert secret not in output  # never echoed, never printed
    assert stored_value(stack, manifest["secrets"]["binance"]) == dict(TYPED_BINANCE, provider="binance")
    now = versions(stack, manifest)
    assert now["binance"] == counted["binance"] + 1
    assert now["kraken"] == counted["kraken"] and now["okx"] == counted["okx"]


class TranscriptWriter:
    def __init__(self, lines):
        self.lines = lines

    def write(self, data):
        self.lines.append(data)

    def flush(self):
        pass


def test_nothing_secret_leaks_at_vvv_with_diff(stack, environment):
    """A full deploy at -vvv --diff with the vault, then every test value is searched for in the
    output, the stack's logs, the output folder, the frontend config and the deployment bucket."""
    run = stack.playbook("deploy.yml", "-vvv", "--diff", *vault_args(environment),
                         extra_vars={"deploy_output_dir": str(environment["output"])})
    run.assert_ok()
    values = [value for credential in VAULT.values() for value in credential.values()]
    values += list(TYPED_BINANCE.values()) + [TYPED_KRAKEN_KEY]
    needles = values + [value[:16] for value in values if len(value) > 24]
    places = {"output": run.output}
    roots = [environment["output"], Path(stack.stack.state_dir), REPO_ROOT / "examples" / "trading-app" / "frontend" / ".env.production.local"]
    for root in roots:
        files = [root] if root.is_file() else [path for path in root.rglob("*") if path.is_file()]
        for path in files:
            places[str(path)] = path.read_bytes().decode("utf-8", "replace")
    s3 = stack.client("s3")
    bucket = environment["manifest"]["buckets"]["deployment"]
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            if not item["Key"].endswith(".zip"):
                places["s3://%s/%s" % (bucket, item["Key"])] = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode("utf-8", "replace")
    assert len(places) > 10
    hits = [(where, needle[:4] + "...") for where, content in places.items() for needle in needles if needle in content]
    assert hits == []
