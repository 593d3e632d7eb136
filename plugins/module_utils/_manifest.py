# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deployment manifest: Terraform outputs mapped to one validated JSON document.

Every later stage reads the manifest; none derives a resource name by itself. `build` maps
outputs to fields through OUTPUT_MAP (overridable per field), and collects every missing or
malformed field before raising one ManifestError that names them all.
"""

from __future__ import annotations

import json
import re
from collections import namedtuple

from ansible_collections.acinaces.deploy.plugins.module_utils._errors import ManifestError

MANIFEST_VERSION = 1

ARN = re.compile(r"^arn:aws[a-z-]*:(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):(?P<account>\d{12}|aws|):.+$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
BUCKET = re.compile(r"^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")
HTTPS_URL = re.compile(r"^https://[a-z0-9.-]+(:\d+)?(/[A-Za-z0-9._~/-]*)?$")
DISTRIBUTION_ID = re.compile(r"^[A-Z0-9]{8,20}$")
HOSTED_ZONE_ID = re.compile(r"^(/hostedzone/)?[A-Z0-9]{8,32}$")
FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
HOST_PORT = re.compile(r"^[A-Za-z0-9.-]+:\d{1,5}$")
NAME = re.compile(r"^[A-Za-z0-9_./#-]{1,512}$")
ALARM_NAME = re.compile(r"^\S(.{0,253}\S)?$")
PREFIX = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")
LOGICAL = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


def _text(value):
    if not isinstance(value, str) or not value.strip():
        return "expected a non-empty string, got %s" % _shown(value)
    return None


def _pattern(regex, what):
    def check(value):
        problem = _text(value)
        if problem:
            return problem
        if not regex.match(value):
            return "%s is not %s" % (_shown(value), what)
        return None

    return check


def _arn(service):
    def check(value):
        problem = _text(value)
        if problem:
            return problem
        match = ARN.match(value)
        if not match or match.group("service") != service:
            return "%s is not an ARN of %s (arn:aws:%s:...)" % (_shown(value), service, service)
        return None

    return check


def _shown(value):
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


is_text = _text
is_name = _pattern(NAME, "a valid resource name")
is_region = _pattern(REGION, "an AWS region such as us-east-1")
is_bucket = _pattern(BUCKET, "a valid S3 bucket name")
is_domain = _pattern(DOMAIN, "a lower-case DNS name")
is_https_url = _pattern(HTTPS_URL, "an https:// URL")
is_distribution_id = _pattern(DISTRIBUTION_ID, "a CloudFront distribution id")
is_hosted_zone_id = _pattern(HOSTED_ZONE_ID, "a Route 53 hosted zone id")
is_function_name = _pattern(FUNCTION_NAME, "a Lambda function name")
is_host_port = _pattern(HOST_PORT, "a host:port endpoint")


# A manifest field (dotted path), the Terraform output filling it, whether it is required, the
# check of its value (of each value for maps and lists), and the keys a map must have.
Field = namedtuple("Field", "path output required check keys", defaults=((),))

SCALAR_FIELDS = tuple(Field(*spec) for spec in (
    ("region", "region", True, is_region),
    ("name_prefix", "name_prefix", False, _pattern(PREFIX, "a lower-case name prefix")),
    ("api.id", "api_id", True, _pattern(re.compile(r"^[a-z0-9]{6,16}$"), "an API Gateway id")),
    ("api.endpoint", "api_endpoint", True, is_https_url),
    ("api.stage", "api_stage", True, is_name),
    ("api.domain", "api_domain", True, is_domain),
    ("api.domain_target", "api_domain_target", False, is_domain),
    ("buckets.deployment", "deployment_bucket", True, is_bucket),
    ("buckets.frontend", "frontend_bucket", True, is_bucket),
    ("cloudfront.distribution_id", "cloudfront_distribution_id", True, is_distribution_id),
    ("cloudfront.domain_name", "cloudfront_domain_name", True, is_domain),
    ("dns.hosted_zone_id", "hosted_zone_id", True, is_hosted_zone_id),
    ("dns.hosted_zone_name", "hosted_zone_name", True, is_domain),
    ("dns.frontend_domain", "frontend_domain", True, is_domain),
    ("kms.key_arn", "kms_key_arn", True, _arn("kms")),
    ("kms.alias", "kms_key_alias", False, _pattern(re.compile(r"^alias/[A-Za-z0-9/_-]+$"), "a KMS alias")),
    ("redis.endpoint", "redis_endpoint", True, is_host_port),
    ("timestream.database", "timestream_database", True, is_name),
    ("monitoring.xray_group", "xray_group", False, is_name),
    ("monitoring.alert_queue", "alert_queue_url", False, _pattern(re.compile(r"^https?://\S+$"), "an SQS queue URL")),
))
MAP_FIELDS = tuple(Field(*spec) for spec in (
    ("certificates", "certificate_arns", True, _arn("acm"), ("frontend", "api")),
    ("secrets", "secret_arns", True, _arn("secretsmanager"), ()),
    ("dynamodb_tables", "dynamodb_tables", True, is_name, ()),
    ("monitoring.sns_topics", "sns_topics", True, _arn("sns"), ()),
    ("monitoring.log_groups", "log_groups", True, is_name, ()),
))
LIST_FIELDS = tuple(Field(*spec) for spec in (
    ("timestream.tables", "timestream_tables", False, is_name),
    ("monitoring.dashboards", "dashboards", True, is_name),
    ("monitoring.alarms", "alarms", True, _pattern(ALARM_NAME, "a CloudWatch alarm name")),
))
FUNCTIONS_FIELD = Field("functions", "lambda_functions", True, None)
FUNCTION_ATTRIBUTES = (
    ("function_name", True, is_function_name),
    ("function_arn", True, _arn("lambda")),
    ("category", True, _pattern(LOGICAL, "a lower-case category name")),
    ("handler", True, _pattern(re.compile(r"^[A-Za-z0-9_./-]+\.[A-Za-z0-9_$]+$"), "a handler (file.export)")),
    ("alias", True, _pattern(re.compile(r"^[A-Za-z0-9_-]{1,128}$"), "a Lambda alias name")),
    ("route", False, _pattern(re.compile(r"^/[A-Za-z0-9/_{}+-]*$"), "an API route such as /health")),
    ("log_group", False, is_name),
)

ALL_FIELDS = SCALAR_FIELDS + MAP_FIELDS + LIST_FIELDS + (FUNCTIONS_FIELD,)
DEFAULT_OUTPUT_MAP = {field.path: field.output for field in ALL_FIELDS}

MISSING = object()


class Problems:
    """Every problem found, each naming its manifest field, its output and the fix."""

    def __init__(self):
        self.items = []

    def add(self, field_path, output, problem):
        self.items.append({"field": field_path, "output": output, "problem": problem})

    def missing(self, field_path, output):
        self.add(
            field_path,
            output,
            "missing: add output '%s' to the Terraform project, or map another output to "
            "'%s' with output_map" % (output, field_path),
        )

    def raise_if_any(self, environment):
        if not self.items:
            return
        lines = ["  - %(field)s (output '%(output)s'): %(problem)s" % item for item in self.items]
        raise ManifestError(
            "Terraform outputs do not make a valid manifest for environment '%s' "
            "(%d problem%s):\n%s" % (environment, len(self.items), "" if len(self.items) == 1 else "s", "\n".join(lines)),
            guidance="The previous manifest was kept. Fix the outputs of the Terraform project "
            "(or output_map) and re-run the infrastructure phase.",
            problems=self.items,
        )


def _set(document, field_path, value):
    keys = field_path.split(".")
    for key in keys[:-1]:
        document = document.setdefault(key, {})
    document[keys[-1]] = value


def _lookup(outputs, field, problems):
    value = outputs.get(field.output, MISSING)
    if value is None or value == "" or value == [] or value == {}:
        value = MISSING
    if value is MISSING and field.required:
        problems.missing(field.path, field.output)
    return value


def _scalar(document, value, field, problems):
    problem = field.check(value)
    if problem:
        problems.add(field.path, field.output, problem)
    else:
        _set(document, field.path, value)


def _mapping(document, value, field, problems):
    if not isinstance(value, dict):
        problems.add(field.path, field.output, "expected a map, got %s" % _shown(value))
        return
    clean = {}
    for key in field.keys:
        if key not in value:
            problems.add("%s.%s" % (field.path, key), field.output, "missing key '%s'" % key)
    for key, item in sorted(value.items()):
        problem = field.check(item)
        if problem:
            problems.add("%s.%s" % (field.path, key), field.output, problem)
        else:
            clean[key] = item
    _set(document, field.path, clean)


def _sequence(document, value, field, problems):
    if not isinstance(value, list):
        problems.add(field.path, field.output, "expected a list, got %s" % _shown(value))
        return
    for index, item in enumerate(value):
        problem = field.check(item)
        if problem:
            problems.add("%s[%d]" % (field.path, index), field.output, problem)
    _set(document, field.path, sorted(value, key=str))


def _function(logical, entry, output, problems):
    field_path = "functions.%s" % logical
    if not LOGICAL.match(logical):
        problems.add(field_path, output, "logical name %s is not lower-case letters, digits, - or _" % _shown(logical))
    if not isinstance(entry, dict):
        problems.add(field_path, output, "expected a map of function attributes, got %s" % _shown(entry))
        return None
    clean = {}
    for name, required, check in FUNCTION_ATTRIBUTES:
        value = entry.get(name, MISSING)
        if value is MISSING or value is None:
            if required:
                problems.add("%s.%s" % (field_path, name), output, "missing attribute '%s'" % name)
            continue
        problem = check(value)
        if problem:
            problems.add("%s.%s" % (field_path, name), output, problem)
        else:
            clean[name] = value
    secrets = entry.get("secrets") or []
    if not isinstance(secrets, list) or not all(isinstance(item, str) and item for item in secrets):
        problems.add("%s.secrets" % field_path, output, "expected a list of credential names, got %s" % _shown(secrets))
    else:
        clean["secrets"] = sorted(secrets)
    return clean


def _functions(document, value, field, problems):
    if not isinstance(value, dict):
        problems.add(field.path, field.output, "expected a map of functions, got %s" % _shown(value))
        return
    functions = {}
    for logical, entry in sorted(value.items()):
        clean = _function(logical, entry, field.output, problems)
        if clean is not None:
            functions[logical] = clean
    document["functions"] = functions


def _cross_checks(document, outputs, problems, output_map):
    """References between fields: every credential a function reads must be a known secret."""
    secrets = outputs.get(output_map["secrets"])
    known = set(secrets) if isinstance(secrets, dict) else set()
    for logical, entry in sorted(document.get("functions", {}).items()):
        for credential in entry.get("secrets", []):
            if known and credential not in known:
                problems.add(
                    "functions.%s.secrets" % logical,
                    output_map[FUNCTIONS_FIELD.path],
                    "reads credential '%s', which has no ARN in '%s'" % (credential, output_map["secrets"]),
                )


BUILDERS = dict(
    [(field.path, _scalar) for field in SCALAR_FIELDS]
    + [(field.path, _mapping) for field in MAP_FIELDS]
    + [(field.path, _sequence) for field in LIST_FIELDS]
    + [(FUNCTIONS_FIELD.path, _functions)]
)


def resolve_output_map(overrides):
    """The default field -> output map with overrides; unknown fields are refused."""
    overrides = overrides or {}
    unknown = sorted(set(overrides) - set(DEFAULT_OUTPUT_MAP))
    if unknown:
        raise ManifestError(
            "output_map names unknown manifest fields: %s" % ", ".join(unknown),
            guidance="Use one of: %s." % ", ".join(sorted(DEFAULT_OUTPUT_MAP)),
            problems=[{"field": name, "output": overrides[name], "problem": "unknown field"} for name in unknown],
        )
    merged = dict(DEFAULT_OUTPUT_MAP)
    merged.update(overrides)
    return merged


def build(environment, outputs, output_map=None):
    """The manifest for `environment` from Terraform `outputs` (name -> value), or ManifestError."""
    output_map = resolve_output_map(output_map)
    problems = Problems()
    document = {"manifest_version": MANIFEST_VERSION, "environment": environment}
    declared = outputs.get("environment")
    if declared not in (None, "", environment):
        problems.add("environment", "environment", "the outputs are for environment %s, not %s" % (_shown(declared), _shown(environment)))
    for default in ALL_FIELDS:
        field = default._replace(output=output_map[default.path])
        value = _lookup(outputs, field, problems)
        if value is not MISSING:
            BUILDERS[field.path](document, value, field, problems)
    _cross_checks(document, outputs, problems, output_map)
    problems.raise_if_any(environment)
    return document


def dumps(document):
    """The canonical text of a manifest: stable key order, so equal manifests are equal files."""
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
