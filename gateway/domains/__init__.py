"""Associated domains, SSO enforcement, invitations, consolidation, migration, data release."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from gateway.config import GatewayConfig
from gateway.domains.consolidation import ConsolidationEngine
from gateway.domains.enforcement import SsoEnforcement
from gateway.domains.invitations import InvitationService
from gateway.domains.migration import MigrationService
from gateway.domains.release import DataRelease
from gateway.domains.service import DomainService
from gateway.domains.signin import PasswordSignIn
from gateway.domains.verification import DomainVerifier, HttpFileFetcher, ZoneFileResolver
from gateway.sso.service import SsoService
from gateway.store.sql import SqlStore


@dataclass(frozen=True)
class DomainsServices:
    """The services of this package, built once per app."""

    domains: DomainService
    enforcement: SsoEnforcement
    engine: ConsolidationEngine
    invitations: InvitationService
    migrations: MigrationService
    release: DataRelease
    signin: PasswordSignIn


def build(store: SqlStore, config: GatewayConfig, sso: SsoService) -> DomainsServices:
    """Wire the services over one store and configuration."""
    verifier = DomainVerifier(
        ZoneFileResolver(config.dns_zone_file),
        HttpFileFetcher(
            dict(config.extra.get("domain_http_bases", {})), config.http_verification_network
        ),
    )
    engine = ConsolidationEngine(store, config)
    return DomainsServices(
        domains=DomainService(store, config, verifier),
        enforcement=SsoEnforcement(store, config, sso),
        engine=engine,
        invitations=InvitationService(store, config, engine),
        migrations=MigrationService(store),
        release=DataRelease(store),
        signin=PasswordSignIn(store, config, sso, engine),
    )


def services() -> DomainsServices:
    """The app's domain services."""
    return current_app.extensions["gateway.domains"]  # type: ignore[no-any-return]


def init_app(app: Flask) -> None:
    """Register the services and the sign-in and invitation pages (after the SSO service)."""
    from gateway.domains.pages import blueprint

    app.extensions["gateway.domains"] = build(
        app.extensions["gateway.store"],
        app.extensions["gateway.config"],
        app.extensions["gateway.sso"],
    )
    app.register_blueprint(blueprint)
