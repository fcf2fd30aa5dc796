"""The store: the written contract and its SQL implementation for SQLite and PostgreSQL."""

from __future__ import annotations

import pathlib

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from gateway.clock import Clock, SystemClock
from gateway.store.accounts import AccountsMixin
from gateway.store.admin import AdminMixin
from gateway.store.checks import ChecksMixin
from gateway.store.consolidation import ConsolidationMixin
from gateway.store.domain_users import DomainUsersMixin
from gateway.store.domains import DomainsMixin
from gateway.store.engine import make_engine
from gateway.store.mapping_store import MappingStoreMixin
from gateway.store.outbox import OutboxMixin
from gateway.store.ratelimit import RateLimitMixin
from gateway.store.saml_state import SamlStateMixin
from gateway.store.scim_store import ScimStoreMixin

MIGRATIONS = pathlib.Path(__file__).resolve().parent.parent / "migrations"


class SqlStore(
    AdminMixin,
    AccountsMixin,
    DomainsMixin,
    OutboxMixin,
    SamlStateMixin,
    MappingStoreMixin,
    RateLimitMixin,
    ChecksMixin,
    ConsolidationMixin,
    DomainUsersMixin,
    ScimStoreMixin,
):
    """Every record the gateway keeps, behind one contract.

    Contract, for every backend:
    - Reads return frozen records (copies); changing one changes nothing stored.
    - Each public method is one transaction; calls made inside ``with store.transaction():``
      join it, so a multi-step operation commits whole or not at all.
    - Missing records raise ``NotFound``; uniqueness breaks raise ``Conflict`` (codes such as
      ``email_taken``, ``owner_email_taken``, ``vanity_taken``); a stale expected version raises
      ``VersionMismatch``; seats are refused with ``LicensePoolExhausted`` or
      ``DelegationBelowUsage``. All are ``gateway.store.errors.StoreError`` with status and code.
    - Seat invariants (``used + delegated <= capacity``, never negative) are CHECK constraints,
      so they hold under concurrent writers on both databases.
    - Every change writes one audit entry (actor, account, time, action, before, after).
    - Times are aware UTC from the injected clock.
    """

    @classmethod
    def from_url(cls, url: str, clock: Clock | None = None, *, migrate: bool = True) -> SqlStore:
        """Open (and by default migrate) the database at ``url``."""
        store = cls(make_engine(url), clock or SystemClock())
        if migrate:
            store.migrate()
        return store

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        with self.engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def table_names(engine: sa.Engine) -> set[str]:
    """Names of the tables present in the database."""
    return set(sa.inspect(engine).get_table_names())
