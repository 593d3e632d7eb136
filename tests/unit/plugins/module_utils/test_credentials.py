"""The credential catalogue: every provider's rules, all-or-nothing credentials, no value ever shown."""

import base64
import json
import random
import string
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ansible_collections.acinaces.deploy.plugins.module_utils import _credentials as credentials
from ansible_collections.acinaces.deploy.plugins.module_utils._credentials import CredentialError

serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
ec = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ec")
ed25519 = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ed25519")
rsa = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.rsa")

REPO_ROOT = Path(__file__).resolve().parents[4]
TOOL = REPO_ROOT / "tools" / "secrets_template.py"
RNG = random.Random(20240611)
ALNUM = string.ascii_letters + string.digits
TOKEN = ALNUM + "-_"
HEX_LOWER = "0123456789abcdef"
# Printable ASCII a generic key may hold, without the characters of placeholder marks.
GENERIC = ALNUM + "+/=-_~!@#$^&()[]:;,?|"
EXPECTED_PROVIDERS = ["binance", "coinbase", "kraken", "okx", "bsdex", "bison", "finoa", "bybit", "gemini", "openai", "deepseek"]


def chars(alphabet, count):
    return "".join(RNG.choice(alphabet) for position in range(count))


def b64(size):
    return base64.b64encode(bytes(RNG.randrange(256) for position in range(size))).decode()


def a_uuid():
    return str(uuid.UUID(int=RNG.getrandbits(128), version=4))


def pem(key, fmt=None, encryption=None):
    fmt = fmt or serialization.PrivateFormat.PKCS8
    encryption = encryption or serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, fmt, encryption).decode()


# Real private keys made here (test keys of no account), in the formats providers accept.
EC_KEY = ec.generate_private_key(ec.SECP256R1())
ED25519_KEY = ed25519.Ed25519PrivateKey.generate()
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_PEM = pem(EC_KEY, serialization.PrivateFormat.TraditionalOpenSSL)
ED25519_PEM = pem(ED25519_KEY)
RSA_PEM = pem(RSA_KEY)
RSA_TRADITIONAL_PEM = pem(RSA_KEY, serialization.PrivateFormat.TraditionalOpenSSL)
ENCRYPTED_PEM = pem(ED25519_KEY, encryption=serialization.BestAvailableEncryption(b"test-password"))

# Valid values of every field, built to each provider's format from a fixed seed.
VALID = {
    "binance": {
        "api_key": [chars(ALNUM, 64)],
        "api_secret": [chars(ALNUM, 64), ED25519_PEM, RSA_PEM, RSA_TRADITIONAL_PEM, ED25519_PEM.rstrip("\n")],
    },
    "coinbase": {
        "api_key": ["organizations/%s/apiKeys/%s" % (a_uuid(), a_uuid()), a_uuid(), chars(ALNUM, 16)],
        "api_secret": [EC_PEM, b64(64), chars(ALNUM, 32)],
    },
    "kraken": {"api_key": [b64(42)], "api_secret": [b64(64)]},
    "okx": {
        "api_key": [a_uuid(), a_uuid().upper()],
        "api_secret": [chars("0123456789ABCDEF", 32)],
        "passphrase": ["Tr4de!ng#Key", chars(GENERIC, 6), chars(GENERIC, 64)],
    },
    "bsdex": {"api_key": [chars(GENERIC, 16), chars(GENERIC, 256)], "api_secret": [chars(GENERIC, 64), chars(ALNUM, 4096), EC_PEM]},
    "bison": {"api_key": [chars(ALNUM, 40)], "api_secret": [b64(48), RSA_PEM]},
    "finoa": {"api_key": [a_uuid()], "api_secret": [chars(HEX_LOWER, 64), ED25519_PEM]},
    "bybit": {"api_key": [chars(ALNUM, 18)], "api_secret": [chars(ALNUM, 36), RSA_PEM]},
    "gemini": {"api_key": ["AIza" + chars(TOKEN, 35), "AQ.Ab8RN6" + chars(TOKEN, 44)]},
    "openai": {
        "api_key": [
            "sk-" + chars(ALNUM, 48),
            "sk-proj-" + chars(TOKEN, 156),
            "sk-svcacct-" + chars(TOKEN, 120),
            "sk-admin-" + chars(TOKEN, 80),
        ],
    },
    "deepseek": {"api_key": ["sk-" + chars(HEX_LOWER, 32)]},
}

PEM_LINES = EC_PEM.splitlines()
# Values each field must refuse, with the rule (or the start of it) the problem names.
INVALID = [
    ("binance", "api_key", chars(ALNUM, 63), "must be 64 letters and digits"),
    ("binance", "api_key", chars(ALNUM, 65), "must be 64 letters and digits"),
    ("binance", "api_key", chars(ALNUM, 63) + "/", "must be 64 letters and digits"),
    ("binance", "api_secret", chars(ALNUM, 63) + "\u00e9", "must be 64 letters and digits"),
    ("binance", "api_secret", EC_PEM, "must be 64 letters and digits"),
    ("binance", "api_secret", ENCRYPTED_PEM, "must be 64 letters and digits"),
    ("binance", "api_secret", ED25519_PEM.replace("\n", "\\n"), "must be 64 letters and digits"),
    ("coinbase", "api_key", "organizations/org-1/apiKeys/key-1", "must be organizations/"),
    ("coinbase", "api_key", a_uuid()[:-1], "must be organizations/"),
    ("coinbase", "api_secret", "\n".join(PEM_LINES[:-1]) + "\n", "must be an EC private key PEM"),
    ("coinbase", "api_secret", "\n".join(PEM_LINES[:1] + PEM_LINES[2:]) + "\n", "must be an EC private key PEM"),
    ("coinbase", "api_secret", EC_PEM.replace("EC PRIVATE KEY", "PRIVATE KEY"), "must be an EC private key PEM"),
    ("coinbase", "api_secret", b64(63), "must be an EC private key PEM"),
    ("kraken", "api_key", b64(42)[:-1], "must be 56 base64 characters"),
    ("kraken", "api_key", b64(42)[:-1] + "-", "must be 56 base64 characters"),
    ("kraken", "api_secret", b64(63), "must be base64 of 64 bytes"),
    ("kraken", "api_secret", b64(65), "must be base64 of 64 bytes"),
    ("kraken", "api_secret", b64(64)[:-3] + "!==", "must be base64 of 64 bytes"),
    ("okx", "api_key", chars(HEX_LOWER, 32), "must be a UUID"),
    ("okx", "api_secret", chars(HEX_LOWER, 32), "must be 32 upper-case hex digits"),
    ("okx", "api_secret", chars("0123456789ABCDEF", 31), "must be 32 upper-case hex digits"),
    ("okx", "passphrase", "Ab1!x", "must be 6 to 64 printable ASCII"),
    ("okx", "passphrase", chars(GENERIC, 65), "must be 6 to 64 printable ASCII"),
    ("okx", "passphrase", "Tr4de ng#Key", credentials.RULE_WHITESPACE),
    ("bsdex", "api_key", chars(ALNUM, 15), "must be 16 to 256 printable ASCII"),
    ("bison", "api_key", chars(ALNUM, 257), "must be 16 to 256 printable ASCII"),
    ("finoa", "api_secret", chars(ALNUM, 4097), "must be 16 to 4096 printable ASCII"),
    ("finoa", "api_secret", chars(ALNUM, 20) + "\u200b" + chars(ALNUM, 20), "must be 16 to 4096 printable ASCII"),
    ("bybit", "api_key", chars(ALNUM, 17), "must be 18 letters and digits"),
    ("bybit", "api_secret", chars(ALNUM, 37), "must be 36 letters and digits"),
    ("gemini", "api_key", "AIza" + chars(TOKEN, 34), "must be AIza then 35"),
    ("gemini", "api_key", "AIzb" + chars(TOKEN, 35), "must be AIza then 35"),
    ("gemini", "api_key", "AQ." + chars(TOKEN, 10), "must be AIza then 35"),
    ("openai", "api_key", chars(ALNUM, 51), "must be sk- then"),
    ("openai", "api_key", "sk-" + chars(ALNUM, 20), "must be sk- then"),
    ("openai", "api_key", "sk-" + chars(ALNUM, 40) + "+", "must be sk- then"),
    ("deepseek", "api_key", "sk-" + chars(HEX_LOWER, 31), "must be sk- then 32 lower-case hex digits"),
    ("deepseek", "api_key", "sk-" + chars("0123456789ABCDEF", 32), "must be sk- then 32 lower-case hex digits"),
    ("deepseek", "api_key", chars(HEX_LOWER, 32), "must be sk- then 32 lower-case hex digits"),
]
# Pasting mistakes every field refuses, whatever its format.
PASTED = [
    ('"%s"', credentials.RULE_QUOTES),
    ("'%s'", credentials.RULE_QUOTES),
    ("%s\"", credentials.RULE_QUOTES),
    (" %s", credentials.RULE_WHITESPACE),
    ("%s ", credentials.RULE_WHITESPACE),
    ("%s\n", credentials.RULE_WHITESPACE),
]
PLACEHOLDERS = [
    "changeme", "CHANGE_ME", "xxx", "xxxxxxxxxxxxxxxxxxxxxxxx", "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX", "TODO",
    "your-api-key", "YOUR_API_SECRET_HERE", "<api key>", "<your secret here>", "{{ binance_api_key }}",
    "sk-...a1b2", "AIza...", "********", "placeholder", "example-key-123", "replace_me", "api_key", "n/a",
]
EMPTY_LIKE = [None, "", " ", "\t\n ", "None", "none", "null", "NULL", " None "]


def fields_of(provider):
    return [field.name for field in credentials.CATALOGUE[provider].fields]


def a_valid_credential(provider, choice=0):
    return {name: values[choice % len(values)] for name, values in VALID[provider].items()}


def field_of(provider, name):
    return next(field for field in credentials.CATALOGUE[provider].fields if field.name == name)


def problem_fields(provider, values):
    verdict = credentials.classify(provider, values)
    return verdict.outcome, [problem["field"] for problem in verdict.problems]


def substrings(value, size=4):
    return {value[start:start + size] for start in range(len(value) - size + 1)}


def assert_not_shown(value, texts):
    for text in texts:
        assert value not in text
        leaked = [part for part in substrings(value) if part in text]
        assert not leaked, "a problem shows part of the value"


def test_the_catalogue_lists_every_provider_with_its_fields():
    assert list(credentials.CATALOGUE) == EXPECTED_PROVIDERS
    for provider in credentials.PROVIDERS:
        expected = ["api_key"] if provider.kind == "ai" else ["api_key", "api_secret"] + (["passphrase"] if provider.name == "okx" else [])
        assert fields_of(provider.name) == expected
        assert provider.docs.startswith("https://")
        assert provider.display and provider.source
        assert credentials.secret_suffix(provider.name) == "%s/%s" % ({"exchange": "exchanges", "ai": "ai"}[provider.kind], provider.name)
        for field in provider.fields:
            assert credentials.describe(field)


@pytest.mark.parametrize("provider", ["bsdex", "bison", "finoa"])
def test_providers_without_a_public_format_say_their_rule_is_generic(provider):
    assert credentials.CATALOGUE[provider].source.startswith("generic")


@pytest.mark.parametrize(
    ("provider", "field", "value"),
    [(provider, field, value) for provider, fields in VALID.items() for field, values in fields.items() for value in values],
)
def test_every_valid_example_fits_its_rule(provider, field, value):
    assert credentials.field_problem(field_of(provider, field), value) is None


@pytest.mark.parametrize("provider", EXPECTED_PROVIDERS)
def test_a_valid_credential_is_stored_with_its_provider(provider):
    for choice in range(3):
        values = a_valid_credential(provider, choice)
        assert credentials.classify(provider, values) == credentials.Verdict(credentials.STORE, [])
        document = credentials.secret_document(provider, values)
        assert document == dict(values, provider=provider)
        assert list(document) == ["provider"] + fields_of(provider)
        assert json.loads(json.dumps(document)) == document


@pytest.mark.parametrize(("provider", "field", "value", "rule"), INVALID)
def test_every_invalid_example_is_refused_with_its_rule(provider, field, value, rule):
    values = dict(a_valid_credential(provider), **{field: value})
    verdict = credentials.classify(provider, values)
    assert verdict.outcome == credentials.REJECT
    assert [(problem["provider"], problem["field"]) for problem in verdict.problems] == [(provider, field)]
    assert verdict.problems[0]["problem"].startswith(rule)


@pytest.mark.parametrize("provider", EXPECTED_PROVIDERS)
@pytest.mark.parametrize(("mistake", "rule"), PASTED)
def test_pasting_mistakes_are_refused_in_every_field(provider, mistake, rule):
    for field in fields_of(provider):
        values = a_valid_credential(provider)
        values[field] = mistake % values[field]
        if rule == credentials.RULE_WHITESPACE and values[field].startswith("-----BEGIN "):
            rule = credentials.RULE_PEM_WHITESPACE
        verdict = credentials.classify(provider, values)
        assert [(problem["field"], problem["problem"]) for problem in verdict.problems] == [(field, rule)]


@pytest.mark.parametrize("placeholder", PLACEHOLDERS)
def test_placeholders_are_refused_in_every_field(placeholder):
    for provider in EXPECTED_PROVIDERS:
        for field in fields_of(provider):
            values = dict(a_valid_credential(provider), **{field: placeholder})
            verdict = credentials.classify(provider, values)
            assert [(problem["field"], problem["problem"]) for problem in verdict.problems] == [(field, credentials.RULE_PLACEHOLDER)]


@pytest.mark.parametrize("value", [12345, 1.5, True, ["a"], {"value": "x"}, b"bytes-value-1234"])
def test_a_value_that_is_not_a_string_is_refused(value):
    assert credentials.validate("deepseek", {"api_key": value}) == [
        {"provider": "deepseek", "field": "api_key", "problem": credentials.RULE_STRING}
    ]


def test_a_pem_must_be_complete_and_have_real_line_breaks():
    secret = field_of("coinbase", "api_secret")
    assert credentials.field_problem(secret, EC_PEM) is None
    assert credentials.field_problem(secret, EC_PEM.rstrip("\n")) is None
    broken = [
        EC_PEM.replace("\n", "\\n"),
        EC_PEM.replace("\n", "\r\n"),
        EC_PEM + "\n",
        EC_PEM[:-20] + "\n",
        PEM_LINES[0] + "\n" + PEM_LINES[1][:30] + "\n" + PEM_LINES[1][30:] + "\n" + "\n".join(PEM_LINES[2:]) + "\n",
        "\n".join(PEM_LINES[:2] + PEM_LINES[3:]) + "\n",
        EC_PEM.replace("END EC", "END RSA"),
    ]
    for value in broken:
        assert credentials.field_problem(secret, value) is not None


@pytest.mark.parametrize("provider", EXPECTED_PROVIDERS)
def test_a_partial_credential_is_refused_naming_the_empty_fields(provider):
    names = fields_of(provider)
    if len(names) == 1:
        pytest.skip("a credential of one field cannot be partial")
    for given in names:
        values = {name: (a_valid_credential(provider)[name] if name == given else "") for name in names}
        assert problem_fields(provider, values) == (credentials.REJECT, [name for name in names if name != given])
        assert all(problem["problem"] == credentials.RULE_MISSING for problem in credentials.validate(provider, values))


def test_unknown_providers_and_fields_are_refused():
    assert credentials.validate("mtgox", {"api_key": "x"}) == [
        {"provider": "mtgox", "field": None, "problem": "is not a known provider (expected one of %s)" % ", ".join(EXPECTED_PROVIDERS)}
    ]
    values = dict(a_valid_credential("binance"), apikey="")
    assert problem_fields("binance", values) == (credentials.REJECT, ["apikey"])
    assert problem_fields("deepseek", {"api_key": "", "secret": "s3cr3t value"}) == (credentials.REJECT, ["secret"])
    unsafe = "sk-" + chars(HEX_LOWER, 32)
    assert_not_shown(unsafe, [credentials.message(problem) for problem in credentials.validate(unsafe + " ", {})])
    assert_not_shown(unsafe, [credentials.message(problem) for problem in credentials.validate("deepseek", {unsafe: "x"})])


def test_a_credential_that_is_not_a_map_is_refused():
    assert problem_fields("kraken", "api-key-and-secret") == (credentials.REJECT, [None])
    assert problem_fields("kraken", ["a", "b"]) == (credentials.REJECT, [None])


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(EXPECTED_PROVIDERS),
    st.data(),
)
def test_empty_like_values_are_skipped_not_rejected(provider, data):
    values = {}
    for name in fields_of(provider):
        if data.draw(st.booleans()):
            values[name] = data.draw(st.sampled_from(EMPTY_LIKE))
    assert credentials.classify(provider, values) == credentials.Verdict(credentials.SKIP, [])
    assert credentials.validate(provider, values) == []
    with pytest.raises(CredentialError):
        credentials.secret_document(provider, values)
    assert provider in credentials.review({provider: values}).skip


@pytest.mark.parametrize("values", [None, "", "None", "null", {}])
def test_an_absent_credential_is_skipped(values):
    assert credentials.classify("okx", values).outcome == credentials.SKIP


def insert(value, position, text):
    position = position % (len(value) + 1)
    return value[:position] + text + value[position:]


MUTATIONS = st.one_of(
    st.tuples(st.just("wrap"), st.sampled_from(['"', "'", "`"]), st.integers()),
    st.tuples(st.just("insert"), st.sampled_from([" ", "\t", "\u200b", "\u00e9", "\x00", "\u00a0"]), st.integers()),
    st.tuples(st.just("replace"), st.sampled_from(PLACEHOLDERS), st.integers()),
    st.tuples(st.just("truncate"), st.just(""), st.integers(min_value=1, max_value=3)),
)


def mutate(value, mutation):
    kind, text, number = mutation
    if kind == "wrap":
        return text + value + text
    if kind == "insert":
        return insert(value, number, text)
    if kind == "replace":
        return text
    return value[:number]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(EXPECTED_PROVIDERS), st.integers(min_value=0, max_value=5), st.data(), MUTATIONS)
def test_a_valid_credential_with_one_field_mutated_is_rejected_naming_that_field(provider, choice, data, mutation):
    values = a_valid_credential(provider, choice)
    field = data.draw(st.sampled_from(fields_of(provider)))
    values[field] = mutate(values[field], mutation)
    outcome, fields = problem_fields(provider, values)
    assert (outcome, fields) == (credentials.REJECT, [field])


def all_messages(provider, values):
    texts = [credentials.message(problem) for problem in credentials.validate(provider, values)]
    texts += [json.dumps(problem) for problem in credentials.validate(provider, values)]
    for call in (lambda: credentials.secret_document(provider, values), lambda: credentials.check_all({provider: values})):
        try:
            call()
        except CredentialError as error:
            texts += [str(error), error.message, json.dumps(error.fail_kwargs())]
    return texts


def static_text():
    """Every text a problem or error can hold besides the value: rendered once per field and rule."""
    texts = [getattr(credentials, name) for name in dir(credentials) if name.startswith("RULE_")]
    for provider in EXPECTED_PROVIDERS:
        texts += all_messages(provider, {})
        for field in fields_of(provider):
            for value in ("\x01", '"', "changeme", " x", 1):
                texts += all_messages(provider, dict(a_valid_credential(provider), **{field: value}))
            texts += all_messages(provider, {field: "\x01"})
    return " ".join(texts)


STATIC_TEXT = static_text()
VALUES = st.one_of(
    st.text(min_size=4, max_size=80),
    st.text(alphabet=ALNUM + "+/=-_. \n\"'", min_size=4, max_size=120),
    st.builds(lambda provider, choice, mutation: mutate(a_valid_credential(provider, choice)[fields_of(provider)[-1]], mutation),
              st.sampled_from(EXPECTED_PROVIDERS), st.integers(0, 5), MUTATIONS),
)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(EXPECTED_PROVIDERS), st.data(), VALUES)
def test_a_problem_never_shows_the_value_or_part_of_it(provider, data, value):
    assume(len(value) >= 4 and not any(part in STATIC_TEXT for part in substrings(value)))
    values = a_valid_credential(provider)
    values[data.draw(st.sampled_from(fields_of(provider)))] = value
    assert_not_shown(value, all_messages(provider, values))


def test_review_sorts_every_credential_into_store_skip_or_problems():
    vault = {
        "binance": a_valid_credential("binance"),
        "kraken": {"api_key": "", "api_secret": None},
        "okx": dict(a_valid_credential("okx"), passphrase=""),
        "mtgox": {"api_key": chars(ALNUM, 20)},
        "openai": a_valid_credential("openai", 1),
    }
    result = credentials.review(vault)
    assert sorted(result.store) == ["binance", "openai"]
    assert result.store["openai"] == dict(vault["openai"], provider="openai")
    assert "kraken" in result.skip and "deepseek" in result.skip
    assert [(problem["provider"], problem["field"]) for problem in result.problems] == [("mtgox", None), ("okx", "passphrase")]
    with pytest.raises(CredentialError) as caught:
        credentials.check_all(vault)
    kwargs = caught.value.fail_kwargs()
    assert "2 problems" in kwargs["msg"] and "okx.passphrase: is empty" in kwargs["msg"]
    assert kwargs["problems"] == result.problems
    assert "Nothing was stored" in kwargs["guidance"]


@pytest.mark.parametrize("vault", [None, "", "None", {}])
def test_an_empty_vault_skips_everything(vault):
    result = credentials.check_all(vault)
    assert result == credentials.Review({}, sorted(EXPECTED_PROVIDERS), [])


def test_a_vault_that_is_not_a_map_is_refused():
    assert credentials.review(["binance"]).problems == [
        {"provider": credentials.VAULT_VARIABLE, "field": None, "problem": credentials.RULE_NOT_A_MAP}
    ]


@pytest.mark.parametrize("environment", ["local", "test", "production"])
def test_the_template_lists_every_provider_and_field_with_empty_values(environment):
    text = credentials.template(environment)
    document = yaml.safe_load(text)
    assert list(document) == [credentials.VAULT_VARIABLE]
    entries = document[credentials.VAULT_VARIABLE]
    assert list(entries) == EXPECTED_PROVIDERS
    for provider, fields in entries.items():
        assert list(fields) == fields_of(provider)
        assert all(value == "" for value in fields.values())
    assert credentials.review(entries) == credentials.Review({}, sorted(EXPECTED_PROVIDERS), [])


@pytest.mark.parametrize("environment", ["local", "test", "production"])
def test_the_template_documents_each_provider_and_how_to_encrypt(environment):
    text = credentials.template(environment)
    assert text.startswith("---\n#")
    command = "ansible-vault encrypt --vault-id %s@prompt inventories/%s/group_vars/all/vault.yml" % (environment, environment)
    assert command in text
    assert "--vault-id %s@prompt" % environment in text.split(command, 1)[1]
    comments = " ".join(line.strip().lstrip("#").strip() for line in text.splitlines() if line.strip().startswith("#"))
    for provider in credentials.PROVIDERS:
        assert provider.display in comments and provider.docs in comments
        for field in provider.fields:
            assert "%s: %s" % (field.name, credentials.describe(field)) in comments
    prose = [line for line in text.splitlines() if "https://" not in line and "ansible-vault encrypt" not in line]
    assert max(len(line) for line in prose) <= credentials.TEMPLATE_WIDTH
    assert credentials.template(environment) == text


@pytest.mark.parametrize("environment", ["", "Test", "../test", "prod env", None, "a" * 40])
def test_the_template_refuses_a_bad_environment_name(environment):
    with pytest.raises(CredentialError):
        credentials.template(environment)


def run_tool(*args):
    return subprocess.run([sys.executable, str(TOOL)] + list(args), capture_output=True, text=True, check=False)


def vault_file(root, environment):
    return root / "inventories" / environment / "group_vars" / "all" / "vault.yml"


def test_the_tool_prints_writes_and_checks_the_template(tmp_path):
    printed = run_tool("production")
    assert printed.returncode == 0 and printed.stdout == credentials.template("production")
    assert run_tool("--check", "--root", str(tmp_path)).returncode == 1
    written = run_tool("--write", "--root", str(tmp_path))
    assert written.returncode == 0
    for environment in ("local", "test", "production"):
        assert vault_file(tmp_path, environment).read_text(encoding="utf-8") == credentials.template(environment)
    assert run_tool("--check", "--root", str(tmp_path)).returncode == 0
    stale = vault_file(tmp_path, "test")
    stale.write_text(stale.read_text(encoding="utf-8").replace("64 letters", "63 letters"), encoding="utf-8")
    checked = run_tool("--check", "--root", str(tmp_path))
    assert checked.returncode == 1
    assert "inventories/test/group_vars/all/vault.yml" in checked.stderr and "production" not in checked.stderr


def test_the_tool_never_overwrites_values_or_encrypted_files(tmp_path):
    assert run_tool("--write", "--root", str(tmp_path)).returncode == 0
    filled = vault_file(tmp_path, "test")
    filled.write_text(filled.read_text(encoding="utf-8").replace('api_key: ""', 'api_key: "filled"', 1), encoding="utf-8")
    encrypted = vault_file(tmp_path, "production")
    encrypted.write_text("$ANSIBLE_VAULT;1.2;AES256;production\n6162\n", encoding="utf-8")
    before = {path: path.read_text(encoding="utf-8") for path in (filled, encrypted)}
    written = run_tool("--write", "--root", str(tmp_path))
    assert written.returncode == 1 and written.stderr.count("not overwritten") == 2
    assert {path: path.read_text(encoding="utf-8") for path in (filled, encrypted)} == before
    checked = run_tool("--check", "--root", str(tmp_path), "production")
    assert checked.returncode == 0 and "encrypted, not compared" in checked.stdout


def test_the_tool_needs_an_environment_or_an_action():
    assert run_tool().returncode == 2
    assert run_tool("Bad_Env").returncode == 2


def test_the_example_infrastructure_creates_a_secret_for_every_catalogued_credential():
    """The example's Terraform default lists the same providers, groups and fields as the catalogue."""
    import re  # pylint: disable=import-outside-toplevel

    variables = (Path(__file__).resolve().parents[4] / "examples" / "trading-app" / "infra" / "variables.tf").read_text()
    block = variables.split('variable "credentials"', 1)[1].split("default = {", 1)[1].split("\n  }", 1)[0]
    entries = re.findall(r'(\w+)\s*=\s*\{ group = "(\w+)", fields = \[([^\]]*)\] \}', block)
    infra = {name: (group, [field.strip().strip('"') for field in fields.split(",")]) for name, group, fields in entries}
    catalogue = {
        name: (credentials.SECRET_GROUPS[entry.kind], [field.name for field in entry.fields])
        for name, entry in credentials.CATALOGUE.items()
    }
    assert infra == catalogue
