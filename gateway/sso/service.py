"""The SSO service of the app: per-account SP settings, verification and sign-in, wired up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TypeVar
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
from gateway.sso.keys import SpUrls, key_ids, settings_from_keys, sp_keys_by_state, sp_settings
from gateway.sso.signin import SignInResult, SignInService
from gateway.store.records import Account
from gateway.store.saml_state import AcsStamp
from gateway.store.sql import SqlStore

REQUEST_TTL = dt.timedelta(minutes=10)
# Per-worker caches hold one entry per account (and SP address form); past this they restart.
CACHE_ENTRIES = 4096
_K = TypeVar("_K")
_V = TypeVar("_V")


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
    # Parsed per worker, keyed by what ``AcsStamp`` says of the stored state: see acs_settings.
    _configs: dict[int, tuple[int, SamlConfig]] = field(default_factory=dict, repr=False)
    _sps: dict[tuple[int, SpUrls], tuple[tuple[int | None, ...], SpSettings]] = field(
        default_factory=dict, repr=False
    )

    def saml_config(self, account: Account) -> SamlConfig:
        """The account's SAML configuration; raises SsoNotConfigured."""
        return self._read_config(account)[1]

    def _read_config(self, account: Account) -> tuple[int, SamlConfig]:
        found = self.store.get_saml_config(account.id)
        if found is None:
            raise _not_configured(account)
        return found[1], parse_config(found[0])

    def acs_settings(
        self, stamp: AcsStamp, host_base: str | None = None
    ) -> tuple[SamlConfig, SpSettings]:
        """The account's SAML configuration and SP settings as of ``stamp``.

        Kept per worker and read again only when the stamp (read at every sign-in, in the
        same statement as the account) shows a new configuration version or other SP keys, so
        a change made through any worker is used from the next sign-in on. Raises
        SsoNotConfigured.
        """
        account = stamp.account
        if stamp.config_version is None:
            raise _not_configured(account)
        cached = self._configs.get(account.id)
        if cached is None or cached[0] != stamp.config_version:
            cached = self._read_config(account)
            _remember(self._configs, account.id, cached)
        urls = self.urls(account, host_base)
        sp_cached = self._sps.get((account.id, urls))
        if sp_cached is None or sp_cached[0] != stamp.keys:
            keys = sp_keys_by_state(self.store, account.id)
            # Keyed by the ids just read, not the stamp's: a rotation in between stays apart.
            sp_cached = (key_ids(keys), settings_from_keys(keys, urls))
            _remember(self._sps, (account.id, urls), sp_cached)
        return cached[1], sp_cached[1]

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
        stamp: AcsStamp,
        saml_response: str,
        host_base: str | None = None,
        *,
        explain: bool = True,
    ) -> SignInResult:
        """Verify, map and provision: the whole ACS, for the account ``stamp`` was read for
        (``store.acs_stamp``)."""
        account = stamp.account
        config, sp = self.acs_settings(stamp, host_base)
        assertion = self.verify(account, saml_response, host_base, config=config, sp=sp)
        service = SignInService(self.store, self.rules, self.activation)
        with self.store.rules_version_read(account.id, stamp.rules_version):
            return service.apply(account, config, assertion, explain=explain)


def _not_configured(account: Account) -> SsoNotConfigured:
    return SsoNotConfigured(
        f"{account.name} has no SAML configuration yet: set it with "
        f"PUT /api/v1/accounts/{account.id}/saml or "
        "'gateway saml import-metadata'."
    )


def _remember(cache: dict[_K, _V], key: _K, value: _V) -> None:
    if len(cache) >= CACHE_ENTRIES:
        cache.clear()
    cache[key] = value
