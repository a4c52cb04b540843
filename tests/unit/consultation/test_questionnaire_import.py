"""Questionnaire import (ADR 0063): the Grand Débat format, the documented CSV
and JSON formats; every error names its line (or JSON path) in French; BOM,
`;` or `,` and CRLF are tolerated."""

from __future__ import annotations

import json

import pytest

from services.consultation.granddebat import DATA_DIR, OTHER_PARTS
from services.consultation.imports import MAX_BYTES, Parsed, detect, parse_file
from services.consultation.imports.sheets import COLUMNS
from services.consultation.questionnaire import OTHER

SHIPPED = (DATA_DIR / "questions.csv").read_bytes()
GD_HEADER = "id;text;debate_id;is_free;order;previous_id\n"

CSV = ("questionnaire;id;type;question;options;obligatoire;autre;condition;aide\n"
       "Vos déplacements;voiture;unique;Avez-vous une voiture ?;Oui|Non;oui;;;\n"
       ";km;libre;Combien de kilomètres par an ?;;;;voiture = Oui;En moyenne\n"
       ";modes;multiple;Quels modes utilisez-vous ?;Bus|Vélo|Marche;;oui;;\n"
       ";pourquoi;;Pourquoi ?;;;;modes = Autre;\n"
       "Votre quartier;;;Que changer dans votre quartier ?;;;;;\n")


def messages(parsed: Parsed) -> list[str]:
    return [str(i) for i in parsed.issues]


def test_the_shipped_grand_debat_file_gives_its_97_ids() -> None:
    parsed = parse_file(SHIPPED)
    assert parsed.ok, messages(parsed)
    assert [s.title for s in parsed.sheets] == [
        "Démocratie et citoyenneté", "Transition écologique",
        "Fiscalité et dépenses publiques", "Organisation de l'état et des services publics"]
    questions = [q for s in parsed.sheets for q in s.questions]
    assert parsed.question_count == len(questions) == 94
    with_other = {q.question_id for q in questions if q.allow_other}
    ids = {q.question_id for q in questions} | {p for p, q in OTHER_PARTS.items()
                                                if q in with_other}
    assert len(ids) == 97 == SHIPPED.decode().count("\n") - 1
    # each question is located on its line of the file
    first = parsed.sheets[0]
    assert first.wheres[0] == "Ligne 2" and first.questions[0].question_id == "107"


def test_bom_crlf_and_comma_separator_are_tolerated() -> None:
    as_excel = b"\xef\xbb\xbf" + SHIPPED.replace(b"\n", b"\r\n")
    assert parse_file(as_excel).question_count == 94
    commas = "\ufeff" + CSV.replace(";", ",").replace("\n", "\r\n")
    parsed = parse_file(commas.encode())
    assert parsed.ok, messages(parsed)
    assert [len(s.questions) for s in parsed.sheets] == [4, 1]


def test_windows_1252_is_read() -> None:
    parsed = parse_file(CSV.encode("cp1252"))
    assert parsed.ok and parsed.sheets[0].title == "Vos déplacements"


def test_csv_questions_options_and_conditions() -> None:
    parsed = parse_file(CSV.encode(), "csv")
    assert parsed.ok, messages(parsed)
    moves, area = parsed.sheets
    voiture, km, modes, pourquoi = moves.questions
    assert voiture.kind == "single" and voiture.required
    assert [o.label for o in voiture.options] == ["Oui", "Non"]
    assert km.kind == "open" and km.help_text == "En moyenne"
    assert km.condition is not None and km.condition.question_id == "voiture"
    assert km.condition.option_ids == (voiture.options[0].option_id,)
    assert modes.kind == "multiple" and modes.allow_other
    assert pourquoi.condition is not None and pourquoi.condition.option_ids == (OTHER,)
    assert area.title == "Votre quartier" and area.questions[0].question_id == "q1"
    assert area.wheres == ("Ligne 6",)


@pytest.mark.parametrize(("row", "expected"), [
    (";x;bizarre;Question ?;;;;;", "Ligne 3 : type « bizarre » inconnu"),
    (";x;unique;Question ?;;;;;", "Ligne 3 : une question à choix doit avoir des options"),
    (";x;libre;Question ?;A|B;;;;", "Ligne 3 : une question libre n'a pas d'options"),
    (";x;;;;;;;", "Ligne 3 : l'intitulé de la question est vide"),
    (";a;libre;Encore ?;;;;;", "Ligne 3 : l'identifiant « a » est déjà pris"),
    (";x;unique;Q ?;A|A;;;;", "Ligne 3 : deux options portent le même libellé"),
    (";x;libre;Q ?;;peut-être;;;", "Ligne 3 : « obligatoire » vaut oui ou non"),
    (";x;libre;Q ?;;;;z;", "Ligne 3 : la condition vise « z »"),
    (";x;libre;Q ?;;;;a = Peut-être;", "Ligne 3 : la question « a » n'a pas d'option "
                                       "« Peut-être »"),
    (";x;libre;Q ?;;;;;;;;", "Ligne 3 : 12 colonnes pour 9 en-têtes"),
    (";x;libre;" + "Q" * 1001 + ";;;;;", "Ligne 3 : L'intitulé"),
    (";bad id;libre;Q ?;;;;;", "Ligne 3 : Identifiant invalide"),
])
def test_each_csv_error_names_its_line(row: str, expected: str) -> None:
    source = ("questionnaire;id;type;question;options;obligatoire;autre;condition;aide\n"
              "Titre;a;unique;Première ?;Oui|Non;;;;\n" + row + "\n")
    parsed = parse_file(source.encode(), "csv")
    assert not parsed.ok
    assert any(m.startswith(expected) for m in messages(parsed)), messages(parsed)


def test_every_error_is_reported_not_only_the_first() -> None:
    source = ("question;type\nUne ?;bizarre\n\nDeux ?;unique\nTrois ?;libre\n")
    assert messages(parse_file(source.encode(), "csv")) == [
        "Ligne 2 : type « bizarre » inconnu (unique, multiple ou libre).",
        "Ligne 4 : une question à choix doit avoir des options (séparées par « | »)."]


def test_an_unknown_column_does_not_hide_the_rows_errors() -> None:
    """The checks stopped at the header: one error shown, the others found only
    after fixing it and sending the file again."""
    found = parse_file(b"titre;question;type\nA;Une ?;bizarre\nB;Deux ?;libre\n", "csv")
    assert messages(found) == [
        "Ligne 1 : colonne inconnue « titre » (colonnes possibles : " + ", ".join(COLUMNS)
        + ").", "Ligne 2 : type « bizarre » inconnu (unique, multiple ou libre)."]


def test_csv_header_errors() -> None:
    assert messages(parse_file(b"titre;question\nA;B\n", "csv"))[0].startswith(
        "Ligne 1 : colonne inconnue « titre »")
    assert "Ligne 1 : la colonne « question » est obligatoire." in messages(
        parse_file(b"type\nlibre\n", "csv"))


def test_a_multiline_cell_keeps_the_line_numbers_of_the_rows_below() -> None:
    source = 'question;type\n"Une question\nsur deux lignes ?";libre\nDeux ?;bizarre\n'
    assert messages(parse_file(source.encode(), "csv")) == [
        "Ligne 4 : type « bizarre » inconnu (unique, multiple ou libre)."]
    # the text editor shows one question per line: its line breaks become spaces
    [question] = parse_file(source.replace("bizarre", "libre").encode()).sheets[0].questions[:1]
    assert question.text == "Une question sur deux lignes ?"


JSON_DOC = {"questionnaires": [{"title": "Vos déplacements", "description": "Trois questions.",
                                "questions": [
    {"id": "voiture", "type": "unique", "text": "Avez-vous une voiture ?",
     "options": ["Oui", "Non"], "required": True},
    {"id": "km", "type": "libre", "text": "Combien de kilomètres ?",
     "condition": {"question": "voiture", "options": ["Oui"]}},
    {"text": "Autre chose ?"}]}]}


def test_json_document() -> None:
    parsed = parse_file(json.dumps(JSON_DOC).encode(), filename="q.json")
    assert parsed.ok, messages(parsed)
    [sheet] = parsed.sheets
    assert sheet.description == "Trois questions."
    assert [q.question_id for q in sheet.questions] == ["voiture", "km", "q3"]
    assert sheet.questions[1].condition is not None
    # one questionnaire alone is accepted too
    single = parse_file(json.dumps(JSON_DOC["questionnaires"][0]).encode())
    assert single.ok and single.question_count == 3


def test_json_errors_name_their_path() -> None:
    doc = json.loads(json.dumps(JSON_DOC))
    questions = doc["questionnaires"][0]["questions"]
    questions[0]["required"] = "oui"
    questions[1]["condition"] = {"question": "voiture", "options": ["Peut-être"]}
    questions[2]["options"] = "Oui, Non"
    assert messages(parse_file(json.dumps(doc).encode(), "json")) == [
        "questionnaires[0].questions[0].required : true ou false est attendu.",
        "questionnaires[0].questions[2].options : une liste de libellés est attendue.",
        "questionnaires[0].questions[1] : la question « voiture » n'a pas d'option "
        "« Peut-être »."]
    assert messages(parse_file(b'{"questionnaires": [\n  {"title": }]}', "json")) == [
        "Ligne 2, colonne 13 : JSON invalide : une valeur est attendue (texte entre guillemets "
        "droits, nombre, true, false, null, objet ou liste) ; une virgule en trop avant « ] » ?"]
    assert messages(parse_file(b"[1, 2]", "json"))[0].startswith("Racine :")


@pytest.mark.parametrize(("source", "where", "french"), [
    ('{"questionnaires": [{title: "A"}]}', "Ligne 1, colonne 22", "un nom entre guillemets"),
    ('{"questionnaires": [\n{"title" "A"}]}', "Ligne 2, colonne 10", "« : » est attendu"),
    ('{"questionnaires": [{"title": "A"} {"title": "B"}]}', "Ligne 1, colonne 36",
     "une virgule est attendue"),
    ('{"questionnaires": [{"title": "A}]}', "Ligne 1, colonne 31", "jamais refermé"),
    ('{"questionnaires": []} []', "Ligne 1, colonne 24", "du contenu suit la fin"),
])
def test_json_syntax_errors_are_told_in_french_with_their_line_and_column(
        source: str, where: str, french: str) -> None:
    """They were Python's English (« JSON invalide (Expecting property name
    enclosed in double quotes) »)."""
    [message] = messages(parse_file(source.encode(), "json"))
    assert message.startswith(f"{where} : JSON invalide : ") and french in message
    assert "Expecting" not in message and "delimiter" not in message


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",  # an image
    b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml",  # a .xlsx
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(1, 32)) * 4,  # a PDF's binary stream
])
def test_a_binary_file_is_said_not_to_be_text(data: bytes) -> None:
    """Its bytes, read as Windows-1252, were shown inside a « colonne inconnue »."""
    assert messages(parse_file(data)) == [
        "Fichier : ce fichier n'est pas un fichier texte : enregistrez le questionnaire au "
        "format CSV (depuis un tableur : « Enregistrer sous », CSV) ou JSON, pas en PDF, "
        "XLSX, ODS ni DOCX."]
    assert parse_file("question\nVotre avis ?\tlibre\n".encode("cp1252")).ok


def test_grand_debat_format_errors_name_their_line() -> None:
    source = GD_HEADER + (
        "1;Avez-vous un avis ?;1;FALSE;1;\n"
        "2;Si oui, lequel ?;1;TRUE;2;1\n"
        "3;Pourquoi ?;1;peut-être;3;\n"
        "4;;1;TRUE;4;\n"
        "5;Suite ?;1;TRUE;cinq;\n"
        "6;Suite ?;1;TRUE;6;99\n"
        "7;Ailleurs ?;2;TRUE;7;1\n"
        "2;Encore ?;1;TRUE;8;\n"
        "160;[Autres];1;TRUE;9;\n")
    assert messages(parse_file(source.encode())) == [
        "Ligne 4 : is_free vaut TRUE ou FALSE, pas « peut-être ».",
        "Ligne 5 : l'intitulé de la question est vide.",
        "Ligne 6 : order doit être un nombre entier, pas « cinq ».",
        "Ligne 7 : previous_id 99 ne désigne pas une question placée avant (order) dans le "
        "fichier.",
        "Ligne 8 : previous_id 1 appartient à un autre thème.",
        "Ligne 9 : l'identifiant 2 est déjà pris.",
        "Ligne 10 : la partie « Autres » 160 n'a pas sa question 1160 dans le fichier."]
    assert messages(parse_file(b"id;text\n1;A\n", "granddebat"))[0].startswith(
        "Ligne 1 : colonnes manquantes : debate_id, is_free")


def test_grand_debat_format_file_of_ones_own() -> None:
    source = GD_HEADER + ("1;Avez-vous un avis ?;9;FALSE;1;\n"
                          "2;Si oui, lequel ?;9;TRUE;2;1\n")
    parsed = parse_file(source.encode())
    assert parsed.ok, messages(parsed)
    [sheet] = parsed.sheets
    assert sheet.title == "Thème 9"
    follow = sheet.questions[1]
    assert follow.condition is not None and follow.condition.option_ids == ("oui",)


def test_detection_and_limits() -> None:
    assert detect(SHIPPED.decode()) == "granddebat"
    assert detect(CSV) == "csv" and detect(" {}") == "json"
    assert messages(parse_file(b"x" * (MAX_BYTES + 1))) == [
        f"Fichier : le fichier dépasse {MAX_BYTES // 1024} Ko."]
    assert messages(parse_file(b"  \n")) == ["Fichier : le fichier est vide."]
    assert messages(parse_file(b"question\n", "csv")) == ["Fichier : aucune question trouvée."]
    assert messages(parse_file(b"question\nA ?\n", "xml")) == ["Fichier : format « xml » inconnu."]


def test_commands_are_idempotent_imports() -> None:
    parsed = parse_file(CSV.encode())
    first, second = parsed.commands("c1", "k1")
    assert (first.questionnaire_id, second.questionnaire_id) == ("k1-1", "k1-2")
    assert first.if_absent and first.consultation_id == "c1" and second.position == 1


def test_an_import_already_written_is_not_written_again() -> None:
    """Decided on the questionnaire's stream: once it has a version (even removed
    since), the same import writes nothing; a plain save still replaces it."""
    from dataclasses import replace

    from services.consultation.content import Item, decide_save_questionnaire

    cmd = parse_file(CSV.encode()).commands("c1", "k1")[0]
    assert len(decide_save_questionnaire(Item(), cmd)) == 1
    assert decide_save_questionnaire(Item(version=2, consultation_id="c1", removed=True),
                                     cmd) == []
    assert len(decide_save_questionnaire(Item(version=2, consultation_id="c1"),
                                         replace(cmd, if_absent=False))) == 1


def test_an_order_in_superscript_digits_is_an_error_not_a_crash() -> None:
    """'³'.isdigit() is true but int('³') raises: the fuzzer's find (questionnaire_import)."""
    head = "id;text;debate_id;is_free;order;previous_id\n"
    parsed = parse_file((head + "107;Une question ?;2;FALSE;³;\n").encode())
    assert not parsed.ok
    assert messages(parsed) == ["Ligne 2 : order doit être un nombre entier, pas « ³ »."]
