"""A consultation « climat » whose questionnaire phase is open, with one
questionnaire, and the hidden fields of its answer form: what the answer pages'
tests start from."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from harness.consultations import ORGANISER, publish
from harness.web import catch_up
from services.consultation.commands import PhaseSpec
from services.consultation.content_commands import QuestionSpec, SaveQuestionnaire
from services.runtime.bootstrap import Container


async def open_questionnaire(container: Container, questionnaire_id: str, title: str,
                             questions: Sequence[QuestionSpec]) -> str:
    """Publish « climat » (a questionnaire phase open since an hour, for a day) with
    the questionnaire; returns its answer form's path once the read models hold it."""
    now = datetime.now(UTC)
    await publish(container, ORGANISER, "climat", "Climat", "climat", PhaseSpec(
        "q", "questionnaire", "Questionnaire", now - timedelta(hours=1),
        now + timedelta(days=1)))
    await container.handle(SaveQuestionnaire(questionnaire_id, "climat", title,
                                             tuple(questions)), ORGANISER)
    await catch_up(container)
    return f"/consultations/climat/questionnaires/{questionnaire_id}/repondre"


def hidden_fields(page: str, names: Sequence[str] = ("csrf_token", "cle")) -> dict[str, str]:
    """The values of the form's hidden fields `names` (the CSRF token, the form's key)."""
    fields = {}
    for name in names:
        found = re.search(rf'name="{name}" value="([^"]*)"', page)
        assert found, f"no field {name} in the page"
        fields[name] = found.group(1)
    return fields
