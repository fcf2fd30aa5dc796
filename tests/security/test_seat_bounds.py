"""A seat count the PostgreSQL columns cannot hold is refused alike on both databases, before
anything is written (it was accepted on SQLite and refused on PostgreSQL)."""

from __future__ import annotations

import pytest

from gateway.app import create_app

TOO_MANY = 2**31  # one more than a PostgreSQL integer holds


@pytest.mark.parametrize("where", ["plan", "delegation", "account creation"])
def test_two_to_the_31_seats_are_400_number_out_of_range_on_every_backend(store, where):
    master = store.create_account("Master", "o@master.test", actor="t", bulk_licensing=True)
    sub = store.create_account("Sub", "o@sub.test", actor="t", parent_id=master.id)
    admin = {"Authorization": f"Bearer {store.create_token(master.id, 'admin', actor='t')[1]}"}
    client = create_app({}, store=store).test_client()
    if where == "account creation":
        method, url = "POST", "/api/v1/accounts"
        body = {"name": "New", "owner_email": "o@new.test", "plan": {"Licensed": TOO_MANY}}
    else:
        target = master if where == "plan" else sub
        method, url, body = "PUT", f"/api/v1/accounts/{target.id}/{where}/Licensed", {}
        body = {"seats": TOO_MANY}
    pools_before = store.pools(master.id)
    answer = client.open(url, method=method, json=body, headers=admin)
    assert answer.status_code == 400 and answer.json["code"] == "number_out_of_range"
    assert store.pools(master.id) == pools_before


def test_the_largest_count_a_column_holds_is_still_accepted(store):
    master = store.create_account("Master", "o@master.test", actor="t")
    admin = {"Authorization": f"Bearer {store.create_token(master.id, 'admin', actor='t')[1]}"}
    client = create_app({}, store=store).test_client()
    answer = client.put(
        f"/api/v1/accounts/{master.id}/plan/Licensed", json={"seats": TOO_MANY - 1}, headers=admin
    )
    assert answer.status_code == 200 and answer.json["capacity"] == TOO_MANY - 1
