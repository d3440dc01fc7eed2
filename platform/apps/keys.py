"""The app's interface keys (spec 3.5.1 接口配置): parse, check against the algorithm, fingerprint.

ES256 needs an EC P-256 key (RFC 7518 §3.4), RS256 an RSA key of at least 2048 bits (RFC 7518
§3.3), EdDSA an Ed25519 key (RFC 8037 §3.1).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from chainless.platform.core.clock import utcnow
from chainless.platform.core.errors import Unprocessable

SIGNATURE_ALGORITHMS = ("ES256", "RS256", "EdDSA")
ENCRYPTION_ALGORITHMS = ("none", "AES-256-GCM")
MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class CheckedKeys:
    public_key_pem: str | None
    certificate_pem: str | None


@dataclass(frozen=True)
class KeyInfo:
    fingerprint_sha256: str
    certificate_subject: str | None
    certificate_not_after: datetime | None


def _invalid(detail: str) -> Unprocessable:
    return Unprocessable(detail, code="invalid_public_key")


def _spki_pem(key: PublicKeyTypes) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _spki_der(key: PublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _matches_algorithm(key: PublicKeyTypes, algorithm: str) -> bool:
    if algorithm == "ES256":
        return isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)
    if algorithm == "RS256":
        return isinstance(key, rsa.RSAPublicKey) and key.key_size >= MIN_RSA_BITS
    return isinstance(key, ed25519.Ed25519PublicKey)


_EXPECTED = {
    "ES256": "an EC P-256 key",
    "RS256": f"an RSA key of at least {MIN_RSA_BITS} bits",
    "EdDSA": "an Ed25519 key",
}


def _load_key(pem: str) -> PublicKeyTypes:
    try:
        return serialization.load_pem_public_key(pem.strip().encode())
    except (ValueError, TypeError, UnicodeError):
        raise _invalid(
            "public_key_pem is not a PEM-encoded public key (-----BEGIN PUBLIC KEY-----)"
        ) from None


def _load_certificate(pem: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.strip().encode())
    except (ValueError, TypeError, UnicodeError):
        raise _invalid("certificate_pem is not a PEM-encoded X.509 certificate") from None


def check_keys(
    algorithm: str, public_key_pem: str | None, certificate_pem: str | None
) -> CheckedKeys:
    """Parse the key and/or certificate; both must hold the same key, of the algorithm's kind."""
    if not public_key_pem and not certificate_pem:
        raise _invalid(f"{algorithm} needs public_key_pem or certificate_pem")
    key = _load_key(public_key_pem) if public_key_pem else None
    certificate = _load_certificate(certificate_pem) if certificate_pem else None
    if certificate is not None:
        try:
            cert_key = certificate.public_key()
        except (ValueError, TypeError):
            raise _invalid("the certificate's public key is of an unsupported kind") from None
        if certificate.not_valid_after_utc < utcnow():
            raise Unprocessable(
                "the certificate has expired",
                code="certificate_expired",
                not_after=certificate.not_valid_after_utc.isoformat(),
            )
        if key is not None and _spki_der(key) != _spki_der(cert_key):
            raise _invalid("public_key_pem is not the key the certificate holds")
        key = cert_key
    assert key is not None
    if not _matches_algorithm(key, algorithm):
        raise _invalid(f"{algorithm} needs {_EXPECTED[algorithm]}")
    return CheckedKeys(
        public_key_pem=_spki_pem(key),
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode()
        if certificate
        else None,
    )


def key_info(public_key_pem: str | None, certificate_pem: str | None) -> KeyInfo | None:
    """What the console shows about stored keys (they were checked when stored)."""
    if not public_key_pem:
        return None
    key = serialization.load_pem_public_key(public_key_pem.encode())
    subject, not_after = None, None
    if certificate_pem:
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
        subject, not_after = certificate.subject.rfc4514_string(), certificate.not_valid_after_utc
    return KeyInfo(hashlib.sha256(_spki_der(key)).hexdigest(), subject, not_after)
