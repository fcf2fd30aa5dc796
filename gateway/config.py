"""Configuration from ``GATEWAY_*`` environment variables, overridable by a mapping."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

import sqlalchemy as sa

from gateway.errors import GatewayError
from gateway.store.engine import default_url


class ConfigError(GatewayError):
    """A ``GATEWAY_*`` variable the gateway cannot use."""

    status = 500
    code = "config_invalid"

    @classmethod
    def bad_database_url(cls, reason: str) -> ConfigError:
        """GATEWAY_DATABASE_URL is not a URL of a database the gateway can open."""
        return cls(
            "GATEWAY_DATABASE_URL is not a database URL the gateway can use "
            f"({reason}); give e.g. sqlite:///var/gateway.db or "
            "postgresql://user@host:5432/db."
        )

    @classmethod
    def database_unavailable(cls, reason: str) -> ConfigError:
        """The database GATEWAY_DATABASE_URL names cannot be opened."""
        return cls(
            f"The database GATEWAY_DATABASE_URL names cannot be opened ({reason}); check that "
            "the server runs and the path or address is right.",
            code="database_unavailable",
        )


@dataclass(frozen=True)
class GatewayConfig:
    """Everything the gateway reads at start-up."""

    database_url: str = field(default_factory=default_url)
    # Base URL the gateway is reached at (for links in emails, SAML endpoints).
    public_url: str = "http://127.0.0.1:8000"
    # The host the SP presents itself under as <vanity>.<sp_host> (e.g. zoom.us: https then);
    # empty: derived from public_url (localhost:<port> for a loopback address). See
    # gateway/sso/addresses.py.
    sp_host: str = ""
    demo: bool = False
    smtp_url: str | None = None
    secret_key: str | None = None
    max_body_bytes: int = 1024 * 1024
    saml_max_bytes: int = 256 * 1024
    scim_max_operations: int = 1000
    scim_max_payload_bytes: int = 4 * 1024 * 1024
    scim_max_results: int = 1000
    rate_limit_per_minute: int = 6000
    # Zoom's per-second SCIM2 limits by plan: on, off (load tests) or a multiplier such as 0.5.
    zoom_rate_limits: str = "on"
    # /metrics in the Prometheus text format (gateway/metrics.py).
    metrics: bool = False
    # Seconds a client has to send a request's body; a slower one gets 408 (gateway/wsgi_bridge.py).
    request_timeout: int = 30
    # Associated domains: the zone file DNS TXT verification reads (no network lookups).
    dns_zone_file: str | None = None
    # HTTP-file verification reaches the network only when this is on (loopback overrides aside).
    http_verification_network: bool = False
    # Server cluster of accounts that do not name one; another cluster needs a backend migration.
    cluster: str = "us01"
    backend_migration_minutes: int = 60
    # Below this percentage of consolidated users, enforcing SSO needs ``force``.
    sso_enforcement_threshold: int = 75
    # Yearly price of one purchased seat, for prorated refunds at consolidation.
    seat_price_cents_per_year: int = 14990
    # Where the demo/test IdP keeps its key pair (made on first use, never committed).
    idp_key_dir: str = "var/idp"
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GatewayConfig:
        """Read ``GATEWAY_<FIELD>`` variables; unknown ones are ignored."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"GATEWAY_{f.name.upper()}")
            if raw is None or f.name == "extra":
                continue
            values[f.name] = _convert(f.name, f.type, raw)
        if "database_url" in values:
            check_database_url(values["database_url"])
        return cls(**values)

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> GatewayConfig:
        """A copy with known keys replaced and unknown keys kept in ``extra``."""
        if not overrides:
            return self
        names = {f.name for f in fields(self)}
        known = {k: v for k, v in overrides.items() if k in names}
        extra = {**self.extra, **{k: v for k, v in overrides.items() if k not in names}}
        return replace(self, **known, extra=extra)


def check_database_url(url: str) -> None:
    """Raise ``ConfigError`` unless ``url`` names SQLite or PostgreSQL in URL form."""
    try:
        backend = sa.make_url(url).get_backend_name()
    except sa.exc.ArgumentError:
        raise ConfigError.bad_database_url("not in the form dialect://...") from None
    if backend not in ("sqlite", "postgresql", "postgres"):
        raise ConfigError.bad_database_url(f"'{backend}' is not sqlite or postgresql")


def _convert(name: str, kind: Any, raw: str) -> Any:
    text = str(kind)
    if text.startswith("bool"):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if text.startswith("int"):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(
                f"GATEWAY_{name.upper()} must be a whole number, not '{raw}'."
            ) from None
    return raw
