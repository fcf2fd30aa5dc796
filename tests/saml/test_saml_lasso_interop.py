"""A response from an IdP that is not our code: Lasso (Debian python3-lasso) answers our request."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from samlkit import ACS_URL, SP_ENTITY_ID

from gateway.clock import FrozenClock
from gateway.saml.sp import SpSettings, build_authn_request_redirect, sp_metadata_xml
from gateway.saml.types import IdpTrust, SignaturePolicy
from gateway.saml.verify import verify_response
from idp_fixtures.idp import TestIdP, instant
from idp_fixtures.keys import KeyPair

SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin")
LASSO_SCRIPT = Path(__file__).with_name("lasso_idp.py")


def _lasso_available() -> bool:
    if SYSTEM_PYTHON is None:
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import lasso"], capture_output=True, check=False)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not _lasso_available(),
    reason="Debian python3-lasso is not installed (apt-get install python3-lasso)",
)


def _lasso_answer(job: dict[str, str]) -> dict[str, str]:
    assert SYSTEM_PYTHON is not None
    done = subprocess.run(
        [SYSTEM_PYTHON, str(LASSO_SCRIPT)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    answer: dict[str, str] = json.loads(done.stdout)
    return answer


def _job(idp: TestIdP, settings: SpSettings, query: str, now: dt.datetime) -> dict[str, str]:
    return {
        "idp_metadata": idp.metadata_xml("https://idp.test/sso"),
        "idp_key": idp.keys.private_key_pem,
        "idp_cert": idp.certificate_pem,
        "sp_metadata": sp_metadata_xml(settings),
        "authn_request_query": query,
        "name_id": "carol@corp.test",
        "now": instant(now),
        "not_before": instant(now - dt.timedelta(minutes=1)),
        "not_on_or_after": instant(now + dt.timedelta(minutes=5)),
    }


@pytest.fixture()
def settings(sp_keys: KeyPair) -> SpSettings:
    return SpSettings(
        SP_ENTITY_ID,
        ACS_URL,
        "https://gw.test/slo",
        sp_keys.private_key_pem,
        sp_keys.certificate_pem,
    )


LASSO_IDP = TestIdP("https://lasso-idp.test/metadata")  # only its key pair and metadata are used


def test_lasso_idp_response_to_our_signed_authn_request_is_accepted(settings: SpSettings) -> None:
    request_id, url = build_authn_request_redirect(settings, "https://idp.test/sso", "/me")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)  # Lasso stamps IssueInstant itself
    answer = _lasso_answer(_job(LASSO_IDP, settings, urlsplit(url).query, now))
    assert answer["acs_url"] == ACS_URL
    result = verify_response(
        answer["saml_response"],
        trust=IdpTrust(LASSO_IDP.entity_id, (LASSO_IDP.certificate_pem,), SignaturePolicy.BOTH),
        sp=settings.identity(),
        clock=FrozenClock(now),
        is_outstanding_request={request_id}.__contains__,
        remember_assertion=lambda _id, _until: True,
    )
    assert result.name_id == "carol@corp.test"
    assert result.in_response_to == request_id
    assert result.response_signed and result.assertion_signed


def test_lasso_refuses_our_authn_request_once_its_query_is_altered(settings: SpSettings) -> None:
    _, url = build_authn_request_redirect(settings, "https://idp.test/sso", "/me")
    altered = urlsplit(url).query.replace("RelayState=%2Fme", "RelayState=%2Fevil")
    assert altered != urlsplit(url).query
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(subprocess.CalledProcessError):
        _lasso_answer(_job(LASSO_IDP, settings, altered, now))
