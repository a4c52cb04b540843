# ruff: noqa: E501  (the read-model table in the docstring is wider than code lines)
"""Read models of theme runs (projection `synthesis.runs`, see projections.py).

| table | partition | key | doc |
|---|---|---|---|
| synthesis_runs | consultation_id | run_id | RUN = {run_id, consultation_id, mode, base_run_id, n_themes, seed, requested_by, status (pending, done, failed), requested_at, completed_at, reason, parameters, input_position, input_digest, contributions, campaigns, member_chunks, chunks_seen, version, published, scope} (scope: runs.scope, {} = the whole consultation; absent in rows projected before 2026-12-08) |
| synthesis_pending | "all" | run_id | {run_id, consultation_id}: runs waiting for the job |
| synthesis_themes | run_id | theme_id | THEME = {theme_id, label, terms, size, verbatims, marked, per_day, split_from, parts} (the draft: edits applied) |
| synthesis_members | "<run_id>|<part>" | "<day>|<doc id>" | {id, day} |
| synthesis_member_of | run_id | doc id | {part, day} |
| synthesis_published | consultation_id | published_key(scope key): "consultation", "propositions", "question/<questionnaire>/<question>" | PUBLISHED = {run_id, draft_version, published_at, publication, contributions, parameters, input_position, input_digest, campaigns, scope, themes: [THEME]}: the latest publication of each scope (ADR 0143 amended; partition "all", key consultation_id before 2026-12-08: `parlons replay synthesis.runs`) |

A theme's members are the rows of its `parts` (a part is a theme of the run or
of a split; a merge adds the merged theme's parts), so no edit lists a partition
inside a projection transaction. A published run is frozen (no more edits), so
the published synthesis reads the run's own rows.
"""

RUNS = "synthesis_runs"
PENDING = "synthesis_pending"
THEMES = "synthesis_themes"
MEMBERS = "synthesis_members"
MEMBER_OF = "synthesis_member_of"
PUBLISHED = "synthesis_published"
ALL = "all"
WHOLE_PUBLISHED = "consultation"  # the whole consultation's publication (scope key "")


def published_key(scope_key: str) -> str:
    """The row of a scope's publication (`RunScope.key`; "" the whole consultation,
    a key no store needs to hold empty)."""
    return scope_key or WHOLE_PUBLISHED


def members_partition(run_id: str, part: str) -> str:
    return f"{run_id}|{part}"


def member_key(day: str, doc_id: str) -> str:
    return f"{day}|{doc_id}"


def run_stream(run_id: str) -> str:
    return f"themerun-{run_id}"
