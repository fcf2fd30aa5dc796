"""GET /console/signout: a page with the sign-out button; only its POST signs out, so a link
or a prefetch cannot end a session."""

from __future__ import annotations

from flask import redirect, url_for
from flask.typing import ResponseReturnValue

from gateway.console import session
from gateway.console.web import blueprint, page


@blueprint.get("/signout")
def signout_page() -> ResponseReturnValue:
    console = session.current()
    if console is None:
        return redirect(url_for("console.signin_page"), code=303)
    return page("signout.html", console)
