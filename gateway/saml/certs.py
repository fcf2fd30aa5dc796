"""Converting certificates between PEM and the base64 body XML-DSig carries."""

from __future__ import annotations


def pem_body(pem: str) -> str:
    """The certificate's base64 body without armour lines or whitespace."""
    lines = pem.strip().splitlines()
    return "".join("".join(line.split()) for line in lines if not line.startswith("-----"))


def pem_from_body(body: str) -> str:
    """A PEM certificate from the base64 body of a ds:X509Certificate."""
    joined = "".join(body.split())
    wrapped = "\n".join(joined[start : start + 64] for start in range(0, len(joined), 64))
    return f"-----BEGIN CERTIFICATE-----\n{wrapped}\n-----END CERTIFICATE-----\n"
