"""Tenant isolation of every admin route, table-driven from the route registry.

A route added to ``gateway.api.registry.api`` without an entry in ``CASES`` fails
``test_every_admin_route_has_an_isolation_expectation``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from api_world import MANAGES, ROLES, World, build_world
from seats import unique_email

from gateway.api.registry import api
from gateway.store.sql import SqlStore

# Who may call a route on which target:
#   account: the target account must be the caller's own or one of its sub-accounts.
#   master:  only an ancestor of the target (delegate, unlink); on itself: master_only.
#   org:     the target is an organization; only its members.
#   caller:  no target: the route acts on the caller's own account.
#   public:  no token needed.
Request = Callable[[World, str], tuple[str, Any]]


@dataclass(frozen=True)
class Case:
    scope: str
    request: Request
    ok_codes: frozenset[str] = frozenset()


def _acc(suffix: str = "", body: Any = None) -> Request:
    return lambda w, t: (f"/api/v1/accounts/{w.ids[t]}{suffix}", body)


def _app_id(world: World, target: str) -> int:
    """A new S2S OAuth app of the target account (each probe may revoke one)."""
    from gateway.oauth.storage import create_app

    return create_app(world.store, world.ids[target], "scim2", actor="test")[0].id


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/openapi.json"): Case("public", lambda w, t: ("/api/v1/openapi.json", None)),
    ("GET", "/accounts"): Case("caller", lambda w, t: ("/api/v1/accounts", None)),
    ("POST", "/accounts"): Case(
        "account",
        lambda w, t: (
            "/api/v1/accounts",
            {"name": "New", "owner_email": unique_email("new"), "parent_id": w.ids[t]},
        ),
        # The sub-account of a direct master cannot have sub-accounts of its own.
        frozenset({"nesting_not_allowed"}),
    ),
    ("GET", "/accounts/<int:account_id>"): Case("account", _acc()),
    ("PATCH", "/accounts/<int:account_id>"): Case("account", _acc("", {"name": "Renamed"})),
    ("GET", "/accounts/<int:account_id>/sub-accounts"): Case("account", _acc("/sub-accounts")),
    ("GET", "/accounts/<int:account_id>/dashboard"): Case("account", _acc("/dashboard")),
    ("GET", "/accounts/<int:account_id>/licenses"): Case("account", _acc("/licenses")),
    ("PUT", "/accounts/<int:account_id>/plan/<seat_kind>"): Case(
        "account",
        _acc("/plan/Licensed", {"seats": 60}),
        # Under bulk licensing a sub-account's seats are delegated, not planned.
        frozenset({"plan_is_delegated"}),
    ),
    ("PUT", "/accounts/<int:account_id>/delegation/<seat_kind>"): Case(
        "master", _acc("/delegation/Licensed", {"seats": 5})
    ),
    # Unlinking an account without a master (the master itself, a standalone one) is 409
    # not_a_sub_account once the caller may see it; a sub-account's own token: master_only.
    ("POST", "/accounts/<int:account_id>/unlink"): Case(
        "unlink", _acc("/unlink"), frozenset({"not_a_sub_account"})
    ),
    ("PATCH", "/accounts/<int:account_id>/users/<user_id>"): Case(
        "account",
        lambda w, t: (f"/api/v1/accounts/{w.ids[t]}/users/{w.owner_ids[t]}", {"status": "active"}),
    ),
    # The owner is the only user every account has: deleting it is refused (owner_protected)
    # once the token may act on the account.
    ("DELETE", "/accounts/<int:account_id>/users/<user_id>"): Case(
        "account",
        lambda w, t: (f"/api/v1/accounts/{w.ids[t]}/users/{w.owner_ids[t]}", None),
        frozenset({"owner_protected"}),
    ),
    # The demo clock is global (demo mode): any admin token may read or move it.
    ("GET", "/clock"): Case("caller", lambda w, t: ("/api/v1/clock", None)),
    ("POST", "/clock/advance"): Case(
        "caller", lambda w, t: ("/api/v1/clock/advance", {"by": "1s"})
    ),
    ("PUT", "/clock"): Case(
        "caller", lambda w, t: ("/api/v1/clock", {"now": "2026-03-01T09:00:00Z"})
    ),
    ("DELETE", "/clock"): Case("caller", lambda w, t: ("/api/v1/clock", None)),
    ("GET", "/accounts/<int:account_id>/settings"): Case("account", _acc("/settings")),
    ("PUT", "/accounts/<int:account_id>/settings/<key>"): Case(
        "account", _acc("/settings/recording", {"value": True, "locked": True})
    ),
    ("GET", "/accounts/<int:account_id>/users"): Case("account", _acc("/users")),
    ("GET", "/accounts/<int:account_id>/users/<user_id>"): Case(
        "account", lambda w, t: (f"/api/v1/accounts/{w.ids[t]}/users/{w.owner_ids[t]}", None)
    ),
    ("POST", "/accounts/<int:account_id>/tokens"): Case(
        "account", _acc("/tokens", {"kind": "scim"})
    ),
    ("DELETE", "/accounts/<int:account_id>/tokens/<int:token_id>"): Case(
        "account",
        lambda w, t: (f"/api/v1/accounts/{w.ids[t]}/tokens/{w.spare_token_ids[t]}", None),
    ),
    ("GET", "/accounts/<int:account_id>/audit"): Case("account", _acc("/audit")),
    ("GET", "/accounts/<int:account_id>/oauth-apps"): Case("account", _acc("/oauth-apps")),
    ("POST", "/accounts/<int:account_id>/oauth-apps"): Case(
        "account", _acc("/oauth-apps", {"scopes": ["scim2"]})
    ),
    ("GET", "/accounts/<int:account_id>/oauth-apps/<int:app_id>"): Case(
        "account", lambda w, t: (f"/api/v1/accounts/{w.ids[t]}/oauth-apps/{_app_id(w, t)}", None)
    ),
    ("DELETE", "/accounts/<int:account_id>/oauth-apps/<int:app_id>"): Case(
        "account", lambda w, t: (f"/api/v1/accounts/{w.ids[t]}/oauth-apps/{_app_id(w, t)}", None)
    ),
    ("GET", "/accounts/<int:account_id>/outbox"): Case("account", _acc("/outbox")),
    ("GET", "/accounts/<int:account_id>/saml"): Case("account", _acc("/saml")),
    ("PUT", "/accounts/<int:account_id>/saml"): Case(
        "account",
        _acc("/saml", {"idp_entity_id": "https://idp.example.test", "certificates": []}),
        # Isolation is decided before the configuration is read.
        frozenset({"invalid_saml_config"}),
    ),
    ("POST", "/accounts/<int:account_id>/saml/metadata"): Case(
        "account", _acc("/saml/metadata"), frozenset({"metadata_invalid"})
    ),
    ("POST", "/accounts/<int:account_id>/saml/sp-key/<action>"): Case(
        "account", _acc("/saml/sp-key/next"), frozenset({"no_next_key"})
    ),
    ("GET", "/accounts/<int:account_id>/saml/logs"): Case("account", _acc("/saml/logs")),
    ("GET", "/accounts/<int:account_id>/saml/logs/<tracking_id>"): Case(
        "account", _acc("/saml/logs/WEB_x"), frozenset({"saml_log_not_found"})
    ),
    ("POST", "/accounts/<int:account_id>/saml/logs/<tracking_id>/explain"): Case(
        "account", _acc("/saml/logs/WEB_x/explain"), frozenset({"saml_log_not_found"})
    ),
    **{
        (method, f"/accounts/<int:account_id>/mapping/{tail}"): Case(
            "account",
            _acc(f"/mapping/{tail.replace('<int:position>', '1')}", body),
            # The mapping routes' own documented refusals: isolation is decided before them.
            frozenset(codes),
        )
        for method, tail, body, codes in (
            ("GET", "rules", None, ()),
            ("PUT", "rules", {}, ("rules_invalid", "version_mismatch")),
            ("POST", "rules", {}, ("rules_invalid", "version_mismatch")),
            ("PUT", "rules/<int:position>", {}, ("rules_invalid", "rule_not_found")),
            ("DELETE", "rules/<int:position>", None, ("rule_not_found",)),
            ("POST", "reorder", {}, ("invalid_order",)),
            ("GET", "export", None, ()),
            ("POST", "import", {}, ("rules_invalid", "version_mismatch")),
            ("POST", "explain", {}, ("invalid_explain_request", "sso_not_configured")),
        )
    },
    ("POST", "/organizations"): Case(
        "caller",
        lambda w, t: ("/api/v1/organizations", {"name": "Another"}),
        frozenset({"already_in_organization"}),
    ),
    ("GET", "/organizations/<int:organization_id>"): Case(
        "org", lambda w, t: (f"/api/v1/organizations/{w.org_ids[t]}", None)
    ),
    ("POST", "/organizations/<int:organization_id>/members"): Case(
        "org",
        lambda w, t: (
            f"/api/v1/organizations/{w.org_ids[t]}/members",
            {"admin_token": w.new_joiner_token()},
        ),
    ),
    ("DELETE", "/organization"): Case("caller", lambda w, t: ("/api/v1/organization", None)),
    # Associated domains, invitations and reports: the account's own token or its master's.
    ("GET", "/accounts/<int:account_id>/domains"): Case("account", _acc("/domains")),
    ("POST", "/accounts/<int:account_id>/domains"): Case(
        "account", _acc("/domains", {"domain": "iso.test"}), frozenset({"profile_incomplete"})
    ),
    **{
        (method, f"/accounts/<int:account_id>/domains/<domain>/{tail}"): Case(
            "account",
            _acc(f"/domains/nowhere.test/{tail}", body),
            # The domain routes' own refusals (the world's accounts have no support contact).
            frozenset({*codes, "profile_incomplete", "domain_not_verified"}),
        )
        for method, tail, body, codes in (
            ("POST", "verify", {}, ("domain_not_found",)),
            ("POST", "mark-verified", {}, ("domain_not_found", "demo_only")),
            ("GET", "summary", None, ("domain_not_found",)),
            ("PUT", "options", {"manage": True}, ("domain_not_found", "domain_not_verified")),
            ("POST", "notice", {}, ("domain_not_found", "domain_not_verified")),
            (
                "POST",
                "data-release",
                {},
                (
                    "domain_not_found",
                    "attestations_required",
                    "business_under_50_licenses",
                    "requester_not_owner_or_admin",
                ),
            ),
        )
    },
    ("GET", "/accounts/<int:account_id>/sso-enforcement"): Case(
        "account", _acc("/sso-enforcement")
    ),
    ("PUT", "/accounts/<int:account_id>/sso-enforcement"): Case(
        "account",
        _acc("/sso-enforcement", {"enabled": False}),
    ),
    ("POST", "/accounts/<int:account_id>/invitations"): Case(
        "account",
        _acc("/invitations", {"email": "invitee@elsewhere.test"}),
        frozenset({"invalid_email", "already_member"}),
    ),
    ("POST", "/accounts/<int:account_id>/invitations/csv"): Case(
        "account", _acc("/invitations/csv", {}), frozenset({"invalid_csv"})
    ),
    ("GET", "/accounts/<int:account_id>/invitations"): Case("account", _acc("/invitations")),
    ("GET", "/accounts/<int:account_id>/refunds"): Case("account", _acc("/refunds")),
    ("GET", "/accounts/<int:account_id>/reports/active-hosts"): Case(
        "account", _acc("/reports/active-hosts")
    ),
    ("GET", "/accounts/<int:account_id>/reports/license-use"): Case(
        "account", _acc("/reports/license-use")
    ),
    # Migrations: approved by the master's own token only (not even its master's).
    ("POST", "/accounts/<int:account_id>/migrations"): Case(
        "self",
        _acc(
            "/migrations",
            {
                "source_account": "x",
                "target_account": "y",
                "tentative_date": "2026-04-01",
                "emails": [],
            },
        ),
        # On its own id: the bogus source account is refused, and a sub is no master.
        frozenset({"not_your_account", "master_approval_required"}),
    ),
    ("GET", "/accounts/<int:account_id>/migrations/<int:migration_id>"): Case(
        "self", _acc("/migrations/999999"), frozenset({"migration_not_found"})
    ),
    ("POST", "/accounts/<int:account_id>/migrations/<int:migration_id>/run"): Case(
        "self", _acc("/migrations/999999/run"), frozenset({"migration_not_found"})
    ),
    # A person's own sign-in and invitation links: no admin token is involved at all.
    **{
        (method, path): Case(
            "public", lambda w, t, p=path, b=body: (f"/api/v1{p}", b), frozenset(codes)
        )
        for method, path, body, codes in (
            (
                "POST",
                "/login",
                {"email": "nobody@x.test", "password": "x"},
                ("invalid_credentials",),
            ),
            ("POST", "/signup", {}, ("invalid_email", "invalid_field", "invalid_json")),
            ("POST", "/logout", None, ()),
            ("GET", "/me/profile", None, ("not_signed_in",)),
            ("POST", "/me/consolidation-choice", {}, ("not_signed_in",)),
            ("GET", "/invitations/<secret>", None, ("link_unknown",)),
            ("POST", "/invitations/<secret>/accept", {}, ("link_unknown",)),
            ("POST", "/invitations/decline/<secret>", None, ("link_unknown",)),
            ("GET", "/consolidations/status/<secret>", None, ("link_unknown",)),
            ("GET", "/email-change/<secret>", None, ("link_unknown",)),
            ("POST", "/email-change/<secret>", None, ("link_unknown",)),
        )
    },
}

DENIAL = {
    "account": "not_your_account",
    "master": "not_your_account",
    "unlink": "not_your_account",
    "org": "not_your_organization",
    "self": "master_approval_required",
}


def expected_denial(scope: str, caller: str, target: str) -> str | None:
    """The code refusing ``caller`` on ``target``, or None when the call is allowed."""
    if scope in ("org", "self"):
        return None if caller == target else DENIAL[scope]
    if target not in MANAGES[caller]:
        return DENIAL[scope]
    if scope == "master" and caller == target:
        return "master_only"
    if scope == "unlink" and caller == target == "sub":
        return "master_only"
    return None


def _route_id(key: tuple[str, str]) -> str:
    return f"{key[0]} {key[1]}"


ROUTE_KEYS = sorted(CASES)


def test_every_admin_route_has_an_isolation_expectation() -> None:
    registered = {(r.method, r.path) for r in api.routes}
    assert registered - set(CASES) == set(), "add these routes to CASES"
    assert set(CASES) - registered == set(), "these CASES name routes that no longer exist"


@pytest.fixture
def world(sqlite_store: SqlStore) -> World:
    """Isolation is the API's logic, not the database's: SQLite (junk input runs on both)."""
    return build_world(sqlite_store)


def _send(world: World, key: tuple[str, str], target: str, **kw: Any) -> Any:
    url, body = CASES[key].request(world, target)
    return world.call(key[0], url, json=body, **kw)


# Routes whose allowed calls change what later routes see go last, in this order.
LAST = [("DELETE", "/organization"), ("POST", "/accounts/<int:account_id>/unlink")]


def _calls(case: Case) -> list[tuple[str, str]]:
    if case.scope in ("public", "caller"):
        return [(role, role) for role in ROLES]
    calls = [(caller, target) for caller in ROLES for target in ROLES]
    # Refusals first: an allowed call may change the world (unlink, leave an organization).
    return sorted(calls, key=lambda c: expected_denial(case.scope, *c) is None)


def _mismatch(case: Case, caller: str, target: str, response: Any) -> str | None:
    denial = None
    if case.scope not in ("public", "caller"):
        denial = expected_denial(case.scope, caller, target)
    body = response.get_json(silent=True) or {}
    if denial is not None:
        ok = response.status_code == 403 and body.get("code") == denial
        return None if ok else f"expected 403 {denial}, got {response.status_code} {body}"
    if response.status_code < 400 or body.get("code") in case.ok_codes:
        return None
    return f"expected success, got {response.status_code} {body}"


def test_each_token_reaches_exactly_its_own_accounts_on_every_route(world: World) -> None:
    order = [k for k in ROUTE_KEYS if k not in LAST] + LAST
    failures = []
    for key in order:
        case = CASES[key]
        for caller, target in _calls(case):
            response = _send(world, key, target, role=caller)
            problem = _mismatch(case, caller, target, response)
            if problem:
                failures.append(f"{key[0]} {key[1]}, {caller} token on {target}: {problem}")
    assert failures == []


def test_a_missing_or_invalid_token_is_refused_on_every_route(world: World) -> None:
    scim_token = world.store.create_token(world.ids["master"], "scim", actor="test")[1]
    attempts = [
        ({}, "missing_token"),
        ({"headers": {"Authorization": "Basic dXNlcjpwYXNz"}}, "missing_token"),
        ({"headers": {"Authorization": "Bearer "}}, "missing_token"),
        ({"secret": "gwa_not-a-real-token"}, "invalid_token"),
        ({"secret": scim_token}, "invalid_token"),
    ]
    for key in ROUTE_KEYS:
        if CASES[key].scope == "public":
            continue
        for kwargs, code in attempts:
            response = _send(world, key, "master", **kwargs)
            assert response.status_code == 401, (key, kwargs)
            assert response.get_json()["code"] == code, (key, kwargs)


def test_the_public_routes_need_no_token(world: World) -> None:
    public = [k for k in ROUTE_KEYS if CASES[k].scope == "public"]
    assert ("GET", "/openapi.json") in public
    assert all(k[1] == "/openapi.json" or CASES[k].ok_codes or k[1] == "/logout" for k in public)
    assert _send(world, ("GET", "/openapi.json"), "master").status_code == 200


def test_a_revoked_token_is_invalid(world: World) -> None:
    token = world.store.authenticate(world.tokens["unrelated"], "admin")
    assert token is not None
    world.store.revoke_token(token.id, account_id=token.account_id, actor="test")
    response = world.call("GET", "/api/v1/accounts", role="unrelated")
    assert (response.status_code, response.get_json()["code"]) == (401, "invalid_token")


def test_a_sub_account_cannot_delegate_to_or_unlink_itself(world: World) -> None:
    sub_id = world.ids["sub"]
    for method, url, body in (
        ("PUT", f"/api/v1/accounts/{sub_id}/delegation/Licensed", {"seats": 99}),
        ("POST", f"/api/v1/accounts/{sub_id}/unlink", None),
    ):
        response = world.call(method, url, role="sub", json=body)
        assert (response.status_code, response.get_json()["code"]) == (403, "master_only")
    assert world.store.get_account(sub_id).parent_id == world.ids["master"]


def test_a_sub_account_never_sees_its_master(world: World) -> None:
    listed = world.call("GET", "/api/v1/accounts", role="sub").get_json()["accounts"]
    assert [a["id"] for a in listed] == [world.ids["sub"]]
    response = world.call("GET", f"/api/v1/accounts/{world.ids['master']}", role="sub")
    assert response.get_json()["code"] == "not_your_account"


def test_the_master_lists_itself_and_its_sub_accounts_only(world: World) -> None:
    listed = world.call("GET", "/api/v1/accounts", role="master").get_json()["accounts"]
    assert [a["id"] for a in listed] == [world.ids["master"], world.ids["sub"]]


def test_a_user_id_of_another_account_is_not_found_through_this_one(world: World) -> None:
    url = f"/api/v1/accounts/{world.ids['master']}/users/{world.owner_ids['unrelated']}"
    response = world.call("GET", url, role="master")
    assert (response.status_code, response.get_json()["code"]) == (404, "user_not_found")


def test_a_token_of_another_account_cannot_be_revoked_through_this_one(world: World) -> None:
    url = f"/api/v1/accounts/{world.ids['master']}/tokens/{world.spare_token_ids['unrelated']}"
    response = world.call("DELETE", url, role="master")
    assert (response.status_code, response.get_json()["code"]) == (404, "token_not_found")


def test_unlinking_ends_the_masters_access_and_takes_nothing_from_the_account(
    world: World,
) -> None:
    sub_id = world.ids["sub"]
    world.call("PUT", f"/api/v1/accounts/{sub_id}/settings/x", role="master", json={"value": 1})
    before = world.call("GET", f"/api/v1/accounts/{sub_id}/users", role="sub").get_json()
    response = world.call("POST", f"/api/v1/accounts/{sub_id}/unlink", role="master")
    assert response.status_code == 200
    assert response.get_json()["account_type"] == "standalone"

    for suffix in ("", "/users", "/settings", "/audit"):
        denied = world.call("GET", f"/api/v1/accounts/{sub_id}{suffix}", role="master")
        assert (denied.status_code, denied.get_json()["code"]) == (403, "not_your_account")
    assert world.call("GET", f"/api/v1/accounts/{sub_id}/users", role="sub").get_json() == before
    settings = world.call("GET", f"/api/v1/accounts/{sub_id}/settings", role="sub").get_json()
    assert settings == {"settings": {"x": {"value": 1, "locked": False}}}
    licenses = world.call("GET", f"/api/v1/accounts/{sub_id}/licenses", role="sub").get_json()
    assert [(p["seat_kind"], p["capacity"]) for p in licenses["pools"]] == [("Licensed", 10)]


def test_linking_an_organization_needs_the_joining_accounts_consent(world: World) -> None:
    url = f"/api/v1/organizations/{world.org_ids['master']}/members"
    response = world.call("POST", url, role="master", json={"admin_token": "gwa_forged"})
    assert (response.status_code, response.get_json()["code"]) == (403, "consent_required")
    taken = world.call("POST", url, role="master", json={"admin_token": world.tokens["unrelated"]})
    assert (taken.status_code, taken.get_json()["code"]) == (409, "already_in_organization")
