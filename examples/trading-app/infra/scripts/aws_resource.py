#!/usr/bin/env python3
"""Converge or delete one AWS resource: the worker behind modules/aws_resource.

    aws_resource.py ensure   create the resource if it is missing, else bring it to the spec;
                             then write its generated attributes (ids, ARNs) as JSON
    aws_resource.py delete   delete the resource if it exists (idempotent)

Inputs come from the environment, set by the module's provisioners:

    RESOURCE_KIND             one of the kinds in KINDS at the bottom of this file
    RESOURCE_NAME             the resource's name; with kind and region, its identity
    RESOURCE_REGION           the AWS region the resource lives in
    RESOURCE_SPEC             JSON object: the desired configuration (ensure only)
    RESOURCE_ATTRIBUTES_FILE  where ensure writes the attributes (ensure only)

AWS is reached through the standard environment (credentials, AWS_ENDPOINT_URL, ...), so the
same script deploys to AWS and to a local emulator. `delete` knows only kind, name and region,
so every kind finds its resource from the name alone. Exit status: 0 on success, 1 on failure
(with a message on stderr), 2 on bad usage.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, NamedTuple

from botocore.exceptions import BotoCoreError, ClientError

CLOUDFRONT_HOSTED_ZONE_ID = "Z2FDTNDATAQYW2"  # the fixed zone of every CloudFront alias target
CACHING_OPTIMIZED_POLICY = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS managed cache policy
NOT_DEPLOYED_BODY = {"message": "not deployed yet"}


class Failure(Exception):
    """A problem AWS did not raise itself; the message says what is wrong."""


# --------------------------------------------------------------------------- context and helpers


@dataclass
class Context:
    kind: str
    name: str
    region: str
    spec: dict[str, Any]
    clients: dict[tuple[str, str], Any] = field(default_factory=dict)

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.region)
        if key not in self.clients:
            import boto3
            from botocore.config import Config

            config = Config(
                retries={"mode": "standard", "max_attempts": 10},
                connect_timeout=10,
                read_timeout=60,
                user_agent_extra="acinaces-infra",
            )
            self.clients[key] = boto3.client(service, region_name=key[1], config=config,
                                             endpoint_url=configured_endpoint(service))
        return self.clients[key]

    def log(self, message: str) -> None:
        print(f"{self.kind} {self.name}: {message}", flush=True)

    def warn(self, message: str) -> None:
        print(f"aws_resource: warning: {self.kind} {self.name}: {message}", file=sys.stderr, flush=True)

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    @property
    def tags(self) -> dict[str, str]:
        return dict(self.spec.get("tags") or {})


def configured_endpoint(service: str) -> str | None:
    """The endpoint from the environment, passed explicitly for services with endpoint discovery.

    botocore reads AWS_ENDPOINT_URL[_SERVICE] itself, but Timestream discovers its endpoint
    (from the answer of DescribeEndpoints) unless the client is given endpoint_url.
    """
    if service not in ("timestream-write", "timestream-query"):
        return None
    specific = "AWS_ENDPOINT_URL_" + service.upper().replace("-", "_")
    return os.environ.get(specific) or os.environ.get("AWS_ENDPOINT_URL") or None


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def call_or_none(function: Callable[..., Any], codes: tuple[str, ...], **kwargs: Any) -> Any:
    """function(**kwargs), or None when AWS answers with one of `codes` (e.g. not found)."""
    try:
        return function(**kwargs)
    except ClientError as exc:
        if error_code(exc) in codes:
            return None
        raise


def emulated() -> bool:
    """True when AWS is an emulator reached through AWS_ENDPOINT_URL (local runs)."""
    return bool(os.environ.get("AWS_ENDPOINT_URL"))


def unsupported_by_emulator(exc: ClientError) -> bool:
    """The emulator has no such operation (it answers a bare HTTP 404/501, no AWS error code)."""
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return emulated() and error_code(exc) in ("404", "501", "NotImplemented") and status in (404, 501)


def wait_for(check: Callable[[], Any], what: str, timeout: float, interval: float = 2.0) -> Any:
    """Poll check() until it returns something truthy; Failure after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise Failure(f"timed out after {int(timeout)}s waiting for {what}")
        time.sleep(interval)


def retry_on(function: Callable[[], Any], code: str, texts: tuple[str, ...], what: str,
             timeout: float = 120) -> Any:
    """Call function(), retrying while AWS answers `code` with one of `texts` in the message."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return function()
        except ClientError as exc:
            message = str(exc.response.get("Error", {}).get("Message", ""))
            matches = error_code(exc) == code and any(text in message for text in texts)
            if not matches or time.monotonic() >= deadline:
                raise
            print(f"aws_resource: waiting: {what}", file=sys.stderr, flush=True)
            time.sleep(5)


def tag_list(tags: dict[str, str], key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in sorted(tags.items())]


def paginate(client: Any, operation: str, result_key: str, **kwargs: Any) -> list[Any]:
    items: list[Any] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page.get(result_key) or [])
    return items


def subset(want: Any, have: Any) -> bool:
    """True when every value in `want` is present and equal in `have`.

    Dicts compare by key (extra keys in `have` are fine), lists of plain values in any order
    (AWS may reorder e.g. HTTP methods), other lists element by element.
    """
    if isinstance(want, dict):
        return isinstance(have, dict) and all(subset(v, have.get(k)) for k, v in want.items())
    if isinstance(want, list):
        if not isinstance(have, list) or len(want) != len(have):
            return False
        if all(not isinstance(v, (dict, list)) for v in want + have):
            return sorted(map(str, want)) == sorted(map(str, have))
        return all(map(subset, want, have))
    return want == have


def quantity(items: list[Any]) -> dict[str, Any]:
    """CloudFront's list form; AWS leaves Items out when there are none."""
    return {"Quantity": len(items), "Items": items} if items else {"Quantity": 0}


def account_of(arn: str) -> str:
    return arn.split(":")[4]


# --------------------------------------------------------------------------- S3 buckets


def bucket_exists(s3: Any, bucket: str) -> bool:
    try:
        s3.head_bucket(Bucket=bucket)
        return True
    except ClientError as exc:
        if error_code(exc) in ("404", "NoSuchBucket", "NotFound"):
            return False
        if error_code(exc) in ("403", "AccessDenied"):
            raise Failure(f"bucket {bucket} exists but is not yours (bucket names are global): "
                          "choose another name_prefix") from exc
        raise


def ensure_s3_bucket(ctx: Context) -> dict[str, Any]:
    s3, bucket = ctx.client("s3"), ctx.name
    if not bucket_exists(s3, bucket):
        args: dict[str, Any] = {"Bucket": bucket}
        if ctx.region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": ctx.region}
        s3.create_bucket(**args)
        s3.get_waiter("bucket_exists").wait(Bucket=bucket, WaiterConfig={"Delay": 2, "MaxAttempts": 30})
        ctx.log("created")
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True,
        "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    status = "Enabled" if ctx.spec.get("versioning", True) else "Suspended"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})
    if ctx.tags:
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_list(ctx.tags)})
    suffix = "amazonaws.com.cn" if ctx.partition == "aws-cn" else "amazonaws.com"
    return {
        "bucket": bucket,
        "arn": f"arn:{ctx.partition}:s3:::{bucket}",
        "regional_domain_name": f"{bucket}.s3.{ctx.region}.{suffix}",
    }


def delete_s3_bucket(ctx: Context) -> None:
    s3, bucket = ctx.client("s3"), ctx.name
    if not bucket_exists(s3, bucket):
        return
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        objects = [{"Key": o["Key"], "VersionId": o["VersionId"]}
                   for o in (page.get("Versions") or []) + (page.get("DeleteMarkers") or [])]
        for start in range(0, len(objects), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects[start:start + 1000], "Quiet": True})
    s3.delete_bucket(Bucket=bucket)
    ctx.log("deleted (with every object version)")


# --------------------------------------------------------------------------- IAM role

# Stand-ins for AWS managed policies that an emulator may not know (moto loads none by default).
MANAGED_POLICY_STAND_INS = {
    "AWSLambdaBasicExecutionRole": [
        {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "*"}],
    "AWSXRayDaemonWriteAccess": [
        {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords",
                                       "xray:GetSamplingRules", "xray:GetSamplingTargets",
                                       "xray:GetSamplingStatisticSummaries"], "Resource": "*"}],
}


def attach_managed_policies(ctx: Context, iam: Any, role: str) -> dict[str, Any]:
    """Attach spec.managed_policies, detach others; return stand-in inline policies needed."""
    wanted = set(ctx.spec.get("managed_policies") or [])
    attached = {p["PolicyArn"] for p in paginate(iam, "list_attached_role_policies", "AttachedPolicies",
                                                 RoleName=role)}
    stand_ins: dict[str, Any] = {}
    for arn in sorted(wanted - attached):
        try:
            iam.attach_role_policy(RoleName=role, PolicyArn=arn)
        except ClientError as exc:
            policy = arn.rsplit("/", 1)[-1]
            if not (emulated() and error_code(exc) == "NoSuchEntity" and policy in MANAGED_POLICY_STAND_INS):
                raise
            ctx.warn(f"the endpoint has no managed policy {arn}: using an equivalent inline policy")
            stand_ins[f"stand-in-{policy}"] = {"Version": "2012-10-17",
                                               "Statement": MANAGED_POLICY_STAND_INS[policy]}
    for arn in sorted(attached - wanted):
        iam.detach_role_policy(RoleName=role, PolicyArn=arn)
    return stand_ins


def ensure_iam_role(ctx: Context) -> dict[str, Any]:
    iam, role = ctx.client("iam"), ctx.name
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Service": ctx.spec["assume_role_service"]}}]}
    found = call_or_none(iam.get_role, ("NoSuchEntity",), RoleName=role)
    if found is None:
        found = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust),
                                Description=ctx.spec.get("description", ""), Tags=tag_list(ctx.tags))
        ctx.log("created")
    else:
        iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(trust))
        if ctx.tags:
            iam.tag_role(RoleName=role, Tags=tag_list(ctx.tags))
    inline = dict(ctx.spec.get("inline_policies") or {})
    inline.update(attach_managed_policies(ctx, iam, role))
    for policy, document in sorted(inline.items()):
        iam.put_role_policy(RoleName=role, PolicyName=policy, PolicyDocument=json.dumps(document))
    for policy in paginate(iam, "list_role_policies", "PolicyNames", RoleName=role):
        if policy not in inline:
            iam.delete_role_policy(RoleName=role, PolicyName=policy)
    return {"role_name": role, "role_arn": found["Role"]["Arn"]}


def delete_iam_role(ctx: Context) -> None:
    iam, role = ctx.client("iam"), ctx.name
    if call_or_none(iam.get_role, ("NoSuchEntity",), RoleName=role) is None:
        return
    for policy in paginate(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=role):
        iam.detach_role_policy(RoleName=role, PolicyArn=policy["PolicyArn"])
    for policy in paginate(iam, "list_role_policies", "PolicyNames", RoleName=role):
        iam.delete_role_policy(RoleName=role, PolicyName=policy)
    for profile in paginate(iam, "list_instance_profiles_for_role", "InstanceProfiles", RoleName=role):
        iam.remove_role_from_instance_profile(InstanceProfileName=profile["InstanceProfileName"], RoleName=role)
    iam.delete_role(RoleName=role)
    ctx.log("deleted")


# --------------------------------------------------------------------------- CloudWatch Logs


def ensure_log_group(ctx: Context) -> dict[str, Any]:
    logs, group = ctx.client("logs"), ctx.name
    created = call_or_none(logs.create_log_group, ("ResourceAlreadyExistsException",),
                           logGroupName=group, tags=ctx.tags)
    described = [g for g in paginate(logs, "describe_log_groups", "logGroups", logGroupNamePrefix=group)
                 if g["logGroupName"] == group]
    if not described:
        raise Failure(f"log group {group} is not there after creating it")
    arn = described[0].get("logGroupArn") or described[0]["arn"].removesuffix(":*")
    if created is None and ctx.tags:
        logs.tag_resource(resourceArn=arn, tags=ctx.tags)
    logs.put_retention_policy(logGroupName=group, retentionInDays=int(ctx.spec["retention_days"]))
    return {"log_group_name": group, "arn": arn}


def delete_log_group(ctx: Context) -> None:
    logs = ctx.client("logs")
    call_or_none(logs.delete_log_group, ("ResourceNotFoundException",), logGroupName=ctx.name)


# --------------------------------------------------------------------------- KMS key (named by alias)


def ensure_kms_key(ctx: Context) -> dict[str, Any]:
    kms, alias = ctx.client("kms"), ctx.name
    found = call_or_none(kms.describe_key, ("NotFoundException",), KeyId=alias)
    if found is None:
        key = kms.create_key(Description=ctx.spec.get("description", alias), KeyUsage="ENCRYPT_DECRYPT",
                             KeySpec="SYMMETRIC_DEFAULT", Tags=tag_list(ctx.tags, "TagKey", "TagValue"))
        meta = key["KeyMetadata"]
        kms.create_alias(AliasName=alias, TargetKeyId=meta["KeyId"])
        ctx.log("created")
    else:
        meta = found["KeyMetadata"]
        if meta["KeyState"] == "PendingDeletion":
            kms.cancel_key_deletion(KeyId=meta["KeyId"])
            kms.enable_key(KeyId=meta["KeyId"])
            ctx.warn("the key was scheduled for deletion: deletion cancelled")
        if meta.get("Description") != ctx.spec.get("description", alias):
            kms.update_key_description(KeyId=meta["KeyId"], Description=ctx.spec.get("description", alias))
        if ctx.tags:
            kms.tag_resource(KeyId=meta["KeyId"], Tags=tag_list(ctx.tags, "TagKey", "TagValue"))
    if ctx.spec.get("enable_key_rotation", True):
        kms.enable_key_rotation(KeyId=meta["KeyId"])
    return {"key_id": meta["KeyId"], "key_arn": meta["Arn"], "alias": alias}


def delete_kms_key(ctx: Context) -> None:
    kms, alias = ctx.client("kms"), ctx.name
    found = call_or_none(kms.describe_key, ("NotFoundException",), KeyId=alias)
    if found is None:
        return
    meta = found["KeyMetadata"]
    kms.delete_alias(AliasName=alias)
    if meta["KeyState"] != "PendingDeletion":
        kms.schedule_key_deletion(KeyId=meta["KeyId"], PendingWindowInDays=7)
    ctx.log("alias removed, key scheduled for deletion in 7 days")


# --------------------------------------------------------------------------- Secrets Manager


def ensure_secret(ctx: Context) -> dict[str, Any]:
    """The secret's metadata only: a value is never written here (it has no version at creation)."""
    sm, secret = ctx.client("secretsmanager"), ctx.name
    description, key = ctx.spec.get("description", ""), ctx.spec.get("kms_key_id")
    found = call_or_none(sm.describe_secret, ("ResourceNotFoundException",), SecretId=secret)
    if found is None:
        args = {"Name": secret, "Description": description, "Tags": tag_list(ctx.tags)}
        if key:
            args["KmsKeyId"] = key
        found = retry_on(lambda: sm.create_secret(**args), "InvalidRequestException", ("scheduled for deletion",),
                         f"the previous secret {secret} is still being deleted")
        ctx.log("created (no value)")
        return {"secret_name": secret, "secret_arn": found["ARN"]}
    if found.get("DeletedDate"):
        sm.restore_secret(SecretId=secret)
        ctx.warn("the secret was scheduled for deletion: restored")
    if found.get("Description", "") != description or (key and found.get("KmsKeyId") != key):
        args = {"SecretId": secret, "Description": description}
        if key:
            args["KmsKeyId"] = key
        sm.update_secret(**args)
    if ctx.tags:
        sm.tag_resource(SecretId=secret, Tags=tag_list(ctx.tags))
    return {"secret_name": secret, "secret_arn": found["ARN"]}


def delete_secret(ctx: Context) -> None:
    sm = ctx.client("secretsmanager")
    call_or_none(sm.delete_secret, ("ResourceNotFoundException",), SecretId=ctx.name,
                 ForceDeleteWithoutRecovery=True)


# --------------------------------------------------------------------------- DynamoDB


def ensure_dynamodb_table(ctx: Context) -> dict[str, Any]:
    ddb, table = ctx.client("dynamodb"), ctx.name
    hash_key, billing = ctx.spec.get("hash_key", "id"), ctx.spec.get("billing_mode", "PAY_PER_REQUEST")
    found = call_or_none(ddb.describe_table, ("ResourceNotFoundException",), TableName=table)
    if found is None:
        ddb.create_table(TableName=table, BillingMode=billing,
                         AttributeDefinitions=[{"AttributeName": hash_key, "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": hash_key, "KeyType": "HASH"}], Tags=tag_list(ctx.tags))
        ddb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 2, "MaxAttempts": 60})
        found = ddb.describe_table(TableName=table)
        ctx.log("created")
    description = found["Table"]
    key = [k["AttributeName"] for k in description["KeySchema"] if k["KeyType"] == "HASH"]
    if key != [hash_key]:
        raise Failure(f"table {table} exists with hash key {key}, not {hash_key!r}: "
                      "a key cannot change; delete the table or rename it")
    if description.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED") != billing:
        ddb.update_table(TableName=table, BillingMode=billing)
    if ctx.tags:
        ddb.tag_resource(ResourceArn=description["TableArn"], Tags=tag_list(ctx.tags))
    return {"table_name": table, "table_arn": description["TableArn"]}


def delete_dynamodb_table(ctx: Context) -> None:
    ddb = ctx.client("dynamodb")
    if call_or_none(ddb.delete_table, ("ResourceNotFoundException",), TableName=ctx.name) is not None:
        ddb.get_waiter("table_not_exists").wait(TableName=ctx.name, WaiterConfig={"Delay": 2, "MaxAttempts": 60})
        ctx.log("deleted")


# --------------------------------------------------------------------------- Timestream


def ensure_timestream_database(ctx: Context) -> dict[str, Any]:
    ts, database = ctx.client("timestream-write"), ctx.name
    found = call_or_none(ts.describe_database, ("ResourceNotFoundException",), DatabaseName=database)
    if found is None:
        found = ts.create_database(DatabaseName=database, Tags=tag_list(ctx.tags))
        ctx.log("created")
    elif ctx.tags:
        ts.tag_resource(ResourceARN=found["Database"]["Arn"], Tags=tag_list(ctx.tags))
    return {"database_name": database, "arn": found["Database"]["Arn"]}


def delete_timestream_database(ctx: Context) -> None:
    ts, database = ctx.client("timestream-write"), ctx.name
    if call_or_none(ts.describe_database, ("ResourceNotFoundException",), DatabaseName=database) is None:
        return
    for table in ts.list_tables(DatabaseName=database).get("Tables", []):
        ts.delete_table(DatabaseName=database, TableName=table["TableName"])
    ts.delete_database(DatabaseName=database)
    ctx.log("deleted")


def split_table_name(name: str) -> tuple[str, str]:
    database, table = name.partition("/")[::2]
    if not table:
        raise Failure(f"a timestream_table is named DATABASE/TABLE, not {name!r}")
    return database, table


def ensure_timestream_table(ctx: Context) -> dict[str, Any]:
    ts = ctx.client("timestream-write")
    database, table = split_table_name(ctx.name)
    retention = {
        "MemoryStoreRetentionPeriodInHours": int(ctx.spec.get("memory_retention_hours", 24)),
        "MagneticStoreRetentionPeriodInDays": int(ctx.spec.get("magnetic_retention_days", 365)),
    }
    found = call_or_none(ts.describe_table, ("ResourceNotFoundException",), DatabaseName=database, TableName=table)
    if found is None:
        found = ts.create_table(DatabaseName=database, TableName=table, RetentionProperties=retention,
                                Tags=tag_list(ctx.tags))
        ctx.log("created")
    elif found["Table"].get("RetentionProperties") != retention:
        found = ts.update_table(DatabaseName=database, TableName=table, RetentionProperties=retention)
    return {"database_name": database, "table_name": table, "arn": found["Table"]["Arn"]}


def delete_timestream_table(ctx: Context) -> None:
    ts = ctx.client("timestream-write")
    database, table = split_table_name(ctx.name)
    call_or_none(ts.delete_table, ("ResourceNotFoundException",), DatabaseName=database, TableName=table)


# --------------------------------------------------------------------------- Lambda


def placeholder_zip(handler: str, runtime: str) -> bytes:
    """A one-file package whose handler answers 503 until the backend is deployed."""
    module, function = handler.rpartition(".")[::2]
    body = json.dumps(NOT_DEPLOYED_BODY)
    if runtime.startswith("python"):
        filename = f"{module}.py"
        source = (f"import json\n\n\ndef {function}(event, context):\n"
                  f"    return {{'statusCode': 503, 'headers': {{'content-type': 'application/json'}}, "
                  f"'body': json.dumps({NOT_DEPLOYED_BODY!r})}}\n")
    else:
        filename = f"{module}.js"
        source = (f"exports.{function} = async () => ({{\n  statusCode: 503,\n"
                  f"  headers: {{ 'content-type': 'application/json' }},\n  body: {json.dumps(body)},\n}});\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        entry = zipfile.ZipInfo(filename, date_time=(1980, 1, 1, 0, 0, 0))
        entry.external_attr = 0o644 << 16
        archive.writestr(entry, source)
    return buffer.getvalue()


def function_settings(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "Runtime": spec["runtime"],
        "Handler": spec["handler"],
        "Role": spec["role_arn"],
        "MemorySize": int(spec.get("memory_size", 256)),
        "Timeout": int(spec.get("timeout", 10)),
        "TracingConfig": {"Mode": spec.get("tracing_mode", "Active")},
    }


def create_function(ctx: Context, lam: Any) -> dict[str, Any]:
    settings = function_settings(ctx.spec)
    code = {"ZipFile": placeholder_zip(settings["Handler"], settings["Runtime"])}
    created = retry_on(
        lambda: lam.create_function(FunctionName=ctx.name, Code=code, Publish=True, Tags=ctx.tags,
                                    Description=ctx.spec.get("description", ""), **settings),
        # A new role (and its policies) takes a few seconds to reach Lambda.
        "InvalidParameterValueException", ("cannot be assumed", "does not have permissions"),
        "the new role is not yet usable by Lambda")
    lam.get_waiter("function_active_v2").wait(FunctionName=ctx.name, WaiterConfig={"Delay": 2, "MaxAttempts": 60})
    ctx.log(f"created, version {created['Version']}")
    return created


def update_function(ctx: Context, lam: Any, current: dict[str, Any]) -> None:
    """Fix only the settings of the spec; code, environment and alias belong to the deploy."""
    wanted = function_settings(ctx.spec)
    changes = {k: v for k, v in wanted.items() if current.get(k) != v}
    if changes:
        lam.update_function_configuration(FunctionName=ctx.name, **changes)
        lam.get_waiter("function_updated_v2").wait(FunctionName=ctx.name,
                                                   WaiterConfig={"Delay": 2, "MaxAttempts": 60})
        ctx.log(f"updated {', '.join(sorted(changes))}")
    if ctx.tags:
        lam.tag_resource(Resource=current["FunctionArn"], Tags=ctx.tags)


def ensure_alias(ctx: Context, lam: Any, alias: str) -> dict[str, Any]:
    """Create the alias when missing (pointing at the newest version); never move an existing one."""
    found = call_or_none(lam.get_alias, ("ResourceNotFoundException",), FunctionName=ctx.name, Name=alias)
    if found is not None:
        return found
    versions = [v["Version"] for v in paginate(lam, "list_versions_by_function", "Versions", FunctionName=ctx.name)
                if v["Version"] != "$LATEST"]
    version = max(versions, key=int) if versions else lam.publish_version(FunctionName=ctx.name)["Version"]
    ctx.log(f"alias {alias} -> version {version}")
    return lam.create_alias(FunctionName=ctx.name, Name=alias, FunctionVersion=version)


def ensure_lambda_function(ctx: Context) -> dict[str, Any]:
    lam = ctx.client("lambda")
    current = call_or_none(lam.get_function_configuration, ("ResourceNotFoundException",), FunctionName=ctx.name)
    if current is None:
        current = create_function(ctx, lam)
    else:
        update_function(ctx, lam, current)
    alias = ensure_alias(ctx, lam, ctx.spec.get("alias", "live"))
    function_arn = current["FunctionArn"].split(":function:")[0] + f":function:{ctx.name}"
    invoke = (f"arn:{ctx.partition}:apigateway:{ctx.region}:lambda:path/2015-03-31/functions/"
              f"{alias['AliasArn']}/invocations")
    return {"function_name": ctx.name, "function_arn": function_arn, "alias": alias["Name"],
            "alias_arn": alias["AliasArn"], "invoke_arn": invoke}


def delete_lambda_function(ctx: Context) -> None:
    lam = ctx.client("lambda")
    if call_or_none(lam.delete_function, ("ResourceNotFoundException",), FunctionName=ctx.name) is not None:
        ctx.log("deleted (every version and alias)")


# --------------------------------------------------------------------------- API Gateway REST API


def tag_apigateway(ctx: Context, path: str) -> None:
    """Tag an existing API Gateway resource (new ones get their tags at creation)."""
    if not ctx.tags:
        return
    arn = f"arn:{ctx.partition}:apigateway:{ctx.region}::{path}"
    try:
        ctx.client("apigateway").tag_resource(resourceArn=arn, tags=ctx.tags)
    except ClientError as exc:
        if not unsupported_by_emulator(exc):
            raise


def find_rest_apis(apigw: Any, name: str) -> list[dict[str, Any]]:
    return [api for api in paginate(apigw, "get_rest_apis", "items") if api["name"] == name]


def route_paths(routes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every path that carries the ANY method: each route and its {proxy+} child."""
    paths = {}
    for route in routes.values():
        base = "/" + route["path"].strip("/")
        paths[base] = route
        paths[f"{base}/{{proxy+}}"] = route
    return paths


def ensure_resource_path(apigw: Any, api_id: str, by_path: dict[str, dict[str, Any]], path: str) -> dict[str, Any]:
    """The resource at `path`, creating missing segments; by_path is updated in place."""
    if path in by_path:
        return by_path[path]
    parent_path, part = path.rpartition("/")[::2]
    parent = ensure_resource_path(apigw, api_id, by_path, parent_path or "/")
    created = apigw.create_resource(restApiId=api_id, parentId=parent["id"], pathPart=part)
    by_path[path] = created
    return created


def ensure_any_method(apigw: Any, api_id: str, resource: dict[str, Any], uri: str) -> bool:
    """ANY with an AWS_PROXY integration to `uri`; True when something changed."""
    method = (resource.get("resourceMethods") or {}).get("ANY")
    changed = False
    if method is None:
        apigw.put_method(restApiId=api_id, resourceId=resource["id"], httpMethod="ANY", authorizationType="NONE")
        changed = True
    integration = (method or {}).get("methodIntegration") or {}
    if integration.get("type") != "AWS_PROXY" or integration.get("uri") != uri:
        apigw.put_integration(restApiId=api_id, resourceId=resource["id"], httpMethod="ANY", type="AWS_PROXY",
                              integrationHttpMethod="POST", uri=uri)
        changed = True
    return changed


def prune_resources(apigw: Any, api_id: str, by_path: dict[str, dict[str, Any]], wanted: set[str]) -> bool:
    """Delete resources that no route needs any more (deepest first); True when any was deleted."""
    keep = {"/"} | {"/".join(p.split("/")[:i]) or "/" for p in wanted for i in range(1, p.count("/") + 2)}
    stale = sorted((p for p in by_path if p not in keep), key=lambda p: -p.count("/"))
    for path in stale:
        call_or_none(apigw.delete_resource, ("NotFoundException",), restApiId=api_id,
                     resourceId=by_path[path]["id"])
    return bool(stale)


def grant_invoke(ctx: Context, api_id: str, account: str, routes: dict[str, Any]) -> None:
    lam = ctx.client("lambda")
    source = f"arn:{ctx.partition}:execute-api:{ctx.region}:{account}:{api_id}/*/*/*"
    for route in routes.values():
        function, qualifier = route["alias_arn"].rpartition(":")[::2]
        call_or_none(lam.add_permission, ("ResourceConflictException",), FunctionName=function,
                     Qualifier=qualifier, StatementId=f"apigateway-{api_id}", Action="lambda:InvokeFunction",
                     Principal="apigateway.amazonaws.com", SourceArn=source)


def ensure_stage(ctx: Context, apigw: Any, api_id: str, changed: bool) -> None:
    stage = ctx.spec.get("stage", "live")
    tracing = bool(ctx.spec.get("tracing_enabled", True))
    found = call_or_none(apigw.get_stage, ("NotFoundException",), restApiId=api_id, stageName=stage)
    if found is None:
        apigw.create_deployment(restApiId=api_id, stageName=stage, description="acinaces infra")
        found = apigw.get_stage(restApiId=api_id, stageName=stage)
        ctx.log(f"deployed stage {stage}")
    elif changed:
        deployment = apigw.create_deployment(restApiId=api_id, description="acinaces infra")
        apigw.update_stage(restApiId=api_id, stageName=stage, patchOperations=[
            {"op": "replace", "path": "/deploymentId", "value": deployment["id"]}])
        ctx.log(f"redeployed stage {stage}")
    if bool(found.get("tracingEnabled")) != tracing:
        apigw.update_stage(restApiId=api_id, stageName=stage, patchOperations=[
            {"op": "replace", "path": "/tracingEnabled", "value": str(tracing).lower()}])


def ensure_rest_api(ctx: Context) -> dict[str, Any]:
    apigw, routes = ctx.client("apigateway"), ctx.spec.get("routes") or {}
    apis = find_rest_apis(apigw, ctx.name)
    if len(apis) > 1:
        raise Failure(f"{len(apis)} REST APIs are named {ctx.name}: delete the extra ones")
    if apis:
        api = apis[0]
        tag_apigateway(ctx, f"/restapis/{api['id']}")
    else:
        api = apigw.create_rest_api(name=ctx.name, description=ctx.spec.get("description", ""),
                                    endpointConfiguration={"types": [ctx.spec.get("endpoint_type", "REGIONAL")]},
                                    tags=ctx.tags)
        ctx.log("created")
    api_id = api["id"]
    by_path = {r["path"]: r for r in paginate(apigw, "get_resources", "items", restApiId=api_id, embed=["methods"])}
    wanted = route_paths(routes)
    changed = not apis
    for path, route in sorted(wanted.items()):
        resource = ensure_resource_path(apigw, api_id, by_path, path)
        changed |= ensure_any_method(apigw, api_id, resource, route["invoke_arn"])
    changed |= prune_resources(apigw, api_id, by_path, set(wanted))
    account = account_of(next(iter(routes.values()))["alias_arn"]) if routes else \
        ctx.client("sts").get_caller_identity()["Account"]
    grant_invoke(ctx, api_id, account, routes)
    ensure_stage(ctx, apigw, api_id, changed)
    stage = ctx.spec.get("stage", "live")
    suffix = "amazonaws.com.cn" if ctx.partition == "aws-cn" else "amazonaws.com"
    return {
        "api_id": api_id,
        "api_name": ctx.name,
        "stage": stage,
        "endpoint": f"https://{api_id}.execute-api.{ctx.region}.{suffix}/{stage}",
        "execution_arn": f"arn:{ctx.partition}:execute-api:{ctx.region}:{account}:{api_id}",
        "root_resource_id": by_path["/"]["id"],
    }


def delete_rest_api(ctx: Context) -> None:
    apigw = ctx.client("apigateway")
    for api in find_rest_apis(apigw, ctx.name):
        call_or_none(apigw.delete_rest_api, ("NotFoundException",), restApiId=api["id"])
        ctx.log(f"deleted {api['id']}")


# --------------------------------------------------------------------------- API Gateway custom domain


def ensure_base_path_mapping(apigw: Any, domain: str, base_path: str, api_id: str, stage: str) -> None:
    """Map base_path of the domain to the API's stage: create it, or repoint an existing mapping.

    Create first and look only on conflict: listing the mappings of a domain that has none
    fails on moto (HTTP 500).
    """
    args = {"domainName": domain, "restApiId": api_id, "stage": stage}
    if base_path != "(none)":
        args["basePath"] = base_path
    try:
        apigw.create_base_path_mapping(**args)
        return
    except ClientError as exc:
        if error_code(exc) != "ConflictException":
            raise
    mapping = apigw.get_base_path_mapping(domainName=domain, basePath=base_path)
    if (mapping.get("restApiId"), mapping.get("stage")) != (api_id, stage):
        apigw.update_base_path_mapping(domainName=domain, basePath=base_path, patchOperations=[
            {"op": "replace", "path": "/restapiId", "value": api_id},
            {"op": "replace", "path": "/stage", "value": stage}])


def ensure_api_domain(ctx: Context) -> dict[str, Any]:
    apigw, domain, spec = ctx.client("apigateway"), ctx.name, ctx.spec
    found = call_or_none(apigw.get_domain_name, ("NotFoundException",), domainName=domain)
    if found is None:
        found = apigw.create_domain_name(domainName=domain, regionalCertificateArn=spec["certificate_arn"],
                                         endpointConfiguration={"types": ["REGIONAL"]},
                                         securityPolicy=spec.get("security_policy", "TLS_1_2"), tags=ctx.tags)
        ctx.log("created")
    else:
        tag_apigateway(ctx, f"/domainnames/{domain}")
        if found.get("regionalCertificateArn") != spec["certificate_arn"]:
            found = apigw.update_domain_name(domainName=domain, patchOperations=[
                {"op": "replace", "path": "/regionalCertificateArn", "value": spec["certificate_arn"]}])
    ensure_base_path_mapping(apigw, domain, spec.get("base_path") or "(none)", spec["api_id"], spec["stage"])
    return {"domain_name": domain, "regional_domain_name": found["regionalDomainName"],
            "regional_zone_id": found["regionalHostedZoneId"]}


def delete_api_domain(ctx: Context) -> None:
    apigw = ctx.client("apigateway")
    if call_or_none(apigw.delete_domain_name, ("NotFoundException",), domainName=ctx.name) is not None:
        ctx.log("deleted (with its base path mappings)")


# --------------------------------------------------------------------------- ACM certificates (named by tag Name)


def find_certificates(acm: Any, name: str) -> list[dict[str, Any]]:
    """Every certificate of the region tagged Name=<name>, newest first."""
    found = []
    key_types = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]
    for summary in paginate(acm, "list_certificates", "CertificateSummaryList", Includes={"keyTypes": key_types}):
        arn = summary["CertificateArn"]
        # Another resource's delete may remove a listed certificate before we read it.
        listed = call_or_none(acm.list_tags_for_certificate, ("ResourceNotFoundException",), CertificateArn=arn)
        tags = (listed or {}).get("Tags", [])
        if {"Key": "Name", "Value": name} in [{"Key": t["Key"], "Value": t.get("Value")} for t in tags]:
            described = call_or_none(acm.describe_certificate, ("ResourceNotFoundException",), CertificateArn=arn)
            if described:
                found.append(described["Certificate"])
    return sorted(found, key=lambda c: str(c.get("CreatedAt") or c.get("ImportedAt") or ""), reverse=True)


def validation_records(acm: Any, arn: str) -> list[dict[str, str]]:
    """The DNS records that prove the domains (ACM fills them in a few seconds after the request)."""
    def records() -> list[dict[str, str]] | None:
        options = acm.describe_certificate(CertificateArn=arn)["Certificate"].get("DomainValidationOptions", [])
        if not options or any("ResourceRecord" not in o for o in options):
            return None
        unique = {o["ResourceRecord"]["Name"]: o["ResourceRecord"] for o in options}
        return [{"name": r["Name"], "type": r["Type"], "value": r["Value"]} for r in (unique[k] for k in sorted(unique))]
    return wait_for(records, f"the validation records of {arn}", timeout=300)


def pem_files(spec: dict[str, Any]) -> dict[str, bytes]:
    files = {"Certificate": spec["certificate_file"], "PrivateKey": spec["private_key_file"]}
    if spec.get("chain_file"):
        files["CertificateChain"] = spec["chain_file"]
    try:
        return {key: Path(path).read_bytes() for key, path in files.items()}
    except OSError as exc:
        raise Failure(f"cannot read a PEM file to import: {exc}") from exc


def import_certificate(ctx: Context, acm: Any, current: dict[str, Any] | None) -> str:
    pem = pem_files(ctx.spec["import"])
    if current is not None:
        body = acm.get_certificate(CertificateArn=current["CertificateArn"]).get("Certificate", "")
        if body.strip() == pem["Certificate"].decode().strip():
            return current["CertificateArn"]
        acm.import_certificate(CertificateArn=current["CertificateArn"], **pem)
        ctx.log("re-imported")
        return current["CertificateArn"]
    arn = acm.import_certificate(Tags=tag_list({**ctx.tags, "Name": ctx.name}), **pem)["CertificateArn"]
    ctx.log("imported")
    return arn


def request_certificate(ctx: Context, acm: Any, current: dict[str, Any] | None) -> str:
    usable = ("PENDING_VALIDATION", "ISSUED", "INACTIVE")
    if current is not None and current["Status"] in usable and current.get("Type") == "AMAZON_ISSUED":
        return current["CertificateArn"]
    arn = acm.request_certificate(DomainName=ctx.spec["domain_name"], ValidationMethod="DNS",
                                  Tags=tag_list({**ctx.tags, "Name": ctx.name}))["CertificateArn"]
    ctx.log(f"requested for {ctx.spec['domain_name']}")
    return arn


def ensure_acm_certificate(ctx: Context) -> dict[str, Any]:
    acm, domain = ctx.client("acm"), ctx.spec["domain_name"]
    mine = find_certificates(acm, ctx.name)
    current = next((c for c in mine if c["DomainName"] == domain), None)
    if ctx.spec.get("import"):
        arn, records = import_certificate(ctx, acm, current), []
    else:
        arn = request_certificate(ctx, acm, current)
        records = validation_records(acm, arn)
    for stale in (c for c in mine if c["CertificateArn"] != arn and not c.get("InUseBy")):
        call_or_none(acm.delete_certificate, ("ResourceInUseException", "ResourceNotFoundException"),
                     CertificateArn=stale["CertificateArn"])
    acm.add_tags_to_certificate(CertificateArn=arn, Tags=tag_list({**ctx.tags, "Name": ctx.name}))
    status = acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"]
    return {"certificate_arn": arn, "domain_name": domain, "status": status, "validation_records": records}


def delete_acm_certificate(ctx: Context) -> None:
    acm = ctx.client("acm")
    for certificate in find_certificates(acm, ctx.name):
        arn = certificate["CertificateArn"]
        # CloudFront and API Gateway release a certificate some minutes after their own deletion.
        retry_on(lambda: call_or_none(acm.delete_certificate, ("ResourceNotFoundException",), CertificateArn=arn),
                 "ResourceInUseException", ("",), f"{arn} is still in use", timeout=1200)
        ctx.log(f"deleted {arn}")


def ensure_acm_certificate_validation(ctx: Context) -> dict[str, Any]:
    """Wait until the certificate is ISSUED (its DNS validation records are in place by then)."""
    acm, arn = ctx.client("acm"), ctx.spec["certificate_arn"]

    def issued() -> bool:
        status = acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"]
        if status in ("FAILED", "VALIDATION_TIMED_OUT", "REVOKED", "EXPIRED"):
            raise Failure(f"certificate {arn} is {status}: check its DNS validation records")
        return status == "ISSUED"

    wait_for(issued, f"certificate {arn} to be issued", timeout=float(ctx.spec.get("timeout_seconds", 2700)),
             interval=10)
    return {"certificate_arn": arn, "status": "ISSUED"}


def delete_acm_certificate_validation(ctx: Context) -> None:
    """Nothing to delete: the validation is a wait, not a resource."""


# --------------------------------------------------------------------------- Route 53


def public_zones(r53: Any, name: str) -> list[dict[str, Any]]:
    fqdn = name.rstrip(".") + "."
    zones = r53.list_hosted_zones_by_name(DNSName=fqdn, MaxItems="100")["HostedZones"]
    return [z for z in zones if z["Name"] == fqdn and not z.get("Config", {}).get("PrivateZone")]


def zone_id(zone: dict[str, Any]) -> str:
    return zone["Id"].rsplit("/", 1)[-1]


def ensure_route53_zone(ctx: Context) -> dict[str, Any]:
    r53, comment = ctx.client("route53"), ctx.spec.get("comment", "")
    zones = public_zones(r53, ctx.name)
    if len(zones) > 1:
        raise Failure(f"{len(zones)} public hosted zones are named {ctx.name}: delete the extra ones")
    if zones:
        zone = zones[0]
        if zone.get("Config", {}).get("Comment", "") != comment:
            r53.update_hosted_zone_comment(Id=zone_id(zone), Comment=comment)
    else:
        reference = f"{ctx.name}-{time.time_ns()}"
        zone = r53.create_hosted_zone(Name=ctx.name, CallerReference=reference,
                                      HostedZoneConfig={"Comment": comment, "PrivateZone": False})["HostedZone"]
        ctx.log("created")
    if ctx.tags:
        r53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=zone_id(zone),
                                     AddTags=tag_list(ctx.tags))
    servers = r53.get_hosted_zone(Id=zone_id(zone)).get("DelegationSet", {}).get("NameServers", [])
    return {"zone_id": zone_id(zone), "zone_name": ctx.name.rstrip("."), "name_servers": servers}


def change_records(r53: Any, zone: str, action: str, record_sets: list[dict[str, Any]]) -> None:
    if record_sets:
        r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={
            "Changes": [{"Action": action, "ResourceRecordSet": r} for r in record_sets]})


def delete_route53_zone(ctx: Context) -> None:
    r53 = ctx.client("route53")
    apex = ctx.name.rstrip(".") + "."
    for zone in public_zones(r53, ctx.name):
        records = paginate(r53, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zone_id(zone))
        extra = [r for r in records if not (r["Name"] == apex and r["Type"] in ("SOA", "NS"))]
        change_records(r53, zone_id(zone), "DELETE", extra)
        r53.delete_hosted_zone(Id=zone_id(zone))
        ctx.log(f"deleted {zone_id(zone)} (and {len(extra)} records left in it)")


def split_record_name(name: str) -> tuple[str, str]:
    fqdn, record_type = name.rpartition(" ")[::2]
    if not fqdn or not record_type:
        raise Failure(f"a route53_record is named 'FQDN TYPE', not {name!r}")
    return fqdn.rstrip(".") + ".", record_type.upper()


def ensure_route53_record(ctx: Context) -> dict[str, Any]:
    r53, spec = ctx.client("route53"), ctx.spec
    fqdn, record_type = split_record_name(ctx.name)
    record: dict[str, Any] = {"Name": fqdn, "Type": record_type}
    if spec.get("alias"):
        alias = spec["alias"]
        record["AliasTarget"] = {"HostedZoneId": alias["zone_id"], "DNSName": alias["name"],
                                 "EvaluateTargetHealth": bool(alias.get("evaluate_target_health", False))}
    else:
        record["TTL"] = int(spec.get("ttl", 300))
        record["ResourceRecords"] = [{"Value": v} for v in spec["values"]]
    change_records(r53, spec["zone_id"], "UPSERT", [record])
    return {"fqdn": fqdn.rstrip("."), "type": record_type, "zone_id": spec["zone_id"]}


def zones_containing(r53: Any, fqdn: str) -> list[dict[str, Any]]:
    """Public zones whose name is a suffix of fqdn, the most specific first."""
    zones = [z for z in paginate(r53, "list_hosted_zones", "HostedZones")
             if not z.get("Config", {}).get("PrivateZone") and (fqdn == z["Name"] or fqdn.endswith("." + z["Name"]))]
    return sorted(zones, key=lambda z: -len(z["Name"]))


def delete_route53_record(ctx: Context) -> None:
    r53 = ctx.client("route53")
    fqdn, record_type = split_record_name(ctx.name)
    for zone in zones_containing(r53, fqdn):
        found = r53.list_resource_record_sets(HostedZoneId=zone_id(zone), StartRecordName=fqdn,
                                              StartRecordType=record_type, MaxItems="1")["ResourceRecordSets"]
        matching = [r for r in found if r["Name"] == fqdn and r["Type"] == record_type]
        if matching:
            change_records(r53, zone_id(zone), "DELETE", matching)
            ctx.log(f"deleted from zone {zone_id(zone)}")
            return


# --------------------------------------------------------------------------- CloudFront (named by CallerReference)


def distribution_summaries(cloudfront: Any) -> list[dict[str, Any]]:
    summaries: list[dict[str, Any]] = []
    args: dict[str, Any] = {}
    while True:
        page = cloudfront.list_distributions(**args).get("DistributionList", {})
        summaries.extend(page.get("Items") or [])
        if not page.get("IsTruncated"):
            return summaries
        args["Marker"] = page["NextMarker"]


def find_distribution(cloudfront: Any, reference: str, comment: str) -> dict[str, Any] | None:
    """The distribution with this CallerReference, looked up first among those with this comment."""
    ordered = sorted(distribution_summaries(cloudfront), key=lambda s: s.get("Comment") != comment)
    for summary in ordered:
        config = cloudfront.get_distribution_config(Id=summary["Id"])
        if config["DistributionConfig"]["CallerReference"] == reference:
            return {"summary": summary, "config": config["DistributionConfig"], "etag": config["ETag"]}
    return None


def ensure_origin_access_control(cloudfront: Any, name: str) -> str:
    for item in cloudfront.list_origin_access_controls().get("OriginAccessControlList", {}).get("Items") or []:
        if item["Name"] == name:
            return item["Id"]
    return cloudfront.create_origin_access_control(OriginAccessControlConfig={
        "Name": name, "Description": "frontend bucket access", "SigningProtocol": "sigv4",
        "SigningBehavior": "always", "OriginAccessControlOriginType": "s3"})["OriginAccessControl"]["Id"]


def distribution_config(ctx: Context, oac_id: str) -> dict[str, Any]:
    spec = ctx.spec
    aliases = list(spec.get("aliases") or [])
    errors = [{"ErrorCode": code, "ResponsePagePath": "/" + spec.get("default_root_object", "index.html"),
               "ResponseCode": "200", "ErrorCachingMinTTL": 0} for code in (403, 404)] \
        if spec.get("spa_fallback", True) else []
    return {
        "CallerReference": ctx.name,
        "Comment": spec["comment"],
        "Enabled": True,
        "Aliases": quantity(aliases),
        "DefaultRootObject": spec.get("default_root_object", "index.html"),
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "frontend", "DomainName": spec["origin_domain_name"], "OriginPath": "",
            "S3OriginConfig": {"OriginAccessIdentity": ""}, "OriginAccessControlId": oac_id}]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "frontend", "ViewerProtocolPolicy": "redirect-to-https", "Compress": True,
            "CachePolicyId": CACHING_OPTIMIZED_POLICY,
            "AllowedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"],
                               "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}}},
        "CustomErrorResponses": quantity(errors),
        "PriceClass": spec.get("price_class", "PriceClass_100"),
        "HttpVersion": "http2",
        "ViewerCertificate": {"ACMCertificateArn": spec["certificate_arn"], "SSLSupportMethod": "sni-only",
                              "MinimumProtocolVersion": "TLSv1.2_2021", "CloudFrontDefaultCertificate": False},
    }


def allow_distribution_to_read(ctx: Context, bucket: str, distribution_arn: str) -> None:
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "CloudFrontReadsFrontend", "Effect": "Allow", "Action": "s3:GetObject",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Resource": f"arn:{ctx.partition}:s3:::{bucket}/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}}}]}
    ctx.client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def ensure_cloudfront_distribution(ctx: Context) -> dict[str, Any]:
    cloudfront = ctx.client("cloudfront")
    oac_id = ensure_origin_access_control(cloudfront, ctx.name)
    wanted = distribution_config(ctx, oac_id)
    found = find_distribution(cloudfront, ctx.name, wanted["Comment"])
    if found is None:
        created = cloudfront.create_distribution_with_tags(DistributionConfigWithTags={
            "DistributionConfig": wanted, "Tags": {"Items": tag_list(ctx.tags)}})["Distribution"]
        distribution_id, domain, arn = created["Id"], created["DomainName"], created["ARN"]
        ctx.log(f"created {distribution_id}")
    else:
        summary = found["summary"]
        distribution_id, domain, arn = summary["Id"], summary["DomainName"], summary["ARN"]
        if not subset(wanted, found["config"]):
            cloudfront.update_distribution(Id=distribution_id, IfMatch=found["etag"],
                                           DistributionConfig={**found["config"], **wanted})
            ctx.log(f"updated {distribution_id}")
        if ctx.tags:
            cloudfront.tag_resource(Resource=arn, Tags={"Items": tag_list(ctx.tags)})
    allow_distribution_to_read(ctx, ctx.spec["origin_bucket"], arn)
    return {"distribution_id": distribution_id, "domain_name": domain, "arn": arn,
            "hosted_zone_id": CLOUDFRONT_HOSTED_ZONE_ID, "origin_access_control_id": oac_id}


def delete_cloudfront_distribution(ctx: Context) -> None:
    cloudfront = ctx.client("cloudfront")
    found = find_distribution(cloudfront, ctx.name, "")
    if found is not None:
        distribution_id, etag = found["summary"]["Id"], found["etag"]
        if found["config"]["Enabled"]:
            etag = cloudfront.update_distribution(Id=distribution_id, IfMatch=etag,
                                                  DistributionConfig={**found["config"], "Enabled": False})["ETag"]
            ctx.log(f"disabled {distribution_id}; waiting until deployed")
        wait_for(lambda: cloudfront.get_distribution(Id=distribution_id)["Distribution"]["Status"] == "Deployed",
                 f"distribution {distribution_id} to be deployed disabled", timeout=2400, interval=15)
        etag = cloudfront.get_distribution(Id=distribution_id)["ETag"]
        cloudfront.delete_distribution(Id=distribution_id, IfMatch=etag)
        ctx.log(f"deleted {distribution_id}")
    for item in cloudfront.list_origin_access_controls().get("OriginAccessControlList", {}).get("Items") or []:
        if item["Name"] == ctx.name:
            etag = cloudfront.get_origin_access_control(Id=item["Id"])["ETag"]
            cloudfront.delete_origin_access_control(Id=item["Id"], IfMatch=etag)


# --------------------------------------------------------------------------- SNS


def find_topic(sns: Any, name: str) -> str | None:
    arns = [t["TopicArn"] for t in paginate(sns, "list_topics", "Topics")]
    return next((arn for arn in arns if arn.rsplit(":", 1)[-1] == name), None)


def ensure_sns_topic(ctx: Context) -> dict[str, Any]:
    sns = ctx.client("sns")
    arn = sns.create_topic(Name=ctx.name)["TopicArn"]  # idempotent: returns the existing topic
    if ctx.tags:
        sns.tag_resource(ResourceArn=arn, Tags=tag_list(ctx.tags))
    wanted = {(s["protocol"], s["endpoint"]) for s in ctx.spec.get("subscriptions") or []}
    current = paginate(sns, "list_subscriptions_by_topic", "Subscriptions", TopicArn=arn)
    have = {(s["Protocol"], s["Endpoint"]) for s in current}
    for protocol, endpoint in sorted(wanted - have):
        sns.subscribe(TopicArn=arn, Protocol=protocol, Endpoint=endpoint, ReturnSubscriptionArn=True)
        ctx.log(f"subscribed {protocol}:{endpoint}")
    for subscription in current:
        confirmed = subscription["SubscriptionArn"].startswith("arn:")
        if (subscription["Protocol"], subscription["Endpoint"]) not in wanted and confirmed:
            sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
    return {"topic_name": ctx.name, "topic_arn": arn}


def delete_sns_topic(ctx: Context) -> None:
    sns = ctx.client("sns")
    arn = find_topic(sns, ctx.name)
    if arn is not None:
        sns.delete_topic(TopicArn=arn)
        ctx.log("deleted (with its subscriptions)")


# --------------------------------------------------------------------------- SQS


def ensure_sqs_queue(ctx: Context) -> dict[str, Any]:
    """A queue that the SNS topic `allow_topic` (a name, same account and region) may send to."""
    sqs = ctx.client("sqs")
    url = sqs.create_queue(QueueName=ctx.name, tags=ctx.tags)["QueueUrl"]  # idempotent for the same attributes
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = ctx.spec.get("allow_topic")
    if topic:
        partition, region, account = arn.split(":")[1], arn.split(":")[3], arn.split(":")[4]
        topic_arn = f"arn:{partition}:sns:{region}:{account}:{topic}"
        policy = {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "AllowTopic", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage", "Resource": arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
            }],
        }
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy, sort_keys=True)})
    return {"queue_name": ctx.name, "queue_url": url, "queue_arn": arn}


def delete_sqs_queue(ctx: Context) -> None:
    sqs = ctx.client("sqs")
    url = call_or_none(sqs.get_queue_url, ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"), QueueName=ctx.name)
    if url is not None:
        sqs.delete_queue(QueueUrl=url["QueueUrl"])
        ctx.log("deleted")


# --------------------------------------------------------------------------- CloudWatch alarms and dashboards


def ensure_cloudwatch_alarm(ctx: Context) -> dict[str, Any]:
    cloudwatch, spec = ctx.client("cloudwatch"), ctx.spec
    args: dict[str, Any] = {
        "AlarmName": ctx.name,
        "AlarmDescription": spec.get("description", ""),
        "Namespace": spec["namespace"],
        "MetricName": spec["metric_name"],
        "Dimensions": [{"Name": k, "Value": v} for k, v in sorted((spec.get("dimensions") or {}).items())],
        "Period": int(spec.get("period", 300)),
        "EvaluationPeriods": int(spec.get("evaluation_periods", 1)),
        "Threshold": float(spec["threshold"]),
        "ComparisonOperator": spec["comparison_operator"],
        "TreatMissingData": spec.get("treat_missing_data", "notBreaching"),
        "AlarmActions": list(spec.get("alarm_actions") or []),
        "OKActions": list(spec.get("ok_actions") or []),
        "Tags": tag_list(ctx.tags),
    }
    if spec.get("extended_statistic"):
        args["ExtendedStatistic"] = spec["extended_statistic"]
    else:
        args["Statistic"] = spec.get("statistic", "Sum")
    cloudwatch.put_metric_alarm(**args)  # creates or replaces the alarm's whole definition
    alarm = cloudwatch.describe_alarms(AlarmNames=[ctx.name])["MetricAlarms"][0]
    return {"alarm_name": ctx.name, "alarm_arn": alarm["AlarmArn"]}


def delete_cloudwatch_alarm(ctx: Context) -> None:
    ctx.client("cloudwatch").delete_alarms(AlarmNames=[ctx.name])  # no error when it is absent


def ensure_cloudwatch_dashboard(ctx: Context) -> dict[str, Any]:
    cloudwatch = ctx.client("cloudwatch")
    result = cloudwatch.put_dashboard(DashboardName=ctx.name, DashboardBody=json.dumps(ctx.spec["body"]))
    problems = [m.get("Message") for m in result.get("DashboardValidationMessages") or []]
    if problems:
        raise Failure(f"dashboard body rejected: {'; '.join(map(str, problems))}")
    arn = cloudwatch.get_dashboard(DashboardName=ctx.name)["DashboardArn"]
    return {"dashboard_name": ctx.name, "dashboard_arn": arn}


def delete_cloudwatch_dashboard(ctx: Context) -> None:
    call_or_none(ctx.client("cloudwatch").delete_dashboards, ("ResourceNotFound", "ResourceNotFoundException"),
                 DashboardNames=[ctx.name])


# --------------------------------------------------------------------------- X-Ray


def xray_unsupported(ctx: Context, exc: ClientError, attributes: dict[str, Any]) -> dict[str, Any]:
    if not unsupported_by_emulator(exc):
        raise exc
    ctx.warn("the endpoint does not implement this X-Ray API: nothing created (AWS has it)")
    return {**attributes, "supported": False}


def ensure_xray_group(ctx: Context) -> dict[str, Any]:
    xray, expression = ctx.client("xray"), ctx.spec["filter_expression"]
    try:
        found = call_or_none(xray.get_group, ("InvalidRequestException",), GroupName=ctx.name)
        if found is None:
            group = xray.create_group(GroupName=ctx.name, FilterExpression=expression,
                                      Tags=tag_list(ctx.tags))["Group"]
            ctx.log("created")
        elif found["Group"].get("FilterExpression") != expression:
            group = xray.update_group(GroupName=ctx.name, FilterExpression=expression)["Group"]
        else:
            group = found["Group"]
    except ClientError as exc:
        return xray_unsupported(ctx, exc, {"group_name": ctx.name, "group_arn": ""})
    return {"group_name": ctx.name, "group_arn": group["GroupARN"], "supported": True}


def delete_xray_group(ctx: Context) -> None:
    try:
        call_or_none(ctx.client("xray").delete_group, ("InvalidRequestException",), GroupName=ctx.name)
    except ClientError as exc:
        xray_unsupported(ctx, exc, {})


def sampling_rule(ctx: Context) -> dict[str, Any]:
    spec = ctx.spec
    return {"RuleName": ctx.name, "Priority": int(spec.get("priority", 1000)),
            "FixedRate": float(spec.get("fixed_rate", 0.05)), "ReservoirSize": int(spec.get("reservoir_size", 1)),
            "ServiceName": spec.get("service_name", "*"), "ServiceType": spec.get("service_type", "*"),
            "Host": "*", "HTTPMethod": "*", "URLPath": spec.get("url_path", "*"), "ResourceARN": "*",
            "Version": 1}


def ensure_xray_sampling_rule(ctx: Context) -> dict[str, Any]:
    xray, wanted = ctx.client("xray"), sampling_rule(ctx)
    try:
        rules = [r["SamplingRule"] for r in paginate(xray, "get_sampling_rules", "SamplingRuleRecords")
                 if r["SamplingRule"]["RuleName"] == ctx.name]
        if not rules:
            rule = xray.create_sampling_rule(SamplingRule=wanted, Tags=tag_list(ctx.tags))["SamplingRuleRecord"]
            rule = rule["SamplingRule"]
            ctx.log("created")
        elif not subset({k: v for k, v in wanted.items() if k != "Version"}, rules[0]):
            update = {k: v for k, v in wanted.items() if k not in ("Version", "ResourceARN")}
            rule = xray.update_sampling_rule(SamplingRuleUpdate=update)["SamplingRuleRecord"]["SamplingRule"]
        else:
            rule = rules[0]
    except ClientError as exc:
        return xray_unsupported(ctx, exc, {"rule_name": ctx.name, "rule_arn": ""})
    return {"rule_name": ctx.name, "rule_arn": rule["RuleARN"], "supported": True}


def delete_xray_sampling_rule(ctx: Context) -> None:
    try:
        call_or_none(ctx.client("xray").delete_sampling_rule, ("InvalidRequestException",), RuleName=ctx.name)
    except ClientError as exc:
        xray_unsupported(ctx, exc, {})


# --------------------------------------------------------------------------- dispatch


class Kind(NamedTuple):
    ensure: Callable[[Context], dict[str, Any]]
    delete: Callable[[Context], None]


KINDS: dict[str, Kind] = {
    "s3_bucket": Kind(ensure_s3_bucket, delete_s3_bucket),
    "iam_role": Kind(ensure_iam_role, delete_iam_role),
    "log_group": Kind(ensure_log_group, delete_log_group),
    "kms_key": Kind(ensure_kms_key, delete_kms_key),
    "secret": Kind(ensure_secret, delete_secret),
    "dynamodb_table": Kind(ensure_dynamodb_table, delete_dynamodb_table),
    "timestream_database": Kind(ensure_timestream_database, delete_timestream_database),
    "timestream_table": Kind(ensure_timestream_table, delete_timestream_table),
    "lambda_function": Kind(ensure_lambda_function, delete_lambda_function),
    "rest_api": Kind(ensure_rest_api, delete_rest_api),
    "api_domain": Kind(ensure_api_domain, delete_api_domain),
    "acm_certificate": Kind(ensure_acm_certificate, delete_acm_certificate),
    "acm_certificate_validation": Kind(ensure_acm_certificate_validation, delete_acm_certificate_validation),
    "route53_zone": Kind(ensure_route53_zone, delete_route53_zone),
    "route53_record": Kind(ensure_route53_record, delete_route53_record),
    "cloudfront_distribution": Kind(ensure_cloudfront_distribution, delete_cloudfront_distribution),
    "sns_topic": Kind(ensure_sns_topic, delete_sns_topic),
    "sqs_queue": Kind(ensure_sqs_queue, delete_sqs_queue),
    "cloudwatch_alarm": Kind(ensure_cloudwatch_alarm, delete_cloudwatch_alarm),
    "cloudwatch_dashboard": Kind(ensure_cloudwatch_dashboard, delete_cloudwatch_dashboard),
    "xray_group": Kind(ensure_xray_group, delete_xray_group),
    "xray_sampling_rule": Kind(ensure_xray_sampling_rule, delete_xray_sampling_rule),
}


def write_attributes(path: str, attributes: dict[str, Any]) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(json.dumps(attributes, indent=2, sort_keys=True) + "\n")
    partial.replace(target)


def required_env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise Failure(f"the environment variable {name} is not set")
    return value


def run(action: str) -> None:
    kind = required_env("RESOURCE_KIND")
    if kind not in KINDS:
        raise Failure(f"unknown kind {kind!r}; known kinds: {', '.join(sorted(KINDS))}")
    spec: dict[str, Any] = {}
    if action == "ensure":
        try:
            spec = json.loads(required_env("RESOURCE_SPEC"))
        except json.JSONDecodeError as exc:
            raise Failure(f"RESOURCE_SPEC is not JSON: {exc}") from exc
    ctx = Context(kind=kind, name=required_env("RESOURCE_NAME"), region=required_env("RESOURCE_REGION"), spec=spec)
    if action == "ensure":
        write_attributes(required_env("RESOURCE_ATTRIBUTES_FILE"), KINDS[kind].ensure(ctx))
    else:
        KINDS[kind].delete(ctx)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in ("ensure", "delete"):
        print(f"usage: {Path(argv[0]).name} ensure|delete (inputs in RESOURCE_* variables)", file=sys.stderr)
        return 2
    what = f"{argv[1]} {os.environ.get('RESOURCE_KIND', '?')} {os.environ.get('RESOURCE_NAME', '?')!r}"
    try:
        run(argv[1])
    except Failure as exc:
        print(f"aws_resource: {what} failed: {exc}", file=sys.stderr)
        return 1
    except ClientError as exc:
        error = exc.response.get("Error", {})
        print(f"aws_resource: {what} failed: {exc.operation_name}: {error.get('Code')}: {error.get('Message')}",
              file=sys.stderr)
        return 1
    except KeyError as exc:
        print(f"aws_resource: {what} failed: field {exc} missing from the spec or from an AWS answer",
              file=sys.stderr)
        return 1
    except BotoCoreError as exc:
        print(f"aws_resource: {what} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
