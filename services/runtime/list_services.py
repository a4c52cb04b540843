"""Print the services the runtime knows, one per line (for deploy scripts).
`--with-projections`: only those that need a worker process (projections or
process managers). `--topics`: each of those followed by the event topics its
worker reads or writes, comma-separated (k8s/generate.py scales a worker up to
the most partitions among them: a consumer group of a 12-partition topic has work
for 12 replicas, whatever the service's own topic holds)."""

from __future__ import annotations

import sys

from services.runtime.services import SERVICES, ServiceSpec


def worker_topics(spec: ServiceSpec) -> list[str]:
    """The event topics a service's worker consumes (its projections' and process
    managers') and the one its handlers write."""
    read = {t for factory in (*spec.projections, *spec.processes)
            for t in getattr(factory, "topics", ())}
    return sorted(read | {spec.events_topic or f"{spec.name}.events"})


def main(argv: list[str]) -> None:
    topics = "--topics" in argv
    only_workers = topics or "--with-projections" in argv
    for name, factory in SERVICES.items():
        spec = factory()
        if not only_workers or spec.projections or spec.processes:
            print(f"{name} {','.join(worker_topics(spec))}" if topics else name)


if __name__ == "__main__":
    main(sys.argv[1:])
