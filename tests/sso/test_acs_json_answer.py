"""The ACS's JSON answer, written straight to bytes: the same bytes the app's JSON provider
(``jsonify``) writes for the same document."""

from __future__ import annotations

from tests.sso.conftest import post_response


def test_the_acs_answer_is_what_jsonify_writes_for_it(client, world, sign, app):
    for name, status in (("ann@acme.test", 200), ("out@elsewhere.test", 202)):
        answer = post_response(client, sign(name, {"givenName": ["Ann"]}))
        assert answer.status_code == status, answer.json
        assert answer.mimetype == "application/json"
        with app.app_context():
            expected = app.json.response(answer.json)
        assert answer.data == expected.data
        assert answer.json["mapping"]["trace"] and answer.json["tracking_id"].startswith("WEB_")
