"""The mock password sign-in for users of any account: SSO enforcement, prompts, 24 h cycle."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from gateway.config import GatewayConfig
from gateway.domains.consolidation import ConsolidationEngine
from gateway.domains.email_change import EmailChange
from gateway.domains.enforcement import is_enforced
from gateway.domains.errors import ChoiceRequired, DomainsError
from gateway.domains.passwords import hash_password, verify_password_or_dummy
from gateway.domains.service import manages
from gateway.domains.signin_limits import SignInLimits
from gateway.errors import BadRequest, Forbidden, Unauthorized
from gateway.sso.service import SsoService
from gateway.store.domains import Domain
from gateway.store.records import Account, User
from gateway.store.saml_state import Session
from gateway.store.sql import SqlStore
from gateway.store.validation import email_domain, normalize_email

MAX_PROMPTS = 3
SESSION_TTL = dt.timedelta(days=7)
CYCLE = dt.timedelta(hours=24)
BYPASS_NOTE = (
    "Password sign-in bypasses SSO and the SAML response mapping: SSO is not enforced "
    "for this email's domain."
)


@dataclass(frozen=True)
class Decision:
    """The answer to one password sign-in."""

    outcome: str
    user: User | None = None
    session_secret: str | None = None
    redirect_url: str | None = None
    prompt: dict[str, Any] | None = None
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Managed:
    """The account that manages a user's email domain, when it is not the user's own."""

    account: Account
    domain: Domain


@dataclass(frozen=True)
class PasswordSignIn:
    """Sign-in, sign-up, the profile guard and the prompt's two answers."""

    store: SqlStore
    config: GatewayConfig
    sso: SsoService
    engine: ConsolidationEngine

    def holder(self, email: str) -> tuple[Account, Domain] | None:
        """The account that verified the email's domain, and that domain, if any."""
        name = email_domain(email)
        account_id = self.store.domain_holder(name)
        if account_id is None:
            return None
        found = [d for d in self.store.list_domains(account_id) if d.domain == name]
        return self.store.get_account(account_id), found[0]

    def managed(self, user: User) -> Managed | None:
        """The managing account when the user is outside it and the domain is managed."""
        if user.email is None:
            return None
        held = self.holder(user.email)
        if held is None or held[0].id == user.account_id or not manages(held[1]):
            return None
        return Managed(*held)

    def login(self, email: str, password: str, client: str = "") -> Decision:
        """Check the password, send to the IdP when enforced, count the prompt, open a session.

        Raises Unauthorized ``invalid_credentials`` (one answer, in about one time, for an
        unknown email and a wrong password), TooManyFailedSignIns for ``email`` or ``client``
        (the caller's address), Forbidden ``user_not_active``.
        """
        held = self.holder(email or "")
        if held is not None and is_enforced(held[0]):
            url = self.sso.login_redirect(held[0], None)
            return Decision("sso_required", redirect_url=url)
        limits = SignInLimits(self.store)
        limits.check(email or "", client)
        user = self.store.find_user_by_email(email or "")
        stored = self.store.password_hash(user.id) if user is not None else None
        if not verify_password_or_dummy(password, stored) or user is None:
            limits.failed(email or "", client)
            raise Unauthorized("Email or password is wrong.", code="invalid_credentials")
        if user.status != "active":
            raise Forbidden(f"This user is {user.status}.", code="user_not_active")
        self.engine.run_due()
        user = self.store.get_user(user.id)
        prompt = self._prompt(user)
        secret = self.store.create_session(
            "password", user.account_id, user.id, {"method": "password"}, SESSION_TTL
        )
        notes = (BYPASS_NOTE,) if held is not None else ()
        return Decision("signed_in", user, secret, prompt=prompt, notes=notes)

    def _prompt(self, user: User) -> dict[str, Any] | None:
        managed = self.managed(user)
        if managed is None:
            return None
        before = self.store.get_prompt(user.id)
        if before is not None and before.choice is not None:
            return None
        state = self.store.count_prompt(user.id, managed.domain.domain, MAX_PROMPTS)
        counted = before is None or state.prompts > before.prompts
        return {
            **prompt_text(managed),
            "prompt_number": state.prompts,
            "max_prompts": MAX_PROMPTS,
            "shown_this_time": counted,
            "profile_blocked": state.prompts >= MAX_PROMPTS,
        }

    def signup(self, body: dict[str, Any]) -> tuple[User, Account]:
        """Register; a domain that allows sign-up adds the user to its account (no SSO)."""
        email = normalize_email(str(body.get("email", "")))
        password_hash = hash_password(str(body.get("password", "")))
        names = {k: str(body[k]) for k in ("first_name", "last_name") if body.get(k)}
        held = self.holder(email)
        with self.store.transaction():
            if held is not None and held[1].options.get("allow_signup"):
                user = self.store.create_user(
                    held[0].id,
                    email,
                    actor="signup",
                    source="signup",
                    login_type="work_email",
                    **names,
                )
            elif held is not None and manages(held[1]):
                raise DomainsError(
                    f"{held[0].name} manages {held[1].domain} addresses: sign up with another "
                    f"email, or ask {held[0].support_name} <{held[0].support_email}> for an "
                    "invitation.",
                    code="domain_managed",
                )
            else:
                user = self._standalone(email, names)
            self.store.set_password_hash(user.id, password_hash, actor="signup")
        return user, self.store.get_account(user.account_id)

    def _standalone(self, email: str, names: dict[str, str]) -> User:
        label = " ".join(names.values()) or email.split("@", 1)[0]
        self.store.create_account(label, email, actor="signup", plan_kind="free")
        owner = self.store.find_user_by_email(email)
        assert owner is not None
        return self.store.update_user(owner.id, {**names, "source": "signup"}, actor="signup")

    def profile_user(self, session: Session | None) -> User:
        """The signed-in user, unless signed out by the 24 h cycle or blocked by the prompt.

        Raises Unauthorized ``not_signed_in`` / ``signed_out_24h``, ChoiceRequired.
        """
        user = self.session_user(session)
        prompt = self.store.get_prompt(user.id)
        if (
            self.managed(user) is not None
            and prompt is not None
            and prompt.choice is None
            and prompt.prompts >= MAX_PROMPTS
        ):
            managed = self.managed(user)
            assert managed is not None
            raise ChoiceRequired(
                "You let three prompts go unanswered: change your email (always possible) "
                "or consolidate before you can reach your profile.",
                prompt=prompt_text(managed),
            )
        return user

    def session_user(self, session: Session | None) -> User:
        """The session's user, ending sessions of managed outside users after 24 hours."""
        if session is None or session.user_id is None:
            raise Unauthorized("Sign in first.", code="not_signed_in")
        user = self.store.get_user(session.user_id)
        if self.managed(user) is not None and self.store.clock.now() - session.created_at >= CYCLE:
            self.store.end_user_sessions(user.id)
            raise Unauthorized(
                "Your email's domain is managed by another account: sessions end every 24 "
                "hours. Sign in again.",
                code="signed_out_24h",
            )
        return user

    def change_email(self, user: User, new_email: Any) -> str:
        """The prompt's always-available answer: a confirmation link goes to the new address,
        and the email changes when it is followed (``EmailChange``). Returns the new address;
        raises BadRequest ``email_still_managed``, DomainManagedElsewhere, Conflict."""
        managed = self.managed(user) or self._previously_managed(user)
        address = normalize_email(str(new_email or ""))
        if managed is not None and email_domain(address) == managed.domain.domain:
            raise BadRequest(
                f"Choose an address outside {managed.domain.domain}.", code="email_still_managed"
            )
        return EmailChange(self.store, self.config).request(user, address)

    def _previously_managed(self, user: User) -> Managed | None:
        if user.email is None:
            return None
        held = self.holder(user.email)
        return None if held is None else Managed(*held)


def prompt_text(managed: Managed) -> dict[str, Any]:
    """What the prompt shows: who manages the domain, whom to ask, and the choices."""
    choices = ["change_email"]
    if managed.domain.options.get("allow_consolidation"):
        choices.append("consolidate")
    return {
        "domain": managed.domain.domain,
        "managed_by": managed.account.name,
        "support": {"name": managed.account.support_name, "email": managed.account.support_email},
        "choices": choices,
        "message": "Change the email of your account"
        + (f", or consolidate into {managed.account.name}" if len(choices) > 1 else "")
        + ". Changing your email is always possible; nobody is forced to consolidate.",
    }
