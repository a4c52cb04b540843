"""Deposit service: proposals, questionnaire responses, arguments, comments."""
