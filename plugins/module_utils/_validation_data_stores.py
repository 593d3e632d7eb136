# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""validate_data_stores: DynamoDB tables ACTIVE, Redis answers PING, Timestream describable."""

from __future__ import annotations

import socket
import ssl

from ansible_collections.acinaces.deploy.plugins.module_utils._validation_checks import (
    Checks,
    ValidationInputError,
    failed,
    optional,
    passed,
    require,
)

GROUP = "data_stores"


def split_endpoint(endpoint):
    host, sep, port = (endpoint or "").rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValidationInputError(
            "the Redis endpoint %r is not host:port" % endpoint,
            guidance="Fix manifest.redis.endpoint, or set validation_redis_endpoint to host:port.",
        )
    return host.strip("[]"), int(port)


def pong_outcome(reply, endpoint):
    """Redis's answer to PING (RESP): +PONG passes; an error reply (-NOAUTH ...) is the cause."""
    line = reply.split(b"\r\n", 1)[0].decode("utf-8", "replace")
    if line == "+PONG":
        return passed(endpoint=endpoint)
    if not line:
        return failed("Redis at %s closed the connection without answering PING" % endpoint, endpoint=endpoint)
    return failed("Redis at %s answered PING with %r" % (endpoint, line), endpoint=endpoint)


def redis_ping(endpoint, use_tls=False, timeout=5.0):
    """PING in RESP over a socket (TLS when `use_tls`, as ElastiCache with encryption in transit)."""
    host, port = split_endpoint(endpoint)
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw:
            sock = ssl.create_default_context().wrap_socket(raw, server_hostname=host) if use_tls else raw
            sock.sendall(b"*1\r\n$4\r\nPING\r\n")
            reply = b""
            while b"\r\n" not in reply:
                chunk = sock.recv(256)
                if not chunk:
                    break
                reply += chunk
    except (OSError, ssl.SSLError) as error:
        return failed("Redis at %s is not reachable: %s" % (endpoint, error), endpoint=endpoint)
    return pong_outcome(reply, endpoint)


def table_outcome(table):
    status = table.get("TableStatus")
    details = {"status": status, "items": table.get("ItemCount")}
    if status == "ACTIVE":
        return passed(**details)
    return failed("table %s is %s, not ACTIVE" % (table.get("TableName"), status), **details)


def validate(clients, manifest, redis_endpoint="", redis_tls=False, timeout=5.0):
    """Run the data store checks; `clients(service)` gives AWS clients."""
    tables = require(manifest, "dynamodb_tables")
    endpoint = redis_endpoint or require(manifest, "redis.endpoint")
    split_endpoint(endpoint)
    database = require(manifest, "timestream.database")
    series = optional(manifest, "timestream.tables", [])
    checks = Checks(GROUP)

    for logical, name in sorted(tables.items()):
        checks.run("DynamoDB table %s (%s) is ACTIVE" % (logical, name),
                   lambda name=name: table_outcome(clients("dynamodb").describe_table(TableName=name, aws_retry=True)["Table"]))

    checks.run("Redis answers PING", redis_ping, endpoint, redis_tls, timeout)

    def timestream_database():
        described = clients("timestream-write").describe_database(DatabaseName=database, aws_retry=True)["Database"]
        return passed(tables=described.get("TableCount"), kms_key=described.get("KmsKeyId"))

    checks.run("Timestream database %s is describable" % database, timestream_database)
    for name in series:
        def timestream_table(name=name):
            described = clients("timestream-write").describe_table(DatabaseName=database, TableName=name, aws_retry=True)["Table"]
            status = described.get("TableStatus")
            if status != "ACTIVE":
                return failed("Timestream table %s.%s is %s, not ACTIVE" % (database, name, status), status=status)
            return passed(status=status)

        checks.run("Timestream table %s.%s is ACTIVE" % (database, name), timestream_table)
    return checks.result()
