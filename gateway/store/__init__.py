"""Storage: one SQL implementation of the store contract, on SQLite or PostgreSQL."""
