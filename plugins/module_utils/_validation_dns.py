# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""validate_dns: the hosted zone, the A (alias) records of the frontend and API domains, and
their resolution through the configured resolver (dnspython)."""

from __future__ import annotations

import re

from ansible_collections.acinaces.deploy.plugins.module_utils._validation_checks import (
    Checks,
    ValidationInputError,
    failed,
    passed,
    require,
    skipped,
)

GROUP = "dns"
HOST_PORT = re.compile(r"^(?P<host>\[[0-9a-fA-F:]+\]|[^:]+)(:(?P<port>\d{1,5}))?$")


def record_name(name):
    """A Route 53 record name (trailing dot, \\ooo escapes) as a host name."""
    return re.sub(r"\\(\d{3})", lambda match: chr(int(match.group(1), 8)), name).rstrip(".").lower()


def parse_resolver(value):
    """'' (the system resolver) or host[:port] -> (host, port) or None."""
    if not value:
        return None
    match = HOST_PORT.match(value.strip())
    if not match or not 0 < int(match.group("port") or 53) < 65536:
        raise ValidationInputError(
            "validation_dns_resolver %r is not host:port" % value,
            guidance="Set validation_dns_resolver to host:port (such as 127.0.0.1:5353), or '' for the system resolver.",
        )
    return match.group("host").strip("[]"), int(match.group("port") or 53)


def find_a_record(record_sets, domain):
    """The A record set (simple or alias) of `domain` among Route 53 record sets, or None."""
    for record in record_sets:
        if record.get("Type") == "A" and record_name(record.get("Name", "")) == domain.lower():
            return record
    return None


def expected_for(record, expected_addresses, resolve):
    """(addresses, how): what `record`'s name must resolve to. A records: their values; alias
    records: the configured addresses when given, else the resolution of the alias target."""
    values = [item["Value"] for item in record.get("ResourceRecords") or []]
    if values:
        return sorted(values), "the record's values"
    if expected_addresses:
        return sorted(expected_addresses), "validation_dns_expected_addresses"
    target = record_name(record["AliasTarget"]["DNSName"])
    return sorted(resolve(target)), "the resolution of the alias target %s" % target


def resolution_outcome(domain, resolved, expected, how, exact):
    """Passed when the name resolves to the expected addresses: all of them (A records) or at
    least one (alias targets, whose address sets rotate)."""
    details = {"resolved": sorted(resolved), "expected": sorted(expected), "expected_from": how}
    if not resolved:
        return failed("%s resolves to no address" % domain, **details)
    if exact and set(resolved) != set(expected):
        return failed("%s resolves to %s, expected %s (%s)" % (domain, ", ".join(sorted(resolved)), ", ".join(sorted(expected)), how), **details)
    if not set(resolved) & set(expected):
        return failed("%s resolves to %s, none of the expected %s (%s)" % (
            domain, ", ".join(sorted(resolved)), ", ".join(sorted(expected)) or "(none)", how), **details)
    return passed(**details)


class Resolver:
    """A-record lookups through dnspython: the system's resolver, or one server at host:port."""

    def __init__(self, server, timeout):
        import dns.resolver  # pylint: disable=import-outside-toplevel

        self._dns = dns
        if server:
            self._resolver = dns.resolver.Resolver(configure=False)
            self._resolver.nameservers = [server[0]]
            self._resolver.port = server[1]
        else:
            self._resolver = dns.resolver.Resolver()
        self._resolver.lifetime = timeout
        self._resolver.timeout = timeout
        self.server = "%s:%d" % server if server else "the system resolver"

    def addresses(self, name):
        """The A addresses of `name`; CheckFailed-worthy errors say NXDOMAIN, no answer or timeout."""
        import dns.exception  # pylint: disable=import-outside-toplevel
        import dns.resolver  # pylint: disable=import-outside-toplevel

        try:
            answer = self._resolver.resolve(name, "A", search=False)
        except dns.resolver.NXDOMAIN:
            raise LookupError("%s does not exist (NXDOMAIN from %s)" % (name, self.server)) from None
        except dns.resolver.NoAnswer:
            raise LookupError("%s has no A record (empty answer from %s)" % (name, self.server)) from None
        except dns.resolver.NoNameservers as error:
            raise LookupError("no server answered for %s (%s): %s" % (name, self.server, error)) from None
        except dns.exception.Timeout:
            raise LookupError("%s timed out on %s" % (name, self.server)) from None
        return sorted(item.address for item in answer)


def _records(route53, zone_id):
    records = []
    for page in route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id):
        records.extend(page["ResourceRecordSets"])
    return records


def validate(route53, manifest, resolver_setting="", expected_addresses=None, timeout=5.0, resolver=None):
    """Run the DNS checks; returns the module result."""
    zone_id = require(manifest, "dns.hosted_zone_id")
    zone_name = require(manifest, "dns.hosted_zone_name")
    domains = [require(manifest, "dns.frontend_domain"), require(manifest, "api.domain")]
    resolver = resolver or Resolver(parse_resolver(resolver_setting), timeout)
    checks = Checks(GROUP)
    state = {}

    def zone():
        response = route53.get_hosted_zone(Id=zone_id, aws_retry=True)
        name = record_name(response["HostedZone"]["Name"])
        if name != zone_name.lower():
            return failed("hosted zone %s is %s, not %s" % (zone_id, name, zone_name), zone_id=zone_id)
        state["records"] = _records(route53, zone_id)
        return passed(zone_id=zone_id, name=name, records=len(state["records"]))

    checks.run("hosted zone %s exists" % zone_name, zone)
    for domain in domains:
        state[domain] = None

        def record(domain=domain):
            if "records" not in state:
                return skipped("the hosted zone %s could not be read" % zone_id)
            found = find_a_record(state["records"], domain)
            if not found:
                return failed("no A record for %s in hosted zone %s (%s)" % (domain, zone_name, zone_id))
            state[domain] = found
            alias = found.get("AliasTarget")
            if alias:
                return passed(alias_target=record_name(alias["DNSName"]), alias_zone=alias.get("HostedZoneId"))
            return passed(values=[item["Value"] for item in found.get("ResourceRecords") or []])

        def resolution(domain=domain):
            found = state[domain]
            if found is None:
                return skipped("no A record of %s in Route 53 to compare with (see the record check)" % domain)
            try:
                expected, how = expected_for(found, expected_addresses, resolver.addresses)
                resolved = resolver.addresses(domain)
            except LookupError as error:
                return failed(str(error), resolver=resolver.server)
            outcome = resolution_outcome(domain, resolved, expected, how, exact=not found.get("AliasTarget"))
            outcome.details["resolver"] = resolver.server
            return outcome

        checks.run("A record of %s exists in Route 53" % domain, record)
        checks.run("%s resolves to its expected addresses" % domain, resolution)
    return checks.result()
