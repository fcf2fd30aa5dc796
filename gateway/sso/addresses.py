"""Where an account's SP is reached and what it calls itself: the one place that decides.

The SP host (``GATEWAY_SP_HOST``, e.g. ``zoom.us``) gives each account with a vanity the
addresses ``<scheme>://<vanity>.<SP host>/saml/...``, as Zoom's ``https://acme.zoom.us/saml/SSO``.
Every account is also reached by path, ``<public URL>/v/<vanity or number>/saml/...``. The
metadata lists both ACS addresses; the AuthnRequest names the one of the endpoint used (the host
form first when GATEWAY_SP_HOST is set). The SP entity ID is the account's choice (Zoom's two
forms or the metadata URL).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from gateway.config import GatewayConfig
from gateway.store.records import Account

_LOCAL_NAMES = ("localhost", "localhost.localdomain")
_PATH_ENTITY = re.compile(r"/v/([^/]+)/saml/metadata/sp$")


@dataclass(frozen=True)
class SpHost:
    """``<vanity>.<host>`` addresses: the host (with any port) and the scheme they use."""

    host: str
    scheme: str
    explicit: bool  # set by GATEWAY_SP_HOST (the host form is then the account's first address)

    @property
    def hostname(self) -> str:
        """The host without its port."""
        return self.host.rsplit(":", 1)[0] if ":" in self.host else self.host

    def base(self, vanity: str) -> str:
        """``<scheme>://<vanity>.<host>``."""
        return f"{self.scheme}://{vanity}.{self.host}"


@dataclass(frozen=True)
class SpUrls:
    """Where this SP is reached for one account, and the entity ID it presents."""

    entity_id: str
    acs_url: str  # the address the AuthnRequest names, first in the metadata
    slo_url: str
    metadata_url: str = ""
    other_acs_urls: tuple[str, ...] = ()
    other_slo_urls: tuple[str, ...] = ()


def sp_host(config: GatewayConfig) -> SpHost:
    """GATEWAY_SP_HOST (``host[:port]``, https unless given as ``scheme://host``), else the public
    URL's host (``localhost`` for a loopback address) with its port and scheme."""
    raw = config.sp_host.strip().rstrip("/")
    if raw:
        if "://" in raw:
            parts = urlsplit(raw)
            return SpHost(parts.netloc, parts.scheme, True)
        return SpHost(raw, "https", True)
    parts = urlsplit(config.public_url)
    host = parts.hostname or "localhost"
    if _is_ip(host) or host in _LOCAL_NAMES:
        host = "localhost"
    port = f":{parts.port}" if parts.port else ""
    return SpHost(f"{host}{port}", parts.scheme or "http", False)


def vanity_from_host(config: GatewayConfig, host_header: str) -> str | None:
    """The vanity a request's Host names (``<vanity>.<SP host>`` or ``<vanity>.localhost``)."""
    host = host_header.split(":", 1)[0].lower()
    for suffix in {sp_host(config).hostname.lower(), "localhost"}:
        if host.endswith(f".{suffix}") and len(host) > len(suffix) + 1:
            return host.removesuffix(f".{suffix}")
    return None


def vanity_from_entity_id(config: GatewayConfig, entity_id: str) -> str | None:
    """The vanity (or number) one of this gateway's SP entity IDs names, in any of its forms:
    ``.../v/<ident>/saml/metadata/sp``, ``[https://]<vanity>.<SP host>[/saml/metadata/sp]``."""
    by_path = _PATH_ENTITY.search(entity_id)
    if by_path:
        return by_path.group(1)
    host = sp_host(config)
    bare = entity_id.removeprefix("https://").removeprefix(f"{host.scheme}://")
    bare = bare.removesuffix("/saml/metadata/sp")
    suffix = f".{host.host}"
    if bare.endswith(suffix) and "/" not in bare and len(bare) > len(suffix):
        return bare.removesuffix(suffix)
    return None


def account_urls(
    config: GatewayConfig, account: Account, entity_id_form: str, host_base: str | None
) -> SpUrls:
    """The account's SP addresses; ``host_base`` when the endpoint was reached by host."""
    host = sp_host(config)
    path_base = f"{config.public_url.rstrip('/')}/v/{account.vanity or account.number}/saml"
    by_host = f"{host.base(account.vanity)}/saml" if account.vanity else None
    canonical = by_host if host.explicit and by_host else path_base
    endpoint = f"{host_base}/saml" if host_base else canonical
    bases = list(dict.fromkeys(b for b in (endpoint, path_base, by_host) if b))
    metadata_url = f"{canonical}/metadata/sp"
    return SpUrls(
        entity_id=_entity_id(entity_id_form, host, account.vanity, metadata_url),
        acs_url=f"{endpoint}/SSO",
        slo_url=f"{endpoint}/SingleLogout",
        metadata_url=metadata_url,
        other_acs_urls=tuple(f"{b}/SSO" for b in bases[1:]),
        other_slo_urls=tuple(f"{b}/SingleLogout" for b in bases[1:]),
    )


def _entity_id(form: str, host: SpHost, vanity: str | None, metadata_url: str) -> str:
    if not vanity or form == "metadata_url":
        return metadata_url
    if form == "vanity_host":
        return f"{vanity}.{host.host}"
    return f"https://{vanity}.{host.host}"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
