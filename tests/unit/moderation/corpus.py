"""A synthetic but realistic French corpus for campaign detection: distinct
contributions built from templates x vocabulary, and one campaign text copied
with small variations (greetings, signatures, synonyms, typos, a dropped word).
Deterministic for a given seed. Used by the campaign test and bench/deposit.py."""

from __future__ import annotations

import random

OPENINGS = ["Je pense que", "À mon avis,", "Il me semble que", "Je propose que",
            "Il faudrait que", "Selon moi,", "Franchement,", "Pour ma part, je souhaite que",
            "Dans ma commune,", "Comme beaucoup d'habitants, je trouve que", "Il est urgent que",
            "Je demande que", "Nous aimerions que", "En tant que retraité, je pense que",
            "En tant que parent, je voudrais que", "Ma proposition :"]
SUBJECTS = ["les transports en commun", "la fiscalité locale", "les services publics",
            "les maisons de santé", "les écoles rurales", "les pistes cyclables",
            "les petits commerces", "la rénovation des logements", "les aides aux agriculteurs",
            "la collecte des déchets", "les bibliothèques", "les lignes de train régionales",
            "les impôts sur le revenu", "la taxe foncière", "les associations sportives",
            "l'accès à internet", "les bureaux de poste", "les urgences hospitalières",
            "la police de proximité", "les crèches", "les centres-villes",
            "le covoiturage", "les énergies renouvelables", "l'eau potable", "les jardins partagés",
            "l'apprentissage", "les personnes âgées isolées", "les services d'aide à domicile",
            "la démocratie locale", "les référendums d'initiative citoyenne",
            "le prix des carburants", "les déserts médicaux", "la cantine scolaire",
            "les zones commerciales", "les lycées professionnels", "les péages"]
ACTIONS = ["soient gratuits le week-end", "soient mieux financés par l'État",
           "restent ouverts le samedi", "soient développés en priorité dans les villages",
           "bénéficient d'un budget participatif", "soient contrôlés plus souvent",
           "deviennent accessibles aux personnes handicapées", "soient simplifiés",
           "soient rapprochés des habitants", "soient évalués chaque année",
           "soient gérés par les communes", "soient moins chers pour les jeunes",
           "fassent l'objet d'une concertation", "soient réorganisés avec les usagers",
           "soient soutenus par des aides ciblées", "soient modernisés rapidement",
           "ne soient plus supprimés", "soient mutualisés entre communes voisines"]
REASONS = ["car beaucoup de familles n'arrivent plus à boucler leurs fins de mois",
           "parce que les distances sont trop longues à la campagne",
           "puisque les jeunes quittent la région faute de perspectives",
           "car la voiture coûte de plus en plus cher", "afin de réduire la pollution en ville",
           "pour que chacun ait les mêmes droits partout sur le territoire",
           "car les délais d'attente sont devenus insupportables",
           "parce que les élus ne nous écoutent pas assez", "afin de recréer du lien social",
           "pour ne laisser personne au bord de la route", "car l'argent public doit servir à tous",
           "parce que nos enfants méritent mieux", "afin de soutenir l'emploi local",
           "car le climat nous impose d'agir vite",
           "pour que les retraités puissent rester chez eux",
           "parce que le numérique exclut encore trop de gens"]
EXTRAS = ["Dans mon village, le dernier médecin part à la retraite l'an prochain.",
          "Je prends le bus tous les jours et il est souvent en retard.",
          "Nous avons perdu notre bureau de poste il y a deux ans.",
          "Mon fils fait quarante kilomètres pour aller au lycée.",
          "Les prix ont beaucoup augmenté depuis l'an dernier.",
          "Les habitants sont prêts à s'impliquer si on leur fait confiance.",
          "Il existe déjà de bons exemples dans d'autres départements.",
          "Cela ne coûterait pas si cher si on s'organisait mieux.",
          "On pourrait commencer par une expérimentation sur deux ans.",
          "Les entreprises locales pourraient participer au financement.",
          "Il faut aussi penser aux personnes qui n'ont pas de voiture.",
          "Les communes rurales sont toujours oubliées.", "",
          "Je reste disponible pour en discuter lors d'une réunion publique.",
          "Merci d'avoir organisé cette consultation.", ""]
SECOND = ["Ici à {place}, {subject} {action}.", "Chez nous, {subject} {action}, {reason}.",
          "Il y a {n} ans, {subject} fonctionnaient mieux.",
          "À {place}, on attend depuis {n} mois que {subject} {action}.",
          "Et surtout, que {subject} {action}.", "Je vis à {place} depuis {n} ans.",
          "Quant à {subject}, il faudrait qu'ils {action}.",
          "Autre idée : que {subject} {action} {reason}."]
PLACES = ["Lyon", "Rennes", "Périgueux", "Arras", "Gap", "Mende", "Brest", "Colmar", "Nevers",
          "Tulle", "Dax", "Vesoul", "Albi", "Laval", "Niort", "Auch", "Épinal", "Cahors"]

CAMPAIGN = ("Nous, habitants de {place}, refusons la fermeture de la maternité de notre ville. "
            "Les futures mères devraient faire plus d'une heure de route pour accoucher, ce qui "
            "met leur vie et celle de leur enfant en danger. Nous demandons au gouvernement de "
            "maintenir ce service public essentiel et de recruter les sages-femmes et les "
            "médecins qui manquent. La santé n'est pas une marchandise.")
SYNONYMS = {"refusons": "rejetons", "essentiel": "indispensable", "demandons": "exigeons",
            "danger": "péril", "recruter": "embaucher", "manquent": "font défaut",
            "futures": "prochaines"}
GREETINGS = ["", "", "Bonjour, ", "Madame, Monsieur, ", "Bonjour à tous. "]
SIGNATURES = ["", "", " Merci.", " Un collectif de citoyens.", " Signé : une habitante.",
              " Merci de nous entendre !"]


def distinct(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        first = (f"{rng.choice(OPENINGS)} {rng.choice(SUBJECTS)} {rng.choice(ACTIONS)}, "
                 f"{rng.choice(REASONS)}.")
        second = rng.choice(SECOND).format(
            place=rng.choice(PLACES), subject=rng.choice(SUBJECTS), action=rng.choice(ACTIONS),
            reason=rng.choice(REASONS), n=rng.randint(2, 40))
        parts = [first, second, *rng.sample(EXTRAS, rng.randint(0, 2))]
        rng.shuffle(parts)
        text = " ".join(p for p in parts if p)
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def campaign_copies(n: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        text = CAMPAIGN.format(place=rng.choice(PLACES))
        for word in rng.sample(sorted(SYNONYMS), rng.randint(0, 3)):
            text = text.replace(word, SYNONYMS[word], 1)
        words = text.split(" ")
        if rng.random() < 0.5:  # a dropped word
            del words[rng.randrange(len(words))]
        if rng.random() < 0.5:  # a typo: two letters swapped
            i = rng.randrange(len(words))
            w = words[i]
            if len(w) > 3:
                j = rng.randrange(len(w) - 1)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
        text = rng.choice(GREETINGS) + " ".join(words) + rng.choice(SIGNATURES)
        out.append(text.upper() if rng.random() < 0.05 else text)
    return out


def mixed(n_distinct: int = 5000, n_copies: int = 500,
          seed: int = 3) -> list[tuple[str, str, bool]]:
    """(key, text, is_campaign_copy), shuffled."""
    items = [(f"d{i:05d}", t, False) for i, t in enumerate(distinct(n_distinct))]
    items += [(f"c{i:04d}", t, True) for i, t in enumerate(campaign_copies(n_copies))]
    random.Random(seed).shuffle(items)
    return items
