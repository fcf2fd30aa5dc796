from zoomapi import gateway_app, zoom  # noqa: F401
