"""Throughput of SAML response verification on one core, against raw python-xmlsec as anchor.

Usage: python bench/bench_saml_verify.py [-n 2000] [--sign assertion|response|both] [--out f.json]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import xmlsec
from lxml import etree

from gateway.clock import FrozenClock
from gateway.saml import ns
from gateway.saml.signature import certificate_key
from gateway.saml.types import IdpTrust, SignaturePolicy, SpIdentity
from gateway.saml.verify import verify_response
from idp_fixtures.idp import TestIdP

NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
SP = SpIdentity("https://gw.test/v/acme/saml/metadata/sp", "https://gw.test/v/acme/saml/SSO")
ATTRIBUTES = {
    "email": ["alice@corp.test"],
    "firstName": ["Alice"],
    "lastName": ["Liddell"],
    "memberOf": ["global_users", "HIPAA", "engineering"],
}


def make_responses(
    idp: TestIdP, count: int, sign: str, now: dt.datetime = NOW, sp: SpIdentity = SP
) -> list[str]:
    """``count`` responses with distinct IDs, signed as told, issued at ``now``."""
    return [
        idp.make_response(
            sp_entity_id=sp.entity_id,
            acs_url=sp.acs_url,
            name_id=f"user{i}@corp.test",
            attributes=ATTRIBUTES,
            now=now,
            sign_assertion=sign in ("assertion", "both"),
            sign_response=sign in ("response", "both"),
        )
        for i in range(count)
    ]


def run(label: str, items: list[str], call: Callable[[str], object]) -> dict[str, float | str]:
    """Time ``call`` on every item; return throughput and per-call percentiles."""
    durations: list[float] = []
    started = time.perf_counter()
    for item in items:
        t0 = time.perf_counter()
        call(item)
        durations.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    durations.sort()
    return {
        "name": label,
        "ops_per_s": len(items) / total,
        "median_us": statistics.median(durations) * 1e6,
        "p99_us": durations[int(len(durations) * 0.99) - 1] * 1e6,
    }


def raw_xmlsec_verify(certificate_pem: str) -> Callable[[str], object]:
    """Decode, parse and verify every direct-child signature, nothing else (the anchor)."""

    def verify(saml_response: str) -> None:
        root = etree.fromstring(base64.b64decode(saml_response))
        xmlsec.tree.add_ids(root, ["ID"])
        for signature in root.iterfind(f".//{ns.ds('Signature')}"):
            context = xmlsec.SignatureContext()
            context.key = certificate_key(certificate_pem)
            context.verify(signature)

    return verify


def gateway_verify(trust: IdpTrust, now: dt.datetime = NOW) -> Callable[[str], object]:
    """The full strict verify_response with in-memory request and replay callbacks."""
    clock = FrozenClock(now)
    seen: set[str] = set()

    def remember(assertion_id: str, _until: dt.datetime) -> bool:
        if assertion_id in seen:
            return False
        seen.add(assertion_id)
        return True

    def verify(saml_response: str) -> object:
        return verify_response(
            saml_response,
            trust=trust,
            sp=SP,
            clock=clock,
            is_outstanding_request=lambda _id: True,
            remember_assertion=remember,
        )

    return verify


def main() -> None:
    """Parse arguments, pin to one core, run both measurements and report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=2000, help="responses (distinct IDs)")
    parser.add_argument("--sign", choices=["assertion", "response", "both"], default="assertion")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    idp = TestIdP("https://idp.bench/metadata")
    trust = IdpTrust(
        idp.entity_id, (idp.certificate_pem,), SignaturePolicy.EITHER, allow_unsolicited=True
    )
    responses = make_responses(idp, args.n, args.sign)
    for warm in responses[:50]:
        raw_xmlsec_verify(idp.certificate_pem)(warm)
    results = [
        run("raw python-xmlsec parse+verify", responses, raw_xmlsec_verify(idp.certificate_pem)),
        run("gateway verify_response (strict)", responses, gateway_verify(trust)),
    ]
    anchor = float(results[0]["ops_per_s"])
    print(f"{args.n} responses, {args.sign} signed, {len(responses[0])} bytes base64, one core\n")
    print("| measurement | ops/s | median µs | p99 µs | vs raw xmlsec |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for row in results:
        ratio = float(row["ops_per_s"]) / anchor
        print(
            f"| {row['name']} | {row['ops_per_s']:.0f} | {row['median_us']:.0f} "
            f"| {row['p99_us']:.0f} | {ratio:.2f} |"
        )
    if args.out:
        payload = {"n": args.n, "sign": args.sign, "results": results}
        args.out.write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()
