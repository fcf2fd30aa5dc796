"""Proof of domain ownership: a DNS TXT record read from a zone file, or an HTTP file."""

from __future__ import annotations

import ipaddress
import pathlib
import shlex
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from gateway.domains.errors import VerificationFailed

TXT_LABEL = "_gateway-verification"
WELL_KNOWN = "/.well-known/gateway-verification.txt"
MAX_FILE_BYTES = 4096


def parse_zone(text: str) -> dict[str, list[str]]:
    """TXT records of a zone file by lower-cased absolute name (``$ORIGIN`` and ``@`` honoured)."""
    records: dict[str, list[str]] = {}
    origin = ""
    for line in text.splitlines():
        try:
            parts = shlex.split(line, comments=True)
        except ValueError:
            continue
        if len(parts) >= 2 and parts[0].upper() == "$ORIGIN":
            origin = parts[1].rstrip(".").lower()
            continue
        upper = [p.upper() for p in parts]
        if "TXT" not in upper or upper.index("TXT") == 0:
            continue
        at = upper.index("TXT")
        records.setdefault(_absolute(parts[0], origin), []).append("".join(parts[at + 1 :]))
    return records


def _absolute(name: str, origin: str) -> str:
    if name == "@":
        return origin
    if name.endswith("."):
        return name.rstrip(".").lower()
    return f"{name}.{origin}".lower() if origin else name.lower()


@dataclass(frozen=True)
class ZoneFileResolver:
    """TXT lookups answered from a zone file the gateway reads (no DNS traffic)."""

    path: str | None

    def txt(self, name: str) -> list[str]:
        """TXT values of ``name``; raises VerificationFailed ``dns_not_configured``."""
        if not self.path:
            raise VerificationFailed(
                "DNS verification needs GATEWAY_DNS_ZONE_FILE (the zone file the gateway reads).",
                code="dns_not_configured",
            )
        try:
            text = pathlib.Path(self.path).read_text(encoding="utf-8")
        except OSError as e:
            raise VerificationFailed(
                f"The zone file {self.path} cannot be read.", code="dns_not_configured"
            ) from e
        return parse_zone(text).get(name.lower(), [])


@dataclass(frozen=True)
class HttpFileFetcher:
    """Fetches ``<base>/.well-known/gateway-verification.txt`` for a domain.

    ``bases`` maps a domain to a loopback base URL (tests, the demo); other domains are fetched
    from ``http://<domain>`` only when ``network`` is on.
    """

    bases: Mapping[str, str] = field(default_factory=dict)
    network: bool = False

    def fetch(self, domain: str) -> str:
        """The file's text; raises VerificationFailed ``http_verification_unavailable``."""
        base = self.bases.get(domain)
        if base is not None and not _is_loopback(base):
            raise VerificationFailed(
                f"The verification base URL for {domain} must be on loopback.",
                code="http_verification_unavailable",
            )
        if base is None:
            if not self.network:
                raise VerificationFailed(
                    "HTTP-file verification is off here; use the DNS TXT record.",
                    code="http_verification_unavailable",
                )
            base = f"http://{domain}"
        return _get(base.rstrip("/") + WELL_KNOWN)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _get(url: str) -> str:
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        with opener.open(url, timeout=5) as answer:
            return bytes(answer.read(MAX_FILE_BYTES)).decode("utf-8", "replace")
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise VerificationFailed(
            f"{url} could not be fetched ({type(e).__name__}).", code="verification_failed"
        ) from e


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class DomainVerifier:
    """Checks that a domain publishes its verification token."""

    resolver: ZoneFileResolver
    fetcher: HttpFileFetcher

    def check(self, domain: str, token: str, method: str) -> None:
        """Pass silently or raise VerificationFailed (``verification_failed``, ...)."""
        if method == "dns":
            found = self.resolver.txt(f"{TXT_LABEL}.{domain}") + self.resolver.txt(domain)
            where = f"a TXT record at {TXT_LABEL}.{domain}"
        elif method == "http":
            found = [line.strip() for line in self.fetcher.fetch(domain).splitlines()]
            where = f"http://{domain}{WELL_KNOWN}"
        else:
            raise VerificationFailed(
                "Verification method must be 'dns' or 'http'.", code="invalid_method", status=400
            )
        if token not in found:
            raise VerificationFailed(f"{where} does not carry the token {token}.")

    @staticmethod
    def instructions(domain: str, token: str) -> dict[str, str]:
        """How to publish the token, for the answer that issues it."""
        return {
            "dns_txt_name": f"{TXT_LABEL}.{domain}",
            "dns_txt_value": token,
            "http_url": f"http://{domain}{WELL_KNOWN}",
            "http_body": token,
        }
