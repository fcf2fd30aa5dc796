"""What every ``gateway`` command module shares: the app factory, the store, the config, refusals.

Command modules import from here, never from ``gateway.cli`` (which imports them to register
their groups), so there is no import circle.
"""

from __future__ import annotations

import functools
import sys
from typing import Any, NoReturn

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo

from gateway.config import GatewayConfig
from gateway.errors import GatewayError
from gateway.store.sql import SqlStore

# Flask's own options mean nothing to a user of ``gateway``; they are dropped from the group.
_FLASK_OPTIONS = frozenset({"env_file", "app", "debug"})


def store() -> SqlStore:
    """The running app's store (inside a command of the ``gateway`` group)."""
    return current_app.extensions["gateway.store"]  # type: ignore[no-any-return]


def config() -> GatewayConfig:
    """The running app's configuration."""
    return current_app.extensions["gateway.config"]  # type: ignore[no-any-return]


def app_factory() -> Flask:
    """Build the app from ``GATEWAY_*``; a configuration it cannot use is one line, exit 2."""
    import sqlalchemy.exc

    from gateway.app import create_app
    from gateway.config import ConfigError

    try:
        return create_app()
    except ConfigError as e:
        _refuse(e)
    except sqlalchemy.exc.ArgumentError as e:
        _refuse(ConfigError.bad_database_url(str(e)))
    except sqlalchemy.exc.OperationalError as e:
        _refuse(ConfigError.database_unavailable(_first_line(e)))
    except OSError as e:
        _refuse(ConfigError(f"The gateway cannot start: {e}.", code="startup_failed"))


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__


def _refuse(error: GatewayError) -> NoReturn:
    click.echo(f"error: {error.code}: {error.message}", err=True)
    sys.exit(2)


def fail_cleanly(func: Any) -> Any:
    """Print a refusal's code and message instead of a traceback, and exit 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except GatewayError as e:
            _refuse(e)

    return wrapper


class GatewayGroup(FlaskGroup):
    """Flask's command group with an app context, without Flask's own options."""

    def __init__(self, **extra: Any) -> None:
        super().__init__(**extra)
        self.params = [p for p in self.params if p.name not in _FLASK_OPTIONS]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """Any command, registered here or added by a module, runs inside the app context."""
        command = super().get_command(ctx, name)
        if command is not None and not current_app:
            ctx.with_resource(ctx.ensure_object(ScriptInfo).load_app().app_context())
        return command
