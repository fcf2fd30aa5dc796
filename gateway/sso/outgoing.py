"""Sending a SAML message through the browser: a redirect, or a form that posts itself."""

from __future__ import annotations

from flask import make_response, redirect, render_template_string
from werkzeug.wrappers import Response

from gateway.saml.sp import OutgoingMessage

POST_FORM = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }}</title>
<body style="font-family:sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem"
 onload="document.forms[0].submit()"><h1>{{ title }}</h1>
<p>Passing a SAML message to your identity provider (HTTP-POST binding)…</p>
<form method="post" action="{{ message.url }}" data-testid="saml-post-form">
{% for name, value in message.fields %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}<noscript><button type="submit">Continue</button></noscript></form></body></html>"""


def send(message: OutgoingMessage, title: str) -> Response:
    """A 302 to the Redirect URL, or a page whose form posts the message on load."""
    if message.binding == "Redirect":
        return redirect(message.url, code=302)
    page = render_template_string(POST_FORM, message=message, title=title)
    response: Response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response
