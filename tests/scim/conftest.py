"""Fixtures for the SCIM core tests."""

from scimdb import db

__all__ = ["db"]
