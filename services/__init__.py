"""Parlons: an event-sourced platform for online public consultations."""
