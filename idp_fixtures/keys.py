"""RSA keys and self-signed certificates for the test IdP, made at first use, never committed."""

from __future__ import annotations

import datetime as dt
import functools
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

DEFAULT_KEY_DIR = Path("var/idp")


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A PEM private key and its self-signed certificate."""

    private_key_pem: str
    certificate_pem: str


def generate_key_pair(common_name: str, *, days: int = 3650) -> KeyPair:
    """A fresh RSA-2048 key and a self-signed certificate for ``common_name``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    now = dt.datetime.now(dt.UTC)
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


@functools.lru_cache(maxsize=64)
def session_key_pair(label: str) -> KeyPair:
    """One key pair per label for the life of this process (tests: keys made per session)."""
    return generate_key_pair(label)


def load_or_create_key_pair(key_dir: Path, label: str) -> KeyPair:
    """Read ``label``'s key pair from ``key_dir``, creating it (key mode 0600) on first use."""
    key_path = key_dir / f"{label}.key.pem"
    cert_path = key_dir / f"{label}.cert.pem"
    if key_path.exists() and cert_path.exists():
        return KeyPair(key_path.read_text(), cert_path.read_text())
    pair = generate_key_pair(label)
    key_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(pair.private_key_pem)
    cert_path.write_text(pair.certificate_pem)
    return pair
