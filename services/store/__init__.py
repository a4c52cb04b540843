"""The read store port (projections) and its adapters (memory, SQLite; Cassandra later)."""
