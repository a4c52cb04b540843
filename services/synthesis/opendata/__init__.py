"""Open-data exports in the Grand Débat format (issue #8 item 5, ADR 0025):
streamed CSV and JSON per questionnaire, a data dictionary, pseudonymous
per-export author ids, optional daily publication."""
