"""SAML response logs: what an entry holds, when entries are kept, how long, and for whom."""

from __future__ import annotations

import datetime as dt
import re
import types

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from gateway.saml import ns
from gateway.saml.inspection import inspect_response
from gateway.saml_logs import store as log_store
from idp_fixtures.attacks import tamper_name_id
from idp_fixtures.keys import session_key_pair
from tests.saml_logs.conftest import detail, logs, post_response, set_config, with_status

LICENSE_NONE_RULE = {
    "category": "license",
    "conditions": [{"attribute": "department", "values": ["Contractors"], "operator": "equals"}],
    "result": "None",
}


def _fingerprint(pem: str) -> str:
    certificate = x509.load_pem_x509_certificate(pem.encode())
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def test_a_refused_sign_in_is_found_by_its_tracking_id_with_every_field(
    client, acme, admin, sign, idp, app
):
    app.extensions["gateway.rules"].save(acme.id, [LICENSE_NONE_RULE], actor="test")
    response = sign("carl@acme.test", {"department": ["Contractors"], "memberOf": ["staff", "vpn"]})
    answer = post_response(client, response)
    assert answer.status_code == 403 and answer.json["code"] == "license_none"
    assert answer.json["zoom_error_code"] == 1021
    tracking_id = answer.json["tracking_id"]

    found = detail(client, acme, admin, tracking_id)
    assert found.status_code == 200, found.json
    entry = found.json
    assert entry["tracking_id"] == tracking_id and entry["time"]
    assert (entry["outcome"], entry["code"], entry["zoom_error_code"]) == (
        "refused",
        "license_none",
        1021,
    )
    assert "no license" in entry["message"]
    assert entry["idp_status"]["code"] == ns.STATUS_SUCCESS
    assert entry["name_id"] == "carl@acme.test" and entry["email"] == "carl@acme.test"
    assert entry["name_id_format"] == ns.NAMEID_EMAIL
    assert entry["issuer"] == idp.entity_id and entry["assertion_issuer"] == idp.entity_id
    certificate = entry["certificate"]
    assert certificate["fingerprint_sha256"] == _fingerprint(idp.certificate_pem)
    assert certificate["subject"] and certificate["not_after"]
    [signature] = entry["signatures"]
    assert signature["element"] == "Assertion"
    assert signature["signature_method"] == ns.RSA_SHA256
    assert signature["digest_methods"] == [ns.SHA256]
    assert signature["verified_by"]["fingerprint_sha256"] == certificate["fingerprint_sha256"]
    attributes = {a["name"]: a["values"] for a in entry["attributes"]}
    assert attributes == {"department": ["Contractors"], "memberOf": ["staff", "vpn"]}
    assert entry["mapping"]["blocked"] == "license_none"
    assert entry["mapping"]["decided_by"] == {"license": [1]}
    assert "trace" not in entry["mapping"]
    assert (
        entry["raw_response"].lstrip().startswith("<") and "carl@acme.test" in entry["raw_response"]
    )
    assert entry["encrypted"] is False and entry["decrypted_assertion"] is None


def test_an_accepted_sign_in_is_kept_with_its_decision(client, acme, admin, sign):
    answer = post_response(client, sign("alice@acme.test", {"givenName": ["Alice"]}))
    assert answer.status_code == 200
    entry = detail(client, acme, admin, answer.json["tracking_id"]).json
    assert entry["outcome"] == "signed_in" and entry["code"] is None
    assert entry["zoom_error_code"] is None and entry["message"] is None
    assert entry["email"] == "alice@acme.test" and entry["landed_in"] == acme.number
    assert entry["mapping"]["license_type"] is not None or entry["mapping"]["blocked"] is None
    assert {"name": "givenName", "friendly_name": None, "values": ["Alice"]} in entry["attributes"]


def test_an_accepted_sign_in_names_the_certificates_a_fresh_inspection_finds(
    client, acme, admin, sign, idp, sqlite_store
):
    # Another configured certificate first: the verifier's and the inspection's choice is the
    # first that verifies, for the response's signature and the assertion's alike.
    other = session_key_pair("another-idp-certificate").certificate_pem
    set_config(sqlite_store, acme.id, certificates=[other, idp.certificate_pem])
    response = sign("erin@acme.test", sign_response=True)
    answer = post_response(client, response)
    assert answer.status_code == 200, answer.json
    entry = detail(client, acme, admin, answer.json["tracking_id"]).json
    fresh = inspect_response(response, certificates=(other, idp.certificate_pem)).to_dict()
    assert [s["element"] for s in entry["signatures"]] == ["Response", "Assertion"]
    assert entry["signatures"] == fresh["signatures"]
    assert entry["certificate"]["fingerprint_sha256"] == _fingerprint(idp.certificate_pem)


def test_a_refusal_by_the_verifier_is_kept_with_what_the_response_claims(
    client, acme, admin, sign, idp
):
    # Signed, then the NameID changed: the signature no longer verifies.
    answer = post_response(client, tamper_name_id(sign("bob@acme.test"), "mallory@acme.test"))
    assert answer.json["code"] == "signature_invalid"
    entry = detail(client, acme, admin, answer.json["tracking_id"]).json
    assert entry["outcome"] == "refused" and entry["zoom_error_code"] == 1006
    assert entry["name_id"] == "mallory@acme.test"
    assert entry["certificate"] is None  # no configured certificate verifies it
    assert [c["fingerprint_sha256"] for c in entry["configured_certificates"]] == [
        _fingerprint(idp.certificate_pem)
    ]


def test_the_idp_status_of_a_refused_response_is_kept(client, acme, admin, sign):
    responder = "urn:oasis:names:tc:SAML:2.0:status:Responder"
    answer = post_response(client, with_status(sign("dora@acme.test"), responder))
    assert answer.json["code"] == "status_not_success"
    entry = detail(client, acme, admin, answer.json["tracking_id"]).json
    assert entry["idp_status"]["code"] == responder and entry["zoom_error_code"] == 1019


def test_an_encrypted_assertion_is_kept_decrypted_beside_the_raw_response(
    client, acme, admin, sign, app, sqlite_store
):
    if "support_encrypted_assertions" in _config_fields():
        set_config(sqlite_store, acme.id, support_encrypted_assertions=True)
    sp = app.extensions["gateway.sso"].sp(acme)
    answer = post_response(client, sign("erin@acme.test", encrypt_with_cert_pem=sp.certificate_pem))
    assert answer.status_code == 200, answer.json
    entry = detail(client, acme, admin, answer.json["tracking_id"]).json
    assert entry["encrypted"] is True
    assert "erin@acme.test" not in entry["raw_response"]
    assert "erin@acme.test" in entry["decrypted_assertion"]
    assert entry["name_id"] == "erin@acme.test"


def _config_fields():
    from gateway.sso.config import SamlConfig

    return set(SamlConfig.__dataclass_fields__)


def test_nothing_is_kept_while_the_account_does_not_save_logs(
    client, world, admin, sign, sqlite_store
):
    _, acme = world  # the setting is off by default
    answer = post_response(client, sign("fay@acme.test"))
    assert answer.status_code == 200
    assert logs(client, acme, admin).json == {"logs": [], "count": 0}
    missing = detail(client, acme, admin, answer.json["tracking_id"])
    assert missing.status_code == 404 and missing.json["code"] == "saml_log_not_found"
    with sqlite_store.transaction() as conn:
        assert conn.execute(log_store.L.select()).first() is None


def test_entries_are_gone_after_seven_days_of_the_clock(client, acme, admin, sign, clock):
    answer = post_response(client, sign("gus@acme.test"))
    tracking_id = answer.json["tracking_id"]
    clock.advance(days=6, hours=23)
    assert detail(client, acme, admin, tracking_id).status_code == 200
    clock.advance(hours=1)
    gone = detail(client, acme, admin, tracking_id)
    assert gone.status_code == 404 and gone.json["code"] == "saml_log_not_found"
    assert logs(client, acme, admin).json["count"] == 0


def test_an_old_entry_is_pruned_from_storage_at_the_next_due_prune(
    client, acme, sign, clock, sqlite_store, monkeypatch
):
    monkeypatch.setattr(log_store, "PRUNE_EVERY", 2)  # a worker's first write, then every 2nd
    post_response(client, sign("hal@acme.test"))
    clock.advance(days=8)
    post_response(client, sign("ida@acme.test", now=clock.now()))
    post_response(client, sign("jan@acme.test", now=clock.now()))
    with sqlite_store.transaction() as conn:
        kept = [row.name_id for row in conn.execute(log_store.L.select())]
    assert kept == ["ida@acme.test", "jan@acme.test"]


def test_the_oldest_entries_go_past_the_count_bound(client, acme, admin, sign, clock, monkeypatch):
    monkeypatch.setattr(log_store, "MAX_ENTRIES", 3)
    for n in range(5):
        post_response(client, sign(f"user{n}@acme.test", now=clock.now()))
        clock.advance(seconds=1)
    listed = logs(client, acme, admin).json["logs"]
    assert [e["name_id"] for e in listed] == [f"user{n}@acme.test" for n in (4, 3, 2)]


def test_the_oldest_entries_go_past_the_size_bound(client, acme, admin, sign, clock, monkeypatch):
    post_response(client, sign("size@acme.test", now=clock.now()))
    one = detail(client, acme, admin, logs(client, acme, admin).json["logs"][0]["tracking_id"])
    size = len(one.json["raw_response"])
    monkeypatch.setattr(log_store, "MAX_BYTES", 2 * size + size // 2)
    for n in range(3):
        clock.advance(seconds=1)
        post_response(client, sign(f"b{n}@acme.test", now=clock.now()))
    listed = [e["name_id"] for e in logs(client, acme, admin).json["logs"]]
    assert listed == ["b2@acme.test", "b1@acme.test"]


def test_the_list_is_newest_first_and_filters_by_outcome_name_id_and_time(
    client, acme, admin, sign, clock, sqlite_store
):
    post_response(client, sign("jo@acme.test", now=clock.now()))
    start = clock.advance(minutes=1)
    set_config(sqlite_store, acme.id, provisioning="prior")
    refused = post_response(client, sign("kim@acme.test", now=clock.now())).json
    clock.advance(minutes=1)
    post_response(client, sign("jo@acme.test", now=clock.now()))
    every = logs(client, acme, admin).json["logs"]
    assert [e["name_id"] for e in every] == ["jo@acme.test", "kim@acme.test", "jo@acme.test"]
    [only] = logs(client, acme, admin, outcome="refused").json["logs"]
    assert only["tracking_id"] == refused["tracking_id"] and only["zoom_error_code"] == 1020
    assert len(logs(client, acme, admin, name_id="jo@acme.test").json["logs"]) == 2
    since = start.isoformat().replace("+00:00", "Z")
    assert len(logs(client, acme, admin, since=since).json["logs"]) == 2
    before = (start - dt.timedelta(seconds=1)).isoformat()
    assert len(logs(client, acme, admin, until=before).json["logs"]) == 1
    bad = logs(client, acme, admin, outcome="maybe")
    assert bad.status_code == 400 and bad.json["code"] == "invalid_parameter"
    bad = logs(client, acme, admin, since="yesterday")
    assert bad.status_code == 400 and bad.json["code"] == "invalid_parameter"


def test_another_tenants_admin_cannot_read_the_logs(client, acme, globex_admin, sign):
    tracking_id = post_response(client, sign("lea@acme.test")).json["tracking_id"]
    refused = logs(client, acme, globex_admin)
    assert refused.status_code == 403 and refused.json["code"] == "not_your_account"
    refused = detail(client, acme, globex_admin, tracking_id)
    assert refused.status_code == 403 and refused.json["code"] == "not_your_account"
    globex = types.SimpleNamespace(
        id=client.application.extensions["gateway.store"].find_account("globex").id
    )
    hidden = detail(client, globex, globex_admin, tracking_id)
    assert hidden.status_code == 404 and hidden.json["code"] == "saml_log_not_found"


def test_a_refusal_carries_the_numeric_code_and_tracking_id_in_json_and_on_the_page(
    client, acme, admin, sign, sqlite_store
):
    set_config(sqlite_store, acme.id, provisioning="prior")
    answer = post_response(client, sign("max@acme.test"))
    assert answer.status_code == 403
    assert answer.json["code"] == "not_provisioned" and answer.json["zoom_error_code"] == 1020
    assert re.fullmatch(r"WEB_[0-9a-f]{32}", answer.json["tracking_id"])
    page = post_response(client, sign("max@acme.test"), json=False)
    assert page.status_code == 403 and page.mimetype == "text/html"
    number = re.search(r'id="error-code">(\d+)<', page.text).group(1)
    tracking_id = re.search(r'id="tracking-id"><code>(WEB_[0-9a-f]+)<', page.text).group(1)
    assert number == "1020"
    assert "has not been provisioned" not in page.text  # generic: the detail is in the log
    entry = detail(client, acme, admin, tracking_id).json
    assert entry["code"] == "not_provisioned" and entry["zoom_error_code"] == 1020


def test_explain_again_evaluates_the_logged_attributes_with_the_current_rules(
    client, acme, admin, sign, app
):
    answer = post_response(client, sign("ned@acme.test", {"department": ["Contractors"]}))
    assert answer.status_code == 200
    app.extensions["gateway.rules"].save(acme.id, [LICENSE_NONE_RULE], actor="test")
    again = client.post(
        f"/api/v1/accounts/{acme.id}/saml/logs/{answer.json['tracking_id']}/explain",
        headers=admin,
    )
    assert again.status_code == 200, again.json
    assert again.json["decision"]["blocked"] == "license_none"
    assert again.json["existing_user"] == "ned@acme.test"


def test_the_raw_response_never_reaches_the_process_log(client, acme, sign, caplog):
    caplog.set_level("DEBUG")
    post_response(client, sign("oz@acme.test"))
    assert "oz@acme.test" not in caplog.text
