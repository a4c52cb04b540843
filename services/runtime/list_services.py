"""Print the services the runtime knows, one per line (for deploy scripts).
`--with-projections`: only those that need a worker process (projections or
process managers)."""

from __future__ import annotations

import sys

from services.runtime.services import SERVICES


def main(argv: list[str]) -> None:
    only_workers = "--with-projections" in argv
    for name, spec in SERVICES.items():
        if not only_workers or spec().projections or spec().processes:
            print(name)


if __name__ == "__main__":
    main(sys.argv[1:])
