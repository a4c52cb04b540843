"""Opinion groups as a feature: a Pol.is conversation imported into a
consultation, the groups computed on it (or on the consultation's own
agree/disagree ballots), and their publication (ADR 0064)."""
