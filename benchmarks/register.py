"""A persons-only historical register with ground truth, in the style of public person-linkage benchmarks.

About ten records per person (3 to 21, skewed), people of the United Kingdom, France, Spain and the Netherlands
born from 1800 on, known only by first name, family name, birth date, birth place (extra field `birth_place`), a
postal code of their country and an occupation (extra field `occupation`). No identifier, phone or e-mail.

Records differ the way transcribed registers do: nicknames, diminutives and abbreviations of given names
(Robert/Bob, Francisco/Paco, Jean-Pierre/J.-P.), initials, middle names in the first-name field or not, keyboard
and OCR errors, first and family name swapped, many missing values, a birth year one or two off, day and month
swapped, another plausible birth place (a neighbouring town, a short or long form), a postal code with or
without its space or from another address after a move, occupations named differently. Common family names are
shared by many unrelated people, and some sons carry their father's names and birth place.

    python -m benchmarks.register --records 50000 --seed 0 --out register.jsonl.gz --truth truth.csv
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.european_names import GivenName, draw_family, draw_given, initials, particle_variant
from benchmarks.noise import BirthDate, Record, distort_date, labelled_feed_main, misread, misspell
from benchmarks.synthetic import NETWORKS, Weighted, strip_accents

DEFAULT_RECORDS = 50_000

# Records per person, 3 to 21, most around six to ten: about ten on average.
RECORDS_PER_PERSON = tuple(zip(range(3, 22), (5.0, 7.0, 8.5, 9.0, 9.0, 8.5, 8.0, 7.0, 6.5, 6.0, 5.5, 5.0, 4.5, 4.0,
                                              3.5, 3.0, 2.5, 2.0, 1.5), strict=True))
COUNTRIES = (("UK", 45.0), ("FR", 30.0), ("ES", 15.0), ("NL", 10.0))
BORN_BEFORE_1900 = 0.6
MIDDLE_NAME_RATE = {"UK": 0.5, "FR": 0.3, "ES": 0.2, "NL": 0.4}
MOVED_RATE = 0.3                  # of persons: a second postal code after a move
NAMESAKE_SON_RATE = 0.03          # of persons: a son with his father's names and birth place
SECOND_OCCUPATION_RATE = 0.4

# Per record
SWAPPED_NAMES = 0.04
FIRST_MISSING = 0.04
FIRST_NICKNAME = 0.15
FIRST_INITIALS = 0.05
MIDDLE_SHOWN = 0.35               # of the records of a person with middle names
NAME_TYPO = 0.06                  # per name field
NAME_OCR = 0.03                   # per name field
ACCENTS_DROPPED = 0.3             # of records of a name with accents
FAMILY_MISSING = 0.02
UPPER_CASE = 0.15
BIRTH_DATE_MISSING = 0.15
YEAR_SHIFT = 0.06
DAY_MONTH_SWAP = 0.03
DAY_TYPO = 0.03
BIRTH_PLACE_MISSING = 0.2
BIRTH_PLACE_OTHER = 0.1           # a neighbouring town, or the place's short or long form
BIRTH_PLACE_TYPO = 0.03
POSTCODE_MISSING = 0.25
POSTCODE_SPACE_DROPPED = 0.3      # of UK and Dutch codes
POSTCODE_LOWER = 0.05
OCCUPATION_MISSING = 0.3
OCCUPATION_OTHER_NAME = 0.15


@dataclass(frozen=True, slots=True)
class Town:
    name: str
    country: str
    region: str
    postal: str  # UK postcode area, French département, Spanish province, Dutch 2-digit prefix
    aliases: tuple[str, ...]


def _towns(country: str, table: str) -> list[Town]:
    towns = []
    for line in table.strip().splitlines():
        name, region, postal, *aliases = (part.strip() for part in line.split("|"))
        towns.append(Town(name, country, region, postal, tuple(a for a in aliases if a)))
    return towns


TOWNS = (
    _towns("UK", """
        London | London | E | Westminster | London, England
        Islington | London | N | London
        Exeter | Devon | EX | Exeter, Devon
        Torquay | Devon | TQ | Torquay, Devon
        Newton Abbot | Devon | TQ | Newton Abbott
        Plymouth | Devon | PL | Plymouth, Devon
        Bristol | Gloucestershire | BS | City of Bristol
        Bath | Somerset | BA | Bath, Somerset
        Manchester | Lancashire | M | Salford
        Liverpool | Lancashire | L | Liverpool, Lancashire
        Preston | Lancashire | PR
        Leeds | Yorkshire | LS | Leeds, West Yorkshire
        Sheffield | Yorkshire | S | Sheffield, Yorkshire
        York | Yorkshire | YO | City of York
        Newcastle upon Tyne | Northumberland | NE | Newcastle | Newcastle-on-Tyne
        Birmingham | Warwickshire | B | Birmingham, England
        Nottingham | Nottinghamshire | NG
        Norwich | Norfolk | NR | Norwich, Norfolk
        Oxford | Oxfordshire | OX | Oxford, England
        Cambridge | Cambridgeshire | CB
        Brighton | Sussex | BN | Brighton and Hove
        Canterbury | Kent | CT | Canterbury, Kent
        Edinburgh | Midlothian | EH | Leith
        Glasgow | Lanarkshire | G | Glasgow, Scotland
        Aberdeen | Aberdeenshire | AB
        Cardiff | Glamorgan | CF | Caerdydd
        Swansea | Glamorgan | SA | Abertawe
        Belfast | Antrim | BT | Belfast, Ireland
        """),
    _towns("FR", """
        Paris | Île-de-France | 75 | Paris 11e | Paris, France
        Versailles | Île-de-France | 78
        Saint-Denis | Île-de-France | 93 | St-Denis | Saint Denis
        Lyon | Rhône | 69 | Lyons
        Saint-Étienne | Rhône | 42 | Saint-Etienne | St-Étienne
        Marseille | Provence | 13 | Marseilles
        Toulon | Provence | 83
        Nice | Provence | 06 | Nizza
        Bordeaux | Gironde | 33
        Toulouse | Languedoc | 31
        Montpellier | Languedoc | 34
        Nantes | Bretagne | 44
        Rennes | Bretagne | 35
        Brest | Bretagne | 29 | Brest, Finistère
        Quimper | Bretagne | 29
        Lille | Nord | 59 | Lille, Nord
        Roubaix | Nord | 59
        Rouen | Normandie | 76
        Le Havre | Normandie | 76 | Havre
        Strasbourg | Alsace | 67 | Strassburg
        Dijon | Bourgogne | 21
        Limoges | Limousin | 87
        Clermont-Ferrand | Auvergne | 63 | Clermont
        Orléans | Centre | 45 | Orleans
        Tours | Centre | 37
        """),
    _towns("ES", """
        Madrid | Castilla | 28 | Madrid, España
        Toledo | Castilla | 45
        Salamanca | Castilla | 37
        Barcelona | Cataluña | 08 | Barcelone
        Girona | Cataluña | 17 | Gerona
        Sevilla | Andalucía | 41 | Seville | Séville
        Cádiz | Andalucía | 11 | Cadiz
        Málaga | Andalucía | 29 | Malaga
        Granada | Andalucía | 18 | Grenade
        Córdoba | Andalucía | 14 | Cordoba | Cordoue
        Valencia | Valencia | 46 | Valence
        Zaragoza | Aragón | 50 | Saragossa | Saragosse
        Bilbao | País Vasco | 48 | Bilbo
        San Sebastián | País Vasco | 20 | Donostia | San Sebastian
        Pamplona | Navarra | 31 | Iruña
        A Coruña | Galicia | 15 | La Coruña | Corunna
        """),
    _towns("NL", """
        Amsterdam | Holland | 10 | Amsterdam, Nederland
        Haarlem | Holland | 20
        Leiden | Holland | 23 | Leyden
        Den Haag | Holland | 25 | 's-Gravenhage | The Hague | La Haye
        Delft | Holland | 26
        Rotterdam | Holland | 30 | Rotterdam, Nederland
        Utrecht | Utrecht | 35
        Groningen | Groningen | 97
        Eindhoven | Brabant | 56
        Nijmegen | Gelderland | 65 | Nimwegen
        """),
)
TOWNS_BY_COUNTRY = {towns[0].country: tuple(towns) for towns in TOWNS}
TOWNS_BY_REGION: dict[tuple[str, str], list[Town]] = {}
for _towns_of_country in TOWNS:
    for _town in _towns_of_country:
        TOWNS_BY_REGION.setdefault((_town.country, _town.region), []).append(_town)

OCCUPATIONS = {
    "politician": ("statesman", "member of parliament"), "painter": ("artist",), "priest": ("clergyman", "cleric"),
    "soldier": ("military officer", "officer"), "lawyer": ("barrister", "solicitor", "jurist"),
    "physician": ("doctor", "medical doctor"), "writer": ("author", "novelist"), "poet": ("writer",),
    "farmer": ("agriculturalist", "yeoman"), "merchant": ("businessperson", "trader"), "engineer": ("civil engineer",),
    "teacher": ("schoolteacher", "educator"), "composer": ("musician",), "architect": ("builder",),
    "sculptor": ("artist",), "journalist": ("editor",), "civil servant": ("official",), "banker": ("financier",),
    "actor": ("stage actor",), "singer": ("opera singer",), "cricketer": ("sportsperson",),
    "footballer": ("association football player",), "botanist": ("naturalist",), "historian": ("scholar",),
    "judge": ("magistrate",), "diplomat": ("ambassador",), "naval officer": ("sailor",), "surgeon": ("physician",),
    "mathematician": ("scientist",), "missionary": ("priest",), "photographer": ("artist",), "nurse": ("midwife",),
    "weaver": ("textile worker",), "miner": ("coal miner",), "carpenter": ("joiner",), "publisher": ("printer",),
}
OCCUPATION_TABLE = Weighted((name, 1.0 / (rank + 1) ** 0.7) for rank, name in enumerate(OCCUPATIONS))
RECORD_COUNT_TABLE = Weighted(RECORDS_PER_PERSON)
COUNTRY_TABLE = Weighted(COUNTRIES)
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters UK inward codes use


@dataclass(frozen=True, slots=True)
class RegisterPerson:
    entity_id: str
    country: str
    given: GivenName
    middles: tuple[str, ...]
    family: str
    birth: BirthDate
    birth_place: Town
    postcodes: tuple[str, ...]  # the first, then one after a move
    occupations: tuple[str, ...]


def make_postcode(rng: random.Random, town: Town) -> str:
    """A postal code of the town in its country's format: "TQ13 8DF", "75011", "28014", "1012 AB"."""
    if town.country == "UK":
        return (f"{town.postal}{rng.randint(1, 20)} {rng.randint(0, 9)}"
                f"{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}")
    if town.country == "NL":
        return f"{town.postal}{rng.randint(10, 99)} {rng.choice('ABCDEGHJKLMNPRST')}{rng.choice('ABCDEGHJKLMNPRSTVWX')}"
    if town.postal == "75":
        return f"750{rng.randint(1, 20):02d}"
    return f"{town.postal}{rng.choice(('000', '100', '200', '001', '002', '003', '004', '005', '006', '010'))}"


class Register:
    """One seeded run: the people, then their records, then one shuffle of all records."""

    def __init__(self, n_records: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n_records = n_records
        self.people: list[RegisterPerson] = []

    def draw_birth(self) -> BirthDate:
        rng = self.rng
        year = rng.randint(1800, 1899) if rng.random() < BORN_BEFORE_1900 else rng.randint(1900, 1990)
        return BirthDate(year, rng.randint(1, 12), rng.randint(1, 28))

    def make_person(self) -> RegisterPerson:
        rng = self.rng
        entity_id = f"REG-{len(self.people) + 1:06d}"
        if self.people and rng.random() < NAMESAKE_SON_RATE:
            father = rng.choice(self.people)
            if father.given.sex == "M":
                birth = BirthDate(father.birth.year + rng.randint(20, 35), rng.randint(1, 12), rng.randint(1, 28))
                home = rng.choice(TOWNS_BY_COUNTRY[father.country])
                return RegisterPerson(entity_id, father.country, father.given, father.middles, father.family, birth,
                                      father.birth_place, self.draw_postcodes(home), self.draw_occupations())
        country = COUNTRY_TABLE.draw(rng.random())
        sex = rng.choice("MF")
        given = draw_given(country, sex, rng.random())
        middles: tuple[str, ...] = ()
        if rng.random() < MIDDLE_NAME_RATE[country]:
            count = 1 if rng.random() < 0.75 else 2
            middles = tuple(draw_given(country, sex, rng.random()).name for _ in range(count))
            middles = tuple(m for m in dict.fromkeys(middles) if m != given.name)
        birth_place = rng.choice(TOWNS_BY_COUNTRY[country])
        home = birth_place if rng.random() < 0.6 else rng.choice(TOWNS_BY_COUNTRY[country])
        return RegisterPerson(entity_id, country, given, middles, draw_family(country, rng.random()),
                              self.draw_birth(), birth_place, self.draw_postcodes(home), self.draw_occupations())

    def draw_postcodes(self, home: Town) -> tuple[str, ...]:
        first = make_postcode(self.rng, home)
        if self.rng.random() >= MOVED_RATE:
            return (first,)
        moved_to = home if self.rng.random() < 0.5 else self.rng.choice(TOWNS_BY_COUNTRY[home.country])
        return first, make_postcode(self.rng, moved_to)

    def draw_occupations(self) -> tuple[str, ...]:
        first = OCCUPATION_TABLE.draw(self.rng.random())
        if self.rng.random() >= SECOND_OCCUPATION_RATE:
            return (first,)
        second = OCCUPATION_TABLE.draw(self.rng.random())
        return (first,) if second == first else (first, second)

    # --- One record ---------------------------------------------------------------------------------------
    def render(self, person: RegisterPerson, number: int) -> Record:
        rng = self.rng
        first, family = self.render_first_name(person), self.render_family_name(person)
        if rng.random() < SWAPPED_NAMES:
            first, family = family, first
        upper = rng.random() < UPPER_CASE
        record: Record = {
            "source_system": NETWORKS[rng.randrange(len(NETWORKS))],
            "source_record_id": f"REG{number:07d}",
            "party_type": "person",
            "first_name": first.upper() if upper and first else first,
            "last_name": family.upper() if upper and family else family,
            "birth_date": self.render_birth_date(person.birth),
            "birth_place": self.render_birth_place(person.birth_place),
            "postal_code": self.render_postcode(person),
            "occupation": self.render_occupation(person),
        }
        return record

    def garble(self, text: str) -> str:
        u = self.rng.random()
        if u < NAME_TYPO:
            return misspell(self.rng, text)
        if u < NAME_TYPO + NAME_OCR:
            return misread(self.rng, text)
        return text

    def render_first_name(self, person: RegisterPerson) -> str:
        rng = self.rng
        given = person.given
        u = rng.random()
        if u < FIRST_MISSING:
            return ""
        u -= FIRST_MISSING
        if u < FIRST_NICKNAME:
            text = rng.choice(given.variants)
        elif u < FIRST_NICKNAME + FIRST_INITIALS:
            text = " ".join(initials(name) for name in (given.name, *person.middles))
        else:
            text = given.name
            if person.middles and rng.random() < MIDDLE_SHOWN:
                text = " ".join((text, *person.middles))
        if rng.random() < ACCENTS_DROPPED:
            text = strip_accents(text)
        return self.garble(text)

    def render_family_name(self, person: RegisterPerson) -> str:
        rng = self.rng
        if rng.random() < FAMILY_MISSING:
            return ""
        text = particle_variant(person.family, rng.random()) if person.country == "NL" else person.family
        if rng.random() < ACCENTS_DROPPED:
            text = strip_accents(text)
        return self.garble(text)

    def render_birth_date(self, birth: BirthDate) -> str:
        rng = self.rng
        if rng.random() < BIRTH_DATE_MISSING:
            return ""
        date = distort_date(rng, birth, YEAR_SHIFT, DAY_MONTH_SWAP, DAY_TYPO)
        u = rng.random()
        if u < 0.7:
            return f"{date.year:04d}-{date.month:02d}-{date.day:02d}"
        if u < 0.9:
            return f"{date.day:02d}/{date.month:02d}/{date.year:04d}"
        return f"{date.day:02d}.{date.month:02d}.{date.year:04d}"

    def render_birth_place(self, town: Town) -> str:
        rng = self.rng
        u = rng.random()
        if u < BIRTH_PLACE_MISSING:
            return ""
        u -= BIRTH_PLACE_MISSING
        if u < BIRTH_PLACE_OTHER:
            neighbours = [t for t in TOWNS_BY_REGION[town.country, town.region] if t != town]
            choices = [*town.aliases, *(t.name for t in neighbours)]
            return rng.choice(choices) if choices else town.name
        if u < BIRTH_PLACE_OTHER + BIRTH_PLACE_TYPO:
            return misspell(rng, town.name)
        return town.name

    def render_postcode(self, person: RegisterPerson) -> str:
        rng = self.rng
        if rng.random() < POSTCODE_MISSING:
            return ""
        code = rng.choice(person.postcodes)
        if " " in code and rng.random() < POSTCODE_SPACE_DROPPED:
            code = code.replace(" ", "")
        if rng.random() < POSTCODE_LOWER:
            code = code.lower()
        return code

    def render_occupation(self, person: RegisterPerson) -> str:
        rng = self.rng
        if rng.random() < OCCUPATION_MISSING:
            return ""
        occupation = rng.choice(person.occupations)
        if rng.random() < OCCUPATION_OTHER_NAME:
            return rng.choice(OCCUPATIONS[occupation])
        return occupation

    def run(self) -> tuple[list[Record], list[str]]:
        owners: list[RegisterPerson] = []
        while len(owners) < self.n_records:
            person = self.make_person()
            self.people.append(person)
            owners.extend([person] * RECORD_COUNT_TABLE.draw(self.rng.random()))
        del owners[self.n_records:]
        self.rng.shuffle(owners)
        records = [self.render(person, number) for number, person in enumerate(owners, 1)]
        return records, [person.entity_id for person in owners]


def generate_register(n_records: int = DEFAULT_RECORDS, seed: int = 0) -> tuple[list[Record], list[str]]:
    """Exactly n_records records of a persons-only register, and the true person of each, in the same order."""
    return Register(n_records, seed).run()


def main(argv: Sequence[str] | None = None) -> int:
    return labelled_feed_main(argv, "python -m benchmarks.register", __doc__.splitlines()[0], DEFAULT_RECORDS,
                              generate_register)


if __name__ == "__main__":
    raise SystemExit(main())
