"""The demo world: Acme (master, bulk licensing) with two sub-accounts, Globex, one domain."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.config import GatewayConfig
from gateway.store.errors import NotFound
from gateway.store.records import Account
from gateway.store.sql import SqlStore

ACTOR = "demo"


@dataclass(frozen=True)
class DemoWorld:
    """What ``init-demo`` made, with the secrets of any tokens it created this time."""

    created: bool
    accounts: dict[str, str]
    tokens: dict[str, str]


def init_demo(store: SqlStore, config: GatewayConfig | None = None) -> DemoWorld:
    """Create the demo world once; a second run changes nothing and prints no new secret.

    With ``config``, Acme's SSO is also set up against the demo IdP, with the demo rules.
    """
    try:
        acme = store.find_account("acme")
    except NotFound:
        acme = None
    if acme is not None:
        names = [acme, *store.descendants(acme.id), *_maybe(store, "globex")]
        return DemoWorld(False, {a.name: a.number for a in names}, {})
    with store.transaction():
        acme = store.create_account(
            "Acme",
            "owner@acme.test",
            actor=ACTOR,
            vanity="acme",
            bulk_licensing=True,
            plan_kind="enterprise",
            support_name="Acme IT",
            support_email="it@acme.test",
            # A seat of every userType the SCIM Schemas publish (Basic needs none), so the
            # conformance tools, which pick userType at random, pass without set-up.
            plan={
                "Licensed": 1000,
                "On-Prem": 100,
                "addon:webinar": 50,
                "addon:large_meeting": 20,
                "addon:cloud_recording_storage": 100,
                "addon:whiteboard": 200,
            },
        )
        health = store.create_account(
            "Acme Healthcare",
            "owner@health.acme.test",
            actor=ACTOR,
            vanity="acme-health",
            parent_id=acme.id,
            billing="master",
        )
        labs = store.create_account(
            "Acme Labs", "owner@labs.acme.test", actor=ACTOR, parent_id=acme.id, billing="master"
        )
        store.delegate(health.id, "Licensed", 200, actor=ACTOR)
        store.delegate(health.id, "addon:webinar", 10, actor=ACTOR)
        store.delegate(health.id, "addon:large_meeting", 10, actor=ACTOR)
        store.delegate(labs.id, "Licensed", 50, actor=ACTOR)
        globex = store.create_account(
            "Globex", "owner@globex.test", actor=ACTOR, vanity="globex", plan={"Licensed": 25}
        )
        org = store.create_organization("Acme & Globex", acme.id, actor=ACTOR)
        store.link_organization(org.id, globex.id, actor=ACTOR)
        store.add_verified_domain(acme.id, "acme.test", actor=ACTOR)
        _, admin = store.create_token(acme.id, "admin", actor=ACTOR, label="demo admin")
        _, scim = store.create_token(acme.id, "scim", actor=ACTOR, label="demo SCIM")
        _, globex_admin = store.create_token(
            globex.id, "admin", actor=ACTOR, label="demo Globex admin"
        )
        if config is not None:
            configure_demo_sso(store, config, acme.id)
    accounts = {a.name: a.number for a in (acme, health, labs, globex)}
    return DemoWorld(
        True, accounts, {"acme admin": admin, "acme scim": scim, "globex admin": globex_admin}
    )


def configure_demo_sso(store: SqlStore, config: GatewayConfig, account_id: int) -> None:
    """Point the account's SSO at the demo IdP and give it the demo mapping rules."""
    from gateway.demo_idp import DEMO_RULES, demo_idp, demo_sign_in_url
    from gateway.rules import RulesService

    idp = demo_idp(config)
    store.put_saml_config(
        account_id,
        {
            "idp_entity_id": idp.entity_id,
            "sign_in_url": demo_sign_in_url(config),
            "certificates": [idp.certificate_pem],
            "allow_idp_initiated": True,
            "save_response_logs": True,  # off by default, as in Zoom; the demo shows them
            "attribute_map": {
                "first_name": "givenName",
                "last_name": "sn",
                "department": "department",
            },
        },
        actor=ACTOR,
    )
    RulesService(store).save(account_id, DEMO_RULES, actor=ACTOR)


def retrust_demo_idp(store: SqlStore, config: GatewayConfig) -> list[str]:
    """Point the demo accounts that use the demo IdP at it as served now; names changed ones.

    ``init-demo`` may have run for another public URL (``make run PORT=8080``) or, before the
    demo IdP's identity stopped depending on the URL, with a key made for that URL: the
    sign-in URL, entity ID and certificate are brought up to date. Accounts pointed at another
    IdP are left alone.
    """
    from gateway.demo_idp import demo_idp, demo_sign_in_url

    idp = demo_idp(config)
    wanted = {
        "idp_entity_id": idp.entity_id,
        "sign_in_url": demo_sign_in_url(config),
        "certificates": [idp.certificate_pem],
    }
    changed = []
    for account in _demo_accounts(store):
        found = store.get_saml_config(account.id)
        if found is None or not _uses_demo_idp(found[0], idp.entity_id):
            continue
        current = found[0]
        if all(current.get(k) == v for k, v in wanted.items()):
            continue
        store.put_saml_config(account.id, {**current, **wanted}, actor=ACTOR)
        changed.append(account.name)
    return changed


def _uses_demo_idp(saml: dict[str, object], entity_id: str) -> bool:
    """The demo IdP, or the URL-named demo IdP of earlier versions (``<url>/idp/metadata``)."""
    issuer, sign_in = str(saml.get("idp_entity_id", "")), str(saml.get("sign_in_url", ""))
    if issuer == entity_id:
        return True
    return issuer.endswith("/idp/metadata") and issuer.removesuffix("/metadata") == sign_in


def _demo_accounts(store: SqlStore) -> list[Account]:
    acme = _maybe(store, "acme")
    return [*acme, *(store.descendants(acme[0].id) if acme else []), *_maybe(store, "globex")]


def _maybe(store: SqlStore, ident: str) -> list[Account]:
    try:
        return [store.find_account(ident)]
    except NotFound:
        return []
