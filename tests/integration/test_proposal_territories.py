"""The proposal form's territory list names each territory once and distinctly:
Guadeloupe, Martinique, Guyane, La Réunion and Mayotte are each a région and a
département, and were listed twice with the same label. As in the back office:
grouped (France, Régions, Départements), départements with their number. The
proposal pages name a proposal's territory the same way."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

from harness.consultations import ORGANISER, deposit_phase, publish
from harness.web import app_client, catch_up, make_container, make_deps

from services.web.app import create_web_app

PAGE = "/consultations/climat/propositions/nouvelle"


async def test_every_territory_has_its_own_label_in_its_group() -> None:
    container = make_container()
    async with container:
        await publish(container, ORGANISER, "climat", "Climat", "climat",
                      deposit_phase(datetime.now(UTC)))
        await catch_up(container)
        app = create_web_app(make_deps(container))
        async with app_client(app, "p-eve") as eve:
            page = (await eve.get(PAGE)).text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page)
            key = re.search(r'name="cle" value="([^"]+)"', page)
            assert token and key
            sent = await eve.post(PAGE, data={
                "csrf_token": token.group(1), "cle": key.group(1), "title": "Des bus le soir",
                "body": "Des bus jusqu'à minuit à Pointe-à-Pitre.", "territory": "971"})
            assert sent.status_code == 303, sent.text
            await catch_up(container)
            listed = (await eve.get("/consultations/climat/propositions")).text
    select = page.split('name="territory"', 1)[1].split("</select>", 1)[0]
    labels = re.findall(r'<option value="[^"]+"[^>]*>([^<]+)</option>', select)
    assert [n for n, count in Counter(labels).items() if count > 1] == []
    groups = dict(re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S))
    assert list(groups) == ["France", "Régions", "Départements"]
    assert '<option value="R01">Guadeloupe</option>' in groups["Régions"]
    assert '<option value="971">Guadeloupe (971)</option>' in groups["Départements"]
    assert '<option value="69">Rhône (69)</option>' in groups["Départements"]
    assert "Des bus le soir" in listed and "· Guadeloupe (971)" in listed
