"""Associated domains over HTTP: verification, summary, options, prompts, 24 h cycle, sign-up."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.domains import make_world


@pytest.fixture
def loopback_site() -> Iterator[dict[str, Any]]:
    """A loopback web server answering the well-known verification file."""
    served: dict[str, Any] = {"body": b""}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.path == "/.well-known/gateway-verification.txt"
            self.send_response(200 if ok else 404)
            self.end_headers()
            self.wfile.write(served["body"] if ok else b"")

        def log_message(self, *args: Any) -> None:
            return None

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    served["base"] = f"http://127.0.0.1:{server.server_port}"
    yield served
    server.shutdown()


def test_a_domain_is_verified_by_its_dns_txt_record_and_by_one_account_at_a_time(store, tmp_path):
    zone = tmp_path / "zone.db"
    world = make_world(store, dns_zone_file=str(zone))
    added = world.admin(
        "POST", f"/api/v1/accounts/{world.acme.id}/domains", json={"domain": "acme-corp.test"}
    )
    assert added.status_code == 201 and added.json["verified"] is False
    token = added.json["verification"]["dns_txt_value"]
    url = f"/api/v1/accounts/{world.acme.id}/domains/acme-corp.test/verify"
    zone.write_text('$ORIGIN acme-corp.test.\n_gateway-verification IN TXT "wrong"\n')
    assert world.admin("POST", url, json={"method": "dns"}).json["code"] == "verification_failed"
    zone.write_text(f'$ORIGIN acme-corp.test.\n_gateway-verification 300 IN TXT "{token}"\n')
    assert world.admin("POST", url, json={"method": "dns"}).json["verified"] is True

    globex = f"/api/v1/accounts/{world.globex.id}/domains"
    refused = world.admin("POST", globex, "globex admin", json={"domain": "acme-corp.test"})
    assert refused.status_code == 409 and refused.json["code"] == "profile_incomplete"
    world.store.update_account(
        world.globex.id, {"support_name": "Globex IT", "support_email": "it@globex.test"}, actor="t"
    )
    world.admin("POST", globex, "globex admin", json={"domain": "acme-corp.test"})
    world.admin("POST", f"{globex}/acme-corp.test/mark-verified", "globex admin")
    taken = world.admin("POST", f"{globex}/acme-corp.test/mark-verified", "globex admin")
    assert taken.status_code == 409 and taken.json["code"] == "domain_verified_elsewhere"


def test_the_http_file_is_fetched_from_loopback(sqlite_store, loopback_site):
    world = make_world(sqlite_store, domain_http_bases={"web.test": loopback_site["base"]})
    added = world.admin(
        "POST", f"/api/v1/accounts/{world.acme.id}/domains", json={"domain": "web.test"}
    )
    loopback_site["body"] = added.json["verification"]["http_body"].encode()
    url = f"/api/v1/accounts/{world.acme.id}/domains/web.test/verify"
    assert world.admin("POST", url, json={"method": "http"}).json["verified"] is True
    world.admin("POST", f"/api/v1/accounts/{world.acme.id}/domains", json={"domain": "far.test"})
    far = world.admin(
        "POST", f"/api/v1/accounts/{world.acme.id}/domains/far.test/verify", json={"method": "http"}
    )
    assert far.json["code"] == "http_verification_unavailable"


def test_mark_verified_is_refused_outside_demo_mode(sqlite_store):
    world = make_world(sqlite_store, demo=False)
    world.admin("POST", f"/api/v1/accounts/{world.acme.id}/domains", json={"domain": "x.test"})
    answer = world.admin("POST", f"/api/v1/accounts/{world.acme.id}/domains/x.test/mark-verified")
    assert answer.status_code == 403 and answer.json["code"] == "demo_only"


def test_the_summary_gives_counts_and_never_names(world):
    world.signup("sam.outside@acme.test", first_name="Sam", last_name="Outside")
    world.store.create_user(world.acme.id, "ann@acme.test", actor="t", source="admin")
    answer = world.admin("GET", f"/api/v1/accounts/{world.acme.id}/domains/acme.test/summary")
    assert answer.json["in_account"] == 2 and answer.json["outside_account"] == 1
    assert "sam" not in answer.get_data(as_text=True).lower()
    notice = world.admin("POST", f"/api/v1/accounts/{world.acme.id}/domains/acme.test/notice")
    assert notice.json["code"] == "domain_not_managed"
    world.options(manage=True)
    notice = world.admin("POST", f"/api/v1/accounts/{world.acme.id}/domains/acme.test/notice")
    assert notice.json == {"queued": 1}
    assert world.store.list_outbox(world.acme.id, recipient="sam.outside@acme.test").total == 0


def test_a_sub_account_has_its_own_domain_list(world):
    health = world.account("acme-health")
    url = f"/api/v1/accounts/{health.id}/domains"
    assert world.admin("POST", url, json={"domain": "health.acme.test"}).json["code"] == (
        "profile_incomplete"
    )
    world.store.update_account(
        health.id, {"support_name": "Health IT", "support_email": "it@health.acme.test"}, actor="t"
    )
    world.admin("POST", url, json={"domain": "health.acme.test"})
    world.admin("POST", f"{url}/health.acme.test/mark-verified")
    listed = world.admin("GET", url).json["domains"]
    assert [d["domain"] for d in listed] == ["health.acme.test"]
    acme_list = world.admin("GET", f"/api/v1/accounts/{world.acme.id}/domains").json["domains"]
    assert [d["domain"] for d in acme_list] == ["acme.test"]


def test_prompts_are_counted_to_three_and_the_profile_is_blocked_after(world):
    world.signup("bob@acme.test")
    world.options(allow_consolidation=True)
    for number in (1, 2):
        prompt = world.login("bob@acme.test").json["prompt"]
        assert prompt["prompt_number"] == number and prompt["choices"] == [
            "change_email",
            "consolidate",
        ]
        assert prompt["support"] == {"name": "Acme IT", "email": "it@acme.test"}
        assert world.profile().status_code == 200
    assert world.login("bob@acme.test").json["prompt"]["profile_blocked"] is True
    blocked = world.profile()
    assert blocked.status_code == 403 and blocked.json["code"] == "consolidation_choice_required"
    assert world.login("bob@acme.test").json["prompt"]["prompt_number"] == 3
    changed = world.client.post(
        "/api/v1/me/consolidation-choice",
        json={"choice": "change_email", "new_email": "bob@bob.test"},
    )
    assert changed.status_code == 202 and changed.json["state"] == "confirmation_sent"
    assert changed.json["user"]["email"] == "bob@acme.test"  # unchanged until confirmed
    assert world.profile().status_code == 403
    bob = world.store.find_user_by_email("bob@acme.test")
    [mail] = world.store.list_outbox(bob.account_id, recipient="bob@bob.test").items
    assert mail.kind == "email_change"
    link = str(mail.link).removeprefix("http://127.0.0.1:8000")
    assert world.client.get(link).status_code == 200  # the page: nothing changes yet
    assert world.store.find_user_by_email("bob@acme.test") is not None
    assert world.client.post(link).status_code == 200
    assert world.store.find_user_by_email("bob@bob.test") is not None
    assert world.profile().status_code == 200


def test_changing_email_is_always_offered_even_when_consolidation_is_not(world):
    world.signup("dana@acme.test")
    world.options(manage=True)
    assert world.login("dana@acme.test").json["prompt"]["choices"] == ["change_email"]
    refused = world.client.post("/api/v1/me/consolidation-choice", json={"choice": "consolidate"})
    assert refused.json["code"] == "consolidation_not_allowed"
    same = world.client.post(
        "/api/v1/me/consolidation-choice",
        json={"choice": "change_email", "new_email": "d@acme.test"},
    )
    assert same.json["code"] == "email_still_managed"


def test_sessions_of_outside_users_end_every_24_hours(world, clock):
    world.signup("eve@acme.test")
    world.store.create_user(world.acme.id, "insider@acme.test", actor="t", source="admin")
    world.options(allow_consolidation=True)
    insider = world.app.test_client()
    insider.post("/api/v1/login", json={"email": "owner@acme.test", "password": "x"})
    world.login("eve@acme.test")
    assert world.profile().status_code == 200
    clock.advance(hours=23, minutes=59)
    assert world.profile().status_code == 200
    clock.advance(minutes=1)
    ended = world.profile()
    assert ended.status_code == 401 and ended.json["code"] == "signed_out_24h"
    assert world.login("eve@acme.test").json["prompt"]["prompt_number"] == 2


def test_an_inside_user_keeps_the_session_past_24_hours(world, clock):
    world.options(allow_consolidation=True)
    world.signup("ivy@elsewhere.test")
    world.login("ivy@elsewhere.test")
    clock.advance(hours=30)
    assert world.profile().status_code == 200


def test_sign_up_with_an_allowing_domain_joins_the_account_without_sso(world):
    before = world.signup("early@acme.test")
    assert before.json["account"]["id"] != world.acme.id
    world.options(allow_signup=True)
    joined = world.signup("newbie@acme.test", first_name="New")
    assert joined.status_code == 201 and joined.json["account"]["id"] == world.acme.id
    assert joined.json["user"]["login_type"] == "work_email"
    assert world.login("newbie@acme.test").json["prompt"] is None


def test_a_managed_domain_refuses_sign_ups_that_would_stay_outside(world):
    world.options(manage=True)
    answer = world.signup("late@acme.test")
    assert answer.status_code == 409 and answer.json["code"] == "domain_managed"


def test_a_wrong_password_is_refused(world):
    world.signup("fay@else.test")
    answer = world.login("fay@else.test", "wrong password!")
    assert answer.status_code == 401 and answer.json["code"] == "invalid_credentials"
