"""The SSO service of the app: per-account SP settings, verification and sign-in, wired up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TypeVar
from urllib.parse import urlencode

from gateway.activation import Activation
from gateway.clock import Clock
from gateway.config import GatewayConfig
from gateway.errors import NotFoundError
from gateway.rules import RulesService
from gateway.saml.errors import SamlError
from gateway.saml.sp import OutgoingMessage, SpSettings, build_authn_request, sp_metadata_xml
from gateway.saml.types import VerifiedAssertion
from gateway.saml.verify import verify_response
from gateway.sso.addresses import SpUrls, account_urls, sp_host
from gateway.sso.binding import note_issued
from gateway.sso.config import SamlConfig, SsoDisabled, parse_config, require_vanity
from gateway.sso.keys import key_ids, settings_from_keys, sp_keys_by_state, sp_settings
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
        return found[1], parse_config(found[0], stored=True)

    def _config_or_none(self, account: Account) -> SamlConfig | None:
        found = self.store.get_saml_config(account.id)
        return None if found is None else parse_config(found[0], stored=True)

    def acs_settings(
        self, stamp: AcsStamp, host_base: str | None = None
    ) -> tuple[SamlConfig, SpSettings]:
        """The account's SAML configuration and SP settings as of ``stamp``.

        Kept per worker and read again only when the stamp (read at every sign-in, in the
        same statement as the account) shows a new configuration version or other SP keys, so
        a change made through any worker is used from the next sign-in on. Raises
        SsoNotConfigured, SsoDisabled or VanityRequired.
        """
        account = stamp.account
        if stamp.config_version is None:
            raise _not_configured(account)
        cached = self._configs.get(account.id)
        if cached is None or cached[0] != stamp.config_version:
            cached = self._read_config(account)
            _remember(self._configs, account.id, cached)
        check_enabled(account, cached[1])
        urls = self.urls(account, host_base, cached[1])
        sp_cached = self._sps.get((account.id, urls))
        if sp_cached is None or sp_cached[0] != stamp.keys:
            keys = sp_keys_by_state(self.store, account.id)
            # Keyed by the ids just read, not the stamp's: a rotation in between stays apart.
            sp_cached = (key_ids(keys), settings_from_keys(keys, urls))
            _remember(self._sps, (account.id, urls), sp_cached)
        return cached[1], sp_cached[1]

    def urls(
        self, account: Account, host_base: str | None = None, config: SamlConfig | None = None
    ) -> SpUrls:
        """The SP's entity ID (the account's choice) and endpoints (by host when reached so)."""
        config = config or self._config_or_none(account)
        form = config.sp_entity_id_form if config else "metadata_url"
        return account_urls(self.config, account, form, host_base)

    def host_base(self, account: Account) -> str:
        """``<scheme>://<vanity>.<SP host>``, the by-host address of the account."""
        return sp_host(self.config).base(account.vanity or account.number)

    def sp(
        self, account: Account, host_base: str | None = None, config: SamlConfig | None = None
    ) -> SpSettings:
        """The account's SP settings, creating its key pair on first use."""
        return sp_settings(self.store, account.id, self.urls(account, host_base, config))

    def metadata_xml(self, account: Account, host_base: str | None = None) -> str:
        """The account's SP metadata, advertising what its settings make work."""
        config = self._config_or_none(account)
        return sp_metadata_xml(
            self.sp(account, host_base, config),
            authn_requests_signed=config.sign_request if config else True,
            encryption=config.support_encrypted_assertions if config else False,
        )

    def login_message(
        self, account: Account, relay_state: str | None, host_base: str | None = None
    ) -> OutgoingMessage:
        """The AuthnRequest in the account's binding, signed as set; its ID is remembered.

        Raises SsoNotConfigured, SsoDisabled or VanityRequired.
        """
        config = self.saml_config(account)
        check_enabled(account, config)
        message = build_authn_request(
            self.sp(account, host_base, config),
            config.sign_in_url,
            relay_state,
            binding=config.binding,
            signing=config.request_signing(),
            clock=self.clock,
        )
        self.store.remember_request(message.message_id, account.id, relay_state, REQUEST_TTL)
        note_issued(message.message_id)  # bound to this browser by a cookie (binding.py)
        return message

    def login_redirect(
        self, account: Account, relay_state: str | None, host_base: str | None = None
    ) -> str:
        """Where to send a browser to sign in: the AuthnRequest's Redirect URL, or (HTTP-POST
        binding) this SP's login page, which posts the AuthnRequest from the browser."""
        config = self.saml_config(account)
        if config.binding == "POST":
            check_enabled(account, config)
            query = f"?{urlencode({'RelayState': relay_state})}" if relay_state else ""
            return f"{self._path_base(account)}/login{query}"
        return self.login_message(account, relay_state, host_base).url

    def local_acs_path(self, account: Account, acs_url: str) -> str:
        """Where a browser here posts a response for ``acs_url``: its path on this gateway, or
        the account's path-form ACS for a <vanity>.<SP host> address (which accepts it too)."""
        public = self.config.public_url.rstrip("/")
        if acs_url.startswith(f"{public}/"):
            return acs_url.removeprefix(public)
        return f"/v/{account.vanity or account.number}/saml/SSO"

    def local_metadata_url(self, account: Account) -> str:
        """The SP metadata as served here (by path), whatever address the SP presents."""
        return f"{self._path_base(account)}/metadata/sp"

    def _path_base(self, account: Account) -> str:
        return f"{self.config.public_url.rstrip('/')}/v/{account.vanity or account.number}/saml"

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
        sp = sp or self.sp(account, host_base, config)
        identity = replace(sp.identity(), accept_encrypted=config.support_encrypted_assertions)
        try:
            return verify_response(
                saml_response,
                trust=config.trust(),
                sp=identity,
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
            return service.apply(
                account, config, assertion, explain=explain, has_subaccounts=stamp.has_subaccounts
            )


def check_enabled(account: Account, config: SamlConfig) -> None:
    """Raise SsoDisabled when switched off, VanityRequired when the account has no vanity."""
    if not config.enabled:
        raise SsoDisabled(
            f"SSO is switched off for {account.name}: an admin turns it on in the SSO page "
            "('Enable Single Sign-On')."
        )
    require_vanity(account.vanity, account.name)


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
