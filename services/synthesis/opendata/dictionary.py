"""The data dictionary shipped with every export: each column, what it holds
and how it was made (Markdown, French like the data)."""

from __future__ import annotations

from services.store.port import Doc
from services.synthesis.opendata.columns import question_columns

BASE = (
    ("id", "Identifiant de la réponse dans Parlons (stable d'un export à l'autre)."),
    ("reference", "Référence « <n° du questionnaire>-<n° de ligne> », numérotée dans cet "
                  "export (elle peut changer d'un export à l'autre)."),
    ("title", "Titre du questionnaire."),
    ("createdAt", "Date et heure d'envoi de la réponse (UTC, AAAA-MM-JJ HH:MM:SS)."),
    ("publishedAt", "Date de publication : l'envoi en post-modération, la décision "
                    "d'approbation en pré-modération (UTC)."),
    ("updatedAt", "Dernière modification (décision de modération, masquage), sinon la "
                  "publication (UTC)."),
    ("trashed", "« true » si la contribution a été mise à la corbeille par la modération. "
                "Cet export ne contient que des réponses publiées : toujours « false ». "
                "Les réponses masquées, rejetées ou retirées par leur auteur sont absentes."),
    ("trashedStatus", "Pour une contribution à la corbeille : « VISIBLE » (contenu encore "
                      "lisible) ou « INVISIBLE » (contenu masqué). Toujours vide ici."),
    ("authorId", "Pseudonyme de l'auteur propre à cet export (empreinte BLAKE2b à clé sous "
                 "une clé aléatoire tirée pour l'export puis oubliée) : il relie les "
                 "réponses d'une même personne dans cet export, pas d'un export à l'autre, "
                 "et ne permet pas de retrouver l'identifiant interne."),
    ("authorType", "Type d'auteur (citoyen, organisation, élu...). Parlons ne le demande "
                   "pas : toujours vide."),
    ("authorZipCode", "Code du département de l'auteur (issu de son code postal au moment "
                      "de la réponse), vide s'il n'en a pas donné. Le code postal lui-même "
                      "n'est pas publié."),
)


def dictionary_markdown(consultation: Doc, questionnaire: Doc) -> str:
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
        *(f"| `{name}` | {text} |" for name, text in BASE),
    ]
    for c in question_columns(questionnaire):
        if c.part == "other":
            text = "Texte libre saisi avec l'option « Autre » de la question précédente."
        elif c.kind == "open":
            text = "Question ouverte : texte libre de la réponse."
        else:
            kind = "choix unique" if c.kind == "single" else "choix multiples, séparés par « | »"
            text = f"Question fermée ({kind}) : libellé(s) de l'option choisie."
        lines.append(f"| `{_md(c.name)}` | {text} Vide si la question n'a pas reçu de réponse. |")
    lines += ["", "Dans les textes libres, les adresses électroniques, numéros de téléphone, "
              "adresses IP, IBAN, numéros de sécurité sociale et adresses postales sont "
              "remplacés par « [courriel masqué] », « [téléphone masqué] », « [adresse IP "
              "masquée] », « [IBAN masqué] », « [numéro de sécurité sociale masqué] », "
              "« [adresse postale masquée] », dès leur enregistrement. Un texte libre qui "
              "commence par =, +, - ou @ est "
              "précédé d'une apostrophe (protection des tableurs). Les textes d'une réponse "
              "masquée par la modération pour données personnelles, ou dont l'auteur a "
              "effacé son compte, sont vides (ses réponses fermées restent comptées)."]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


SCRUBBED = ("Dans les textes libres, les adresses électroniques, numéros de téléphone, "
            "adresses IP, numéros de sécurité sociale, IBAN et adresses postales sont "
            "remplacés par une mention « [... masqué(e)] » ; un texte qui commence par =, +, "
            "- ou @ est précédé d'une apostrophe (protection des tableurs).")
K_ANONYMOUS = ("Territoire et date : une combinaison (territoire, jour) partagée par trop peu "
               "de lignes perd son territoire, puis sa date est réduite au mois, puis retirée, "
               "afin que toute combinaison publiée corresponde à plusieurs contributions.")
TABLES = {
    "propositions": (
        "Propositions publiées", "une ligne par proposition publiée (les propositions "
        "masquées, rejetées ou retirées par leur auteur sont absentes). Aucune information "
        "sur l'auteur n'est publiée.",
        (("id", "Identifiant de la proposition dans Parlons (celui de sa page publique)."),
         ("reference", "Numéro de ligne dans cet export."),
         ("title", "Titre de la proposition (version masquée par la modération le cas "
                   "échéant)."),
         ("body", "Texte de la proposition."),
         ("createdAt", "Date de dépôt (UTC, AAAA-MM-JJ ; voir la règle de territoire et de "
                       "date)."),
         ("territory", "Code du territoire visé par la proposition : « FR » (France "
                       "entière), « R » suivi du code INSEE d'une région, ou code de "
                       "département ; vide s'il n'en a pas été indiqué."),
         ("territoryName", "Nom de ce territoire, par exemple « Rhône (69) »."),
         ("themeId", "Identifiant du thème choisi par l'auteur, vide sinon."),
         ("argumentsFor", "Nombre d'arguments « pour » publiés."),
         ("argumentsAgainst", "Nombre d'arguments « contre » publiés."))),
    "arguments": (
        "Arguments publiés", "une ligne par argument publié sur une proposition publiée. "
        "Aucune information sur l'auteur n'est publiée.",
        (("id", "Identifiant de l'argument dans Parlons."),
         ("reference", "Numéro de ligne dans cet export."),
         ("proposalId", "Identifiant de la proposition discutée (colonne `id` du fichier "
                        "des propositions)."),
         ("side", "« pour » ou « contre » la proposition."),
         ("body", "Texte de l'argument."),
         ("createdAt", "Date de dépôt (UTC, AAAA-MM-JJ ; voir la règle de date)."))),
    "votes": (
        "Résultats des votes", "une ligne par élément soumis au vote et par phase de vote : "
        "des décomptes, jamais un bulletin ni un votant.",
        (("phaseId", "Identifiant de la phase de vote."),
         ("phaseTitle", "Titre de la phase de vote."),
         ("itemId", "Identifiant de l'élément soumis au vote (une proposition : colonne `id` "
                    "du fichier des propositions)."),
         ("itemTitle", "Titre de la proposition, vide si elle n'est plus publiée."),
         ("frozen", "« true » si les résultats de la phase close sont figés, « false » s'il "
                    "s'agit du décompte en cours."),
         ("support", "Nombre de soutiens."),
         ("agree", "Nombre de votes « d'accord »."),
         ("disagree", "Nombre de votes « pas d'accord »."),
         ("neutral", "Nombre de votes « neutre »."))),
}


def table_dictionary(consultation: Doc, what: str) -> str:
    """The dictionary of the proposals', arguments' or votes' file."""
    title, rows, columns = TABLES[what]
    lines = [f"# Dictionnaire des données : {title.lower()}", "",
             f"Consultation : {consultation.get('title', '')}. Un fichier CSV (UTF-8, "
             f"séparateur virgule), {rows}", "",
             "| colonne | contenu |", "|---|---|",
             *(f"| `{name}` | {text} |" for name, text in columns)]
    if what != "votes":
        lines += ["", SCRUBBED, "", K_ANONYMOUS]
    return "\n".join(lines) + "\n"
