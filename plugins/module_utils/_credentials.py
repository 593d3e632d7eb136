# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The credential catalogue: every exchange and AI provider the platform uses, the fields of its
credential and the format rule of each field. Pure functions; no AWS.

Operators enter credentials in `vault_credentials` (provider -> {field: value}, from Ansible
Vault or hidden prompts). Each credential becomes one JSON secret in Secrets Manager, named
`<prefix>/exchanges/<provider>` or `<prefix>/ai/<provider>` (SECRET_GROUPS).

A credential is all-or-nothing: when every field is empty it is skipped (never stored); when
any field is set, every field must be set and fit its rule, or the whole credential is
rejected. "None", "null", "" and whitespace count as empty (Ansible without a terminal yields
"None"). A problem names the provider, the field and the rule, never the value or any part
of it.

Rules follow what each provider documents or what well-known clients and secret scanners
check (the `source` of each provider); BSDEX, BISON and FINOA publish no key format, so their
rule is generic (length bounds, printable ASCII without whitespace or quotes). Rules are strict
enough to catch typos and pasted placeholders and lenient enough to accept every key format
the provider issues today (several providers issue more than one: a field fits if it fits any
of its formats).
"""

from __future__ import annotations

import base64
import binascii
import re
import textwrap
from collections import namedtuple

from ansible_collections.acinaces.deploy.plugins.module_utils._errors import DeployError

SKIP = "skip"
STORE = "store"
REJECT = "reject"
SECRET_GROUPS = {"exchange": "exchanges", "ai": "ai"}
EMPTY_WORDS = ("none", "null")
VAULT_VARIABLE = "vault_credentials"

# Alphabets (regular-expression character classes) of the formats below.
ALNUM = "A-Za-z0-9"
HEX_LOWER = "0-9a-f"
HEX_UPPER = "0-9A-F"
BASE64 = "A-Za-z0-9+/"
TOKEN = r"A-Za-z0-9_\-"
PRINTABLE = r"\x21-\x7e"
PRINTABLE_NO_QUOTES = r"\x21\x23-\x26\x28-\x5f\x61-\x7e"
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

# A format a value may have: a required prefix, then min_length..max_length characters of
# `alphabet` (or a whole-value `pattern`), and optionally an encoding the value must decode
# from: ("base64", number of bytes) or ("pem", allowed block labels).
Format = namedtuple(
    "Format",
    "description prefix alphabet min_length max_length pattern encoding",
    defaults=("", None, 0, 0, None, None),
)
# A field of a credential: its name and the formats it accepts (any one of them).
Field = namedtuple("Field", "name formats")
# A provider: logical name, kind (exchange | ai), display name, documentation, where the rules
# come from, and its fields in order.
Provider = namedtuple("Provider", "name kind display docs source fields")
# The outcome of one credential (SKIP, STORE or REJECT) and its problems.
Verdict = namedtuple("Verdict", "outcome problems")
# The outcome of a whole `vault_credentials`: documents to store, skipped names, problems.
Review = namedtuple("Review", "store skip problems")


def _text(description, alphabet, min_length, max_length=None, prefix=""):
    return Format(description, prefix, alphabet, min_length, max_length or min_length)


def _pem(description, *labels):
    return Format(description, encoding=("pem", labels), min_length=100, max_length=10000)


def _base64(description, size):
    length = 4 * ((size + 2) // 3)
    return Format(description, "", BASE64 + "=", length, length, encoding=("base64", size))


ALNUM_64 = _text("64 letters and digits", ALNUM, 64)
PRIVATE_KEY_PEM = _pem(
    "an unencrypted PEM private key (a PRIVATE KEY or RSA PRIVATE KEY block) with real line breaks",
    "PRIVATE KEY", "RSA PRIVATE KEY",
)
GENERIC_KEY = _text("16 to 256 printable ASCII characters without spaces or quotes", PRINTABLE_NO_QUOTES, 16, 256)
GENERIC_SECRET = _text("16 to 4096 printable ASCII characters without spaces or quotes", PRINTABLE_NO_QUOTES, 16, 4096)
ANY_PRIVATE_KEY_PEM = _pem(
    "an unencrypted PEM private key with real line breaks",
    "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY",
)


def _generic(name, display, docs):
    return Provider(
        name, "exchange", display, docs,
        "generic: %s documents no public API key format, so the rule only bounds the length "
        "and the characters" % display,
        (Field("api_key", (GENERIC_KEY,)), Field("api_secret", (GENERIC_SECRET, ANY_PRIVATE_KEY_PEM))),
    )


PROVIDERS = (
    Provider(
        "binance", "exchange", "Binance",
        "https://developers.binance.com/docs/binance-spot-api-docs/faqs/api_key_types",
        "Binance API key types: the HMAC secret key is 64 letters and digits (its example), as is "
        "the API key Binance issues; Ed25519 and RSA keys sign with the operator's own PEM private key",
        (
            Field("api_key", (ALNUM_64,)),
            Field("api_secret", (ALNUM_64._replace(description="64 letters and digits (HMAC key)"), PRIVATE_KEY_PEM)),
        ),
    ),
    Provider(
        "coinbase", "exchange", "Coinbase",
        "https://docs.cdp.coinbase.com/coinbase-app/authentication-authorization/api-key-authentication",
        "Coinbase Developer Platform: ECDSA keys are named organizations/{org_id}/apiKeys/{key_id} "
        "with an EC private key PEM, Ed25519 keys have a UUID id and a base64 private key of 64 bytes; "
        "legacy Coinbase API keys are 16 and 32 letters and digits",
        (
            Field("api_key", (
                Format("organizations/{org uuid}/apiKeys/{key uuid} (CDP ECDSA key name)",
                       pattern="organizations/%s/apiKeys/%s" % (UUID, UUID)),
                Format("a UUID (CDP Ed25519 key id)", pattern=UUID),
                _text("16 letters and digits (legacy key)", ALNUM, 16),
            )),
            Field("api_secret", (
                _pem("an EC private key PEM with real line breaks (CDP ECDSA)", "EC PRIVATE KEY"),
                _base64("base64 of 64 bytes (CDP Ed25519)", 64),
                _text("32 letters and digits (legacy key)", ALNUM, 32),
            )),
        ),
    ),
    Provider(
        "kraken", "exchange", "Kraken",
        "https://support.kraken.com/articles/360029054811-what-is-the-authentication-algorithm-for-private-endpoints-",
        "Kraken support (authentication algorithm): its example key pair is a 56-character base64 "
        "public key and a base64 private key of 64 bytes, the HMAC-SHA512 key (trufflehog checks the same)",
        (
            Field("api_key", (_text("56 base64 characters (letters, digits, + and /)", BASE64, 56),)),
            Field("api_secret", (_base64("base64 of 64 bytes (88 characters ending in ==)", 64),)),
        ),
    ),
    Provider(
        "okx", "exchange", "OKX",
        "https://www.okx.com/docs-v5/en/#overview-rest-authentication",
        "OKX API v5: the API key is a UUID, the secret key 32 upper-case hex digits; the "
        "passphrase is chosen by the user when creating the key (no documented format: generic rule)",
        (
            Field("api_key", (Format("a UUID", pattern=UUID),)),
            Field("api_secret", (_text("32 upper-case hex digits", HEX_UPPER, 32),)),
            Field("passphrase", (_text("6 to 64 printable ASCII characters without spaces", PRINTABLE, 6, 64),)),
        ),
    ),
    _generic("bsdex", "BSDEX", "https://www.bsdex.de/"),
    _generic("bison", "BISON", "https://bisonapp.com/"),
    _generic("finoa", "FINOA", "https://www.finoa.io/"),
    Provider(
        "bybit", "exchange", "Bybit",
        "https://bybit-exchange.github.io/docs/v5/guide",
        "Bybit API v5: system-generated (HMAC) keys, as issued, are an 18-character key and a "
        "36-character secret of letters and digits; self-generated keys sign with the operator's RSA private key",
        (
            Field("api_key", (_text("18 letters and digits", ALNUM, 18),)),
            Field("api_secret", (_text("36 letters and digits (HMAC key)", ALNUM, 36), PRIVATE_KEY_PEM)),
        ),
    ),
    Provider(
        "gemini", "ai", "Google Gemini",
        "https://ai.google.dev/gemini-api/docs/api-key",
        "Google AI Studio: standard API keys are AIza + 35 characters (39 in all, as Google's own "
        "scanner osv-scalibr checks); the auth keys AI Studio now creates by default start with AQ. instead",
        (
            Field("api_key", (
                _text("AIza then 35 letters, digits, - or _ (standard key)", TOKEN, 35, prefix="AIza"),
                _text("AQ. then 30 to 200 letters, digits, ., - or _ (auth key)", TOKEN + ".", 30, 200, prefix="AQ."),
            )),
        ),
    ),
    Provider(
        "openai", "ai", "OpenAI",
        "https://platform.openai.com/docs/api-reference/authentication",
        "OpenAI: keys start with sk- (project keys sk-proj-, service account keys sk-svcacct-, "
        "admin keys sk-admin-), then letters, digits, - and _ (trufflehog's and gitleaks' rules)",
        (Field("api_key", (_text("sk- then 32 to 300 letters, digits, - or _", TOKEN, 32, 300, prefix="sk-"),)),),
    ),
    Provider(
        "deepseek", "ai", "DeepSeek",
        "https://api-docs.deepseek.com/",
        "DeepSeek: keys are sk- then 32 lower-case hex digits (trufflehog's and betterleaks' rules)",
        (Field("api_key", (_text("sk- then 32 lower-case hex digits", HEX_LOWER, 32, prefix="sk-"),)),),
    ),
)
CATALOGUE = {provider.name: provider for provider in PROVIDERS}

# Checks every value passes before its format, each with the rule its problem names.
RULE_STRING = "must be a string"
RULE_QUOTES = "must not start or end with a quote"
RULE_PLACEHOLDER = "must not be a placeholder (changeme, xxx, your-api-key, <...>, {{ ... }}, masked ...)"
RULE_WHITESPACE = "must not contain spaces, tabs or line breaks"
RULE_PEM_WHITESPACE = "must be a PEM block without blank lines, tabs, carriage returns or spaces around its lines"
RULE_MISSING = "is empty while other fields of the credential are set (a credential is all or nothing)"
RULE_UNKNOWN_FIELD = "is not a field of this credential"
RULE_NOT_A_MAP = "must be a map of field: value"
RULE_UNKNOWN_PROVIDER = "is not a known provider"
QUOTES = "\"'`"
PLACEHOLDER_WORDS = frozenset((
    "changeme", "change_me", "change-me", "placeholder", "todo", "tbd", "fixme", "xxx", "secret",
    "apikey", "api_key", "api-key", "apisecret", "api_secret", "api-secret", "secretkey", "secret_key",
    "passphrase", "key", "token", "test", "dummy", "example", "sample", "undefined", "nil", "n/a",
    "redacted", "hidden", "masked", "replaceme", "replace_me", "replace-me",
))
PLACEHOLDER_PARTS = re.compile(
    r"changeme|change_me|change-me|placeholder|replace_?me|example|"
    r"your[-_ ]?(api|secret|key|token|pass|private)|<[^<>]*(key|secret|api|token|pass|here)[^<>]*>|"
    r"\{\{|\}\}|\{%|%\}|\.\.\.|\*\*\*",
    re.IGNORECASE,
)
# Eight or more of one character in a row: a run real keys do not have, masks and fillers do.
REPEATED_RUN = re.compile(r"(.)\1{7,}", re.IGNORECASE | re.DOTALL)
PEM_BLOCK = re.compile(
    r"-----BEGIN (?P<label>[A-Z0-9 ]+)-----\n"
    r"(?P<body>(?:[A-Za-z0-9+/=]{1,64}\n)+)"
    r"-----END (?P=label)-----\n?"
)
# Names echoed in problems: what provider and field names look like, never what a key looks like.
SAFE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,23}$")


def is_empty(value):
    """True for the values that mean "not given": None, "", whitespace, "None" and "null"."""
    if value is None:
        return True
    return isinstance(value, str) and value.strip().lower() in ("",) + EMPTY_WORDS


def _decodes(text, size):
    try:
        return len(base64.b64decode(text, validate=True)) == size
    except (binascii.Error, ValueError):
        return False


def _der_complete(data):
    """True when `data` is one whole DER SEQUENCE: a truncated key fails its declared length."""
    if len(data) < 2 or data[0] != 0x30:
        return False
    if data[1] < 0x80:
        return len(data) == 2 + data[1]
    size = data[1] & 0x7F
    if not 1 <= size <= 4 or len(data) < 2 + size:
        return False
    return len(data) == 2 + size + int.from_bytes(data[2:2 + size], "big")


def _pem_fits(value, labels):
    """A whole PEM block of an allowed label: 64-character lines (RFC 7468), one complete DER."""
    match = PEM_BLOCK.fullmatch(value)
    if not match or match.group("label") not in labels:
        return False
    lines = match.group("body").split("\n")[:-1]
    if any(len(line) != 64 for line in lines[:-1]):
        return False
    try:
        data = base64.b64decode(match.group("body").replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        return False
    return _der_complete(data)


def fits(value, fmt):
    """True when the string `value` has the format `fmt`."""
    kind = fmt.encoding[0] if fmt.encoding else None
    if kind == "pem":
        return fmt.min_length <= len(value) <= fmt.max_length and _pem_fits(value, fmt.encoding[1])
    if fmt.pattern:
        return re.fullmatch(fmt.pattern, value) is not None
    if not value.startswith(fmt.prefix):
        return False
    rest = value[len(fmt.prefix):]
    if not fmt.min_length <= len(rest) <= fmt.max_length or not re.fullmatch("[%s]*" % fmt.alphabet, rest):
        return False
    return kind != "base64" or _decodes(rest, fmt.encoding[1])


def describe(field):
    """The rule of a field in words: its formats joined by "or"."""
    return ", or ".join(fmt.description for fmt in field.formats)


def _is_placeholder(value):
    lowered = value.lower()
    if lowered in PLACEHOLDER_WORDS or PLACEHOLDER_PARTS.search(value):
        return True
    return not value.startswith("-----BEGIN ") and REPEATED_RUN.search(value) is not None


def _pem_whitespace(value):
    """True for stray whitespace in a PEM block: line breaks separate its lines, nothing else."""
    lines = (value[:-1] if value.endswith("\n") else value).split("\n")
    return any(
        not line or line != line.strip() or "\t" in line or "\r" in line or (" " in line and not line.startswith("-----"))
        for line in lines
    )


def _whitespace_rule(value):
    if value.startswith("-----BEGIN "):
        return RULE_PEM_WHITESPACE if _pem_whitespace(value) else None
    return RULE_WHITESPACE if any(char.isspace() for char in value) else None


def _pasting_rule(value):
    """The rule of a pasting mistake: quotes, a placeholder, stray whitespace (or None)."""
    if value[0] in QUOTES or value[-1] in QUOTES:
        return RULE_QUOTES
    if _is_placeholder(value):
        return RULE_PLACEHOLDER
    return _whitespace_rule(value)


def field_problem(field, value):
    """The rule a value breaks (a fixed text, never derived from the value), or None.

    Empty values break no rule here: whether an empty field skips or rejects the credential
    depends on its other fields (see classify).
    """
    if is_empty(value):
        return None
    if not isinstance(value, str):
        return RULE_STRING
    rule = _pasting_rule(value)
    if rule or any(fits(value, fmt) for fmt in field.formats):
        return rule
    return "must be " + describe(field)


def _shown(name):
    """A provider or field name as given, when it is a plain word (names, never values)."""
    return name if isinstance(name, str) and SAFE_NAME.match(name) else "(a name that is not a plain word)"


def _problem(provider, field, rule):
    return {"provider": provider, "field": field, "problem": rule}


def message(problem):
    """One line for a problem: provider, field and the rule."""
    where = problem["provider"] if problem["field"] is None else "%s.%s" % (problem["provider"], problem["field"])
    return "%s: %s" % (where, problem["problem"])


def _field_problems(provider, values):
    problems = [
        _problem(provider.name, _shown(name), "%s (expected %s)" % (RULE_UNKNOWN_FIELD, ", ".join(f.name for f in provider.fields)))
        for name in sorted(set(values) - {f.name for f in provider.fields}, key=str)
    ]
    given = [f for f in provider.fields if not is_empty(values.get(f.name))]
    for field in provider.fields:
        if field not in given:
            if given:
                problems.append(_problem(provider.name, field.name, RULE_MISSING))
            continue
        rule = field_problem(field, values[field.name])
        if rule:
            problems.append(_problem(provider.name, field.name, rule))
    return problems, bool(given)


def classify(provider, values):
    """The Verdict of one credential: SKIP (every field empty), STORE, or REJECT with problems."""
    if provider not in CATALOGUE:
        return Verdict(REJECT, [_problem(_shown(provider), None, "%s (expected one of %s)" % (RULE_UNKNOWN_PROVIDER, ", ".join(CATALOGUE)))])
    entry = CATALOGUE[provider]
    if is_empty(values) or values == {}:
        return Verdict(SKIP, [])
    if not isinstance(values, dict):
        return Verdict(REJECT, [_problem(provider, None, "%s (%s)" % (RULE_NOT_A_MAP, ", ".join(f.name for f in entry.fields)))])
    problems, given = _field_problems(entry, values)
    if problems:
        return Verdict(REJECT, problems)
    return Verdict(STORE if given else SKIP, [])


def validate(provider, values):
    """Every problem of one credential ([] when it is valid or empty; see classify)."""
    return classify(provider, values).problems


class CredentialError(DeployError):
    """Credentials do not fit the catalogue; `problems` names each provider and field, never a value."""


def _raise(problems, what):
    lines = "\n".join("  - " + message(problem) for problem in problems)
    raise CredentialError(
        "%s (%d problem%s):\n%s" % (what, len(problems), "" if len(problems) == 1 else "s", lines),
        guidance="Correct the named fields in %s (ansible-vault edit ...), or empty every field of a "
        "credential to skip it. Nothing was stored." % VAULT_VARIABLE,
        problems=problems,
    )


def secret_document(provider, values):
    """The JSON document stored for a valid credential: its fields and `provider`."""
    verdict = classify(provider, values)
    if verdict.outcome == REJECT:
        _raise(verdict.problems, "The %s credential is not valid" % _shown(provider))
    if verdict.outcome == SKIP:
        _raise([_problem(provider, None, "is empty: an empty credential is skipped, never stored")], "Nothing to store")
    document = {"provider": provider}
    document.update((field.name, values[field.name]) for field in CATALOGUE[provider].fields)
    return document


def secret_suffix(provider):
    """The end of the credential's secret name: exchanges/<name> or ai/<name>."""
    return "%s/%s" % (SECRET_GROUPS[CATALOGUE[provider].kind], provider)


def review(credentials):
    """Every credential of `vault_credentials`: documents to store, names skipped, all problems."""
    if is_empty(credentials):
        credentials = {}
    if not isinstance(credentials, dict):
        return Review({}, [], [_problem(VAULT_VARIABLE, None, RULE_NOT_A_MAP)])
    store, skip, problems = {}, [], []
    for name in sorted(set(credentials) | set(CATALOGUE), key=str):
        verdict = classify(name, credentials.get(name))
        problems.extend(verdict.problems)
        if verdict.outcome == STORE:
            store[name] = secret_document(name, credentials[name])
        elif verdict.outcome == SKIP:
            skip.append(name)
    return Review(store, skip, problems)


def check_all(credentials):
    """The documents to store, or CredentialError naming every problem (all or nothing)."""
    result = review(credentials)
    if result.problems:
        _raise(result.problems, "%s has credentials that do not fit their rules" % VAULT_VARIABLE)
    return result


ENVIRONMENT = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
TEMPLATE_WIDTH = 100
TEMPLATE_HEADER = """---
# Credentials of the {env} environment: every exchange and AI provider the platform uses, one
# JSON secret each in AWS Secrets Manager (<prefix>/exchanges/<name> or <prefix>/ai/<name>).
# Generated from plugins/module_utils/_credentials.py by tools/secrets_template.py: the tests
# check that this unencrypted template and the catalogue agree.
#
# To fill it:
#   1. Put each value between the quotes. A PEM private key goes in as a block, its lines
#      indented under the field:
#        api_secret: |
#          -----BEGIN EC PRIVATE KEY-----
#          (the key's lines)
#          -----END EC PRIVATE KEY-----
#   2. Fill every field of a credential, or leave all of them empty: an empty credential is
#      skipped, never stored. The rule of each field is written above it; the run checks every
#      value before it stores anything and names the provider and field (never the value) of
#      each value that does not fit.
#   3. Encrypt the file with the environment's own vault id; never commit it unencrypted with
#      real values:
#        ansible-vault encrypt --vault-id {env}@prompt inventories/{env}/group_vars/all/vault.yml
#      and change it later with ansible-vault edit --vault-id {env}@prompt (same path).
#   4. Run with the same vault id:
#        ansible-playbook deploy.yml -i inventories/{env} --vault-id {env}@prompt
"""


def _comment(text, indent):
    width = TEMPLATE_WIDTH - indent - 2
    return ["%s# %s" % (" " * indent, line) for line in textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)]


def _provider_lines(provider):
    lines = [""]
    lines += _comment("%s (%s): secret <prefix>/%s" % (provider.display, provider.kind, secret_suffix(provider.name)), 2)
    lines += _comment("Docs: %s" % provider.docs, 2)
    lines += _comment("Rules: %s." % provider.source, 2)
    lines.append("  %s:" % provider.name)
    for field in provider.fields:
        lines += _comment("%s: %s" % (field.name, describe(field)), 4)
        lines.append('    %s: ""' % field.name)
    return lines


def template(environment):
    """The documented, empty vault file of `environment`: every provider and field, values empty."""
    if not isinstance(environment, str) or not ENVIRONMENT.match(environment):
        raise CredentialError(
            "An environment name is lower-case letters, digits and -, starting with a letter.",
            guidance="Name an environment of inventories/, such as test or production.",
        )
    lines = TEMPLATE_HEADER.format(env=environment).splitlines() + ["%s:" % VAULT_VARIABLE]
    for provider in PROVIDERS:
        lines += _provider_lines(provider)
    return "\n".join(lines) + "\n"
