# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the validate_<group> modules share: check records, HTTPS to an edge, certificate facts.

A check is a function returning an Outcome (or raising CheckFailed); `Checks.run` times it and
turns any error it raises into a failed check with the error as its cause, so one broken
resource never stops the other checks of a group. Modules fail only on bad input
(ValidationInputError, a DeployError).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import http.client
import socket
import ssl
import time
from collections import namedtuple
from urllib.parse import urlsplit

from ansible_collections.acinaces.deploy.plugins.module_utils._errors import DeployError

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"

Outcome = namedtuple("Outcome", "status cause details", defaults=("", None))


class ValidationInputError(DeployError):
    """The module's input (manifest or settings) is unusable: the only reason a module fails."""


class CheckFailed(Exception):
    """Raised inside a check: the check failed with this cause."""

    def __init__(self, cause, **details):
        super().__init__(cause)
        self.cause = cause
        self.details = details


def passed(**details):
    return Outcome(PASSED, "", details)


def failed(cause, **details):
    return Outcome(FAILED, cause, details)


def skipped(cause, **details):
    return Outcome(SKIPPED, cause, details)


def describe_error(error):
    """A one-line cause from an exception (AWS errors by their code and message)."""
    response = getattr(error, "response", None)
    if isinstance(response, dict) and "Error" in response:
        code = response["Error"].get("Code", "")
        message = response["Error"].get("Message", "")
        return "%s: %s" % (code, message) if message else code
    text = str(error) or error.__class__.__name__
    return "%s: %s" % (error.__class__.__name__, text) if error.__class__.__name__ not in text else text


class Checks:
    """The checks of one group, in the order they ran."""

    def __init__(self, group, clock=time.monotonic):
        self.group = group
        self.items = []
        self._clock = clock

    def add(self, name, outcome, duration_ms=0.0):
        check = {
            "group": self.group,
            "name": name,
            "status": outcome.status,
            "cause": outcome.cause or "",
            "duration_ms": round(float(duration_ms), 1),
            "details": dict(outcome.details or {}),
        }
        if check["status"] != PASSED and not check["cause"]:
            check["cause"] = "no cause given"  # the contract: a cause unless passed
        self.items.append(check)
        return check

    def run(self, name, function, *args, **kwargs):
        """Run one check; returns its record."""
        started = self._clock()
        try:
            outcome = function(*args, **kwargs)
        except CheckFailed as error:
            outcome = failed(error.cause, **error.details)
        except Exception as error:  # pylint: disable=broad-exception-caught
            outcome = failed(describe_error(error))
        return self.add(name, outcome, (self._clock() - started) * 1000.0)

    def result(self):
        counts = {status: sum(1 for check in self.items if check["status"] == status) for status in (PASSED, FAILED, SKIPPED)}
        return {"changed": False, "checks": self.items, "summary": counts}


def require(manifest, path):
    """The manifest value at a dotted path, or ValidationInputError naming it."""
    value = manifest
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value or value[key] in (None, "", [], {}):
            raise ValidationInputError(
                "The manifest has no '%s'" % path,
                guidance="Pass the manifest the infrastructure phase wrote (<deploy_output_dir>/manifest.json); "
                "re-run the infrastructure phase when it lacks this field.",
            )
        value = value[key]
    return value


def optional(manifest, path, default=None):
    value = manifest
    for key in path.split("."):
        if not isinstance(value, dict) or value.get(key) in (None, ""):
            return default
        value = value[key]
    return value


# --------------------------------------------------------------------------- HTTP(S) to an edge


class Target(namedtuple("Target", "scheme host port path address")):
    """Where a URL is fetched: its host name (Host, SNI) at `address`:`port`."""

    @property
    def host_header(self):
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else "%s:%d" % (self.host, self.port)


def target_of(url, edge_address="", https_port=443, http_port=80):
    """The Target of `url`: a port in the URL wins, else the configured port of its scheme; the
    connection goes to `edge_address` when set, else to the host itself."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationInputError(
            "%r is not an http(s) URL" % url,
            guidance="Set validation_frontend_url (or validation_api_url) to a URL such as https://example.com.",
        )
    port = parts.port or (https_port if parts.scheme == "https" else http_port)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, int(port), path, edge_address or parts.hostname)


def tls_context(ca_file=""):
    """Verifying context: the CA file when given, else the system store."""
    context = ssl.create_default_context(cafile=ca_file or None)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


class _NamedTLSConnection(http.client.HTTPSConnection):
    """HTTPS to an address with the TLS server name (SNI and certificate check) of a host name."""

    def __init__(self, address, port, server_name, context, timeout):
        super().__init__(address, port, context=context, timeout=timeout)
        self.server_name = server_name

    def connect(self):
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.server_name)


Response = namedtuple("Response", "status headers body")


def fetch(target, path=None, ca_file="", timeout=10.0, method="GET"):
    """One request to `target` (path overrides its path); returns Response, redirects not followed."""
    if target.scheme == "https":
        connection = _NamedTLSConnection(target.address, target.port, target.host, tls_context(ca_file), timeout)
    else:
        connection = http.client.HTTPConnection(target.address, target.port, timeout=timeout)
    try:
        connection.request(method, path or target.path, headers={"Host": target.host_header, "User-Agent": "acinaces.deploy-validation"})
        response = connection.getresponse()
        body = response.read()
        return Response(response.status, {key.lower(): value for key, value in response.getheaders()}, body)
    finally:
        connection.close()


def served_certificate(address, port, server_name, ca_file="", timeout=10.0):
    """The DER certificate the server presents for `server_name`, after a verified handshake
    (chain against the CA file or the system store, and the name)."""
    with socket.create_connection((address, port), timeout=timeout) as sock:
        with tls_context(ca_file).wrap_socket(sock, server_hostname=server_name) as tls:
            return tls.getpeercert(binary_form=True)


# --------------------------------------------------------------------------- certificates


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def days_left(not_after, now):
    """Days (float) from `now` to `not_after` (aware datetimes)."""
    return (not_after - now).total_seconds() / 86400.0


def expiry_outcome(what, not_after, now, min_days, **details):
    """Passed when `not_after` is more than `min_days` days after `now`."""
    left = days_left(not_after, now)
    details = dict(details, not_after=not_after.strftime("%Y-%m-%dT%H:%M:%SZ"), days_left=round(left, 1), min_days=min_days)
    if left <= 0:
        return failed("%s expired on %s" % (what, details["not_after"]), **details)
    if left <= min_days:
        return failed("%s expires on %s, in %.1f days: less than the %d days required (renew it)" % (what, details["not_after"], left, min_days), **details)
    return passed(**details)


def certificate_facts(der):
    """Subject names, expiry and SPKI SHA-256 (base64) of a DER certificate."""
    # pylint: disable=import-outside-toplevel
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    certificate = x509.load_der_x509_certificate(der)
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        names = [attribute.value for attribute in certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
    spki = certificate.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {
        "names": sorted(names),
        "not_after": certificate.not_valid_after_utc,
        "issuer": certificate.issuer.rfc4514_string(),
        "spki_sha256": base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii"),
    }


def name_matches(pattern, domain):
    """A certificate name (wildcards in the left-most label only) against a host name."""
    pattern, domain = pattern.lower().rstrip("."), domain.lower().rstrip(".")
    if pattern == domain:
        return True
    if pattern.startswith("*."):
        head, _dot, rest = domain.partition(".")
        return bool(head) and rest == pattern[2:]
    return False
