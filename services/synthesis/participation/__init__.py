"""A consultation's participation (ADR 0142): contributions received per kind and
what moderation made of them, per day, distinct contributors and voters, ballots
per vote phase; a projection of the deposit, moderation and vote events, and the
figures read from it."""
