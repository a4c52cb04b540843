"""What the tests share, importable from every test as `harness` (tests/ is on
sys.path: pytest puts the root conftest's folder there). No test module imports
another one: what two of them need lives here, one module per kind of setting.

- `platform`: Parlons embedded on SQLite with its workers, sessions, `until`.
- `forms`: CSRF tokens, form posts, the JSON CSRF header, magic-link sign-up.
- `consultations`: consultations opened for a test, vote items, questionnaires.
- `web`: the web front end over the memory fakes (projections caught up on demand).
- `processes`: real `python -m services.runtime` processes and the data they start on.
- `e2e`: a real Parlons for the Chromium journeys, and the mark that skips them.
- `kafka`: settings for clients of the session's Tansu broker.
- `events`: a memory log validating every event, envelopes built stream by stream.
- `deposit_world`, `search_events`, `stats_world`: hand-built event worlds of the
  unit tests that more than one folder uses.

Pytest fixtures are not here: shared ones live in the conftest.py of the folder
whose tests use them (tests/integration/conftest.py, tests/e2e/conftest.py)."""
