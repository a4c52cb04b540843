"""The personal-data scrubber (services/core/personal_data.py) on a corpus: what
it must find, of each kind, and ordinary French prose, dates and amounts it
must leave alone (issue #19 item 7)."""

from __future__ import annotations

import re
import sys

import pytest

from services.core.personal_data import find, mask

POSITIVES = [
    # e-mails, plain and obfuscated
    ("email", "Écrivez-moi : jean.dupont@exemple.fr merci"),
    ("email", "contact : jean (at) exemple (dot) fr"),
    ("email", "jean [arobase] exemple point fr"),
    ("email", "jean arobase exemple point fr, je réponds vite"),
    ("email", "marie.curie[at]univ-paris[.]fr"),
    ("email", "paul {at} mairie-lyon {dot} gouv {dot} fr"),
    ("email", "ecrire a lea(arobase)orange(point)fr"),
    ("email", "JEAN (AT) EXEMPLE (DOT) FR"),
    # IPv6 and IPv4
    ("ipv6", "mon adresse est 2001:db8:85a3::8a2e:370:7334 depuis hier"),
    ("ipv6", "le serveur fe80::1ff:fe23:4567:890a répond"),
    ("ipv6", "2001:0db8:0000:0000:0000:ff00:0042:8329"),
    ("ipv4", "connecté depuis 192.168.1.24."),
    # NIR, the key checked when written
    ("nir", "Mon numéro : 1 85 05 78 006 084 91, aidez-moi."),
    ("nir", "sécu 185057800608491"),
    ("nir", "2 69 02 99 341 732 85"),
    ("nir", "1 85 05 2A 006 084 35"),
    ("nir", "n° 1 85 05 78 006 084"),
    # IBAN, the mod-97 check must hold
    ("iban", "virement sur FR76 3000 6000 0112 3456 7890 189 svp"),
    ("iban", "IBAN : FR7630006000011234567890189"),
    ("iban", "DE89 3704 0044 0532 0130 00"),
    # French phone numbers
    ("phone", "Appelez-moi au 06 12 34 56 78 pour en parler."),
    ("phone", "tel 06.12.34.56.78"),
    ("phone", "tél : 0612345678"),
    ("phone", "+33 6 12 34 56 78"),
    ("phone", "+33 (0)1 42 68 53 00"),
    ("phone", "0033 1 42 68 53 00"),
    ("phone", "+33612345678"),
    ("phone", "01-42-68-53-00"),
    ("phone", "06\u00a012\u00a034\u00a056\u00a078"),
    ("phone", "à La Réunion : +262 692 12 34 56"),
    # postal addresses
    ("address", "J'habite au 12 rue de la Paix, 75002 Paris, venez voir."),
    ("address", "au 5 avenue Jean Jaurès"),
    ("address", "3 bis boulevard Haussmann"),
    ("address", "14, place du Marché 69001 Lyon"),
    ("address", "au 10 rue victor hugo à côté"),
    ("address", "7 impasse des Lilas"),
    ("address", "22 allée des Tilleuls, 33 000 Bordeaux"),
    ("address", "1 chemin de la Fontaine"),
    ("address", "8 quai de Bercy"),
    # the fewest digits (and dots) each kind can hold: find() skips a pattern for a
    # text that holds fewer (ADR 0094)
    ("nir", "2 69 02 2A 341 732"),
    ("ipv4", "depuis 1.2.3.4 hier"),
    ("iban", "IBAN : FR32 ABCD EFGH IJKL MNOP merci"),
    ("phone", "0612345678"),
    ("address", "1 rue Haute"),
    # the obfuscated e-mail's hint without a bracket: found through its folded
    # word, whatever its case, the long s (U+017F) included (ADR 0099)
    ("email", "JEAN AROBASE EXEMPLE POINT FR"),
    ("email", "jean aroba\u017fe exemple point fr"),
    # no digit at all: what find() still looks for in such a text (ADR 0099)
    ("ipv6", "adresse face::beef ici"),
    ("email", "jean@exemple.fr"),
]

NEGATIVES = [
    "Je propose davantage de pistes cyclables, au point de rendre la voiture inutile.",
    "Le point de vue des habitants compte : à ce point, il faut agir.",
    "Rendez-vous le 14 juillet 2019 à 10:30, puis le 01/02/2024.",
    "La réunion a lieu le 12.03.2019 à 18 h 30.",
    "Le budget est de 1 500 000 €, soit 12,5 % de plus qu'en 2018.",
    "Il faut 2 000 000 000 € pour la rénovation de 150 000 logements.",
    "Les 3 rues du centre et les 2 places de parking par logement.",
    "J'ai suivi 5 cours de yoga et 1 place de cinéma offerte.",
    "Un arrêt toutes les 3 minutes, 24 h sur 24, 7 jours sur 7.",
    "Il y a 12 ans, 35 000 communes, 101 départements et 13 régions.",
    "Article L. 2122-22 du code général des collectivités territoriales.",
    "La loi n° 2019-1428 du 24 décembre 2019 d'orientation des mobilités.",
    "Le ratio est de 3:2, le match a fini 2:1, le film dure 1:45:30.",
    "Code postal 75011 et numéro SIRET 123 456 789 00012 de l'association.",
    "Je suis né en 1985, j'ai 2 enfants et je paie 850 € de loyer.",
    "Les horaires : 08:00-12:00 et 14:00-18:00 du lundi au vendredi.",
    "Le symbole arobase est utile, mais la règle a un point faible.",
    "Prévoir 25 000 bornes de recharge d'ici 2025 et 100 km de voies.",
    "Numéro de référence FR12 du dossier, article 4 alinéa 2.",
    "Il est 10 h 12, le train de 06 h 45 était en retard.",
    "Compte rendu du 06/12/2023 : 34 présents, 56 excusés, 78 absents.",
    "En 2023, 1 234 567 voyageurs ont pris le TER.",
]


@pytest.mark.parametrize(("kind", "text"), POSITIVES, ids=[t for _, t in POSITIVES])
def test_each_identifier_is_found(kind: str, text: str) -> None:
    assert kind in [f.kind for f in find(text)], find(text)


@pytest.mark.parametrize("text", NEGATIVES)
def test_ordinary_prose_dates_and_amounts_are_left_alone(text: str) -> None:
    assert find(text) == []


@pytest.mark.parametrize("text", [
    "1 85 05 78 006 084 92",  # a NIR whose key does not check
    "FR76 3000 6000 0112 3456 7890 188",  # an IBAN whose check does not hold
    "12:30:45",  # a time, not an IPv6 address
])
def test_numbers_failing_their_check_are_not_identifiers(text: str) -> None:
    assert find(text) == []


def test_mask_replaces_each_kind_and_counts_them() -> None:
    masks = {k: f"[{k}]" for k in ("email", "nir", "iban", "phone", "ipv4", "ipv6",
                                   "address")}
    text = ("jean (at) exemple (dot) fr, 06 12 34 56 78, FR76 3000 6000 0112 3456 7890 189, "
            "12 rue de la Paix 75002 Paris")
    masked, counts = mask(text, masks)
    assert masked == "[email], [phone], [iban], [address]"
    assert counts == {"email": 1, "phone": 1, "iban": 1, "address": 1}


def test_the_hints_screen_folds_every_letter_its_pattern_matches() -> None:
    # find() looks for "obase" in the folded text before the case-insensitive
    # search (ADR 0099): each code point that search takes for a letter of it
    # must fold to that letter, or a hint would be skipped.
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    for letter in "obase":
        assert {m.group().casefold() for m in re.finditer(letter, every, re.IGNORECASE)} \
            == {letter}
