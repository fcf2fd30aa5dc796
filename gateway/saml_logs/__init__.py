"""Zoom's SAML Response Logs: every post to an account's ACS, kept 7 days when the account
saves them (``service.SamlLogService``; storage in ``store``)."""
