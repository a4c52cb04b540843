"""Starts a real Parlons for the method card's journey (see method_card.mjs) with
nothing seeded: the organiser builds the consultation in the back office and
the people register on the public pages. Prints `seeded none` once serving
(harness.e2e.served waits for it). Stops on SIGTERM."""

from __future__ import annotations

import asyncio
import sys

from serve_web import serve

from services.runtime.bootstrap import Container


async def nothing(_container: Container) -> str:
    return "none"


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), nothing))
