"""RSA keys and self-signed certificates for the test IdP, made at first use, never committed."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from gateway.saml.keys import KeyPair, generate_key_pair

__all__ = [
    "DEFAULT_KEY_DIR",
    "KeyPair",
    "generate_key_pair",
    "load_or_create_key_pair",
    "session_key_pair",
]

DEFAULT_KEY_DIR = Path("var/idp")


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
