"""French territories: postcodes -> communes, département, région.

Reference data ships in `data/zip.csv` (La Poste's postcode base, see data/README.md)
and is loaded lazily, once, on first use. Pure lookups otherwise: no I/O after load.
"""

from services.territory.lookup import (
    Departement,
    Place,
    Region,
    departement,
    departement_of_postcode,
    departements,
    lookup_postcode,
    region,
    regions,
)

__all__ = [
    "Departement",
    "Place",
    "Region",
    "departement",
    "departement_of_postcode",
    "departements",
    "lookup_postcode",
    "region",
    "regions",
]
