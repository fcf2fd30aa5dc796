"""The store contract, run on SQLite always and on PostgreSQL when a DSN is given."""

from __future__ import annotations

from store_contract import StoreContract


class TestSqlStoreContract(StoreContract):
    """SqlStore on every backend of the ``store`` fixture."""
