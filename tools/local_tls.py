"""The TLS material of the local stack (tools/local_stack.py): a CA of its own and the edge's
certificate for `TLS_NAMES`, in <state dir>/tls, kept across restarts.

`ensure_tls` generates what is missing and renews what expires within `TLS_RENEW_DAYS` days
(a new CA renews the server certificate too). `issue_certificate` signs other certificates with
the same CA: the faults a test gives the edge (an expired certificate, one for other names),
which fail a client's check for that reason and not for an unknown CA.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from local_services import write_atomic

LOCAL_DOMAIN = "local.acinaces.test"
API_DOMAIN = "api.local.acinaces.test"
TLS_NAMES = (LOCAL_DOMAIN, API_DOMAIN, "*." + LOCAL_DOMAIN)
TLS_VALID_DAYS = 365
TLS_RENEW_DAYS = 30  # renewed at start when it expires sooner than this
TLS_CA_NAME = "acinaces local stack CA"


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def tls_paths(state_dir: Path) -> dict[str, Path]:
    tls = Path(state_dir) / "tls"
    return {
        "ca": tls / "ca.pem",  # the local CA's certificate: what a client trusts
        "ca_key": tls / "ca-key.pem",
        "cert": tls / "cert.pem",  # the edge's certificate
        "key": tls / "key.pem",  # its private key (PKCS#8, unencrypted)
        "chain": tls / "chain.pem",  # the chain above it: the CA (ACM's CertificateChain)
    }


def load_certificate(path: Path):
    try:
        return x509.load_pem_x509_certificate(Path(path).read_bytes())
    except (OSError, ValueError):
        return None


def load_key(path: Path):
    try:
        return serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)  # what ACM imports


def key_pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def cert_pem(certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _key_usage(ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=not ca,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


def _same_key(certificate, key) -> bool:
    return certificate.public_key().public_numbers() == key.public_key().public_numbers()


def _dns_names(certificate) -> list[str] | None:
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return None
    return sorted(extension.value.get_values_for_type(x509.DNSName))


def _expires_soon(certificate, now: datetime.datetime) -> bool:
    return certificate.not_valid_after_utc < now + datetime.timedelta(days=TLS_RENEW_DAYS)


def _new_ca(not_before: datetime.datetime, not_after: datetime.datetime):
    key = new_key()
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "acinaces"),
                      x509.NameAttribute(NameOID.COMMON_NAME, TLS_CA_NAME)])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate, key


def sign_server_certificate(ca_cert, ca_key, key, names, not_before: datetime.datetime,
                            not_after: datetime.datetime):
    """A server certificate for `names` (the first is the subject's CN), signed by the CA."""
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _ensure_ca(paths: dict[str, Path], now: datetime.datetime):
    """The CA (certificate, key) and whether it is new."""
    ca_cert, ca_key = load_certificate(paths["ca"]), load_key(paths["ca_key"])
    if ca_cert is not None and ca_key is not None and not _expires_soon(ca_cert, now) and _same_key(ca_cert, ca_key):
        return ca_cert, ca_key, False
    ca_cert, ca_key = _new_ca(now - datetime.timedelta(days=1), now + datetime.timedelta(days=TLS_VALID_DAYS))
    write_atomic(paths["ca_key"], key_pem(ca_key), 0o600)
    write_atomic(paths["ca"], cert_pem(ca_cert))
    return ca_cert, ca_key, True


def _server_certificate_usable(paths: dict[str, Path], ca_cert, now: datetime.datetime):
    """The current server certificate when it can stay, else None."""
    cert, key = load_certificate(paths["cert"]), load_key(paths["key"])
    if cert is None or key is None or not paths["chain"].exists():
        return None
    if _expires_soon(cert, now) or cert.issuer != ca_cert.subject or not _same_key(cert, key):
        return None
    return cert if _dns_names(cert) == sorted(TLS_NAMES) else None


def ensure_tls(state_dir: Path) -> dict:
    """The CA and server certificate of the state directory, generated when missing or expiring.

    Returns the paths (ca, cert, key, chain), the names, the end of validity and the server
    key's SPKI SHA-256 (base64), which Chromium takes in --ignore-certificate-errors-spki-list."""
    paths = tls_paths(state_dir)
    paths["ca"].parent.mkdir(parents=True, exist_ok=True)
    now = utc_now()
    ca_cert, ca_key, new_ca = _ensure_ca(paths, now)
    cert = None if new_ca else _server_certificate_usable(paths, ca_cert, now)
    if cert is None:
        key = new_key()
        cert = sign_server_certificate(ca_cert, ca_key, key, TLS_NAMES, now - datetime.timedelta(days=1),
                                       now + datetime.timedelta(days=TLS_VALID_DAYS))
        write_atomic(paths["key"], key_pem(key), 0o600)
        write_atomic(paths["cert"], cert_pem(cert))
        write_atomic(paths["chain"], cert_pem(ca_cert))
    return {
        **{name: str(paths[name]) for name in ("ca", "cert", "key", "chain")},
        "names": list(TLS_NAMES),
        "not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "spki_sha256": spki_sha256(cert),
    }


def spki_sha256(certificate) -> str:
    spki = certificate.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")


def issue_certificate(state_dir: Path, directory: Path, names=TLS_NAMES, not_before: datetime.datetime | None = None,
                      not_after: datetime.datetime | None = None) -> dict[str, str]:
    """A certificate signed by the stack's CA, for other names or other dates, written as
    <directory>/cert.pem and key.pem: {cert, key}. The CA must exist (the stack started once).

    For a fault of the edge (with LocalStack.edge_certificate): an expired one
    (not_after in the past) or one for names other than the domains (a mismatch)."""
    paths = tls_paths(state_dir)
    ca_cert, ca_key = load_certificate(paths["ca"]), load_key(paths["ca_key"])
    if ca_cert is None or ca_key is None:
        raise FileNotFoundError(f"no CA in {paths['ca'].parent}: start the stack first")
    now = utc_now()
    not_before = not_before or now - datetime.timedelta(days=1)
    not_after = not_after or now + datetime.timedelta(days=TLS_VALID_DAYS)
    key = new_key()
    cert = sign_server_certificate(ca_cert, ca_key, key, tuple(names), not_before, not_after)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    write_atomic(directory / "key.pem", key_pem(key), 0o600)
    write_atomic(directory / "cert.pem", cert_pem(cert))
    return {"cert": str(directory / "cert.pem"), "key": str(directory / "key.pem")}
