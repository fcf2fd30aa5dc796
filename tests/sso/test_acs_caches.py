"""The ACS's per-worker caches: two gateways (two apps, each with its own store, engine and
caches) on one database, the way two workers or two hosts share it. A change made through one
is used by the other's next sign-in; a replay is caught by the other."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from gateway.app import create_app
from gateway.demo import init_demo
from gateway.store.sql import SqlStore
from idp_fixtures.idp import TestIdP
from idp_fixtures.keys import session_key_pair
from tests.conftest import make_store
from tests.sso.conftest import ACS, PUBLIC, SP_ENTITY, post_response

LICENSED = {
    "category": "license",
    "name": "engineering is licensed",
    "conditions": [{"attribute": "memberOf", "values": ["engineering"]}],
    "result": "Licensed",
}


@dataclass
class Gateways:
    """Two apps on one database, Acme's SSO trusting ``idp``, and an admin token."""

    first: Any
    second: Any
    stores: tuple[SqlStore, SqlStore]
    acme_id: int
    auth: dict[str, str]


@pytest.fixture
def gateways(backend, request, tmp_path, clock, idp):
    first = make_store(backend, request, tmp_path, clock)
    # A second engine on the same database: nothing is shared in process but the clock.
    url = first.engine.url.render_as_string(hide_password=False)
    second = SqlStore.from_url(url, clock, migrate=False)
    world = init_demo(first)
    acme = first.find_account("acme")
    first.put_saml_config(acme.id, _config(idp.certificate_pem), actor="test")
    apps = [create_app({"public_url": PUBLIC}, store=s) for s in (first, second)]
    yield Gateways(
        apps[0].test_client(),
        apps[1].test_client(),
        (first, second),
        acme.id,
        {"Authorization": f"Bearer {world.tokens['acme admin']}"},
    )
    first.dispose()
    second.dispose()


def _config(certificate_pem: str) -> dict[str, Any]:
    return {
        "idp_entity_id": "https://idp.test/metadata",
        "sign_in_url": "https://idp.test/sso",
        "certificates": [certificate_pem],
        "attribute_map": {"first_name": "givenName"},
    }


def _response(idp: TestIdP, clock, name_id: str, **options: Any) -> str:
    return idp.make_response(
        sp_entity_id=SP_ENTITY,
        acs_url=ACS,
        name_id=name_id,
        attributes={"memberOf": ["engineering"], "givenName": ["Sam"]},
        now=clock.now(),
        **options,
    )


def _sp_certificate(store: SqlStore, account_id: int, state: str) -> str:
    return next(k.certificate_pem for k in store.sp_keys(account_id) if k.state == state)


def test_a_new_idp_certificate_set_through_one_gateway_is_trusted_by_the_other_at_once(
    gateways, idp, clock
):
    assert post_response(gateways.second, _response(idp, clock, "sam@acme.test")).status_code == 200
    rotated = TestIdP(idp.entity_id)
    rotated.keys = session_key_pair("idp-rotated-for-the-cache-test")
    answer = gateways.first.put(
        f"/api/v1/accounts/{gateways.acme_id}/saml",
        json=_config(rotated.certificate_pem),
        headers=gateways.auth,
    )
    assert answer.status_code == 200, answer.json
    stale = post_response(gateways.second, _response(idp, clock, "sam@acme.test"))
    assert stale.status_code == 403 and stale.json["code"] == "untrusted_key", stale.json
    fresh = post_response(gateways.second, _response(rotated, clock, "sam@acme.test"))
    assert fresh.status_code == 200, fresh.json


def test_rules_saved_through_one_gateway_decide_the_other_s_next_sign_in(gateways, idp, clock):
    rules = f"/api/v1/accounts/{gateways.acme_id}/mapping/rules"
    before = post_response(gateways.second, _response(idp, clock, "ana@acme.test"))
    assert before.json["user"]["license_type"] == "Basic", before.json
    saved = gateways.first.put(rules, json={"rules": [LICENSED]}, headers=gateways.auth)
    assert saved.status_code == 200, saved.json
    after = post_response(gateways.second, _response(idp, clock, "ana@acme.test"))
    assert after.json["user"]["license_type"] == "Licensed", after.json
    assert [r["name"] for r in after.json["mapping"]["trace"]["rules"]] == [LICENSED["name"]]


def test_sp_key_rotation_and_rollback_through_one_gateway_reach_the_other(gateways, idp, clock):
    store, account = gateways.stores[0], gateways.acme_id
    keys = f"/api/v1/accounts/{account}/saml/sp-key"
    # The first sign-in makes the SP's first key pair; the second gateway caches it.
    assert post_response(gateways.second, _response(idp, clock, "kim@acme.test")).status_code == 200
    old = _sp_certificate(store, account, "current")
    encrypted_to_old = _response(idp, clock, "kim@acme.test", encrypt_with_cert_pem=old)
    assert post_response(gateways.second, encrypted_to_old).status_code == 200
    for action in ("next", "rotate"):
        assert gateways.first.post(f"{keys}/{action}", headers=gateways.auth).status_code == 200
    new = _sp_certificate(store, account, "current")
    encrypted_to_new = _response(idp, clock, "kim@acme.test", encrypt_with_cert_pem=new)
    assert post_response(gateways.second, encrypted_to_new).status_code == 200
    assert gateways.first.post(f"{keys}/rollback", headers=gateways.auth).status_code == 200
    # Back on the old key, with the new one only published as next: not a decryption key.
    refused = post_response(
        gateways.second, _response(idp, clock, "kim@acme.test", encrypt_with_cert_pem=new)
    )
    assert refused.status_code >= 400 and refused.json["code"] == "decryption_failed", refused.json
    again = _response(idp, clock, "kim@acme.test", encrypt_with_cert_pem=old)
    assert post_response(gateways.second, again).status_code == 200


def test_a_response_used_on_one_gateway_is_refused_as_a_replay_by_the_other(gateways, idp, clock):
    response = _response(idp, clock, "lee@acme.test")
    assert post_response(gateways.first, response).status_code == 200
    replayed = post_response(gateways.second, response)
    assert replayed.status_code >= 400 and replayed.json["code"] == "replayed"


def test_an_account_change_is_seen_by_the_other_gateway_s_next_sign_in(gateways, idp, clock):
    assert post_response(gateways.second, _response(idp, clock, "joe@acme.test")).status_code == 200
    changed = gateways.first.patch(
        f"/api/v1/accounts/{gateways.acme_id}", json={"name": "Acme Renamed"}, headers=gateways.auth
    )
    assert changed.status_code == 200, changed.json
    after = post_response(gateways.second, _response(idp, clock, "joe@acme.test"))
    assert after.json["account"]["name"] == "Acme Renamed"


def test_a_repeat_sign_in_runs_nine_statements_and_one_transaction(gateways, idp, clock):
    """What the caches and the single sign-in transaction save, kept from creeping back."""
    client, store = gateways.second, gateways.stores[1]
    assert post_response(client, _response(idp, clock, "max@acme.test")).status_code == 200
    statements: list[str] = []
    commits: Counter[str] = Counter()
    sa.event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2][:50]))
    sa.event.listen(store.engine, "commit", lambda _conn: commits.update(["commit"]))
    answer = post_response(client, _response(idp, clock, "max@acme.test"))
    assert answer.status_code == 200 and answer.json["outcome"] == "signed_in"
    work = [s for s in statements if not s.startswith("BEGIN")]
    # account and stamps, replay (each committed by itself), then in one transaction:
    # sub-accounts, user, groups, update, audit, session, audit
    assert len(work) == 9, statements
    assert commits["commit"] == 1


def test_an_expired_replay_record_is_taken_over_and_a_live_one_is_not(store, clock):
    acme = store.create_account("Acme", "owner@acme.test", actor="test")
    until = clock.now() + dt.timedelta(minutes=5)
    assert store.remember_assertion("_a1", acme.id, until) is True
    assert store.remember_assertion("_a1", acme.id, until) is False
    clock.advance(minutes=5)
    # Expired now (not yet swept: sweeps run at most once a minute) and usable again.
    assert store.remember_assertion("_a1", acme.id, clock.now() + dt.timedelta(minutes=5))
    assert store.remember_assertion("_a1", acme.id, clock.now() + dt.timedelta(minutes=5)) is False
