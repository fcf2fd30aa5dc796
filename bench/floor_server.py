"""The HTTP floor: a Flask app that answers the SCIM load with precomputed bodies, doing no work.

Served exactly as the gateway is (``--server granian``: ``gateway.serving.run_granian``, the
production server) or under gunicorn sync workers (``--server gunicorn``, the former server, kept
as the point of comparison), it measures what HTTP parsing, Flask routing and sending bytes
cost on this machine, so the SCIM figures can be read against the most any Flask service could
do here. Its bodies have the shapes the gateway returns (a created user, a one-user list, a
page of 100 users). Usage: ``python bench/floor_server.py --port 8200 [--server gunicorn]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from flask import Flask, Response, request

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.serving import DEFAULT_THREADS, run_granian, run_gunicorn
from gateway.wsgi_bridge import WsgiBridge

LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
MEDIA = "application/scim+json"


def _user(i: int) -> dict[str, object]:
    email = f"floor-{i}@acme.test"
    return {
        "schemas": [USER],
        "id": f"00000000-0000-4000-8000-{i:012d}",
        "userName": email,
        "name": {"givenName": "Given", "familyName": "Family"},
        "active": True,
        "emails": [{"value": email, "type": "work", "primary": True}],
        "userType": "Basic",
        "meta": {"resourceType": "User", "version": 'W/"1"', "location": f"/Users/{i}"},
    }


def _listing(count: int) -> bytes:
    resources = [_user(i) for i in range(count)]
    body = {"schemas": [LIST], "totalResults": count, "startIndex": 1, "Resources": resources}
    return json.dumps(body | {"itemsPerPage": count}).encode()


def floor_app() -> Flask:
    """The do-nothing app: constant answers for /healthz, POST /Users and GET /Users."""
    app = Flask("floor")
    created, one, page = json.dumps(_user(0)).encode(), _listing(1), _listing(100)

    @app.get("/healthz")
    def healthz() -> Response:
        return Response(b'{"status": "ok"}', mimetype="application/json")

    @app.route("/scim/v2/Users", methods=["GET", "POST"])
    def users() -> Response:
        if request.method == "POST":
            request.get_data()
            return Response(created, status=201, mimetype=MEDIA)
        return Response(page if request.args.get("count") == "100" else one, mimetype=MEDIA)

    return app


def floor_rsgi() -> WsgiBridge:
    """The floor app behind the same bridge as the gateway (Granian's factory)."""
    return WsgiBridge(
        floor_app().wsgi_app, threads=DEFAULT_THREADS, max_body=1024 * 1024, body_seconds=30
    )


def main() -> None:
    """Serve the floor app with one worker until terminated."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--server", choices=["granian", "gunicorn"], default="granian")
    args = parser.parse_args()
    if args.server == "gunicorn":
        run_gunicorn("127.0.0.1", args.port, 1, factory=floor_app)
    else:
        run_granian("127.0.0.1", args.port, 1, target="floor_server:floor_rsgi")


if __name__ == "__main__":
    main()
