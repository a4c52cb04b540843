"""The web front end: server-rendered French pages (FastAPI + Jinja2, DSFR, htmx),
one sub-package per area (public, account, deposit, vote, moderation, search,
synthesis, backoffice) over a small kit (app, deps, rendering, forms, security,
session, views, paths)."""

from services.web.paths import register as _register_paths

_register_paths()  # before any route module compiles a `{name:ref}` path
