"""Console pages: sign-in, the accounts tree and list, the dashboard, sub-account actions."""

from __future__ import annotations

from typing import Any, cast

from flask import Response, make_response, redirect, request, url_for
from flask.typing import ResponseReturnValue

from gateway.api import accounts as accounts_api
from gateway.api.auth import master_of
from gateway.api.views import account_json
from gateway.console import session
from gateway.console.session import Console, store
from gateway.console.web import (
    blueprint,
    done,
    form_int,
    next_path,
    page,
    posted,
    refusal_status,
)
from gateway.errors import BadRequest, GatewayError
from gateway.store.records import Account


@blueprint.get("/")
def index() -> ResponseReturnValue:
    return redirect(url_for("console.accounts"))


@blueprint.get("/signin")
def signin_page() -> ResponseReturnValue:
    return page("signin.html", session.current(), next=next_path())


@blueprint.post("/signin")
def signin() -> ResponseReturnValue:
    try:
        secret = session.sign_in(request.form.get("token", ""))
    except GatewayError as e:
        errors = {"signin": e}
        return page("signin.html", None, refusal_status(e), errors=errors, next=next_path())
    response = make_response(redirect(next_path(), code=303))
    return session.set_cookie(response, secret)


@blueprint.post("/signout")
def signout() -> ResponseReturnValue:
    posted()
    return session.sign_out(make_response(redirect(url_for("console.signin_page"), code=303)))


@blueprint.get("/accounts")
def accounts() -> ResponseReturnValue:
    return accounts_page(session.require())


def accounts_page(
    console: Console, errors: dict[str, GatewayError] | None = None, status: int = 200
) -> Response:
    """The accounts page: tree, the acting account's sub-accounts, dashboard and forms."""
    acting = console.acting
    subs = store().list_accounts(parent_id=acting.id)
    return page(
        "accounts.html",
        console,
        status,
        errors=errors or {},
        tree=_tree(console.home),
        acting_row=account_json(acting, store().pools(acting.id)),
        subs=[account_json(a, store().pools(a.id)) for a in subs],
        dashboard=_dashboard(acting) if subs or acting.bulk_licensing else None,
        seat_kinds=[p.seat_kind for p in store().pools(acting.id)],
        form=request.form,
    )


def _dashboard(account: Account) -> dict[str, Any]:
    answer = cast(Response, accounts_api.dashboard(account.id))
    return cast(dict[str, Any], answer.get_json())


def _tree(root: Account) -> dict[str, Any]:
    """The account and its descendants as nested ``{"account", "children"}``."""
    everyone = store().descendants(root.id)
    children: dict[int, list[Account]] = {}
    for account in everyone:
        children.setdefault(account.parent_id or 0, []).append(account)

    def node(account: Account) -> dict[str, Any]:
        return {"account": account, "children": [node(c) for c in children.get(account.id, [])]}

    return node(root)


@blueprint.post("/accounts")
def create_sub_account() -> ResponseReturnValue:
    console = posted()
    form = request.form
    try:
        seats = form_int("seats") if form.get("seats", "").strip() else 0
        s = store()
        with s.transaction():
            s.check_address_claim(console.acting.id, form.get("owner_email", "").strip())
            account = s.create_account(
                form.get("name", "").strip(),
                form.get("owner_email", "").strip(),
                actor=console.caller.actor,
                vanity=form.get("vanity", "").strip() or None,
                parent_id=console.acting.id,
                billing=form.get("billing") or None,
                plan=None if console.acting.bulk_licensing or not seats else {"Licensed": seats},
            )
            if console.acting.bulk_licensing and seats:
                s.delegate(account.id, "Licensed", seats, actor=console.caller.actor)
    except GatewayError as e:
        return accounts_page(console, {"create": e}, refusal_status(e))
    return done("accounts", "created")


@blueprint.post("/accounts/<int:account_id>/delegate")
def delegate(account_id: int) -> ResponseReturnValue:
    console = posted()
    try:
        caller, _ = master_of(account_id)
        seat_kind = request.form.get("seat_kind", "Licensed")
        store().delegate(account_id, seat_kind, form_int("seats"), actor=caller.actor)
    except GatewayError as e:
        return accounts_page(console, {f"delegate-{account_id}": e}, refusal_status(e))
    return done("accounts", "delegated")


@blueprint.post("/accounts/<int:account_id>/unlink")
def unlink(account_id: int) -> ResponseReturnValue:
    console = posted()
    try:
        caller, _ = master_of(account_id)
        if request.form.get("confirm") != "yes":
            raise BadRequest("Tick the box to confirm the unlink.", code="confirmation_required")
        store().unlink(account_id, actor=caller.actor)
    except GatewayError as e:
        return accounts_page(console, {f"unlink-{account_id}": e}, refusal_status(e))
    return done("accounts", "unlinked")


@blueprint.post("/accounts/<int:account_id>/manage")
def manage(account_id: int) -> ResponseReturnValue:
    console = posted()
    try:
        secret = session.switch(console, account_id)
    except GatewayError as e:
        return accounts_page(console, {f"manage-{account_id}": e}, refusal_status(e))
    _audit_switch(console, account_id, "console.manage")
    target = url_for("console.accounts", done="managing")
    return session.set_cookie(make_response(redirect(target, code=303)), secret)


@blueprint.post("/return")
def return_home() -> ResponseReturnValue:
    console = posted()
    secret = session.switch(console, console.home.id)
    _audit_switch(console, console.acting.id, "console.return")
    target = url_for("console.accounts", done="returned")
    return session.set_cookie(make_response(redirect(target, code=303)), secret)


def _audit_switch(console: Console, account_id: int, action: str) -> None:
    store().audit_event(
        actor=console.caller.actor,
        account_id=account_id,
        action=action,
        target=str(account_id),
        after={"home": console.home.number},
    )
