"""Identity: participants, identity levels, roles, the privacy vault (issue #4).

Events carry pseudonymous participant ids (`p-<uuid7>`) only; e-mail, pseudonym
and postcode live in the vault, encrypted with a per-person key (DESIGN §3).
Its flows (registration, magic-link and OpenID Connect sign-in, erasure, a
consultation's team) are `flows.IdentityFlows`; its role policy is
`queries.may` (the one answer, for every front end).
"""
