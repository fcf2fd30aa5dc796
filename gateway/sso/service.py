"""The SSO service of the app: per-account SP settings, verification and sign-in, wired up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from gateway.activation import Activation
from gateway.clock import Clock
from gateway.config import GatewayConfig
from gateway.errors import NotFoundError
from gateway.rules import RulesService
from gateway.saml.errors import SamlError
from gateway.saml.sp import SpSettings, build_authn_request_redirect
from gateway.saml.types import VerifiedAssertion
from gateway.saml.verify import verify_response
from gateway.sso.config import SamlConfig, parse_config
from gateway.sso.keys import SpUrls, sp_settings
from gateway.sso.signin import SignInResult, SignInService
from gateway.store.records import Account
from gateway.store.sql import SqlStore

REQUEST_TTL = dt.timedelta(minutes=10)


class SsoNotConfigured(NotFoundError):
    """The account has no SAML configuration yet."""

    code = "sso_not_configured"


@dataclass
class SsoService:
    """Everything the SAML endpoints do, independent of Flask."""

    store: SqlStore
    config: GatewayConfig
    clock: Clock
    rules: RulesService
    activation: Activation

    def saml_config(self, account: Account) -> SamlConfig:
        """The account's SAML configuration; raises SsoNotConfigured."""
        found = self.store.get_saml_config(account.id)
        if found is None:
            raise SsoNotConfigured(
                f"{account.name} has no SAML configuration yet: set it with "
                f"PUT /api/v1/accounts/{account.id}/saml or "
                "'gateway saml import-metadata'."
            )
        return parse_config(found[0])

    def urls(self, account: Account, host_base: str | None = None) -> SpUrls:
        """The SP's entity ID (always path-form) and endpoints (by host when reached so)."""
        ident = account.vanity or account.number
        canonical = f"{self.config.public_url.rstrip('/')}/v/{ident}/saml"
        base = f"{host_base}/saml" if host_base else canonical
        return SpUrls(f"{canonical}/metadata/sp", f"{base}/SSO", f"{base}/SingleLogout")

    def host_base(self, account: Account) -> str:
        """``http://<vanity>.localhost:<port>``, the by-host address of the account."""
        parts = urlsplit(self.config.public_url)
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{account.vanity}.localhost{port}"

    def sp(self, account: Account, host_base: str | None = None) -> SpSettings:
        """The account's SP settings, creating its key pair on first use."""
        return sp_settings(self.store, account.id, self.urls(account, host_base))

    def login_redirect(
        self, account: Account, relay_state: str | None, host_base: str | None = None
    ) -> str:
        """A signed AuthnRequest redirect; the request ID is remembered in the store."""
        config = self.saml_config(account)
        request_id, url = build_authn_request_redirect(
            self.sp(account, host_base), config.sign_in_url, relay_state, clock=self.clock
        )
        self.store.remember_request(request_id, account.id, relay_state, REQUEST_TTL)
        return url

    def verify(
        self,
        account: Account,
        saml_response: str,
        host_base: str | None = None,
        *,
        config: SamlConfig | None = None,
        sp: SpSettings | None = None,
    ) -> VerifiedAssertion:
        """Verify a response for this account; refusals are audited and raised (SamlError).

        ``config`` and ``sp`` save their reads when the caller has them already.
        """
        config = config or self.saml_config(account)
        sp = sp or self.sp(account, host_base)
        try:
            return verify_response(
                saml_response,
                trust=config.trust(),
                sp=sp.identity(),
                clock=self.clock,
                max_bytes=self.config.saml_max_bytes,
                is_outstanding_request=lambda rid: self.store.take_request(rid, account.id),
                remember_assertion=lambda aid, until: self.store.remember_assertion(
                    aid, account.id, until
                ),
            )
        except SamlError as e:
            self.store.audit_event(
                actor="sso",
                account_id=account.id,
                action="sso.refused",
                target=e.code,
                after={"message": e.message},
            )
            raise

    def sign_in(
        self,
        account: Account,
        saml_response: str,
        host_base: str | None = None,
        *,
        explain: bool = True,
    ) -> SignInResult:
        """Verify, map and provision: the whole ACS."""
        with self.store.transaction():  # one read of the account's SAML state, not two
            config = self.saml_config(account)
            sp = self.sp(account, host_base)
        assertion = self.verify(account, saml_response, host_base, config=config, sp=sp)
        service = SignInService(self.store, self.rules, self.activation)
        return service.apply(account, config, assertion, explain=explain)
