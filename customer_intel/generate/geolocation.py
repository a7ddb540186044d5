"""The geolocation file: rows around each zip prefix's centre, duplicates, points abroad, city spellings."""
from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

from customer_intel.generate.csv_format import header_line, random_quotes, write_rows
from customer_intel.generate.geography import ZipUniverse, accented, city_variant
from customer_intel.generate.hashing import MASK64
from customer_intel.generate.sampling import expand
from customer_intel.olist_files import BY_TABLE_NAME

BRAZIL_LAT_RANGE = (-33.69, 5.26)
BRAZIL_LNG_RANGE = (-73.98, -34.80)
#: Geolocation points far outside Brazil, as seen in the real file.
FOREIGN_POINTS = ((42.18, -8.72), (45.06, 9.34), (38.38, -9.16), (29.41, -98.48), (19.43, -101.47))
FOREIGN_POINT_PROBABILITY = 3e-5
GEOLOCATION_ACCENT_PROBABILITY = 0.12
GEOLOCATION_OTHER_VARIANT_PROBABILITY = 0.01
GEOLOCATION_DUPLICATE_PROBABILITY = 0.25
GEOLOCATION_PREFIXES_PER_CHUNK = 2_000


def _geolocation_columns(seed: int, universe: ZipUniverse, prefix_rows: np.ndarray, chunk_index: int
                         ) -> list[list[str]]:
    rng = np.random.default_rng([seed & MASK64, zlib.crc32(b"geolocation"), chunk_index])
    prefix_row, position = expand(universe.geolocation_rows[prefix_rows])
    prefix_row = prefix_rows[prefix_row]
    n = prefix_row.size
    lat = universe.lat[prefix_row] + 0.012 * rng.standard_normal(n)
    lng = universe.lng[prefix_row] + 0.012 * rng.standard_normal(n)
    lat = np.clip(lat, *BRAZIL_LAT_RANGE)
    lng = np.clip(lng, *BRAZIL_LNG_RANGE)
    city_choice = rng.random(n)
    variant_choice = rng.random(n)
    # Exact duplicates: a row repeats the last original row of its prefix.
    duplicate = (position > 0) & (rng.random(n) < GEOLOCATION_DUPLICATE_PROBABILITY)
    source = np.maximum.accumulate(np.where(duplicate, 0, np.arange(n)))
    lat, lng, city_choice, variant_choice = lat[source], lng[source], city_choice[source], variant_choice[source]
    foreign = rng.random(n) < FOREIGN_POINT_PROBABILITY
    if chunk_index == 0:
        foreign[[min(5, n - 1), min(40, n - 1)]] = True
    foreign_pick = rng.integers(0, len(FOREIGN_POINTS), n)
    foreign_points = np.array(FOREIGN_POINTS)
    lat = np.where(foreign, foreign_points[foreign_pick, 0] + 0.01 * rng.standard_normal(n), lat)
    lng = np.where(foreign, foreign_points[foreign_pick, 1] + 0.01 * rng.standard_normal(n), lng)

    cities = universe.city_names(prefix_row)
    states = universe.state_codes(prefix_row)
    accent = city_choice < GEOLOCATION_ACCENT_PROBABILITY
    other = ~accent & (city_choice < GEOLOCATION_ACCENT_PROBABILITY + GEOLOCATION_OTHER_VARIANT_PROBABILITY)
    for row in np.flatnonzero(accent).tolist():
        cities[row] = accented(cities[row])
    for row in np.flatnonzero(other).tolist():
        cities[row] = city_variant(cities[row], states[row], float(variant_choice[row]))
    return [
        random_quotes(universe.prefix_text[prefix_row].tolist(), rng.random(n), force_first=chunk_index == 0),
        list(map(repr, lat.tolist())),
        list(map(repr, lng.tolist())),
        cities,
        states,
    ]


def write_geolocation(out_dir: Path, seed: int, universe: ZipUniverse) -> int:
    rows = 0
    table = "geolocation"
    with open(out_dir / BY_TABLE_NAME[table].file_name, "w", encoding="utf-8", newline="") as stream:
        stream.write(header_line(table) + "\n")
        for chunk_index, start in enumerate(range(0, universe.size, GEOLOCATION_PREFIXES_PER_CHUNK)):
            prefix_rows = np.arange(start, min(universe.size, start + GEOLOCATION_PREFIXES_PER_CHUNK))
            rows += write_rows(stream, _geolocation_columns(seed, universe, prefix_rows, chunk_index))
    return rows
