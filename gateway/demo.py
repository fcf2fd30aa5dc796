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
            plan={
                "Licensed": 1000,
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
    from gateway.demo_idp import DEMO_RULES, demo_idp
    from gateway.rules import RulesService

    idp = demo_idp(config)
    store.put_saml_config(
        account_id,
        {
            "idp_entity_id": idp.entity_id,
            "sign_in_url": f"{config.public_url.rstrip('/')}/idp",
            "certificates": [idp.certificate_pem],
            "allow_idp_initiated": True,
            "attribute_map": {
                "first_name": "givenName",
                "last_name": "sn",
                "department": "department",
            },
        },
        actor=ACTOR,
    )
    RulesService(store).save(account_id, DEMO_RULES, actor=ACTOR)


def _maybe(store: SqlStore, ident: str) -> list[Account]:
    try:
        return [store.find_account(ident)]
    except NotFound:
        return []
