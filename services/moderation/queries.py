"""The moderation service's query port: the read models other services may read
(what the public sees of proposals, their arguments and comments, kept by the
`moderation.publication` and `moderation.public_comments` projections). The rule
deciding what is published is in `publication`, the other module of this service
open to the others."""

from __future__ import annotations

from services.moderation.publication import PUBLIC_ARGUMENTS, PUBLIC_COMMENTS, PUBLIC_PROPOSALS

__all__ = ["PUBLIC_ARGUMENTS", "PUBLIC_COMMENTS", "PUBLIC_PROPOSALS"]
