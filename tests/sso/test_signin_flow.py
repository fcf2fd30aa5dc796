"""Sign-in through the ACS: mapping, routing, JIT, activation, refusals with their codes."""

from __future__ import annotations

from gateway.sso.signin import FULL_TRACE_RULES
from tests.sso.conftest import SEED_RULE, post_response, trust_idp


def _rules(app, account_id, rules):
    app.extensions["gateway.rules"].save(account_id, rules, actor="test")


def test_a_user_of_an_associated_domain_is_provisioned_at_once(client, world, sign):
    answer = post_response(client, sign("alice@acme.test", {"givenName": ["Alice"]}))
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["outcome"] == "signed_in"
    assert body["account"]["vanity"] == "acme"
    assert body["user"]["email"] == "alice@acme.test" and body["user"]["status"] == "active"
    assert body["user"]["first_name"] == "Alice" and body["user"]["source"] == "jit"
    assert "gateway_session" in answer.headers["Set-Cookie"]
    assert "HttpOnly" in answer.headers["Set-Cookie"]


def test_seed_example_routes_into_the_healthcare_sub_account(client, world, sign, app):
    _, acme = world
    _rules(
        app,
        acme.id,
        [
            SEED_RULE,
            {
                "category": "license",
                "conditions": [{"attribute": "memberOf", "values": ["global_users"]}],
                "result": "Licensed",
            },
        ],
    )
    answer = post_response(client, sign("hana@acme.test", {"memberOf": ["global_users", "HIPAA"]}))
    assert answer.status_code == 200, answer.json
    assert answer.json["account"]["vanity"] == "acme-health"
    assert answer.json["routed_from"]["vanity"] == "acme"
    assert answer.json["user"]["license_type"] == "Licensed"
    assert any("only the meeting license" in n for n in answer.json["notes"])


def test_partial_match_of_the_seed_rule_routes_nowhere(client, world, sign, app):
    _, acme = world
    _rules(app, acme.id, [SEED_RULE])
    answer = post_response(client, sign("paul@acme.test", {"memberOf": ["HIPAA"]}))
    assert answer.status_code == 200
    assert answer.json["account"]["vanity"] == "acme"
    assert answer.json["routed_from"] is None


def test_a_user_outside_associated_domains_must_activate_by_email(
    client, world, sign, sqlite_store
):
    _, acme = world
    answer = post_response(client, sign("guest@partner.test"))
    assert answer.status_code == 202 and answer.json["outcome"] == "activation_required"
    assert answer.json["user"]["status"] == "pending"
    assert "Set-Cookie" not in answer.headers
    [message] = sqlite_store.list_outbox(acme.id).items
    assert message.recipient == "guest@partner.test" and message.link


def test_prior_provisioning_refuses_unknown_users(client, world, sign, sqlite_store):
    _, acme = world
    config, _ = sqlite_store.get_saml_config(acme.id)
    sqlite_store.put_saml_config(acme.id, {**config, "provisioning": "prior"}, actor="t")
    answer = post_response(client, sign("nobody@acme.test"))
    assert answer.status_code == 403 and answer.json["code"] == "not_provisioned"
    assert sqlite_store.find_user_by_email("nobody@acme.test") is None


def test_an_email_of_another_account_is_never_taken_over(client, world, sign, sqlite_store):
    answer = post_response(client, sign("owner@globex.test"))
    assert answer.status_code == 403 and answer.json["code"] == "email_taken_elsewhere"
    assert sqlite_store.find_user_by_email("owner@globex.test").account_id == (
        sqlite_store.find_account("globex").id
    )


def test_license_none_blocks_sign_in_and_creates_nobody(client, world, sign, app, sqlite_store):
    _, acme = world
    _rules(
        app,
        acme.id,
        [
            {
                "category": "license",
                "conditions": [{"attribute": "memberOf", "values": ["contractors"]}],
                "result": "None",
            }
        ],
    )
    answer = post_response(client, sign("temp@acme.test", {"memberOf": ["contractors"]}))
    assert answer.status_code == 403 and answer.json["code"] == "license_none"
    assert sqlite_store.find_user_by_email("temp@acme.test") is None


def test_a_replayed_response_is_refused_and_audited(client, world, sign, sqlite_store):
    _, acme = world
    response = sign("alice@acme.test")
    assert post_response(client, response).status_code == 200
    again = post_response(client, response)
    assert again.status_code in (400, 403) and again.json["code"] == "replayed"
    entries = sqlite_store.list_audit([acme.id], action="sso.refused").items
    assert entries[0].target == "replayed"


def test_a_browser_is_redirected_to_me_and_sees_who_signed_in(client, world, sign):
    answer = post_response(client, sign("alice@acme.test"), json=False)
    assert answer.status_code == 303 and answer.headers["Location"] == "/me"
    page = client.get("/me")
    assert page.status_code == 200 and b"alice@acme.test" in page.data


def test_relay_state_to_another_site_is_ignored(client, world, sign):
    answer = client.post(
        "/v/acme/saml/SSO",
        data={"SAMLResponse": sign("alice@acme.test"), "RelayState": "https://evil.test/x"},
    )
    assert answer.status_code == 303 and answer.headers["Location"] == "/me"


def test_sp_metadata_is_served_by_path_and_by_host(client, world):
    by_path = client.get("/v/acme/saml/metadata/sp")
    assert by_path.status_code == 200 and b"/v/acme/saml/SSO" in by_path.data
    by_host = client.get("/saml/metadata/sp", headers={"Host": "acme.localhost:8000"})
    assert by_host.status_code == 200 and b"http://acme.localhost:8000/saml/SSO" in by_host.data


def test_sp_initiated_login_remembers_the_request_for_in_response_to(client, world, sign):
    answer = client.get("/v/acme/saml/login?RelayState=/me")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("https://idp.test/sso?SAMLRequest=")


def test_an_account_without_sso_says_so(client, world, sign):
    answer = post_response(client, sign("x@acme.test"), path="/v/globex/saml/SSO")
    assert answer.status_code == 404 and answer.json["code"] == "sso_not_configured"


def test_sso_sign_in_never_matches_a_user_without_email(client, world, sign, sqlite_store, idp):
    _, acme = world
    attribute_map = {"first_name": "givenName", "employee_unique_id": "employeeNumber"}
    trust_idp(sqlite_store, acme.id, idp, attribute_map)
    nobody = sqlite_store.create_user(
        acme.id,
        None,
        actor="scim",
        source="scim",
        user_name="alice",
        status="active",
        employee_id="E-1",
    )
    answer = post_response(
        client, sign("alice@acme.test", {"givenName": ["Alice"], "employeeNumber": ["E-1"]})
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["outcome"] == "signed_in"
    assert answer.json["user"]["id"] != nobody.id
    assert answer.json["user"]["email"] == "alice@acme.test"
    untouched = sqlite_store.get_user(nobody.id)
    assert (untouched.email, untouched.status) == (None, "active")
    assert sqlite_store.find_user_by_email("alice") is None
    assert sqlite_store.find_user_by_employee_id([acme.id], "E-1").id != nobody.id


def _many_rules(count):
    """``count`` group rules that match nothing, then one license rule that matches."""
    filler = [
        {
            "category": "user_group",
            "name": f"filler {i}",
            "conditions": [{"attribute": "department", "values": [f"dept-{i}"]}],
            "result": f"group-{i}",
        }
        for i in range(count - 1)
    ]
    licensed = {
        "category": "license",
        "name": "engineering is licensed",
        "conditions": [{"attribute": "memberOf", "values": ["engineering"]}],
        "result": "Licensed",
    }
    return [*filler, licensed]


def test_a_sign_in_traces_every_rule_up_to_the_limit(client, world, sign, app):
    _, acme = world
    _rules(app, acme.id, _many_rules(FULL_TRACE_RULES))
    answer = post_response(client, sign("lee@acme.test", {"memberOf": ["engineering"]}))
    trace = answer.json["mapping"]["trace"]
    assert trace["complete"] is True and len(trace["rules"]) == FULL_TRACE_RULES
    assert trace["decided_by"]["license"] == [FULL_TRACE_RULES]
    assert not any("mapping rules, more than" in n for n in answer.json["notes"])


def test_beyond_the_limit_a_sign_in_names_the_deciding_rules_and_where_the_full_trace_is(
    client, world, sign, app
):
    _, acme = world
    count = FULL_TRACE_RULES + 1
    _rules(app, acme.id, _many_rules(count))
    answer = post_response(client, sign("lee@acme.test", {"memberOf": ["engineering"]}))
    assert answer.status_code == 200, answer.json
    assert answer.json["user"]["license_type"] == "Licensed"
    trace = answer.json["mapping"]["trace"]
    assert trace["complete"] is False and trace["rules"] == []
    assert trace["decided_by"]["license"] == [count]
    (note,) = [n for n in answer.json["notes"] if "mapping rules, more than" in n]
    assert f"{count:,} mapping rules" in note
    assert f"/api/v1/accounts/{acme.id}/mapping/explain" in note
