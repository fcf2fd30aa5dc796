"""Test support for suites that run against a live gateway: a server, an admin client, a pytest
plugin (``gateway.testing.plugin``, registered as the ``identity_gateway`` pytest11 entry point)."""
