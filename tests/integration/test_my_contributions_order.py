"""« Mes contributions » says « les plus récentes d'abord », and lists them in the
order they were sent: answers sent at 22:36 came above a proposal sent at 22:37,
the list being in the order of ids, which do not follow the sending (a form's
token is made when the form is shown, a response's id is a hash). Keyset pages
follow the same order."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from harness.consultations import ORGANISER, deposit_phase, publish
from harness.web import app_client, catch_up, make_deps

from services.consultation.content_commands import OptionSpec, QuestionSpec, SaveQuestionnaire
from services.core.clock import FixedClock
from services.runtime.bootstrap import bootstrap
from services.runtime.settings import Settings
from services.store.memory import MemoryReadStore
from services.web.app import create_web_app

QUESTIONS = (QuestionSpec("touche", "single", "Êtes-vous touché ?",
                          options=(OptionSpec("oui", "Oui"), OptionSpec("non", "Non"))),)
ANSWER = "/consultations/climat/questionnaires/transition/repondre"
PROPOSE = "/consultations/climat/propositions/nouvelle"
EARLY_ID = "00000000-0000-7000-8000-000000000001"  # sorts before any other id


def fields(page: str) -> dict[str, str]:
    return {n: re.search(rf'name="{n}" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
            for n in ("csrf_token", "cle")}


async def test_the_newest_sent_comes_first_whatever_the_ids() -> None:
    clock = FixedClock(datetime.now(UTC))
    container = bootstrap(Settings(event_log="memory", read_store="memory",  # type: ignore[call-arg]
                                   worker_poll_timeout=0.01),
                          store=MemoryReadStore(), clock=clock)
    async with container:
        await publish(container, ORGANISER, "climat", "Climat", "climat",
                      deposit_phase(clock.now()))
        await container.handle(SaveQuestionnaire("transition", "climat", "Transition",
                                                 QUESTIONS), ORGANISER)
        await catch_up(container)
        app = create_web_app(make_deps(container, page_size=1))
        async with app_client(app, "p-eve") as eve:
            answered = await eve.post(ANSWER, data={
                **fields((await eve.get(ANSWER)).text), "etape": "envoyer", "touche": "oui"})
            assert answered.status_code == 303
            clock.advance(timedelta(minutes=1))
            proposed = await eve.post(PROPOSE, data={
                **fields((await eve.get(PROPOSE)).text), "cle": EARLY_ID,
                "title": "Des arbres en ville", "body": "Planter des arbres dans chaque rue."})
            assert proposed.status_code == 303, proposed.text
            first = (await eve.get("/mes-contributions")).text
            older = re.search(r'href="(/mes-contributions\?apres=[^"]+)"', first)
            assert older is not None
            second = (await eve.get(older.group(1).replace("&amp;", "&"))).text
        assert "Des arbres en ville" in first and "Transition" not in first
        assert "Transition" in second and "Des arbres en ville" not in second
