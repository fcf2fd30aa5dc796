"""SSO for each account: SAML configuration, the SP endpoints, and what a sign-in does."""
