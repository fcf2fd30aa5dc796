"""Zoom-style Server-to-Server OAuth: apps per account, the token endpoint, access tokens."""
