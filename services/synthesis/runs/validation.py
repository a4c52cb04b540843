"""Pure decisions on a run's draft: every refusal is a French `DomainError`
and nothing is written. `run` and `themes` are the read models (tables.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.core.errors import DomainError
from services.core.events import DomainEvent
from services.core.values import fold_accents
from services.synthesis.runs import commands as c
from services.synthesis.runs import events as e

MAX_LABEL = 120
MAX_SPLIT = 500
MIN_THEMES, MAX_THEMES = 2, 50
SEED_MAX = 2**31 - 1  # what the clustering's random state takes


def check_run_request(cmd: c.RequestThemeRun) -> None:
    if cmd.mode not in ("full", "incremental"):
        raise DomainError("bad_mode", "Choisissez une analyse complète ou une mise à jour.",
                          field="mode")
    if not MIN_THEMES <= cmd.n_themes <= MAX_THEMES:
        raise DomainError("bad_n_themes", f"Le nombre de thèmes doit être compris entre "
                          f"{MIN_THEMES} et {MAX_THEMES}.", field="n_themes")
    if not 0 <= cmd.seed <= SEED_MAX:  # a huge positive one was told « un entier positif »
        raise DomainError("bad_seed", "La graine doit être un nombre entier compris entre 0 et "
                          f"{SEED_MAX:,}.".replace(",", "\u202f"), field="seed")


def editable(run: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if run is None:
        raise DomainError("unknown_run", "Cette analyse n'existe pas.")
    if run.get("status") != "done" or run.get("chunks_seen", 0) < run.get("member_chunks", 0):
        raise DomainError("run_not_ready", "Cette analyse n'est pas encore terminée.")
    if run.get("frozen"):
        raise DomainError("run_frozen", "Cette version est publiée et ne peut plus être "
                          "modifiée : lancez une mise à jour pour la faire évoluer.")
    return run


def theme(themes: Mapping[str, Mapping[str, Any]], theme_id: str,
          field: str = "theme_id") -> Mapping[str, Any]:
    found = themes.get(theme_id)
    if found is None:
        raise DomainError("unknown_theme", "Ce thème n'existe pas (ou plus) dans cette "
                          "analyse.", field=field)
    return found


def label(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise DomainError("label_required", "Donnez un nom au thème.", field="label")
    if len(name) > MAX_LABEL:
        raise DomainError("label_too_long", f"Le nom ne doit pas dépasser {MAX_LABEL} "
                          "caractères.", field="label")
    return name


def rename(cmd: c.RenameTheme, themes: Mapping[str, Mapping[str, Any]]) -> DomainEvent:
    theme(themes, cmd.theme_id)
    name = label(cmd.label)
    _unique(name, themes, but=cmd.theme_id)
    return e.ThemeRenamed(cmd.run_id, cmd.consultation_id, cmd.theme_id, name)


def _unique(name: str, themes: Mapping[str, Mapping[str, Any]], but: str = "") -> None:
    """Two themes of one analysis never share a name: the merge list and the
    published synthesis could not tell them apart."""
    folded = fold_accents(name).casefold()
    for theme_id, other in themes.items():
        if theme_id != but and fold_accents(str(other.get("label", ""))).casefold() == folded:
            raise DomainError("label_taken", "Un autre thème de cette analyse porte déjà ce "
                              "nom : choisissez-en un autre, ou fusionnez les deux thèmes.",
                              field="label")


def merge(cmd: c.MergeThemes, themes: Mapping[str, Mapping[str, Any]]) -> DomainEvent:
    theme(themes, cmd.theme_id)
    theme(themes, cmd.into_theme_id, "into_theme_id")
    if cmd.theme_id == cmd.into_theme_id:
        raise DomainError("merge_self", "Un thème ne peut pas être fusionné avec lui-même : "
                          "choisissez un autre thème.", field="into_theme_id")
    return e.ThemesMerged(cmd.run_id, cmd.consultation_id, cmd.theme_id, cmd.into_theme_id)


def split(cmd: c.SplitTheme, themes: Mapping[str, Mapping[str, Any]],
          part_of: Mapping[str, str]) -> DomainEvent:
    """`part_of`: the chosen contributions' current part (missing: not in the run)."""
    source = theme(themes, cmd.theme_id)
    name = label(cmd.label)
    _unique(name, themes)
    ids = sorted(set(cmd.contribution_ids))
    if not ids:
        raise DomainError("split_empty", "Cochez au moins une contribution à placer dans "
                          "le nouveau thème.", field="contribution_ids")
    if len(ids) > MAX_SPLIT:
        raise DomainError("split_too_big", f"Au plus {MAX_SPLIT} contributions à la fois.",
                          field="contribution_ids")
    if any(part_of.get(i) not in source["parts"] for i in ids):
        raise DomainError("split_foreign", "Certaines contributions choisies ne font pas "
                          "partie de ce thème.", field="contribution_ids")
    if len(ids) >= source["size"]:
        raise DomainError("split_all", "Il doit rester au moins une contribution dans le "
                          "thème d'origine.", field="contribution_ids")
    if cmd.new_theme_id in themes:
        raise DomainError("split_twice", "Ce découpage a déjà été enregistré.")
    return e.ThemeSplit(cmd.run_id, cmd.consultation_id, cmd.theme_id, cmd.new_theme_id,
                        name, ids)


def mark(cmd: c.MarkVerbatim, themes: Mapping[str, Mapping[str, Any]],
         part_of: Mapping[str, str]) -> DomainEvent:
    source = theme(themes, cmd.theme_id)
    if part_of.get(cmd.contribution_id) not in source["parts"]:
        raise DomainError("verbatim_foreign", "Cette contribution ne fait pas partie de ce "
                          "thème.", field="contribution_id")
    return e.VerbatimMarked(cmd.run_id, cmd.consultation_id, cmd.theme_id,
                            cmd.contribution_id, cmd.representative)
