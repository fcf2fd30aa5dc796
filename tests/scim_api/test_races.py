"""Concurrent writers on each backend: one ETag winner, one userName winner."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from scimapi import USER_URN


def _together(count, action):
    """Run ``action(i)`` in ``count`` threads released at the same moment."""
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait()
        return action(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_two_puts_with_the_same_if_match_give_exactly_one_412(scim):
    app = scim.client.application
    for round_ in range(3):
        created = scim.create_user(f"race{round_}@acme.test")
        path = f"/scim/v2/Users/{created['id']}"

        def put(i, path=path, round_=round_):
            body = {
                "schemas": [USER_URN],
                "userName": f"race{round_}@acme.test",
                "displayName": f"writer {i}",
            }
            response = app.test_client().put(
                path, json=body, headers=scim.headers({"If-Match": 'W/"1"'})
            )
            return response.status_code

        assert sorted(_together(2, put)) == [200, 412]
        assert scim.get(path.removeprefix("/scim/v2")).headers["ETag"] == 'W/"2"'


def test_parallel_posts_of_one_user_name_create_exactly_one_user(scim):
    app = scim.client.application

    def post(i):
        body = {"schemas": [USER_URN], "userName": "Same@acme.test" if i % 2 else "same@acme.test"}
        response = app.test_client().post("/scim/v2/Users", json=body, headers=scim.headers())
        return response.status_code, (response.get_json() or {}).get("scimType")

    outcomes = Counter(_together(8, post))
    assert outcomes == {(201, None): 1, (409, "uniqueness"): 7}
    listed = scim.get('/Users?filter=userName eq "same@acme.test"').get_json()
    assert listed["totalResults"] == 1
