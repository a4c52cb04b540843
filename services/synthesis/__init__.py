"""Synthesis service: Pol.is import/export, opinion groups and open-text themes."""
