"""A generated French corpus with planted themes and a planted copy-paste
campaign, for tests and the synthesis benchmark. Each text mixes words of its
theme (inflected variants, accents sometimes dropped, as people write) with
words shared by every theme and stop words."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from services.synthesis.themes.model import Contribution

THEMES: dict[str, list[str]] = {
    "transports": ["transports", "bus", "train", "trains", "vélo", "vélos", "pistes cyclables",
                   "covoiturage", "gare", "tramway", "horaires", "ligne", "métro", "voiture"],
    "fiscalité": ["impôts", "impôt", "taxe", "taxes", "fiscalité", "fiscale", "revenus",
                  "prélèvement", "TVA", "niches fiscales", "contribuables", "patrimoine"],
    "santé": ["hôpital", "hôpitaux", "médecins", "médecin", "urgences", "soins", "infirmières",
              "déserts médicaux", "santé", "patients", "pharmacie", "consultations"],
    "école": ["école", "écoles", "enseignants", "élèves", "classes", "professeurs", "collège",
              "lycée", "éducation", "cantine", "scolaire", "apprentissage"],
    "environnement": ["climat", "énergie", "renouvelables", "éoliennes", "pollution", "déchets",
                      "recyclage", "biodiversité", "carbone", "isolation", "forêts", "solaire"],
    "démocratie": ["référendum", "élus", "députés", "vote", "proportionnelle", "citoyens",
                   "démocratie", "assemblée", "mandat", "consultation", "RIC", "sénat"],
}
SHARED = ["propose", "faudrait", "problème", "situation", "gens", "France", "commune",
          "vraiment", "important", "question", "mieux", "idée", "besoin", "territoire"]
GLUE = ["il faut", "je pense que", "les", "des", "pour", "avec", "dans", "nous", "plus de",
        "moins de", "la", "le", "et", "mais", "sur", "pour que"]
CAMPAIGN_TEXT = ("Nous demandons la suppression immédiate de la taxe sur les carburants "
                 "et le rétablissement de l'ISF pour une fiscalité juste.")
START = date(2019, 1, 15)


@dataclass(frozen=True, slots=True)
class PlantedCorpus:
    contributions: list[Contribution]
    theme_of: dict[str, int]  # contribution -> planted theme (campaign copies excluded)
    campaign_of: dict[str, str]  # contribution -> campaign id (from moderation)


def _strip_accents_sometimes(word: str, rng: random.Random) -> str:
    if rng.random() < 0.15:
        return word.translate(str.maketrans("éèêàâôîûç", "eeeaaoiuc"))
    return word


def generate(n: int, *, seed: int = 0, campaign_copies: int = 0, days: int = 60,
             theme_words: int = 8, shared_words: int = 4) -> PlantedCorpus:
    rng = random.Random(seed)
    names = list(THEMES)
    contributions: list[Contribution] = []
    theme_of: dict[str, int] = {}
    for i in range(n):
        t = rng.randrange(len(names))
        words = [_strip_accents_sometimes(w, rng) for w in rng.choices(THEMES[names[t]],
                                                                        k=theme_words)]
        words += rng.choices(SHARED, k=shared_words)
        words += rng.choices(GLUE, k=theme_words)
        rng.shuffle(words)
        cid = f"ct-{i:07d}"
        day = START + timedelta(days=rng.randrange(days))
        contributions.append(Contribution(cid, " ".join(words).capitalize() + ".", day))
        theme_of[cid] = t
    campaign_of: dict[str, str] = {}
    for j in range(campaign_copies):
        cid = f"cp-{j:07d}"
        contributions.append(Contribution(cid, CAMPAIGN_TEXT,
                                          START + timedelta(days=3 + j % 5)))
        campaign_of[cid] = "campagne-1"
    return PlantedCorpus(contributions, theme_of, campaign_of)
