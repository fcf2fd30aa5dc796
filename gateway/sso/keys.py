"""The SP's own key pair per account: made on first use, rotated with a published next key."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.saml.keys import generate_key_pair
from gateway.saml.sp import SpSettings
from gateway.sso.addresses import SpUrls
from gateway.store.saml_state import SpKey
from gateway.store.sql import SqlStore

__all__ = ["SpUrls", "key_ids", "publish_next_key", "settings_from_keys", "sp_settings"]

KEY_STATES = ("current", "next", "previous")


def sp_settings(store: SqlStore, account_id: int, urls: SpUrls) -> SpSettings:
    """The SP settings of the account, creating its first key pair when it has none."""
    return settings_from_keys(sp_keys_by_state(store, account_id), urls)


def sp_keys_by_state(store: SqlStore, account_id: int) -> dict[str, SpKey]:
    """The account's SP keys by state, creating its first key pair when it has none."""
    keys = {k.state: k for k in store.sp_keys(account_id)}
    if "current" not in keys:
        pair = generate_key_pair(f"gateway SP {account_id}")
        store.add_sp_key(
            account_id, "current", pair.certificate_pem, pair.private_key_pem, actor="system"
        )
        keys = {k.state: k for k in store.sp_keys(account_id)}
    return keys


def key_ids(keys: Mapping[str, SpKey]) -> tuple[int | None, int | None, int | None]:
    """The ids of the current, next and previous keys (``AcsStamp.keys``)."""
    current, next_, previous = (keys[s].id if s in keys else None for s in KEY_STATES)
    return current, next_, previous


def settings_from_keys(keys: Mapping[str, SpKey], urls: SpUrls) -> SpSettings:
    """The SP settings from the account's keys by state (``sp_keys_by_state``)."""
    current = keys["current"]
    return SpSettings(
        entity_id=urls.entity_id,
        acs_url=urls.acs_url,
        slo_url=urls.slo_url,
        private_key_pem=current.private_key_pem,
        certificate_pem=current.certificate_pem,
        next_certificate_pem=keys["next"].certificate_pem if "next" in keys else None,
        previous_private_key_pem=(keys["previous"].private_key_pem if "previous" in keys else None),
        other_acs_urls=urls.other_acs_urls,
        other_slo_urls=urls.other_slo_urls,
    )


def publish_next_key(store: SqlStore, account_id: int, *, actor: str) -> str:
    """Make and publish the next SP certificate (used only after ``rotate``); returns its PEM."""
    pair = generate_key_pair(f"gateway SP {account_id} next")
    store.add_sp_key(account_id, "next", pair.certificate_pem, pair.private_key_pem, actor=actor)
    return pair.certificate_pem
