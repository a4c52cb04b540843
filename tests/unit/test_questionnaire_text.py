"""The back office's questionnaire text: an option's {réf} tag keeps its id
through a new wording (answers name options by id, ADR 0137); a tag that names
no saved option of that question is an error naming its line."""

from __future__ import annotations

import pytest

from services.web.backoffice.questionnaire_text import parse, render
from services.web.forms import FormError

SAVED = [{"question_id": "q1", "kind": "single", "text": "Comment vous chauffez-vous ?",
          "required": False, "allow_other": False, "condition": None,
          "options": [{"option_id": "q1-o1", "label": "Gaz"},
                      {"option_id": "q1-o2", "label": "Bois"}]},
         {"question_id": "q2", "kind": "open", "text": "Pourquoi ?", "required": False,
          "allow_other": False, "condition": None, "options": []}]


def test_the_rendered_text_names_each_option_and_reads_back_the_same() -> None:
    text = render(SAVED)
    assert "- Gaz {réf q1-o1}\n- Bois {réf q1-o2}" in text
    parsed = parse(text, previous=SAVED)
    assert [(o.option_id, o.label) for o in parsed[0].options] == [
        ("q1-o1", "Gaz"), ("q1-o2", "Bois")]


def test_a_reworded_option_keeps_its_id_and_a_new_one_gets_a_fresh_id() -> None:
    parsed = parse("1. Chauffage ? {unique} {réf q1}\n- Bois\n- Gaz naturel {réf q1-o1}\n"
                   "- Pompe à chaleur\n2. Pourquoi ? {si 1 = Gaz naturel} {réf q2}",
                   previous=SAVED)
    ids = [o.option_id for o in parsed[0].options]
    assert ids[:2] == ["q1-o2", "q1-o1"] and ids[2] not in ("q1-o1", "q1-o2", "q1-o3")
    assert parsed[0].options[1].label == "Gaz naturel"
    assert parsed[1].condition is not None and parsed[1].condition.option_ids == ("q1-o1",)


@pytest.mark.parametrize(("source", "message"), [
    ("1. Chauffage ? {réf q1}\n- Gaz {réf q9-o1}", "Ligne 2 : la question n'a pas d'option "
                                                   "enregistrée de référence q9-o1"),
    ("1. Chauffage ? {réf q1}\n- Gaz {réf q1-o1}\n- Gaz naturel {réf q1-o1}",
     "Ligne 3 : la référence q1-o1 est déjà celle de la ligne 2."),
    ("1. Nouvelle ?\n- Gaz {réf q1-o1}", "Ligne 2 : la question n'a pas d'option enregistrée"),
    ("1. Chauffage ? {réf q1}\n- Gaz {réf q1-o1} {réf q1-o2}", "Ligne 2 : une option n'a "
                                                              "qu'une étiquette"),
])
def test_an_option_tag_naming_no_saved_option_of_its_question_is_refused(
        source: str, message: str) -> None:
    with pytest.raises(FormError) as err:
        parse(source, previous=SAVED)
    assert err.value.field == "questions" and message in err.value.message


def test_every_unreadable_line_is_listed_at_once() -> None:
    """ADR 0144: each bad line named, in the text's order."""
    from services.web.forms import UnreadableFields
    with pytest.raises(UnreadableFields) as err:
        parse("- une option orpheline\n1. Bonjour\nsans numéro\n2. Et ? {bizarre}\n"
              "3. Puis ? {si 9 = Oui}")
    assert [e.message.split(" :")[0] for e in err.value.errors] == ["Ligne 1", "Ligne 3"]
    with pytest.raises(UnreadableFields) as err:
        parse("1. Bonjour\n1. Encore\n2. Et ? {bizarre}\n3. Puis ? {si 9 = Oui}")
    assert [e.message.split(" :")[0] for e in err.value.errors] == [
        "Ligne 2", "Ligne 3", "Ligne 4"]
    assert all(e.field == "questions" for e in err.value.errors)
