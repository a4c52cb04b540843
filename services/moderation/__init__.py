"""Moderation service: automatic checks (suggestions, never deletions), the
moderator queue and decisions, flags, appeals, public transparency counts."""
