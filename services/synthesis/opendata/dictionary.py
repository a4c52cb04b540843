"""The data dictionary shipped with every export: each column, what it holds
and how it was made (Markdown, French like the data)."""

from __future__ import annotations

from services.store.port import Doc
from services.synthesis.opendata.columns import question_columns


def when_text(k: int, rule: str = "territoire et de date") -> str:
    """How a file's dates are written: to the second without the k-anonymity rule
    (`k` = 1), else to the day, the month or not at all, as the rule `rule` says."""
    if k <= 1:
        return "UTC, AAAA-MM-JJ HH:MM:SS"
    return (f"UTC, au jour AAAA-MM-JJ, au mois AAAA-MM ou vide selon la règle de {rule} "
            "ci-dessous ; jamais l'heure")


def base_columns(k: int) -> tuple[tuple[str, str], ...]:
    """The Grand Débat columns of a responses' file exported under the k of `k`."""
    same = " ; au même degré de précision que `createdAt`" if k > 1 else ""
    removed = " ou si la règle de territoire et de date l'a retiré" if k > 1 else ""
    return (
        ("id", "Identifiant de la réponse dans Parlons (stable d'un export à l'autre)."),
        ("reference", "Référence « <n° du questionnaire>-<n° de ligne> », numérotée dans cet "
                      "export (elle peut changer d'un export à l'autre)."),
        ("title", "Titre du questionnaire."),
        ("createdAt", f"Date d'envoi de la réponse ({when_text(k)})."),
        ("publishedAt", "Date de publication : l'envoi en post-modération, la décision "
                        f"d'approbation en pré-modération ({when_text(k)}{same})."),
        ("updatedAt", "Dernière modification (décision de modération, masquage), sinon la "
                      f"publication ({when_text(k)}{same})."),
        ("trashed", "« true » si la contribution a été mise à la corbeille par la modération. "
                    "Cet export ne contient que des réponses publiées : toujours « false ». "
                    "Les réponses masquées, rejetées ou retirées par leur auteur sont absentes."),
        ("trashedStatus", "Pour une contribution à la corbeille : « VISIBLE » (contenu encore "
                          "lisible) ou « INVISIBLE » (contenu masqué). Toujours vide ici."),
        ("authorId", "Pseudonyme de l'auteur propre à cet export (empreinte BLAKE2b à clé sous "
                     "une clé aléatoire tirée pour l'export puis oubliée) : il relie les "
                     "réponses d'une même personne dans cet export, pas d'un export à "
                     "l'autre, et ne permet pas de retrouver l'identifiant interne."),
        ("authorType", "Type d'auteur (citoyen, organisation, élu...). Parlons ne le demande "
                       "pas : toujours vide."),
        ("authorZipCode", "Code du département de l'auteur (issu de son code postal au moment "
                          f"de la réponse), vide s'il n'en a pas donné{removed}. Le code "
                          "postal lui-même n'est pas publié."),
    )


def k_anonymity_text(k: int, *, territory: bool = True) -> str:
    """The rule the file's territories and dates were published under
    (kanonymity.py, ADR 0047), `territory` False for a file without one."""
    if k <= 1:
        what = "Territoire et date" if territory else "Date"
        return (f"{what} : publiés tels qu'enregistrés, les dates à la seconde (aucune règle "
                "de regroupement n'a été appliquée à cet export).")
    if not territory:
        return (f"Règle de date : les lignes d'un jour qui en compte moins de {k} ne gardent "
                f"que le mois de leur date (AAAA-MM), et celles d'un mois qui en compte encore "
                f"moins de {k} perdent leur date (vide). Toute date publiée correspond ainsi à "
                f"au moins {k} lignes.")
    return (f"Règle de territoire et de date : une combinaison (territoire, jour) partagée par "
            f"moins de {k} lignes perd son territoire (vide) ; les lignes sans territoire d'un "
            f"jour qui en compte moins de {k} ne gardent que le mois de leurs dates "
            f"(AAAA-MM), et celles d'un mois qui en compte encore moins de {k} perdent leurs "
            f"dates (vides). Toute combinaison (territoire, date) publiée correspond ainsi à "
            f"au moins {k} lignes.")


def dictionary_markdown(consultation: Doc, questionnaire: Doc, *, k: int) -> str:
    """The dictionary of a questionnaire's responses' files exported under the
    k-anonymity of `k` (1: off)."""
    lines = [
        f"# Dictionnaire des données : {questionnaire.get('title', '')}",
        "",
        f"Consultation : {consultation.get('title', '')}. Format des données ouvertes du "
        "Grand Débat National : un fichier CSV (UTF-8, séparateur virgule) et un fichier "
        "JSON (tableau d'objets dont les clés sont les noms de colonnes du CSV) par "
        "questionnaire, une ligne par réponse publiée.",
        "",
        "Aucune donnée directement identifiante : ni adresse électronique, ni adresse IP, "
        "ni pseudonyme, ni identifiant interne de participant.",
        "",
        "| colonne | contenu |",
        "|---|---|",
        *(f"| `{name}` | {text} |" for name, text in base_columns(k)),
    ]
    for c in question_columns(questionnaire):
        if c.part == "other":
            text = "Texte libre saisi avec l'option « Autre » de la question précédente."
        elif c.kind == "open":
            text = "Question ouverte : texte libre de la réponse."
        else:
            text = ("Question fermée (choix unique) : libellé de l'option choisie."
                    if c.kind == "single" else
                    "Question fermée (choix multiples) : libellés des options choisies, "
                    "séparés par « | ».")
        lines.append(f"| `{_md(c.name)}` | {text} Vide si la question n'a pas reçu de réponse. |")
    lines += ["", "Dans les textes libres, les adresses électroniques, numéros de téléphone, "
              "adresses IP, IBAN, numéros de sécurité sociale et adresses postales sont "
              "remplacés par « [courriel masqué] », « [téléphone masqué] », « [adresse IP "
              "masquée] », « [IBAN masqué] », « [numéro de sécurité sociale masqué] », "
              "« [adresse postale masquée] », dès leur enregistrement. Un texte libre qui "
              "commence par =, +, - ou @ est "
              "précédé d'une apostrophe (protection des tableurs). Les textes d'une réponse "
              "masquée par la modération pour données personnelles, ou dont l'auteur a "
              "effacé son compte, sont vides (ses réponses fermées restent comptées).",
              "", k_anonymity_text(k)]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


SCRUBBED = ("Dans les textes libres, les adresses électroniques, numéros de téléphone, "
            "adresses IP, numéros de sécurité sociale, IBAN et adresses postales sont "
            "remplacés par une mention « [... masqué(e)] » ; un texte qui commence par =, +, "
            "- ou @ est précédé d'une apostrophe (protection des tableurs).")
TITLES = {"propositions": "Propositions publiées", "arguments": "Arguments publiés",
          "votes": "Résultats des votes"}
ROWS = {
    "propositions": "une ligne par proposition publiée (les propositions masquées, rejetées "
                    "ou retirées par leur auteur sont absentes). Aucune information sur "
                    "l'auteur n'est publiée.",
    "arguments": "une ligne par argument publié sur une proposition publiée. Aucune "
                 "information sur l'auteur n'est publiée.",
    "votes": "une ligne par élément soumis au vote et par phase de vote : des décomptes, "
             "jamais un bulletin ni un votant.",
}
VOTE_COLUMNS = (
    ("phaseId", "Identifiant de la phase de vote."),
    ("phaseTitle", "Titre de la phase de vote."),
    ("itemId", "Identifiant de l'élément soumis au vote (une proposition : colonne `id` "
               "du fichier des propositions)."),
    ("itemTitle", "Titre de la proposition, vide si elle n'est plus publiée."),
    ("frozen", "« true » si les résultats de la phase close sont figés, « false » s'il "
               "s'agit du décompte en cours."),
    ("support", "Nombre de soutiens."),
    ("agree", "Nombre de votes « d'accord »."),
    ("disagree", "Nombre de votes « pas d'accord »."),
    ("neutral", "Nombre de votes « neutre »."))


def table_columns(what: str, k: int) -> tuple[tuple[str, str], ...]:
    """The columns of the proposals', arguments' or votes' file exported under `k`."""
    if what == "votes":
        return VOTE_COLUMNS
    if what == "arguments":
        return (("id", "Identifiant de l'argument dans Parlons."),
                ("reference", "Numéro de ligne dans cet export."),
                ("proposalId", "Identifiant de la proposition discutée (colonne `id` du "
                               "fichier des propositions)."),
                ("side", "« pour » ou « contre » la proposition."),
                ("body", "Texte de l'argument."),
                ("createdAt", f"Date de dépôt ({when_text(k, 'date')})."))
    removed = " ou s'il a été retiré par la règle de territoire et de date" if k > 1 else ""
    return (("id", "Identifiant de la proposition dans Parlons (celui de sa page publique)."),
            ("reference", "Numéro de ligne dans cet export."),
            ("title", "Titre de la proposition (version masquée par la modération le cas "
                      "échéant)."),
            ("body", "Texte de la proposition."),
            ("createdAt", f"Date de dépôt ({when_text(k)})."),
            ("territory", "Code du territoire visé par la proposition : « FR » (France "
                          "entière), « R » suivi du code INSEE d'une région, ou code de "
                          f"département ; vide s'il n'en a pas été indiqué{removed}."),
            ("territoryName", "Nom de ce territoire, par exemple « Rhône (69) » ; vide quand "
                              "`territory` l'est."),
            ("themeId", "Identifiant du thème choisi par l'auteur, vide sinon."),
            ("argumentsFor", "Nombre d'arguments « pour » publiés."),
            ("argumentsAgainst", "Nombre d'arguments « contre » publiés."))


def table_dictionary(consultation: Doc, what: str, *, k: int) -> str:
    """The dictionary of the proposals', arguments' or votes' file, exported under
    the k-anonymity of `k` (1: off; the votes' counts have neither date nor place)."""
    lines = [f"# Dictionnaire des données : {TITLES[what].lower()}", "",
             f"Consultation : {consultation.get('title', '')}. Un fichier CSV (UTF-8, "
             f"séparateur virgule), {ROWS[what]}", "",
             "| colonne | contenu |", "|---|---|",
             *(f"| `{name}` | {text} |" for name, text in table_columns(what, k))]
    if what != "votes":
        lines += ["", SCRUBBED, "", k_anonymity_text(k, territory=what == "propositions")]
    return "\n".join(lines) + "\n"
