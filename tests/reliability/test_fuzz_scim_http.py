"""Whatever JSON a SCIM client sends (PATCH bodies, resources, Bulk, searches), the answer is a
SCIM response or a SCIM error with a 4xx status: never a 500, never an unhandled exception."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.app import create_app
from gateway.store.sql import SqlStore
from tests.reliability import fuzzing

PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"
SETTINGS = settings(
    max_examples=fuzzing.examples(50, 12_000),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not fuzzing.LARGE,
)

ATTRIBUTE_PATHS = [
    "userName",
    "active",
    "displayName",
    "name.givenName",
    "name.familyName",
    "emails",
    'emails[type eq "work"].value',
    "emails[primary eq true]",
    "phoneNumbers",
    "userType",
    "members",
    'members[value eq "1"]',
    "groups",
    "title",
    f"{ENTERPRISE_URN}:employeeNumber",
    f"{ENTERPRISE_URN}:manager",
    f"{ENTERPRISE_URN}:manager.value",
    "urn:ietf:params:scim:schemas:extension:zoom:1.0:User:loginType",
    "meta.created",
    "id",
    "schemas",
    "nonexistent",
    "emails[",
    "emails[type eq]",
    "a.b.c.d",
    "",
]
KEYS = st.one_of(
    st.sampled_from([*ATTRIBUTE_PATHS, "value", "type", "primary"]), st.text(max_size=12)
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.sampled_from(["True", "False", "Licensed", "Basic", "On-Prem", "x@acme.test", "1"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=20,
)
OPERATIONS = st.fixed_dictionaries(
    {},
    optional={
        "op": st.one_of(
            st.sampled_from(["add", "replace", "remove", "Add", "Replace", "REMOVE", "move"]),
            JSON,
        ),
        "path": st.one_of(st.sampled_from(ATTRIBUTE_PATHS), st.text(max_size=30), JSON),
        "value": JSON,
    },
)
PATCH_BODIES = st.one_of(
    st.fixed_dictionaries(
        {
            "schemas": st.one_of(st.just([PATCH_URN]), JSON),
            "Operations": st.one_of(st.lists(OPERATIONS, max_size=4), JSON),
        }
    ),
    JSON,
)
RESOURCE_BODIES = st.one_of(
    st.builds(
        lambda extra, name: {"schemas": [USER_URN], "userName": name, **extra},
        st.dictionaries(KEYS, JSON, max_size=6),
        st.one_of(st.emails(), st.text(max_size=30), JSON),
    ),
    st.builds(
        lambda extra: {"schemas": [GROUP_URN], **extra},
        st.dictionaries(st.sampled_from(["displayName", "members", "externalId"]), JSON),
    ),
    JSON,
)
BULK_BODIES = st.builds(
    lambda ops, fail: {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "failOnErrors": fail,
        "Operations": ops,
    },
    st.lists(
        st.fixed_dictionaries(
            {
                "method": st.one_of(st.sampled_from(["POST", "PUT", "PATCH", "DELETE"]), JSON),
                "path": st.one_of(st.sampled_from(["/Users", "/Groups", "/Users/1"]), JSON),
            },
            optional={"bulkId": st.one_of(st.text(max_size=8), JSON), "data": RESOURCE_BODIES},
        ),
        max_size=4,
    ),
    st.one_of(st.none(), st.integers(), JSON),
)


@pytest.fixture(scope="module")
def scim(sqlite_template: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Acme with a verified domain, a user and a group, and a SCIM client for it."""
    path = tmp_path_factory.mktemp("fuzz-scim") / "gateway.db"
    path.write_bytes(sqlite_template.read_bytes())
    store = SqlStore.from_url(f"sqlite:///{path}", migrate=False)
    account = store.create_account(
        "Acme", "owner@acme.test", actor="t", vanity="acme", plan={"Licensed": 50}
    )
    store.add_verified_domain(account.id, "acme.test", actor="t")
    _, secret = store.create_token(account.id, "scim", actor="t")
    app = create_app({"rate_limit_per_minute": 0}, store=store)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    user = client.post(
        "/scim/v2/Users",
        json={"schemas": [USER_URN], "userName": "fuzz@acme.test"},
        headers=headers,
    ).get_json()
    group = client.post(
        "/scim/v2/Groups", json={"schemas": [GROUP_URN], "displayName": "fuzzers"}, headers=headers
    ).get_json()
    yield client, headers, user["id"], group["id"]
    store.dispose()


def _send(scim: Any, prop: str, method: str, path: str, body: Any) -> Any:
    client, headers, _, _ = scim
    fuzzing.count(prop)
    with fuzzing.no_hang():
        answer = client.open(
            path,
            method=method,
            data=json.dumps(body),
            headers={**headers, "Content-Type": "application/scim+json"},
        )
    assert answer.status_code < 500, (method, path, body, answer.get_data(as_text=True))
    if answer.status_code >= 400:
        error = answer.get_json()
        assert error["schemas"] == [ERROR_URN] and error["status"] == str(answer.status_code)
        assert error["detail"]
    return answer


@SETTINGS
@given(body=PATCH_BODIES, on_group=st.booleans())
def test_any_patch_body_is_applied_or_refused_with_a_scim_error(scim, body, on_group):
    _, _, user_id, group_id = scim
    path = f"/scim/v2/Groups/{group_id}" if on_group else f"/scim/v2/Users/{user_id}"
    answer = _send(scim, "scim_patch", "PATCH", path, body)
    assert answer.status_code in (200, 204, 400, 404, 409, 412, 413), answer.get_json()


@SETTINGS
@given(
    body=RESOURCE_BODIES,
    target=st.sampled_from(
        [
            ("POST", "/scim/v2/Users"),
            ("POST", "/scim/v2/Groups"),
            ("PUT", "/scim/v2/Users/{user}"),
            ("PUT", "/scim/v2/Groups/{group}"),
            ("POST", "/scim/v2/Users/.search"),
            ("POST", "/scim/v2/.search"),
        ]
    ),
)
def test_any_json_resource_or_search_body_is_answered_without_a_500(scim, body, target):
    _, _, user_id, group_id = scim
    method, path = target
    answer = _send(scim, "scim_json_body", method, path.format(user=user_id, group=group_id), body)
    assert answer.status_code in (200, 201, 400, 404, 409, 412, 413), answer.get_json()


@SETTINGS
@given(body=st.one_of(BULK_BODIES, JSON))
def test_any_bulk_request_is_answered_without_a_500(scim, body):
    answer = _send(scim, "scim_bulk", "POST", "/scim/v2/Bulk", body)
    assert answer.status_code in (200, 400, 413), answer.get_json()
    if answer.status_code == 200:
        for result in answer.get_json()["Operations"]:
            assert int(result["status"]) < 500, result
