//! credgrid-store: the persistence interface and its SQLite implementation.
