"""Postcode lookups over `data/zip.csv`, loaded once on first use.

A postcode belongs to one département (its first 2 digits, 3 for overseas 97x;
Corsica's 20xxx splits into 2A for 200xx-201xx and 2B for 202xx-206xx) but may
serve several communes, and one commune may have several postcodes.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from services.core.errors import DomainError
from services.territory.geography import DEPARTEMENTS, REGION_OF_DEPARTEMENT, REGIONS

ZIP_CSV = Path(__file__).resolve().parents[2] / "data" / "zip.csv"
_POSTCODE = re.compile(r"^\d{5}$")


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Departement:
    code: str
    name: str
    region: Region


@dataclass(frozen=True, slots=True)
class Place:
    """What a postcode tells: its communes, département and région."""

    postcode: str
    communes: tuple[str, ...]
    departement: Departement

    @property
    def region(self) -> Region:
        return self.departement.region


@functools.cache
def _communes_by_postcode(path: Path = ZIP_CSV) -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            table.setdefault(row["ZipCode"], []).append(row["Name"])
    return {code: tuple(sorted(set(names))) for code, names in table.items()}


def region(code: str) -> Region:
    name, _ = REGIONS[code]
    return Region(code, name)


def regions() -> list[Region]:
    return [Region(code, name) for code, (name, _) in sorted(REGIONS.items())]


def departement(code: str) -> Departement:
    """The département of an INSEE code ("01", "2A", "974"); KeyError if unknown."""
    return Departement(code, DEPARTEMENTS[code], region(REGION_OF_DEPARTEMENT[code]))


def departements() -> list[Departement]:
    return [departement(code) for code in DEPARTEMENTS]


def departement_of_postcode(postcode: str) -> str:
    """The département code a postcode's digits point to (no existence check)."""
    if postcode.startswith("97"):
        return postcode[:3]
    if postcode.startswith("20"):
        return "2A" if int(postcode[2]) <= 1 else "2B"
    return postcode[:2]


def lookup_postcode(postcode: str, *, field: str = "postcode") -> Place:
    """The place of a postcode in La Poste's base, or a DomainError in French."""
    code = postcode.strip()
    if not _POSTCODE.match(code):
        raise DomainError("invalid_postcode",
                          "Le code postal doit compter 5 chiffres.", field=field)
    communes = _communes_by_postcode().get(code)
    dep = departement_of_postcode(code)
    if communes is None or dep not in DEPARTEMENTS:
        raise DomainError("unknown_postcode",
                          f"Le code postal {code} est inconnu.", field=field)
    return Place(code, communes, departement(dep))
