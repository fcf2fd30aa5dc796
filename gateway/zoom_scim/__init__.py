"""Zoom's SCIM2 dialect (``/scim2``): a translation at the edge of the one SCIM service."""
