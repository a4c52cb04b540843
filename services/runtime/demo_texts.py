"""French texts of the demo's participation (services/runtime/demo_participation.py):
what participants wrote in the bike consultation and how the room leans on each."""

from __future__ import annotations

# (title, body, share who agree, share who disagree); the rest vote neutral.
# The first five are the irritants the demo's news article calls « retenus ».
IRRITANTS: list[tuple[str, str, float, float]] = [
    ("Les carrefours dangereux",
     "Aux grands carrefours (Perrache, place Jean-Macé, pont Pasteur), aucune traversée "
     "n'est prévue pour les vélos : on se retrouve au milieu des voitures qui tournent.",
     0.88, 0.04),
    ("Le stationnement sauvage sur les bandes cyclables",
     "Chaque matin, des livraisons et des voitures garées en double file occupent la bande "
     "cyclable de la rue Garibaldi. Il faut se déporter dans la circulation.",
     0.84, 0.06),
    ("Le manque d'arceaux",
     "Près des commerces, des écoles et des médiathèques, il n'y a pas assez d'arceaux : "
     "les vélos sont attachés aux grilles et aux panneaux.",
     0.79, 0.05),
    ("Les itinéraires qui s'interrompent",
     "La piste s'arrête net au bout du quai, sans indication, puis reprend 300 mètres plus "
     "loin de l'autre côté de la rue.",
     0.74, 0.08),
    ("L'éclairage des pistes le soir",
     "Le long des berges et dans les parcs, les pistes ne sont pas éclairées : l'hiver, on "
     "ne voit ni les trous ni les piétons.",
     0.68, 0.10),
    ("Le revêtement dégradé",
     "Racines, nids-de-poule et bordures mal raccordées rendent certaines pistes plus "
     "dangereuses que la chaussée.",
     0.55, 0.12),
    ("Les vols de vélos",
     "Deux vélos volés en un an devant la gare : il manque des abris fermés et surveillés.",
     0.52, 0.14),
    ("Les feux trop longs pour les vélos",
     "Les cycles des feux sont réglés pour les voitures : on attend longtemps à chaque "
     "carrefour, ce qui pousse certains à griller le feu.",
     0.38, 0.30),
    ("Les trottinettes sur les pistes cyclables",
     "Les trottinettes rapides doublent sans prévenir sur des pistes trop étroites pour deux.",
     0.35, 0.34),
    ("Le partage des voies de bus",
     "Rouler dans les couloirs de bus, avec un bus qui klaxonne derrière soi, n'a rien de "
     "rassurant.",
     0.31, 0.38),
]

# Solutions deposited in the phase open now: (title, body). The last one still waits
# in the moderation queue (the consultation is pre-moderated).
SOLUTIONS: list[tuple[str, str]] = [
    ("Des sas vélo et des feux décalés aux dix carrefours les plus signalés",
     "Un sas peint devant la ligne d'arrêt des voitures et un feu vert qui s'allume quelques "
     "secondes plus tôt pour les vélos, en commençant par les carrefours cités le plus "
     "souvent."),
    ("Des potelets le long des bandes cyclables des rues commerçantes",
     "Séparer physiquement la bande cyclable de la chaussée là où les livraisons l'occupent, "
     "avec des aires de livraison juste à côté."),
    ("Mille arceaux de plus près des écoles et des commerces",
     "Remplacer une place de voiture sur vingt par six arceaux, en priorité devant les "
     "écoles, les marchés et les équipements publics."),
    ("Un jalonnement continu des itinéraires",
     "Des panneaux à chaque interruption de piste, qui indiquent comment rejoindre la suite "
     "de l'itinéraire, en attendant les travaux de raccordement."),
]

# Open answers to a few Grand Débat questions, by the question's id in the official
# questionnaires (shared/data): what respondents of the demo write there. Each is
# written once: identical texts would be grouped as a copy-paste campaign.
OPEN_ANSWERS: dict[str, list[str]] = {
    "110": ["Des élus plus présents sur le terrain, qui rendent compte de leur mandat chaque "
            "année dans des réunions publiques.",
            "Publier les votes de chaque élu et expliquer les décisions avec des mots simples.",
            "Limiter le nombre de mandats dans le temps pour renouveler les élus.",
            "Organiser des permanences dans les mairies des petites communes, pas seulement "
            "en ville.",
            "Que les députés reviennent chaque mois dans leur circonscription écouter les "
            "habitants.",
            "Tirer au sort des citoyens pour suivre le travail du conseil municipal.",
            "Rendre les comptes rendus des conseils lisibles par tout le monde.",
            "Répondre aux courriers des habitants dans un délai fixé à l'avance."],
    "161": ["Développer les transports en commun le soir et le week-end pour laisser la "
            "voiture.",
            "Planter des arbres en ville et protéger les zones humides.",
            "Aider les ménages modestes à isoler leur logement.",
            "Interdire les emballages plastiques inutiles dans les supermarchés.",
            "Surveiller la qualité de l'air près des écoles et réduire la circulation aux "
            "heures d'entrée.",
            "Protéger le littoral en arrêtant de construire trop près de la mer.",
            "Favoriser les cantines bio et locales dans les collèges."],
    "150": ["Des transports en commun plus fréquents et moins chers.",
            "Des aides pour changer de chaudière sans avancer l'argent.",
            "Des pistes cyclables sûres entre les villages et la ville.",
            "Savoir concrètement ce que chaque geste change.",
            "Un bonus pour ceux qui réparent au lieu de racheter.",
            "Des commerces de vrac et des produits locaux moins chers.",
            "Le télétravail deux jours par semaine pour éviter les trajets."],
    "163": ["Que chacun paie selon ses moyens, y compris les très grandes entreprises.",
            "Simplifier les impôts et supprimer les niches fiscales.",
            "Lutter vraiment contre la fraude fiscale.",
            "Expliquer où va l'argent de nos impôts, ligne par ligne.",
            "Un impôt sur le revenu payé par tous, même symbolique, pour que chacun se sente "
            "concerné.",
            "Taxer davantage les transactions financières que le travail.",
            "Évaluer chaque année l'efficacité des dépenses publiques."],
    "164": ["La TVA sur les produits de première nécessité.",
            "La taxe foncière pour les retraités modestes.",
            "Les impôts sur le travail pour les petits salaires.",
            "Les droits de succession pour les petits patrimoines.",
            "La taxe sur les carburants dans les zones sans transports en commun.",
            "Les cotisations des artisans et des petits commerçants."],
    "174": ["Pouvoir faire ses démarches en ligne, mais aussi parler à quelqu'un au guichet.",
            "Une maison des services publics dans chaque canton.",
            "Des démarches plus simples pour les personnes âgées, sans internet.",
            "Un numéro de téléphone unique où l'on obtient une vraie réponse.",
            "Des bus itinérants pour les services publics dans les villages.",
            "Un dossier que l'on ne remplit qu'une fois pour toutes les administrations."],
    "179": ["La santé : il faut des médecins dans les campagnes.",
            "L'école : moins d'élèves par classe.",
            "La justice, trop lente pour les litiges du quotidien.",
            "Les transports publics dans les zones rurales.",
            "Les urgences des hôpitaux, saturées le week-end.",
            "La poste, qui ferme ses bureaux dans les bourgs.",
            "L'accompagnement des personnes handicapées et de leurs aidants."],
}

# Départements of the demo's respondents (the region around Lyon first).
# What a few respondents write after choosing « Autre » at the Grand Débat's closed
# questions that offer it (ids of the closed questions; their « [Autres] » part is
# the text): the statistics page links to them. Each is written once, as above.
OTHER_ANSWERS: dict[str, list[str]] = {
    "1160": ["Les déchets plastiques abandonnés le long des routes et des rivières.",
             "Le bruit des axes routiers près des écoles.",
             "La disparition des haies et des arbres dans les campagnes.",
             "Les sols qui s'imperméabilisent avec les nouvelles zones commerciales.",
             "La pollution lumineuse la nuit, même dans les villages."],
    "1207": ["Un bus à la demande réservable la veille par téléphone.",
             "Des trottinettes en libre-service jusqu'à la gare.",
             "Un train régional cadencé toutes les heures, même le dimanche.",
             "Des navettes d'entreprise partagées entre plusieurs employeurs de la zone."],
    "1206": ["Mieux lutter contre la fraude aux cotisations sociales des entreprises.",
             "Taxer davantage les transactions financières.",
             "Mettre à contribution les plus hauts patrimoines plutôt que les salaires.",
             "Revoir les niches fiscales qui profitent aux plus aisés."],
}

RESPONDENT_TERRITORIES = ("69", "69", "69", "01", "38", "42", "13", "35", "75", "971")
