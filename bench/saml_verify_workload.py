"""SAML verification on one core: the gateway's strict verify_response and raw python-xmlsec.

``--make-inputs FILE`` writes signed responses (issued now, so pysaml2's real clock accepts
them) with the IdP's metadata, for every SAML measurement of the run to share. Otherwise the
two verifiers run in alternating rounds over those responses, so noise from the shared machine
falls on both alike. The gateway gets fresh in-memory replay and request callbacks each round.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_saml_verify import SP, gateway_verify, make_responses, raw_xmlsec_verify
from harness import VAR, pin_to_one_core, rounds, write_json

from gateway.saml.types import IdpTrust, SignaturePolicy
from idp_fixtures.idp import TestIdP

IDP_ENTITY = "https://idp.bench/metadata"
IDP_SSO = "https://idp.bench/sso"


def bench_idp() -> TestIdP:
    """The benchmark IdP, its keys kept under var/bench/idp for every process of the run."""
    return TestIdP(IDP_ENTITY, key_dir=VAR / "idp")


def make_inputs(path: Path, count: int) -> None:
    """Write ``count`` assertion-signed responses and what an SP needs to trust them."""
    idp = bench_idp()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    write_json(
        path,
        {
            "now": now.isoformat(),
            "sp_entity_id": SP.entity_id,
            "acs_url": SP.acs_url,
            "idp_entity_id": idp.entity_id,
            "idp_certificate_pem": idp.certificate_pem,
            "idp_metadata_xml": idp.metadata_xml(sso_url=IDP_SSO),
            "responses": make_responses(idp, count, "assertion", now=now),
        },
    )


def measure(inputs: dict[str, object], round_count: int, batch: int) -> dict[str, list[float]]:
    """Alternating rounds of raw xmlsec and the gateway; ops/s of each round."""
    responses = list(inputs["responses"])  # type: ignore[call-overload]
    certificate = str(inputs["idp_certificate_pem"])
    now = dt.datetime.fromisoformat(str(inputs["now"]))
    trust = IdpTrust(IDP_ENTITY, (certificate,), SignaturePolicy.EITHER, allow_unsolicited=True)
    raw = raw_xmlsec_verify(certificate)
    result: dict[str, list[float]] = {"raw_xmlsec": [], "gateway": []}
    for _ in range(round_count):
        # A fresh verifier each round: its replay cache must not refuse the reused responses.
        gateway = gateway_verify(trust, now)
        result["raw_xmlsec"] += rounds(1, batch, lambda i: raw(responses[i % len(responses)]))
        result["gateway"] += rounds(
            1, batch, lambda i, verify=gateway: verify(responses[i % len(responses)])
        )
    return result


def main() -> None:
    """Make inputs, or measure and write the rates as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--make-inputs", type=Path)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--inputs", type=Path)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.make_inputs:
        make_inputs(args.make_inputs, args.count)
        return
    pin_to_one_core()
    inputs = json.loads(args.inputs.read_text())
    batch = len(inputs["responses"])
    for warm in inputs["responses"][:50]:
        raw_xmlsec_verify(inputs["idp_certificate_pem"])(warm)
    write_json(args.out, measure(inputs, args.rounds, batch))


if __name__ == "__main__":
    main()
