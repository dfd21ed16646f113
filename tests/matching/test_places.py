"""Places: city and court codes, postal codes, address words."""

import pytest

from matching.places import (
    CITY_ALIASES,
    HOST_CITY_NAMES,
    country_of_city,
    find_postal_code,
    is_moroccan_postal_code,
    parse_address,
    postal_area,
    standardise_city,
    standardise_court,
    standardise_postal_code,
)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Casablanca", "CASABLANCA"),
        ("CASABLANCA", "CASABLANCA"),
        ("Casa", "CASABLANCA"),
        ("Dar el Beida", "CASABLANCA"),
        ("Dar El Baida", "CASABLANCA"),
        ("casa maarif", "CASABLANCA"),
        ("20250 CASABLANCA", "CASABLANCA"),
        ("Aïn Sebaâ", "CASABLANCA"),
        ("Fès", "FES"),
        ("Fes", "FES"),
        ("Fez", "FES"),
        ("Marrakech", "MARRAKECH"),
        ("Marrakesh", "MARRAKECH"),
        ("MARRAKECHE", "MARRAKECH"),
        ("Tanger", "TANGER"),
        ("Tangier", "TANGER"),
        ("Tangiers", "TANGER"),
        ("Meknès", "MEKNES"),
        ("Salé", "SALE"),
        ("Kénitra", "KENITRA"),
        ("Tétouan", "TETOUAN"),
        ("Tetuan", "TETOUAN"),
        ("El Jadida", "EL_JADIDA"),
        ("ELJADIDA", "EL_JADIDA"),
        ("Mazagan", "EL_JADIDA"),
        ("Mohammedia", "MOHAMMEDIA"),
        ("Agadir", "AGADIR"),
        ("Oujda", "OUJDA"),
        ("Laâyoune", "LAAYOUNE"),
        ("Layoune", "LAAYOUNE"),
        ("Béni Mellal", "BENI_MELLAL"),
        ("Beni-Mellal", "BENI_MELLAL"),
        ("Nador", "NADOR"),
        ("Safi", "SAFI"),
        ("Khouribga", "KHOURIBGA"),
        ("Settat", "SETTAT"),
        ("Taza", "TAZA"),
        ("Er-Rachidia", "ERRACHIDIA"),
        ("Laraich", "LARACHE"),
        ("M'diq", "MDIQ"),
        ("Sidi Rahal", "SIDI_RAHAL"),  # not in the registry: its folded words
        ("-", None),
    ],
)
def test_city_is_one_code(raw: str, code: str | None) -> None:
    assert standardise_city(raw) == code


def test_every_alias_reads_as_its_own_city() -> None:
    misread = {
        alias: standardise_city(alias)
        for code, aliases in CITY_ALIASES.items()
        for alias in aliases
        if standardise_city(alias) != code
    }
    assert misread == {}


@pytest.mark.parametrize(
    ("names", "code"),
    [
        (("Malines", "Mechelen"), "MECHELEN"),  # Belgium writes its cities in French or Dutch
        (("Liège", "Luik", "LIEGE"), "LIEGE"),
        (("Bruxelles", "Brussel", "Bruxelles-Ville"), "BRUXELLES"),
        (("Molenbeek-Saint-Jean", "Sint-Jans-Molenbeek"), "MOLENBEEK"),
        (("Den Haag", "'s-Gravenhage", "La Haye"), "DEN_HAAG"),
        (("Lleida", "Lérida"), "LLEIDA"),  # Catalan and Castilian
        (("London", "Londres"), "LONDON"),
    ],
)
def test_a_city_abroad_is_one_code_under_its_names(names: tuple[str, ...], code: str) -> None:
    assert {standardise_city(name) for name in names} == {code}


def test_every_name_of_a_city_abroad_reads_as_that_city() -> None:
    misread = {name: standardise_city(name) for code, names in HOST_CITY_NAMES.items() for name in names
               if standardise_city(name) != code}
    assert misread == {}


def test_a_known_city_names_its_country() -> None:
    assert [country_of_city(code) for code in ("MECHELEN", "LLEIDA", "CASABLANCA", "BORDEAUX")] == [
        "BE", "ES", "MA", None]


def test_a_town_sharing_an_exonym_keeps_its_own_name() -> None:
    assert standardise_city("Valence") == "VALENCE"  # a town of the Drôme, not Valencia
    assert standardise_city("Bergen") == "BERGEN"  # a Dutch town, not Mons


def test_nearby_cities_stay_apart() -> None:
    assert len({standardise_city(city) for city in ("Rabat", "Salé", "Témara", "Kénitra", "Casablanca")}) == 5


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Tribunal de commerce de Casablanca", "CASABLANCA"),
        ("TC Casa", "CASABLANCA"),
        ("TPI Layoune", "LAAYOUNE"),
        ("RC GUELMIM", "GUELMIM"),
        ("Tribunal de première instance de Fès", "FES"),
        ("Tangier", "TANGER"),
        ("TRIBUNAL DE COMMERCE", None),
    ],
)
def test_court_is_the_code_of_its_seat(raw: str, code: str | None) -> None:
    assert standardise_court(raw) == code


@pytest.mark.parametrize(
    ("raw", "postal_code"),
    [("20000", "20000"), (" 20 250 ", "20250"), ("2000", "2000"), ("75011", "75011"), ("28001", "28001"),
     ("TQ13 8DF", "TQ138DF"), ("tq13 8df", "TQ138DF"), ("1012 AB", "1012AB"), ("1012-ab", "1012AB"),
     ("F-75011", "75011"), ("75011 CEDEX 11", "75011"), ("EC1A 1BB", "EC1A1BB"), ("1000-001", "1000001"),
     ("200", None), ("ABCDE", None), ("NEANT", None), ("PO BOX 12", None), ("BP 1234", None), ("-", None)],
)
def test_postal_code_of_any_country_is_compact(raw: str, postal_code: str | None) -> None:
    """Two captures of one code (spaces, dashes, case, an old country prefix) are equal; words are no code."""
    assert standardise_postal_code(raw) == postal_code


@pytest.mark.parametrize(
    ("code", "moroccan"), [("20250", True), ("75011", True), ("2025", False), ("TQ138DF", False), ("020250", False)],
)
def test_moroccan_postal_code_has_five_digits(code: str, moroccan: bool) -> None:
    assert is_moroccan_postal_code(code) is moroccan


@pytest.mark.parametrize(
    ("code", "area"),
    [("75011", "75"), ("75020", "75"), ("20250", "20"), ("28001", "28"), ("1000", "10"), ("1012AB", "10"),
     ("TQ138DF", "TQ13"), ("EC1A1BB", "EC1A"), ("K1A0B1", "K1A")],
)
def test_postal_area_is_the_outward_code_or_the_first_two_digits(code: str, area: str) -> None:
    """Paris 11e and 20e share the department 75; Newton Abbot TQ13 8DF and TQ13 7AA the outward code TQ13."""
    assert postal_area(code) == area


@pytest.mark.parametrize(
    ("raw", "postal_code"),
    [("CASABLANCA 20250", "20250"), ("20250-CASA", "20250"), ("CASABLANCA", None), ("123456 CASA", None)],
)
def test_postal_code_inside_other_text(raw: str, postal_code: str | None) -> None:
    assert find_postal_code(raw) == postal_code


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("12 Bd Zerktouni", ("12", "BOULEVARD", "ZERKTOUNI")),
        ("12 BLD ZERKTOUNI", ("12", "BOULEVARD", "ZERKTOUNI")),
        ("12, boulevard Zerktouni", ("12", "BOULEVARD", "ZERKTOUNI")),
        ("N° 12 Av. Hassan II", ("12", "AVENUE", "HASSAN", "II")),
        ("NUM 012 AVENUE HASSAN II", ("12", "AVENUE", "HASSAN", "II")),
        ("Résid. Al Amal Imm 4 Appt 05", ("RESIDENCE", "AL", "AMAL", "IMM", "4", "APPT", "5")),
        ("RES AL AMAL IMMEUBLE 4 APPARTEMENT 5", ("RESIDENCE", "AL", "AMAL", "IMM", "4", "APPT", "5")),
        ("2ème étage", ("2", "ETAGE")),
        ("1 er etg", ("1", "ETAGE")),
        ("Qu. Maarif", ("QUARTIER", "MAARIF")),
        ("Hay Mohammadi rue 5", ("HAY", "MOHAMMADI", "RUE", "5")),
        ("Rue d'Agadir", ("RUE", "AGADIR")),
        ("Lot. Al Wahda", ("LOT", "AL", "WAHDA")),
        ("Bloc E 12", ("BLOC", "E", "12")),
        # Clerks abroad shorten street words their own way.
        ("Molenstraat 104", ("MOLENSTR", "104")),
        ("Molenstr. 104", ("MOLENSTR", "104")),
        ("Hauptstraße 5", ("HAUPTSTR", "5")),
        ("C/ Mayor 12, 3º B", ("CALLE", "MAYOR", "12", "3", "B")),
        ("Calle Mayor 12", ("CALLE", "MAYOR", "12")),
        ("Avda. de la Constitución 5", ("AVENUE", "CONSTITUCION", "5")),
        ("Pza. de España 26", ("PLACE", "ESPANA", "26")),
        ("Chée de Gand 12", ("CHAUSSEE", "GAND", "12")),
        ("12 Church Rd", ("12", "CHURCH", "ROAD")),
    ],
)
def test_address_words_are_canonical(raw: str, words: tuple[str, ...]) -> None:
    assert parse_address(raw) == words
