"""A commission report's own headings sit under the report's title (an h3 on the
commission's page), one level per « # »: its « # » and « ## » were both h2 there,
above the report they belong to."""

from __future__ import annotations

import re

from harness.consultations import ORGANISER, publish
from harness.web import app_client, catch_up, make_container, make_deps

from services.consultation.content_commands import CreateCommission, PublishCommissionReport
from services.web.app import create_web_app

REPORT = "# Constats\n\nTexte.\n\n## Détail\n\nPlus.\n\n##### Annexe\n\nFin."


async def test_a_reports_headings_start_under_its_title() -> None:
    container = make_container()
    async with container:
        await publish(container, ORGANISER, "ca", "Consultation A", "ca")
        for command in (CreateCommission("com-a", "ca", "Commission de A"),
                        PublishCommissionReport("com-a", "ca", "rap-a", "Rapport d\u2019étape",
                                                REPORT)):
            await container.handle(command, ORGANISER)
        await catch_up(container)
        async with app_client(create_web_app(make_deps(container))) as visitor:
            page = await visitor.get("/consultations/ca/commissions/com-a")
    assert page.status_code == 200
    article = page.text.split("<h2>Rapports</h2>", 1)[1]
    headings = re.findall(r"<(h\d)>([^<]*)</\1>", article)
    assert headings == [("h3", "Rapport d\u2019étape"), ("h4", "Constats"), ("h5", "Détail"),
                        ("h6", "Annexe")], headings
