"""Single Logout, both ways: the IdP's LogoutRequest (Redirect or POST) answered with a
LogoutResponse to the sign-out page URL, and a sign-out at the gateway told to the IdP."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.saml.errors import InResponseToUnknown, SamlError
from gateway.saml.slo import (
    IncomingMessage,
    build_logout_request,
    build_logout_response,
    read_logout_request,
    read_logout_response,
)
from gateway.saml.sp import OutgoingMessage
from gateway.sso.service import REQUEST_TTL, SsoNotConfigured, SsoService
from gateway.store.errors import NotFound
from gateway.store.records import Account

NO_SIGN_OUT_URL = (
    "Signed out of the gateway only: {name} has no sign-out page URL, so the identity "
    "provider was not told (set the IdP's Single Logout URL as the sign-out page URL)."
)


@dataclass(frozen=True)
class LogoutOutcome:
    """What a Single Logout step did, and the message to send on to the IdP, if any."""

    sessions_ended: int
    message: OutgoingMessage | None
    note: str

    def to_dict(self) -> dict[str, object]:
        """The JSON answer."""
        sent = self.message
        return {
            "signed_out": True,
            "sessions_ended": self.sessions_ended,
            "idp_message": None
            if sent is None
            else {"binding": sent.binding, "url": sent.url, "fields": dict(sent.fields)},
            "note": self.note,
        }


def idp_logout(
    sso: SsoService, account: Account, host_base: str | None, incoming: IncomingMessage
) -> LogoutOutcome:
    """End the sessions of the IdP's LogoutRequest's NameID and answer it (same binding).

    The request is verified first: unsigned, foreign-signed or misaddressed, it is refused
    (SamlError) and nothing ends.
    """
    config = sso.saml_config(account)
    sp = sso.sp(account, host_base, config)
    try:
        request = read_logout_request(incoming, config.trust(), sp.slo_urls())
    except SamlError as e:
        _audit(sso, account, "sso.logout_refused", e.code, {"message": e.message})
        raise
    ended = _end_sessions_of(sso, account, request.name_id)
    _audit(sso, account, "sso.logout", request.name_id, {"sessions_ended": ended, "by": "idp"})
    if not config.sign_out_url:
        return LogoutOutcome(ended, None, NO_SIGN_OUT_URL.format(name=account.name))
    message = build_logout_response(
        sp,
        config.sign_out_url,
        request.request_id,
        relay_state=request.relay_state,
        binding=request.binding,
        signing=config.logout_signing(),
        clock=sso.clock,
    )
    note = f"Signed out; the LogoutResponse goes back to the IdP by HTTP-{request.binding}."
    return LogoutOutcome(ended, message, note)


def sp_logout(sso: SsoService, secret: str) -> LogoutOutcome:
    """Sign out at the gateway: end this session, then send the IdP a LogoutRequest for it
    when the account has a sign-out page URL (signed as "Sign SAML Logout request" says)."""
    session = sso.store.get_session(secret) if secret else None
    if secret:
        sso.store.end_session(secret)
    if session is None:
        return LogoutOutcome(0, None, "Not signed in: nothing to sign out of.")
    if session.kind != "sso" or not session.data.get("name_id"):
        return LogoutOutcome(1, None, "Signed out (this session did not come from SSO).")
    account = _sso_account(sso, session.data.get("sso_account_id"), session.account_id)
    try:
        config = sso.saml_config(account)
    except SsoNotConfigured:
        config = None
    if config is None or not config.sign_out_url:
        return LogoutOutcome(1, None, NO_SIGN_OUT_URL.format(name=account.name))
    message = build_logout_request(
        sso.sp(account, None, config),
        config.sign_out_url,
        str(session.data["name_id"]),
        name_id_format=session.data.get("name_id_format"),
        session_index=session.data.get("session_index"),
        relay_state=None,
        binding=config.binding,
        signing=config.logout_signing(),
        clock=sso.clock,
    )
    sso.store.remember_request(message.message_id, account.id, None, REQUEST_TTL)
    _audit(sso, account, "sso.logout", session.data["name_id"], {"by": "sp"})
    note = f"Signed out; the IdP is told by a LogoutRequest over HTTP-{config.binding}."
    return LogoutOutcome(1, message, note)


def idp_logout_response(
    sso: SsoService, account: Account, host_base: str | None, incoming: IncomingMessage
) -> LogoutOutcome:
    """The IdP's answer to the gateway's LogoutRequest: verified, and matched to a request this
    account sent and has not seen answered. Raises SamlError (InResponseToUnknown...)."""
    config = sso.saml_config(account)
    sp = sso.sp(account, host_base, config)
    response = read_logout_response(incoming, config.trust(), sp.slo_urls())
    if not sso.store.take_request(response.in_response_to, account.id):
        raise InResponseToUnknown(
            f"The LogoutResponse answers '{response.in_response_to}', which this SP did not "
            "send or already saw answered."
        )
    if response.success:
        return LogoutOutcome(0, None, "Signed out at the gateway and at the identity provider.")
    return LogoutOutcome(
        0,
        None,
        f"Signed out at the gateway; the identity provider answered '{response.status}', so "
        "its own session may still be open.",
    )


def _end_sessions_of(sso: SsoService, account: Account, name_id: str) -> int:
    user = sso.store.find_user_by_email(name_id)
    family = {account.id} | {a.id for a in sso.store.account_tree(account.id)}
    if user is None or user.account_id not in family:
        return 0
    return sso.store.end_user_sessions(user.id)


def _sso_account(sso: SsoService, entry_id: object, session_account_id: int) -> Account:
    """The account whose SSO opened the session (the master's, for a routed user)."""
    if isinstance(entry_id, int):
        try:
            return sso.store.get_account(entry_id)
        except NotFound:
            pass
    return sso.store.get_account(session_account_id)


def _audit(
    sso: SsoService, account: Account, action: str, target: object, after: dict[str, object]
) -> None:
    sso.store.audit_event(
        actor="sso", account_id=account.id, action=action, target=str(target), after=after
    )
