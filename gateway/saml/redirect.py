"""HTTP-Redirect binding: DEFLATE + base64 messages and query-string signatures (in-process)."""

from __future__ import annotations

import base64
import binascii
import zlib
from urllib.parse import unquote_plus, urlencode

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from gateway.saml import ns
from gateway.saml.errors import (
    MalformedXml,
    NotBase64,
    SignatureInvalid,
    SignatureMissing,
    TooLarge,
    WeakAlgorithm,
)
from gateway.saml.xmlparse import DEFAULT_MAX_BYTES

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    ns.RSA_SHA256: hashes.SHA256,
    ns.RSA_SHA384: hashes.SHA384,
    ns.RSA_SHA512: hashes.SHA512,
    ns.RSA_SHA1: hashes.SHA1,
}


def signed_redirect_url(
    endpoint: str,
    kind: str,
    message_xml: bytes,
    private_key_pem: str | None,
    relay_state: str | None,
    *,
    algorithm: str = ns.RSA_SHA256,
) -> str:
    """``endpoint`` with SAMLRequest/SAMLResponse, RelayState, and (with a key) SigAlg and an
    RSA Signature by ``algorithm`` (RSA-SHA256 or RSA-SHA1); no key: an unsigned message.

    Raises ValueError when the key is not an RSA private key or the algorithm is unknown.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = compressor.compress(message_xml) + compressor.flush()
    fields = [(kind, base64.b64encode(deflated).decode())]
    if relay_state is not None:
        fields.append(("RelayState", relay_state))
    separator = "&" if "?" in endpoint else "?"
    if private_key_pem is None:
        return endpoint + separator + urlencode(fields)
    if algorithm not in _HASHES:
        raise ValueError(f"unknown signature algorithm {algorithm}")
    fields.append(("SigAlg", algorithm))
    signed_part = urlencode(fields)
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the SP signing key must be an RSA private key")
    signature = key.sign(signed_part.encode(), padding.PKCS1v15(), _HASHES[algorithm]())
    query = signed_part + "&" + urlencode([("Signature", base64.b64encode(signature).decode())])
    return endpoint + separator + query


def inflate_message(value: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Decode a Redirect-binding message (base64 of raw DEFLATE) without inflating past the cap.

    Raises NotBase64, TooLarge or MalformedXml.
    """
    try:
        deflated = base64.b64decode(value, validate=True)
    except binascii.Error as e:
        raise NotBase64(
            "The Redirect-binding message is not valid base64 (only A-Z, a-z, 0-9, '+', '/' and "
            "final '=', in groups of 4). Send it as the sender produced it, URL-decoded once."
        ) from e
    inflater = zlib.decompressobj(-15)
    try:
        inflated = inflater.decompress(deflated, max_bytes + 1)
    except zlib.error as e:
        raise MalformedXml(
            "The Redirect-binding message is not raw DEFLATE data (RFC 1951, no zlib header), "
            "which the HTTP-Redirect binding requires; compress it that way before base64."
        ) from e
    if len(inflated) > max_bytes or inflater.unconsumed_tail:
        raise TooLarge(
            f"The Redirect-binding message inflates past {max_bytes // 1024} KiB, the most "
            "accepted; send a smaller message."
        )
    return inflated


def raw_query_fields(query_string: str) -> dict[str, str]:
    """The query's fields, still URL-encoded as received (signatures cover the raw bytes)."""
    fields: dict[str, str] = {}
    for part in query_string.lstrip("?").split("&"):
        name, _, value = part.partition("=")
        if name and name not in fields:
            fields[name] = value
    return fields


def verify_redirect_signature(
    raw_fields: dict[str, str], kind: str, certificates: tuple[str, ...], *, allow_sha1: bool
) -> None:
    """Check the query-string signature of a Redirect message against the IdP certificate(s).

    Raises SignatureMissing, WeakAlgorithm or SignatureInvalid.
    """
    if "Signature" not in raw_fields or "SigAlg" not in raw_fields:
        raise SignatureMissing(f"The Redirect-binding {kind} is not signed; the IdP must sign it.")
    algorithm = unquote_plus(raw_fields["SigAlg"])
    if algorithm not in _HASHES or (algorithm == ns.RSA_SHA1 and not allow_sha1):
        raise WeakAlgorithm(f"The {kind} is signed with '{algorithm}'; use RSA-SHA256 or stronger.")
    names = [n for n in (kind, "RelayState", "SigAlg") if n in raw_fields]
    signed_part = "&".join(f"{n}={raw_fields[n]}" for n in names).encode()
    try:
        signature = base64.b64decode(unquote_plus(raw_fields["Signature"]), validate=True)
    except binascii.Error as e:
        raise SignatureInvalid(f"The {kind} Signature is not base64.") from e
    for pem in certificates:
        public_key = x509.load_pem_x509_certificate(pem.encode()).public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            continue
        try:
            public_key.verify(signature, signed_part, padding.PKCS1v15(), _HASHES[algorithm]())
        except InvalidSignature:
            continue
        return
    raise SignatureInvalid(
        f"The {kind} signature does not verify with the configured IdP certificate."
    )
