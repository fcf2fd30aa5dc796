"""Shared fixtures: a test IdP with session keys, an SP, a frozen clock and in-memory callbacks."""

from __future__ import annotations

import pytest
from samlkit import Harness

from idp_fixtures.idp import TestIdP
from idp_fixtures.keys import KeyPair, session_key_pair


@pytest.fixture(scope="session")
def idp() -> TestIdP:
    return TestIdP("https://idp.test/metadata")


@pytest.fixture(scope="session")
def sp_keys() -> KeyPair:
    return session_key_pair("sp-test")


@pytest.fixture()
def harness(idp: TestIdP, sp_keys: KeyPair) -> Harness:
    return Harness(idp, sp_keys)
