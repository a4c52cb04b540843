"""Anonymous public browsing: home, a consultation, its proposals (list and a
page), a search (page and API), the results. No session, no write."""

from __future__ import annotations

from locust import between, task
from parlons_load import Visitor


class PublicBrowser(Visitor):
    wait_time = between(0.5, 2.0)

    @task
    def visit(self) -> None:
        self.browse_once()
