from __future__ import annotations

import pytest

from services.core.errors import DomainError
from services.territory import departement, departements, lookup_postcode, regions


def test_a_postcode_gives_its_communes_departement_and_region() -> None:
    place = lookup_postcode("69001")
    assert place.communes == ("Lyon 1er Arrondissement",)
    assert place.departement.code == "69"
    assert place.departement.name == "Rhône"
    assert place.region.name == "Auvergne-Rhône-Alpes"


def test_a_postcode_may_serve_several_communes() -> None:
    place = lookup_postcode("01400")
    assert "L'Abergement-Clémenciat" in place.communes
    assert len(place.communes) > 1


@pytest.mark.parametrize(("postcode", "dep", "region"), [
    ("20000", "2A", "Corse"),    # Ajaccio: 200xx
    ("20167", "2A", "Corse"),    # 201xx
    ("20200", "2B", "Corse"),    # Bastia: 202xx
    ("20600", "2B", "Corse"),
    ("97400", "974", "La Réunion"),
    ("97139", "971", "Guadeloupe"),
    ("97600", "976", "Mayotte"),
    ("75011", "75", "Île-de-France"),
    ("13001", "13", "Provence-Alpes-Côte d'Azur"),
])
def test_departement_rules(postcode: str, dep: str, region: str) -> None:
    place = lookup_postcode(postcode)
    assert (place.departement.code, place.region.name) == (dep, region)


@pytest.mark.parametrize("postcode", ["00000", "99999", "75999"])
def test_an_unknown_postcode_is_refused_in_french(postcode: str) -> None:
    with pytest.raises(DomainError) as err:
        lookup_postcode(postcode)
    assert err.value.code == "unknown_postcode"
    assert err.value.field == "postcode"
    assert "inconnu" in err.value.message


@pytest.mark.parametrize("postcode", ["7500", "750011", "ABCDE", ""])
def test_a_malformed_postcode_is_refused(postcode: str) -> None:
    with pytest.raises(DomainError) as err:
        lookup_postcode(postcode, field="meeting.postcode")
    assert err.value.code == "invalid_postcode"
    assert err.value.field == "meeting.postcode"


def test_the_map_has_101_departements_in_18_regions() -> None:
    assert len(departements()) == 101
    assert len(regions()) == 18
    assert departement("2B").region.code == "94"
