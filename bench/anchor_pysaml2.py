"""Anchor: pysaml2's default SP (xmlsec1 subprocess backend) parsing the run's responses.

Runs in the bench environment (var/bench-venv). The SP has the same entity ID and ACS as the
gateway's benchmark SP and trusts the benchmark IdP through its metadata; responses are
unsolicited, so ``allow_unsolicited`` is on. Usage:
``var/bench-venv/bin/python bench/anchor_pysaml2.py --inputs var/bench/saml-inputs.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from harness import pin_to_one_core, rounds, write_json
from saml2 import BINDING_HTTP_POST
from saml2.client import Saml2Client
from saml2.config import SPConfig


def default_sp(inputs: dict[str, Any], workdir: Path) -> Saml2Client:
    """A pysaml2 SP as its documentation sets one up, with the default crypto backend."""
    metadata = workdir / "idp-metadata.xml"
    metadata.write_text(inputs["idp_metadata_xml"])
    config = SPConfig()
    config.load(
        {
            "entityid": inputs["sp_entity_id"],
            "xmlsec_binary": shutil.which("xmlsec1"),
            "metadata": {"local": [str(metadata)]},
            "service": {
                "sp": {
                    "endpoints": {
                        "assertion_consumer_service": [(inputs["acs_url"], BINDING_HTTP_POST)]
                    },
                    "allow_unsolicited": True,
                    "allow_unknown_attributes": True,
                    "want_assertions_signed": True,
                    "want_response_signed": False,
                    "authn_requests_signed": False,
                }
            },
            "accepted_time_diff": 120,
        }
    )
    return Saml2Client(config)


def main() -> None:
    """Parse every response with pysaml2 in rounds; write ops/s per round as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--one-core", action="store_true", help="pin to one core")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if shutil.which("xmlsec1") is None:
        sys.exit("xmlsec1 is not installed (apt-get install xmlsec1)")
    if args.one_core:
        pin_to_one_core()
    inputs = json.loads(args.inputs.read_text())
    responses: list[str] = inputs["responses"]
    with tempfile.TemporaryDirectory() as workdir:
        client = default_sp(inputs, Path(workdir))

        def parse(i: int) -> None:
            answer = client.parse_authn_request_response(
                responses[i % len(responses)], BINDING_HTTP_POST
            )
            if answer is None or answer.name_id is None:
                raise RuntimeError("pysaml2 did not accept a benchmark response")

        parse(0)
        write_json(args.out, {"pysaml2_default": rounds(args.rounds, args.batch, parse)})


if __name__ == "__main__":
    main()
