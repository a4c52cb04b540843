"""French texts of the demo consultations (services/consultation/demo.py)."""

from __future__ import annotations

# (kind, title, summary, Markdown body)
ARTICLES: list[tuple[str, str, str, str]] = [
    ("article", "Pourquoi ce grand débat ?",
     "Quatre thèmes, des questionnaires et des réunions près de chez vous.",
     "## Une consultation ouverte à toutes et à tous\n\n"
     "La Métropole reprend les **quatre thèmes** du Grand Débat national de 2019 :\n\n"
     "- la fiscalité et les dépenses publiques ;\n"
     "- l'organisation de l'État et des services publics ;\n"
     "- la transition écologique ;\n"
     "- la démocratie et la citoyenneté.\n\n"
     "Chaque thème a son questionnaire. Certaines questions n'apparaissent qu'en fonction "
     "de vos réponses précédentes (« Si oui, … »).\n\n"
     "Les questionnaires officiels sont publiés en données ouvertes sous "
     "[Licence Ouverte](https://www.etalab.gouv.fr/licence-ouverte-open-licence)."),
    ("article", "Comment vos contributions seront-elles utilisées ?",
     "Analyse, synthèse publique et réponses de la Métropole.",
     "Toutes les réponses sont **publiques et anonymisées**. Une synthèse sera publiée "
     "à la fin de la consultation, avec les réponses de la Métropole aux propositions "
     "les plus soutenues.\n\n"
     "> Aucune donnée personnelle n'est publiée."),
    ("news", "Les premières réunions locales ont eu lieu",
     "Lyon et Marseille ont ouvert le bal ; les comptes rendus sont en ligne.",
     "Plus de **150 personnes** ont participé aux deux premières réunions. Retrouvez "
     "leurs comptes rendus dans la rubrique « Rencontres »."),
]

# (title, day offset from today, address, postcode, lat, lon, (minutes, attendance) | None)
MEETINGS: list[tuple[str, int, str, str, float, float, tuple[str, int] | None]] = [
    ("Réunion publique : transition écologique", -12, "1 place de la Comédie", "69001",
     45.7676, 4.8344,
     ("Les participants ont surtout parlé du chauffage des logements anciens et des "
      "transports en commun le soir. Trois propositions ont été rédigées en séance.", 87)),
    ("Débat : fiscalité et dépenses publiques", -5, "2 quai du Port", "13002", 43.2961,
     5.3699,
     ("Échanges sur la lisibilité de l'impôt local et sur les services publics de "
      "proximité. Une demande forte d'information sur l'utilisation des impôts.", 64)),
    ("Atelier : démocratie et citoyenneté", 6, "Place de la Mairie", "35000", 48.1113,
     -1.6800, None),
    ("Réunion publique : services publics", 14, "Rue Achille René-Boisneuf", "97110", 16.2411,
     -61.5331, None),
]

BIKE_ARTICLES: list[tuple[str, str, str, str]] = [
    ("article", "Cinq étapes pour améliorer les trajets à vélo",
     "Irritants, vote, solutions, vote, synthèse : le calendrier.",
     "## Le principe\n\n"
     "1. Vous décrivez ce qui vous **gêne** à vélo (les *irritants*).\n"
     "2. Vous votez pour les irritants prioritaires.\n"
     "3. Vous proposez des **solutions** aux irritants retenus.\n"
     "4. Vous votez pour les meilleures solutions.\n"
     "5. La Métropole publie une synthèse et ses engagements."),
    ("news", "Les irritants retenus", "Le vote est clos : voici les cinq irritants retenus.",
     "Les carrefours dangereux, le stationnement sauvage sur les bandes cyclables, le manque "
     "d'arceaux, les discontinuités d'itinéraires et l'éclairage arrivent en tête."),
]

REPORT = (
    "## Synthèse de la commission\n\n"
    "La commission a examiné les **312 irritants** déposés. Elle recommande de traiter en "
    "priorité les carrefours signalés plus de dix fois et de publier un calendrier de "
    "travaux."
)
