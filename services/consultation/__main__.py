"""`python -m services.consultation`: the consultation service as its own process
in the distributed topology (DESIGN §2): its HTTP API and its projections.
`python -m services.consultation worker` runs the projections only."""

import sys

from services.runtime.cli import main

args = sys.argv[1:]
if args[:1] == ["worker"]:
    raise SystemExit(main(["worker", "consultation", *args[1:]]))
raise SystemExit(main(["serve", "--service", "consultation", *args]))
