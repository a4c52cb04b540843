"""Print the services the runtime knows, one per line (for deploy scripts).
`--with-projections`: only those that need a projection worker process."""

from __future__ import annotations

import sys

from services.runtime.bootstrap import SERVICES


def main(argv: list[str]) -> None:
    only_workers = "--with-projections" in argv
    for name, spec in SERVICES.items():
        if not only_workers or spec().projections:
            print(name)


if __name__ == "__main__":
    main(sys.argv[1:])
