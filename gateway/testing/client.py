"""An admin client over HTTP for test suites: accounts, SSO, rules, domains, tokens in a line."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from idp_fixtures.idp import TestIdP


class GatewayRefused(Exception):
    """The gateway answered 4xx/5xx; ``status`` and ``body`` (its JSON refusal) say why."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body

    @property
    def code(self) -> str | None:
        """The refusal's stable code."""
        return self.body.get("code") if isinstance(self.body, dict) else None


def http(
    method: str,
    url: str,
    *,
    json_body: Any = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """One request; returns (status, JSON or text). Refusals are returned, not raised."""
    data = None
    sent = {"Accept": "application/json", **(headers or {})}
    if json_body is not None:
        data = json.dumps(json_body).encode()
        sent.setdefault("Content-Type", "application/json")
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, method=method, headers=sent)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, _decode(answer.read(), answer.headers.get_content_type())
    except urllib.error.HTTPError as e:
        return e.code, _decode(e.read(), e.headers.get_content_type())


def _decode(raw: bytes, content_type: str) -> Any:
    if content_type.endswith("json"):
        return json.loads(raw or b"null")
    return raw.decode("utf-8", "replace")


@dataclass
class GatewayAdmin:
    """The admin API of one account, through its admin token."""

    base_url: str
    token: str
    account: dict[str, Any]

    @property
    def account_id(self) -> int:
        """The id of the token's account."""
        return int(self.account["id"])

    @property
    def vanity(self) -> str:
        """The vanity (or number) the account's SAML endpoints live under."""
        return str(self.account.get("vanity") or self.account["number"])

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """Call ``/api/v1{path}``; raises GatewayRefused on a refusal."""
        status, answer = http(
            method,
            f"{self.base_url}/api/v1{path}",
            json_body=body,
            headers={"Authorization": f"Bearer {self.token}"},
        )
        if status >= 400:
            raise GatewayRefused(status, answer)
        return answer

    def _on(self, account_id: int | None) -> str:
        return f"/accounts/{account_id or self.account_id}"

    def sub_account(self, name: str, owner_email: str, **options: Any) -> dict[str, Any]:
        """Create a sub-account (``vanity``, ``billing``, ``plan``, ``delegations``)."""
        return dict(
            self.call("POST", "/accounts", {"name": name, "owner_email": owner_email, **options})
        )

    def delegate(self, account_id: int, seats: int, seat_kind: str = "Licensed") -> dict[str, Any]:
        """Bulk licensing: delegate ``seats`` to a sub-account."""
        return dict(
            self.call("PUT", f"/accounts/{account_id}/delegation/{seat_kind}", {"seats": seats})
        )

    def configure_sso(
        self, idp: TestIdP, account_id: int | None = None, **settings: Any
    ) -> dict[str, Any]:
        """Trust ``idp`` for the account's SSO (IdP-initiated allowed unless overridden)."""
        config = {
            "idp_entity_id": idp.entity_id,
            "sign_in_url": "https://idp.test/sso",
            "certificates": [idp.certificate_pem],
            "allow_idp_initiated": True,
            **settings,
        }
        return dict(self.call("PUT", f"{self._on(account_id)}/saml", config))

    def set_rules(self, rules: list[dict[str, Any]], account_id: int | None = None) -> int:
        """Replace the account's mapping rules; returns the new version."""
        return int(
            self.call("PUT", f"{self._on(account_id)}/mapping/rules", {"rules": rules})["version"]
        )

    def explain(self, attributes: dict[str, Any], account_id: int | None = None) -> dict[str, Any]:
        """The mapping's explanation for these attributes."""
        body = {"attributes": attributes}
        return dict(self.call("POST", f"{self._on(account_id)}/mapping/explain", body))

    def new_token(self, kind: str = "scim", account_id: int | None = None, **options: Any) -> str:
        """A new token's secret (``kind`` admin or scim; ``profile`` for SCIM)."""
        body = {"kind": kind, **options}
        return str(self.call("POST", f"{self._on(account_id)}/tokens", body)["secret"])

    def verified_domain(self, domain: str, account_id: int | None = None) -> dict[str, Any]:
        """Claim ``domain`` and mark it verified (the test gateway runs in demo mode)."""
        self.call("POST", f"{self._on(account_id)}/domains", {"domain": domain})
        return dict(self.call("POST", f"{self._on(account_id)}/domains/{domain}/mark-verified"))

    def outbox(self, account_id: int | None = None) -> list[dict[str, Any]]:
        """The account's outbox as its admin sees it, newest first: links withheld (the
        ``gateway_outbox`` fixture reads them as the operator)."""
        return list(self.call("GET", f"{self._on(account_id)}/outbox")["messages"])

    def users(self, account_id: int | None = None) -> list[dict[str, Any]]:
        """The account's users."""
        return list(self.call("GET", f"{self._on(account_id)}/users")["users"])

    def audit(self, action: str = "", account_id: int | None = None) -> list[dict[str, Any]]:
        """The newest audit entries whose action starts with ``action``."""
        query = urllib.parse.urlencode({"action": action, "limit": 500})
        return list(self.call("GET", f"{self._on(account_id)}/audit?{query}")["entries"])

    def sign_in(
        self,
        idp: TestIdP,
        name_id: str,
        attributes: dict[str, list[str]] | None = None,
        *,
        vanity: str | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        """Post a response signed by ``idp`` to the ACS; returns the JSON decision (or refusal)."""
        saml = f"{self.base_url}/v/{vanity or self.vanity}/saml"
        response = idp.make_response(
            sp_entity_id=f"{saml}/metadata/sp",
            acs_url=f"{saml}/SSO",
            name_id=name_id,
            attributes=attributes or {},
            now=options.pop("now", None) or dt.datetime.now(dt.UTC),
            **options,
        )
        _, answer = http("POST", f"{saml}/SSO", form={"SAMLResponse": response})
        return dict(answer) if isinstance(answer, dict) else {"body": answer}
