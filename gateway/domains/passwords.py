"""Salted scrypt password hashes for the mock password sign-in."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

from gateway.errors import BadRequest

N, R, P = 2**14, 8, 1
MIN_LENGTH = 8


def hash_password(password: str) -> str:
    """A self-describing salted scrypt hash; raises BadRequest ``weak_password``."""
    if len(password or "") < MIN_LENGTH:
        raise BadRequest(
            f"Choose a password of at least {MIN_LENGTH} characters.", code="weak_password"
        )
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return "$".join(["scrypt", str(N), str(R), str(P), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches ``stored`` (constant-time compare)."""
    if not stored or not password:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except ValueError:
        return False
    return scheme == "scrypt" and hmac.compare_digest(actual, expected)


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def verify_password_or_dummy(password: str, stored: str | None) -> bool:
    """``verify_password``, paying the same scrypt cost when there is no hash to check
    (unknown email, SSO-only user), so timing does not tell which emails have a password."""
    if stored:
        return verify_password(password, stored)
    verify_password(password or "-", _dummy_hash())
    return False


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
