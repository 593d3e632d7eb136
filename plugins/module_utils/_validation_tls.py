# -*- coding: utf-8 -*-
# Copyright: acinaces.deploy contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""validate_tls: the manifest's ACM certificates (issued, not expiring), the certificate
CloudFront and the API's custom domain use, and the certificate each domain really serves."""

from __future__ import annotations

import ssl

from ansible_collections.acinaces.deploy.plugins.module_utils._validation_checks import (
    Checks,
    certificate_facts,
    expiry_outcome,
    failed,
    name_matches,
    passed,
    require,
    served_certificate,
    utc_now,
)

GROUP = "tls"


def region_of(arn):
    return arn.split(":")[3]


def acm_status_outcome(certificate):
    """Passed when ACM says ISSUED; the cause names the status and ACM's reason."""
    status = certificate.get("Status")
    details = {"status": status, "type": certificate.get("Type"), "domain": certificate.get("DomainName")}
    if status == "ISSUED":
        return passed(**details)
    reason = certificate.get("FailureReason") or ""
    return failed("the certificate is %s, not ISSUED%s" % (status, " (%s)" % reason if reason else ""), **details)


def served_outcome(facts, domain, now, min_days):
    """The certificate a handshake presented: valid for `domain`, not expiring within min_days."""
    details = {"names": facts["names"], "issuer": facts["issuer"]}
    if not any(name_matches(name, domain) for name in facts["names"]):
        return failed("the certificate served for %s is for %s" % (domain, ", ".join(facts["names"]) or "no name"), **details)
    return expiry_outcome("the certificate served for %s" % domain, facts["not_after"], now, min_days, **details)


def handshake_cause(error, domain, address, port):
    if isinstance(error, ssl.SSLCertVerificationError):
        return "the certificate served for %s at %s:%d is not trusted: %s" % (domain, address, port, error.verify_message or error)
    return "no TLS handshake with %s at %s:%d: %s" % (domain, address, port, error)


def validate(clients, manifest, min_days=30, edge_address="", https_port=443, ca_file="", timeout=10.0, now=None):
    """Run the TLS checks; `clients(service, region)` gives AWS clients."""
    certificates = require(manifest, "certificates")
    distribution_id = require(manifest, "cloudfront.distribution_id")
    api_domain = require(manifest, "api.domain")
    frontend_domain = require(manifest, "dns.frontend_domain")
    domains = {"frontend": frontend_domain, "api": api_domain}
    now = now or utc_now()
    checks = Checks(GROUP)
    described = {}

    for key, arn in sorted(certificates.items()):
        label = "%s certificate (%s)" % (key, domains.get(key, key))

        def status(arn=arn):
            certificate = clients("acm", region_of(arn)).describe_certificate(CertificateArn=arn, aws_retry=True)["Certificate"]
            described[arn] = certificate
            outcome = acm_status_outcome(certificate)
            outcome.details["arn"] = arn
            return outcome

        def expiry(arn=arn, label=label):
            certificate = described.get(arn)
            if certificate is None:
                return failed("the certificate %s could not be described (see the ISSUED check)" % arn)
            if not certificate.get("NotAfter"):
                return failed("ACM gives no expiry date for %s (status %s)" % (arn, certificate.get("Status")), arn=arn)
            return expiry_outcome("the %s" % label, certificate["NotAfter"], now, min_days, arn=arn)

        checks.run("%s is ISSUED in ACM" % label, status)
        checks.run("%s valid for %d+ days" % (label, min_days), expiry)

    def cloudfront():
        config = clients("cloudfront", None).get_distribution_config(Id=distribution_id, aws_retry=True)["DistributionConfig"]
        used = (config.get("ViewerCertificate") or {}).get("ACMCertificateArn")
        expected = certificates.get("frontend")
        if used != expected:
            return failed("CloudFront distribution %s uses certificate %s, expected %s" % (distribution_id, used or "(none)", expected),
                          used=used, expected=expected)
        return passed(certificate_arn=used)

    def api_custom_domain():
        domain = clients("apigateway", None).get_domain_name(domainName=api_domain, aws_retry=True)
        used = [arn for arn in (domain.get("regionalCertificateArn"), domain.get("certificateArn")) if arn]
        expected = certificates.get("api")
        if expected not in used:
            return failed("the API custom domain %s uses certificate %s, expected %s" % (api_domain, ", ".join(used) or "(none)", expected),
                          used=used, expected=expected)
        return passed(certificate_arn=expected)

    checks.run("CloudFront distribution uses the frontend certificate", cloudfront)
    checks.run("API custom domain %s uses the api certificate" % api_domain, api_custom_domain)

    for domain in (frontend_domain, api_domain):
        address = edge_address or domain

        def handshake(domain=domain, address=address):
            try:
                der = served_certificate(address, https_port, domain, ca_file=ca_file, timeout=timeout)
            except (OSError, ssl.SSLError) as error:
                return failed(handshake_cause(error, domain, address, https_port), address="%s:%d" % (address, https_port))
            outcome = served_outcome(certificate_facts(der), domain, now, min_days)
            outcome.details.update(address="%s:%d" % (address, https_port), trusted_by=ca_file or "the system store")
            return outcome

        checks.run("%s serves a trusted certificate valid for %d+ days" % (domain, min_days), handshake)
    return checks.result()
