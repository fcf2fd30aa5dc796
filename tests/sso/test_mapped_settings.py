"""Sign-in applies Zoom's other advanced-mapping sections to the user's profile: user group
admin, Zoom Room admin, Zoom Phone calling plan and site (one sign-in test each)."""

from __future__ import annotations

from tests.sso.conftest import post_response


def _rules(app, account_id, *rules):
    app.extensions["gateway.rules"].save(account_id, list(rules), actor="test")


def _rule(category, result, attribute, value):
    return {
        "category": category,
        "conditions": [{"attribute": attribute, "values": [value]}],
        "result": result,
    }


def _profile(sqlite_store, email):
    return sqlite_store.find_user_by_email(email).profile


def test_sign_in_makes_the_user_admin_of_the_mapped_group_and_removes_it_later(
    client, world, sign, app, sqlite_store
):
    _, acme = world
    _rules(app, acme.id, _rule("user_group_admin", "Engineering", "dept", "eng"))
    assert post_response(client, sign("ana@acme.test", {"dept": ["eng"]})).status_code == 200
    assert _profile(sqlite_store, "ana@acme.test")["user_group_admin"] == "Engineering"
    answer = post_response(client, sign("ana@acme.test", {"dept": ["sales"]}))
    assert answer.json["mapping"]["settings"] == {"user_group_admin": None}
    assert "user_group_admin" not in _profile(sqlite_store, "ana@acme.test")


def test_sign_in_makes_the_user_a_zoom_room_admin(client, world, sign, app, sqlite_store):
    _, acme = world
    _rules(app, acme.id, _rule("room_admin", True, "title", "facilities"))
    post_response(client, sign("ben@acme.test", {"title": ["facilities manager"]}))
    assert _profile(sqlite_store, "ben@acme.test")["room_admin"] is True


def test_sign_in_sets_the_phone_calling_plan_and_keeps_it_without_a_match(
    client, world, sign, app, sqlite_store
):
    _, acme = world
    _rules(app, acme.id, _rule("phone_calling_plan", "US/CA Unlimited", "country", "US"))
    post_response(client, sign("cal@acme.test", {"country": ["US"]}))
    assert _profile(sqlite_store, "cal@acme.test")["phone_calling_plan"] == "US/CA Unlimited"
    post_response(client, sign("cal@acme.test", {"country": ["FR"]}))
    assert _profile(sqlite_store, "cal@acme.test")["phone_calling_plan"] == "US/CA Unlimited"


def test_sign_in_sets_the_phone_site(client, world, sign, app, sqlite_store):
    _, acme = world
    _rules(app, acme.id, _rule("phone_site", "Main Office", "office", "HQ"))
    post_response(client, sign("dee@acme.test", {"office": ["HQ"]}))
    assert _profile(sqlite_store, "dee@acme.test")["phone_site"] == "Main Office"


def test_the_console_rule_form_reads_a_room_admin_result_as_true_or_false():
    from gateway.console.rule_forms import CATEGORIES, form_rule

    assert {"user_group_admin", "room_admin", "phone_calling_plan", "phone_site"} <= set(CATEGORIES)
    rule = form_rule(
        {"category": "room_admin", "conditions": "title contains facilities", "result": "True"}
    )
    assert rule["result"] is True
