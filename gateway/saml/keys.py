"""RSA key pairs with self-signed certificates, for the SP's signing/encryption keys."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A PEM private key and its self-signed certificate."""

    private_key_pem: str
    certificate_pem: str


def generate_key_pair(
    common_name: str, *, days: int = 3650, valid_from: dt.datetime | None = None
) -> KeyPair:
    """A fresh RSA-2048 key and a self-signed certificate for ``common_name``, valid from a day
    before ``valid_from`` (default: now) for ``days``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    now = valid_from or dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return KeyPair(private_pem, certificate.public_bytes(serialization.Encoding.PEM).decode())
