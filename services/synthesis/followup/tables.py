# ruff: noqa: E501  (the read-model table in the docstring is wider than code lines)
"""Read models of the follow-up (projection `synthesis.followup`).

| table | partition | key | doc |
|---|---|---|---|
| synthesis_followup_responses | consultation_id | response_id | {response_id, title, body, status, history: [{status, note, at}], run_id, theme_ids, proposal_ids, published_at, version} |
| synthesis_notices | participant_id | "<at>|<response_id>|<version>" | {consultation_id, response_id, title, status, at} (newest last) |
| synthesis_digests | "all" | participant_id | {items: [{consultation_id, response_id, title, status, at}], version} (not yet e-mailed) |
"""

# Not "synthesis_responses": that is the closed-question statistics' table (another
# service, ADR 0037), and a replay of either dropped the other's rows.
RESPONSES = "synthesis_followup_responses"
NOTICES = "synthesis_notices"
DIGESTS = "synthesis_digests"
ALL = "all"


def stream_of(response_id: str) -> str:
    return f"followup-{response_id}"


def digest_stream(participant_id: str) -> str:
    return f"digest-{participant_id}"
