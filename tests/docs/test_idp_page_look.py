"""The test IdP page (/idp) has the console's look: its stylesheet, header and form styles."""

from __future__ import annotations

import re

from gateway.demo import init_demo


def test_the_test_idp_page_uses_the_console_stylesheet_and_layout(app, client, sqlite_store):
    init_demo(sqlite_store)
    page = client.get("/idp")
    assert page.status_code == 200
    html = page.text
    assert re.search(r'<link rel="stylesheet" href="[^"]*/console\.css"', html)
    assert '<header class="top">' in html and '<main id="main"' in html
    assert '<form method="post" action="/idp/sign" class="card">' in html
    assert "<title>Test IdP · Identity gateway</title>" in html
    assert client.get(re.search(r'href="([^"]*console\.css)"', html).group(1)).status_code == 200


def test_every_field_of_the_test_idp_form_has_a_label(app, client, sqlite_store):
    init_demo(sqlite_store)
    html = client.get("/idp").text
    ids = re.findall(r'<(?:input|textarea)[^>]*\bid="([^"]+)"', html)
    assert {"idp-account", "idp-name-id", "idp-attributes"} <= set(ids)
    for field_id in ids:
        assert f'<label for="{field_id}">' in html, field_id
    radios = re.findall(r'<label><input type="radio" name="persona"', html)
    assert len(radios) >= 2
