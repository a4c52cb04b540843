"""Theme synthesis runs as events: requested, executed off the request path,
validated by analysts (rename, merge, split, verbatims) and published (ADR 0026)."""
