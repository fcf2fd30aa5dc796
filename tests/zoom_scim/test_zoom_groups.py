"""Zoom's Groups on /scim2: the zoom:2.0:Group extension, the default group, PATCH limits."""

from __future__ import annotations

from zoomapi import GROUP_URN, PATCH_URN, ZOOM_GROUP_URN, zoom_error

SALES = {
    "schemas": [GROUP_URN, ZOOM_GROUP_URN],
    "displayName": "Sales",
    ZOOM_GROUP_URN: {"emailAlias": "sales@acme.test"},
}


def test_a_group_is_created_with_its_email_alias_and_read_back(zoom):
    created = zoom.post("/Groups", SALES)
    assert created.status_code == 201, created.get_json()
    group = zoom.get(f"/Groups/{created.get_json()['id']}").get_json()
    assert group["schemas"] == [GROUP_URN, ZOOM_GROUP_URN]
    assert group["displayName"] == "Sales"
    assert group[ZOOM_GROUP_URN] == {"emailAlias": "sales@acme.test"}
    assert created.get_json() == group


def test_a_group_patch_adds_members_renames_and_changes_the_alias(zoom):
    group = zoom.post("/Groups", SALES).get_json()
    ann = zoom.create_user("ann@acme.test")
    response = zoom.patch(
        f"/Groups/{group['id']}",
        [
            {"op": "add", "path": "members", "value": [{"value": ann["id"]}]},
            {"op": "replace", "path": "displayName", "value": "Sales EU"},
            {"op": "replace", "path": f"{ZOOM_GROUP_URN}:emailAlias", "value": "eu@acme.test"},
        ],
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [m["value"] for m in body["members"]] == [ann["id"]]
    assert body["displayName"] == "Sales EU"
    assert body[ZOOM_GROUP_URN] == {"emailAlias": "eu@acme.test"}
    listed = zoom.get("/Groups?filter=displayName eq Sales EU").get_json()
    assert [g["id"] for g in listed["Resources"]] == [group["id"]]
    assert "members" not in listed["Resources"][0]
    assert listed["Resources"][0][ZOOM_GROUP_URN] == {"emailAlias": "eu@acme.test"}


def test_the_accounts_default_group_cannot_be_deleted(zoom):
    group = zoom.post("/Groups", SALES).get_json()
    zoom.store.set_setting(zoom.account_id, "default_group", group["id"], actor="t")
    response = zoom.delete(f"/Groups/{group['id']}")
    assert zoom_error(response) == (400, "Cannot delete account default group.")
    assert zoom.get(f"/Groups/{group['id']}").status_code == 200
    other = zoom.post("/Groups", {"schemas": [GROUP_URN], "displayName": "Other"}).get_json()
    assert zoom.delete(f"/Groups/{other['id']}").status_code == 204
    assert zoom_error(zoom.get(f"/Groups/{other['id']}")) == (404, "Group does not exist.")


def test_a_group_patch_over_100000_characters_is_refused(zoom):
    group = zoom.post("/Groups", SALES).get_json()
    members = [{"value": f"id-{i:06d}"} for i in range(6000)]
    body = {
        "schemas": [PATCH_URN],
        "Operations": [{"op": "add", "path": "members", "value": members}],
    }
    response = zoom.call("PATCH", f"/Groups/{group['id']}", body)
    assert zoom_error(response) == (400, "The request body exceeds 100,000 characters.")


def test_a_group_without_a_display_name_is_refused_in_zooms_words(zoom):
    response = zoom.post("/Groups", {"schemas": [GROUP_URN], "displayName": " "})
    assert zoom_error(response) == (400, 'The "DisplayName" of the request is invalid.')


def test_a_put_on_a_group_is_not_a_zoom_operation(zoom):
    group = zoom.post("/Groups", SALES).get_json()
    response = zoom.put(f"/Groups/{group['id']}", SALES)
    assert zoom_error(response)[0] == 404
