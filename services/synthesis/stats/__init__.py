"""Closed-question statistics (issue #8 item 1, ADR 0025): a projection of
questionnaire responses and their moderation, and the figures read from it."""
