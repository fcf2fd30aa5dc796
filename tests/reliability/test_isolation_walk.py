"""Tenant isolation: every route of the app's url_map, walked with the credentials of a master,
its sub-account, an unrelated account, an unlinked former sub-account and nobody. No read shows
another account's data and no write changes it, apart from the master's rights over its current
sub-accounts. A route without an expectation in EXPECTATIONS fails the first test."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.app import create_app
from gateway.demo import init_demo
from gateway.store import schema
from idp_fixtures.idp import TestIdP

PUBLIC = "http://127.0.0.1:8000"
ATTACKER = TestIdP("https://attacker.test/metadata")
PERSONAS = ("master", "sub", "unrelated", "former", "nobody")
ACCOUNTS = ("master", "sub", "unrelated", "former")
DENIED = (401, 403, 404)
SCIM_DISCOVERY = ("service_provider_config", "resource_type", "schema")

# endpoint -> how it is scoped. A new route must be added here, with its scope, to pass.
SCOPES = {
    "api_account": "admin API on /accounts/<account_id>: the token's account, or a master's sub",
    "api_caller": "admin API on the token's own account or session (no account in the URL)",
    "secret": "reachable only with a link secret; a made-up secret is refused",
    "public": "the same for everyone, holding no account data",
    "scim": "SCIM: the token's own account only (masters have no SCIM rights over subs)",
    "saml": "SAML per vanity: another account's IdP is not trusted",
    "console_account": "console form on /accounts/<account_id>: the session's account or its sub",
    "console": "console page of the session's account",
}
EXPECTATIONS: dict[str, str] = {
    "static": "public",
    "healthz": "public",
    "api.get_openapi": "public",
    "api.get_list_accounts": "api_caller",
    "api.post_create_sub_account": "api_caller",
    "api.post_create_organization": "api_caller",
    "api.get_get_organization": "api_caller",
    "api.post_link_organization": "api_caller",
    "api.delete_leave_organization": "api_caller",
    "api.post_login": "api_caller",
    "api.post_signup": "api_caller",
    "api.post_logout": "api_caller",
    "api.get_my_profile": "api_caller",
    "api.post_consolidation_choice": "api_caller",
    # The demo's clock is global, not an account's: any admin token reads or moves it.
    "api.get_show_clock": "api_caller",
    "api.post_advance_clock": "api_caller",
    "api.put_set_clock": "api_caller",
    "api.delete_reset_clock": "api_caller",
    "api.get_invitation_preview": "secret",
    "api.post_invitation_accept": "secret",
    "api.post_invitation_decline": "secret",
    "api.get_consolidation_status": "secret",
    "activation.activate": "secret",
    "activation.activation_page": "secret",
    "api.get_email_change_preview": "secret",
    "api.post_email_change_confirm": "secret",
    "domains_pages.confirm_email_page": "secret",
    "domains_pages.invitation_page": "secret",
    "domains_pages.decline_page": "secret",
    "domains_pages.login_page": "public",
    "sso.me": "api_caller",
    "idp.page": "public",
    "idp.metadata": "public",
    "idp.sign": "public",
    "idp.page_posted": "public",
    "console.static": "public",
    # Needs an app's client credentials, not a token; answers 400 without them.
    "oauth.token": "public",
}


def _scope_of(endpoint: str, rule: str) -> str | None:
    if endpoint in EXPECTATIONS:
        return EXPECTATIONS[endpoint]
    if endpoint.startswith("api.") and "<int:account_id>" in rule:
        return "api_account"
    if endpoint.startswith(("scim.", "zoom_scim.")):  # /scim/v2 and Zoom's /scim2 dialect
        return "scim"
    if endpoint.startswith("sso."):
        return "saml"
    if endpoint.startswith("console.") and "<int:account_id>" in rule:
        return "console_account"
    if endpoint.startswith("console."):
        return "console"
    return None


@dataclass
class World:
    app: Any
    store: Any
    ids: dict[str, int]
    vanity: dict[str, str]
    admin: dict[str, str]
    scim: dict[str, str]
    idps: dict[str, TestIdP]
    user_ids: dict[str, str]


@pytest.fixture(scope="module")
def world(sqlite_template, tmp_path_factory):
    from gateway.store.sql import SqlStore

    path = tmp_path_factory.mktemp("isolation") / "gateway.db"
    path.write_bytes(sqlite_template.read_bytes())
    store = SqlStore.from_url(f"sqlite:///{path}", migrate=False)
    demo = init_demo(store)
    acme = store.find_account("acme")
    former = store.create_account(
        "Acme Old", "owner@old.acme.test", actor="t", vanity="acme-old", parent_id=acme.id
    )
    store.unlink(former.id, actor="t")
    accounts = {
        "master": acme,
        "sub": store.find_account("acme-health"),
        "unrelated": store.find_account("globex"),
        "former": store.get_account(former.id),
    }
    admin, scim, idps, user_ids = {}, {}, {}, {}
    for name, account in accounts.items():
        admin[name] = (
            demo.tokens.get(f"{account.vanity} admin")
            or store.create_token(account.id, "admin", actor="t")[1]
        )
        scim[name] = store.create_token(account.id, "scim", actor="t")[1]
        user = store.create_user(
            account.id, f"marker-{name}@{name}.test", actor="t", source="admin"
        )
        user_ids[name] = user.id
        idps[name] = TestIdP(f"https://idp-{name}.test/metadata")
        store.put_saml_config(
            account.id,
            {
                "idp_entity_id": idps[name].entity_id,
                "sign_in_url": "https://idp.test/sso",
                "certificates": [idps[name].certificate_pem],
                "allow_idp_initiated": True,
            },
            actor="t",
        )
    # Rate limits off (the per-token one and Zoom's per-second /scim2 one): the walk is about
    # isolation, and a 429 is neither a refusal of a crossing nor a crossing.
    settings = {"demo": True, "public_url": PUBLIC, "rate_limit_per_minute": 0}
    app = create_app({**settings, "zoom_rate_limits": "off"}, store=store)
    yield World(
        app,
        store,
        {k: a.id for k, a in accounts.items()},
        {k: str(a.vanity) for k, a in accounts.items()},
        admin,
        scim,
        idps,
        user_ids,
    )
    store.dispose()


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_has_an_isolation_expectation(world):
    missing = sorted(
        {
            rule.endpoint
            for rule, _ in _routes(world.app)
            if _scope_of(rule.endpoint, rule.rule) is None
        }
    )
    assert missing == []
    stale = sorted(set(EXPECTATIONS) - {rule.endpoint for rule in world.app.url_map.iter_rules()})
    assert stale == []


def _may_see(persona: str, owner: str) -> bool:
    return persona == owner or (persona == "master" and owner == "sub")


def _marker(owner: str) -> str:
    return f"marker-{owner}@{owner}.test"


# Audit entries that record an attempt rather than a change: a refused sign-in (audited to the
# account it targeted, by design) and the SP key made on the first fetch of public SP metadata.
NOT_CHANGES = ("saml.sp_key.add",)


def _audit_counts(world: World) -> dict[str, int]:
    """Audit entries per account that record a change (every change is audited)."""
    log = schema.audit_log
    with world.store.transaction() as conn:
        rows = conn.execute(
            sa.select(log.c.account_id, sa.func.count())
            .where(log.c.action.not_in(NOT_CHANGES), log.c.action.not_like("%refused%"))
            .group_by(log.c.account_id)
        )
        by_id = dict(rows.all())
    return {name: by_id.get(account_id, 0) for name, account_id in world.ids.items()}


BODY = {
    "name": "Probe",
    "owner_email": "probe@probe.test",
    "seats": 1,
    "value": 1,
    "email": "probe@acme.test",
    "password": "probe-password",
    "enabled": True,
    "domain": "probe.test",
    "kind": "scim",
    "rules": [],
    "attributes": {},
    "idp_entity_id": "https://probe.test",
    "sign_in_url": "https://probe.test/sso",
    "certificates": [],
}


def _fill(rule: str, world: World, target: str) -> str:
    values = {
        "account_id": str(world.ids[target]),
        "vanity": world.vanity[target],
        "secret": "made-up-secret",
        "seat_kind": "Licensed",
        "key": "probe_setting",
        "domain": "acme.test",
        "migration_id": "1",
        "position": "0",
        "user_id": world.user_ids[target],
        "token_id": "1",
        "tracking_id": "WEB_probe",
        "app_id": "1",
        "organization_id": "1",
        "action": "rotate",
        "endpoint": "Users",
        "resource_id": world.user_ids[target],
        "name": "User",
        "urn": "urn:ietf:params:scim:schemas:core:2.0:User",
        "rest": "Nothing",
        "filename": "nothing.css",
        "path:filename": "nothing.css",
        "path:urn": "urn:ietf:params:scim:schemas:core:2.0:User",
        "path:rest": "Nothing",
    }
    return re.sub(
        r"<(?:[a-z]+:)?([a-z_]+)>",
        lambda m: values[m.group(1)],
        rule,
    )


def _console_client(world: World, persona: str) -> tuple[Any, str]:
    client = world.app.test_client()
    if persona == "nobody":
        return client, ""
    form = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/signin").text)
    assert form is not None
    client.post("/console/signin", data={"token": world.admin[persona], "csrf_token": form[1]})
    cookie = client.get_cookie("gateway_console", path="/console")
    assert cookie is not None, persona
    return client, world.store.get_session(cookie.value).data["csrf"]


def _request(world: World, client: Any, csrf: str, persona: str, scope: str, rule, method, target):
    path = _fill(rule.rule, world, target)
    headers = {"Accept": "application/json"}
    if persona != "nobody":
        token = world.scim[persona] if scope == "scim" else world.admin[persona]
        headers["Authorization"] = f"Bearer {token}"
    if scope == "saml" and rule.endpoint in ("sso.acs", "sso.acs_by_host"):
        signer = world.idps.get(persona) or ATTACKER
        acs = f"{PUBLIC}/v/{world.vanity[target]}/saml"
        response = signer.make_response(
            sp_entity_id=f"{acs}/metadata/sp", acs_url=f"{acs}/SSO", name_id=_marker(target)
        )
        return client.open(path, method=method, data={"SAMLResponse": response}, headers=headers)
    if scope.startswith("console"):
        data = {"csrf_token": csrf, "seats": "1", "seat_kind": "Licensed"}
        return client.open(path, method=method, data=data if method == "POST" else None)
    body = BODY if method in ("POST", "PUT", "PATCH") else None
    return client.open(path, method=method, json=body, headers=headers)


def _walk(world: World, persona: str) -> list[str]:
    """Every crossing found for ``persona``."""
    client, csrf = _console_client(world, persona)
    crossings = []
    for rule, method in _routes(world.app):
        scope = _scope_of(rule.endpoint, rule.rule)
        if rule.endpoint == "console.signout" or rule.endpoint.endswith("logout"):
            continue  # would end the walk's own session
        if scope in ("api_account", "scim", "saml", "console_account"):
            targets = ACCOUNTS
        else:
            targets = ("master",)
        for target in targets:
            if rule.endpoint.endswith("unlink") and _may_see(persona, target) and persona != target:
                continue  # the master's right to unlink its sub would end the walk's hierarchy
            before = _audit_counts(world)
            answer = _request(world, client, csrf, persona, scope, rule, method, target)
            text = answer.get_data(as_text=True)
            where = f"{persona} {method} {rule.rule} -> {target}: {answer.status_code}"
            if answer.status_code >= 500:
                crossings.append(f"{where}: server error")
            leaked = [o for o in ACCOUNTS if not _may_see(persona, o) and _marker(o) in text]
            if leaked:
                crossings.append(f"{where}: shows data of {leaked}")
            changed = [
                o
                for o, n in _audit_counts(world).items()
                if n != before[o] and not _may_see(persona, o)
            ]
            if changed:
                crossings.append(f"{where}: changed {changed}")
            addressed = scope in ("api_account", "console_account") or (
                scope == "scim" and ("<vanity>" in rule.rule or "<resource_id>" in rule.rule)
            )
            if rule.endpoint.split(".")[-1].startswith(SCIM_DISCOVERY):
                addressed = False  # RFC 7644 §4: the same for everyone, no account data
            # A SCIM write to another account's resource may fail on its body first (400).
            refused = answer.status_code in (*DENIED, 405) or (
                scope == "scim" and answer.status_code == 400
            )
            if addressed and not _allowed(scope, persona, target) and not refused:
                crossings.append(f"{where}: not refused")
    return crossings


def _allowed(scope: str, persona: str, target: str) -> bool:
    if scope == "scim":
        return persona == target
    return _may_see(persona, target)


def test_the_markers_the_walk_looks_for_are_visible_where_they_are_allowed(world):
    client = world.app.test_client()
    auth = {"Authorization": f"Bearer {world.admin['master']}"}
    sub_users = client.get(f"/api/v1/accounts/{world.ids['sub']}/users", headers=auth)
    assert _marker("sub") in sub_users.get_data(as_text=True)
    former = client.get(f"/api/v1/accounts/{world.ids['former']}/users", headers=auth)
    assert former.status_code in DENIED and former.get_json()["code"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_route_lets_a_persona_cross_into_an_account_it_has_no_right_to(world, persona):
    assert _walk(world, persona) == []
