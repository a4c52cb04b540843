"""The moderation service's query port: the read models other services may read
(what the public sees of proposals and their arguments, kept by the
`moderation.publication` projection). The rule deciding what is published is
`visibility`, the other module of this service open to the others."""

from __future__ import annotations

from services.moderation.publication import PUBLIC_ARGUMENTS, PUBLIC_PROPOSALS

__all__ = ["PUBLIC_ARGUMENTS", "PUBLIC_PROPOSALS"]
