"""Concurrent JIT sign-ins never oversubscribe a pool, and one assertion is accepted once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from gateway.app import create_app
from idp_fixtures.idp import TestIdP

PUBLIC = "http://127.0.0.1:8000"
ACS = f"{PUBLIC}/v/tiny/saml/SSO"
SP = f"{PUBLIC}/v/tiny/saml/metadata/sp"


@pytest.fixture
def tiny(store):
    """An account with 5 Licensed seats whose rules license everyone, on each backend."""
    idp = TestIdP("https://idp.test/metadata")
    account = store.create_account(
        "Tiny", "owner@tiny.test", actor="t", vanity="tiny", plan={"Licensed": 5}
    )
    store.add_verified_domain(account.id, "tiny.test", actor="t")
    store.put_saml_config(
        account.id,
        {
            "idp_entity_id": idp.entity_id,
            "sign_in_url": "https://idp.test/sso",
            "certificates": [idp.certificate_pem],
        },
        actor="t",
    )
    app = create_app({"public_url": PUBLIC}, store=store)
    app.extensions["gateway.rules"].save(
        account.id,
        [
            {
                "category": "license",
                "conditions": [{"attribute": "memberOf", "values": ["staff"]}],
                "result": "Licensed",
            }
        ],
        actor="t",
    )
    return app, idp, account


def _post(app, response):
    with app.test_client() as client:
        answer = client.post(
            "/v/tiny/saml/SSO",
            data={"SAMLResponse": response},
            headers={"Accept": "application/json"},
        )
        return answer.status_code, (answer.get_json() or {}).get("code")


def test_concurrent_jit_sign_ins_take_at_most_the_seats_there_are(tiny, store, clock):
    app, idp, account = tiny
    responses = [
        idp.make_response(
            sp_entity_id=SP,
            acs_url=ACS,
            name_id=f"u{n}@tiny.test",
            attributes={"memberOf": ["staff"]},
            now=clock.now(),
        )
        for n in range(12)
    ]
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda r: _post(app, r), responses))
    assert sorted(results).count((200, None)) == 5
    assert all(r == (409, "license_pool_exhausted") for r in results if r[0] != 200)
    [pool_row] = [p for p in store.pools(account.id) if p.seat_kind == "Licensed"]
    assert pool_row.used == 5 and pool_row.remaining == 0
    assert store.check_invariants() == []
    assert store.list_users(account.id).total == 1 + 5  # the owner and the five signed in


def test_the_same_assertion_posted_at_once_is_accepted_once(tiny, store, clock):
    app, idp, _ = tiny
    response = idp.make_response(
        sp_entity_id=SP,
        acs_url=ACS,
        name_id="once@tiny.test",
        attributes={"memberOf": ["staff"]},
        now=clock.now(),
    )
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: _post(app, response), range(8)))
    assert results.count((200, None)) == 1
    assert all(r == (403, "replayed") for r in results if r[0] != 200)
