"""Search: the index of published contributions, fed by the event streams
(services.search.indexer) and always rebuildable from them (ADR 0023)."""
