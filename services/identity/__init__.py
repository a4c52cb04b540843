"""Identity: participants, identity levels, roles, the privacy vault (issue #4).

Events carry pseudonymous participant ids (`p-<uuid7>`) only; e-mail, pseudonym
and postcode live in the vault, encrypted with a per-person key (DESIGN §3).
"""
