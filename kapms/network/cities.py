"""A small city table for demo match requests (city centre coordinates, rounded).

Enough for the demo states (CA, OR, WA, NY); a real deployment would geocode addresses.
"""

CITIES = {
    "San Francisco, CA": (37.77, -122.42),
    "Oakland, CA": (37.80, -122.27),
    "Berkeley, CA": (37.87, -122.27),
    "San Jose, CA": (37.34, -121.89),
    "Sacramento, CA": (38.58, -121.49),
    "Fresno, CA": (36.74, -119.79),
    "Los Angeles, CA": (34.05, -118.24),
    "San Diego, CA": (32.72, -117.16),
    "Portland, OR": (45.52, -122.68),
    "Eugene, OR": (44.05, -123.09),
    "Bend, OR": (44.06, -121.31),
    "Seattle, WA": (47.61, -122.33),
    "Tacoma, WA": (47.25, -122.44),
    "Spokane, WA": (47.66, -117.43),
    "New York, NY": (40.71, -74.01),
    "Brooklyn, NY": (40.68, -73.94),
    "Albany, NY": (42.65, -73.76),
    "Buffalo, NY": (42.89, -78.88),
}

# ICD-10 diagnosis prefixes -> the needs they suggest (to prefill a patient's request).
DIAGNOSIS_NEEDS = {
    "F43.1": ["ptsd", "trauma"],
    "F32": ["depression"],
    "F33": ["depression"],
    "F41": ["anxiety"],
    "F42": ["ocd"],
    "F51": ["sleep"],
    "Z73.0": ["burnout"],
    "F1": ["substance_use"],
    "G89": ["chronic_pain"],
    "F43.2": ["grief"],
}


def needs_for_diagnosis(code: str | None) -> list[str]:
    """Needs suggested by a diagnosis code (longest matching prefix wins)."""
    if not code:
        return []
    for prefix in sorted(DIAGNOSIS_NEEDS, key=len, reverse=True):
        if code.upper().startswith(prefix):
            return list(DIAGNOSIS_NEEDS[prefix])
    return []
