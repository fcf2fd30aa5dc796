"""Small HTML pages: the password sign-in form, the invitation (three lists, confirm) and the
confirmation of a new sign-in email. A link's GET only shows what its button does; only the
POST acts (mail scanners prefetch links)."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template_string, request
from flask.typing import ResponseReturnValue

from gateway.api.auth import store
from gateway.domains import services
from gateway.domains.email_change import EmailChange
from gateway.errors import GatewayError
from gateway.sso.views import COOKIE

blueprint = Blueprint("domains_pages", __name__)

HEAD = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }}</title>
<body style="font-family:sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem">
<h1>{{ title }}</h1>"""
LOGIN_PAGE = (
    HEAD
    + """
{% if error %}<p role="alert"><code>{{ error.code }}</code> {{ error.message }}</p>{% endif %}
{% if decision %}
  {% if decision.outcome == 'sso_required' %}
    <p>SSO is enforced for this domain: <a href="{{ decision.redirect_url }}">continue at the
    identity provider</a>.</p>
  {% else %}
    <p>Signed in as {{ decision.user.email }}.</p>
    {% for note in decision.notes %}<p><em>{{ note }}</em></p>{% endfor %}
    {% if decision.prompt %}<section><h2>{{ decision.prompt.message }}</h2>
      <p>Prompt {{ decision.prompt.prompt_number }} of {{ decision.prompt.max_prompts }}.
      Questions: {{ decision.prompt.support.name }} &lt;{{ decision.prompt.support.email }}&gt;.
      Answer with POST /api/v1/me/consolidation-choice.</p></section>{% endif %}
  {% endif %}
{% else %}
<form method="post"><label>Email <input name="email" type="email" required></label>
<label>Password <input name="password" type="password" required></label>
<button>Sign in</button></form>{% endif %}</body></html>"""
)
INVITATION_PAGE = (
    HEAD
    + """
{% if error %}<p role="alert"><code>{{ error.code }}</code> {{ error.message }}</p>{% endif %}
{% if preview %}
<p>Joining {{ preview.to_account.name }} as {{ preview.invitation }}.</p>
{% for title, key in [('Moves with you', 'moves_with_user'),
  ('Subject to the new account', 'subject_to_new_account'), ('Does not move', 'does_not_move')] %}
  {% if preview.data_changes %}<h2>{{ title }}</h2><ul>
  {% for item in preview.data_changes[key] %}<li>{{ item }}</li>{% endfor %}</ul>{% endif %}
{% endfor %}
{% for w in preview.warnings or [] %}<p><strong>{{ w }}</strong></p>{% endfor %}
{% if preview.new_user %}<p>This creates your user in {{ preview.to_account.name }}: choose
its password.</p>{% elif not signed_in %}<p role="note">Sign in as {{ preview.invitation }}
first (<a href="/login">password</a> or SSO) in this browser: only you can accept.</p>{% endif %}
<form method="post"><input type="hidden" name="confirm" value="true">
{% if preview.new_user %}<label>Password <input name="password" type="password" minlength="8"
 required autocomplete="new-password"></label>{% endif %}
{% if preview.bring_all_users_required %}<label><input type="checkbox" name="bring_all_users"
 value="true"> Bring all users of my account</label>{% endif %}
<button>Accept and consolidate</button></form>{% endif %}
{% if result %}<p>Consolidation {{ result.state }}.</p>{% endif %}</body></html>"""
)


@blueprint.route("/login", methods=["GET", "POST"])
def login_page() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template_string(LOGIN_PAGE, title="Sign in")
    try:
        decision = services().signin.login(
            request.form.get("email", ""), request.form.get("password", "")
        )
    except GatewayError as e:
        return render_template_string(LOGIN_PAGE, title="Sign in", error=e), e.status
    response = make_response(render_template_string(LOGIN_PAGE, title="Sign in", decision=decision))
    if decision.session_secret:
        response.set_cookie(COOKIE, decision.session_secret, httponly=True, samesite="Lax")
    return response


def signed_in_user() -> str | None:
    """The user id of this browser's live password or SSO session, if any."""
    secret = request.cookies.get(COOKIE, "")
    session = store().get_session(secret) if secret else None
    return None if session is None else session.user_id


@blueprint.route("/invitations/<secret>", methods=["GET", "POST"])
def invitation_page(secret: str) -> ResponseReturnValue:
    invitations = services().invitations
    title = "Invitation"
    user_id = signed_in_user()
    try:
        if request.method == "POST":
            body = {
                "confirm": request.form.get("confirm") == "true",
                "bring_all_users": request.form.get("bring_all_users") == "true",
                "password": request.form.get("password", ""),
            }
            result = invitations.accept(secret, body, signed_in_user=user_id)
            return render_template_string(INVITATION_PAGE, title=title, result=result)
        return render_template_string(
            INVITATION_PAGE,
            title=title,
            preview=invitations.preview(secret),
            signed_in=user_id is not None,
        )
    except GatewayError as e:
        return render_template_string(INVITATION_PAGE, title=title, error=e), e.status


EMAIL_PAGE = (
    HEAD
    + """
{% if error %}<p role="alert"><code>{{ error.code }}</code> {{ error.message }}</p>
{% elif done %}<p>Your sign-in email is now {{ email }}.</p>
{% else %}<p>Make {{ email }} the sign-in email of {{ user.email }}?</p>
<form method="post"><button>Confirm the new email</button></form>{% endif %}</body></html>"""
)


@blueprint.route("/confirm-email/<secret>", methods=["GET", "POST"])
def confirm_email_page(secret: str) -> ResponseReturnValue:
    change = EmailChange(store(), services().signin.config)
    title = "New sign-in email"
    try:
        if request.method == "POST":
            user = change.confirm(secret)
            return render_template_string(EMAIL_PAGE, title=title, done=True, email=user.email)
        user, email = change.preview(secret)
        return render_template_string(EMAIL_PAGE, title=title, user=user, email=email)
    except GatewayError as e:
        return render_template_string(EMAIL_PAGE, title=title, error=e), e.status


@blueprint.route("/invitations/decline/<secret>", methods=["GET", "POST"])
def decline_page(secret: str) -> ResponseReturnValue:
    if request.method == "GET":
        form = '<form method="post"><button>Decline this invitation</button></form>'
        return render_template_string(HEAD + form, title="Decline invitation")
    try:
        services().invitations.decline(secret)
    except GatewayError as e:
        return render_template_string(INVITATION_PAGE, title="Decline", error=e), e.status
    return render_template_string(HEAD + "<p>Declined.</p>", title="Invitation declined")
