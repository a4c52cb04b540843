"""Vote service: ballots keyed by (phase, kind, item, participant), tallies, recount,
frozen results, fair exposure (issue #6)."""
