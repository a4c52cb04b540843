"""Shared kernel: envelope, ids, clock, errors. Pure: no I/O, no drivers."""
