"""Automatic checks: explained suggestions, with a masked version for personal data."""

from __future__ import annotations

import pytest

from services.moderation.checks import check_texts, is_content_free
from services.moderation.lexicon import default_lexicon, parse


def codes(texts: dict[str, str], **kw: bool) -> set[str]:
    return {s.code for s in check_texts(texts, **kw)}


@pytest.mark.parametrize("phone", ["06 12 34 56 78", "0612345678", "+33 6 12 34 56 78",
                                   "01.23.45.67.89", "0033 1 23 45 67 89"])
def test_a_phone_number_is_flagged_with_a_masking_suggestion(phone: str) -> None:
    [s] = check_texts({"body": f"Appelez-moi au {phone} pour en parler."})
    assert s.code == "personal_data" and s.severity == 3
    assert "téléphone" in s.explanation
    assert s.masked["body"] == "Appelez-moi au [téléphone masqué] pour en parler."


def test_an_email_address_is_flagged_with_a_masking_suggestion() -> None:
    [s] = check_texts({"title": "Contact", "body": "Écrivez à jean.dupont@example.fr merci"})
    assert s.code == "personal_data" and "adresse électronique" in s.explanation
    assert s.masked == {"body": "Écrivez à [adresse masquée] merci"}


def test_a_social_security_number_is_masked() -> None:
    [s] = check_texts({"body": "Mon numéro : 1 85 05 78 006 084 91, aidez-moi."})
    assert s.masked["body"] == "Mon numéro : [numéro masqué], aidez-moi."


def test_ordinary_numbers_are_not_personal_data() -> None:
    assert not codes({"body": "En 2019, 45 000 personnes ont signé, soit 12 % de plus."})


@pytest.mark.parametrize(("text", "code"), [
    ("Le maire est un connard.", "insult"),
    ("Quel CONNNARD ce ministre", "insult"),
    ("Espèce de c0nnard", "insult"),
    ("Ferme ta gueule !", "insult"),
    ("Tous des pédés", "discrimination"),
    ("C'est la merde dans les transports.", "vulgarity"),
])
def test_the_french_lexicon_finds_insults_and_explains(text: str, code: str) -> None:
    found = {s.code: s for s in check_texts({"body": text})}
    assert code in found
    assert "«" in found[code].explanation  # the matched expression is shown


def test_words_containing_an_insult_are_not_insults() -> None:
    assert not codes({"body": "Le conseil municipal a consulté les connaisseurs du dossier."})


def test_links_and_spam_patterns() -> None:
    assert "link" in codes({"body": "Voir https://example.org/article pour les détails."})
    assert {"link", "spam"} <= codes({"body": "GAGNEZ UN IPHONE GRATUIT, CLIQUEZ ICI "
                                              "www.promo.xyz www.a.com www.b.com !!!!!!"})


@pytest.mark.parametrize("text", ["", "   ", "rien", "R.A.S.", "ok", "qsdfghjklm", "aaaaaaa",
                                  "Je ne sais pas"])
def test_content_free_answers(text: str) -> None:
    assert is_content_free(text)
    assert codes({"text": text}) >= {"content_free"}


def test_a_real_answer_is_clean_and_closed_only_responses_are_not_content_free() -> None:
    assert not codes({"body": "Rouvrir la ligne de train entre Gap et Briançon."})
    assert not codes({}, free_text=False)


def test_the_shipped_lexicon_loads_and_a_bad_category_is_refused() -> None:
    assert len(default_lexicon().category_of) > 50
    with pytest.raises(ValueError):
        parse(["idiot;inconnue"])
