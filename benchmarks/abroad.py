"""Moroccans abroad and foreign residents: a labelled feed of clients whose addresses, phones, papers and names
follow other countries' conventions.

Moroccans living in France, Spain, Belgium, the Netherlands and the United Kingdom are known by a CIN, a Moroccan
passport or their host country's residence permit (a Spanish NIE, a French titre de séjour), by a host-country
mobile written locally (`06 12 34 56 78`, `612 345 678`, `0470 12 34 56`, `07700 900123`, `06-12345678`) or
internationally (`+33 6 12 34 56 78`, `0034612345678`), at an address with a foreign postal code (`75011`,
`28001`, `1000`, `TQ13 8DF`, `1012 AB`); their names reach Latin script the way the host country transliterates
Arabic (Khalid/Jalid in Spain, Youssef/Joesoef in the Netherlands). Some of their records carry a Moroccan
address: the client lived there before leaving or moved back. Foreign residents of Morocco carry European names
with their nicknames (Francisco/Paco, Margaret/Peggy, Jean-Pierre/J.-P.), a passport or a Moroccan carte de
séjour, and sometimes their former address at home. Households share an address and a family name and are
different clients; a small share of clients are companies registered abroad. Ids, phones and e-mails are missing
on part of the records, and names are sometimes swapped.

    python -m benchmarks.abroad --records 20000 --seed 0 --out abroad.jsonl.gz --truth truth.csv
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from benchmarks.european_names import GivenName, draw_family, draw_given, initials, particle_variant
from benchmarks.noise import BirthDate, Record, distort_date, labelled_feed_main, misspell
from benchmarks.synthetic import Weighted, strip_accents

DEFAULT_RECORDS = 20_000

RECORDS_PER_CLIENT = ((1, 30.0), (2, 25.0), (3, 18.0), (4, 12.0), (5, 8.0), (6, 5.0), (7, 2.0))
GROUP_KINDS = (("moroccan_abroad", 55.0), ("foreign_resident", 25.0), ("household", 12.0), ("organization", 5.0))
HOST_COUNTRIES = (("FR", 40.0), ("ES", 25.0), ("BE", 15.0), ("NL", 12.0), ("UK", 8.0))
FOREIGN_NATIONALITIES = (("FR", 40.0), ("ES", 25.0), ("UK", 15.0), ("BE", 10.0), ("NL", 10.0))
HOUSEHOLD_SIZES = ((2, 45.0), (3, 30.0), (4, 25.0))
MOROCCAN_HOUSEHOLD = 0.75         # of households: a Moroccan family abroad, else a European one in Morocco
WIFE_KEEPS_NAME = 0.7             # Moroccan wives keep their family name; European ones mostly take their husband's
HOUSEHOLD_SHARED_PHONE = 0.3      # the family gives the landline
MOROCCAN_ADDRESS_RATE = 0.25      # of Moroccans abroad with 2+ records: part of them at a Moroccan address
HOME_ADDRESS_RATE = 0.2           # of foreign residents with 2+ records: part of them at their former address
HAS_PASSPORT = 0.6
HAS_RESIDENCE_PERMIT = 0.7
KEEPS_MOROCCAN_PHONE = 0.2        # Moroccans abroad who also give a Moroccan mobile

# Per record
ID_MISSING = 0.35
PHONE_MISSING = 0.3
EMAIL_MISSING = 0.55
ADDRESS_MISSING = 0.05
POSTCODE_MISSING = 0.15
BIRTH_DATE_MISSING = 0.08
SWAPPED_NAMES = 0.05
FULL_NAME_ONLY = 0.04             # one name field, family name first
USUAL_SPELLING = 0.65             # of Moroccan names: the host country's usual spelling, else a variant
NICKNAME = 0.12                   # of European given names
GIVEN_INITIALS = 0.03
NAME_TYPO = 0.03
ADDRESS_TYPO = 0.02
CITY_OTHER_LANGUAGE = 0.3         # of cities with a name in another language (Bruxelles/Brussel)
POSTCODE_VARIANT = 0.3            # without its space, with a country prefix (B-1000, F-75011)
INTERNATIONAL_PHONE = 0.5
YEAR_SHIFT = 0.01
DAY_MONTH_SWAP = 0.015
DAY_TYPO = 0.01
UPPER_CASE = 0.5

# Moroccan names: canonical | spellings any country uses | per-language spellings (the first is the usual one).
MOROCCAN_GIVEN = {
    "M": """
        Mohamed | Mohammed, Mohamad, Mhamed | ES: Mohamed, Mohammed | NL: Mohammed, Mohamed | EN: Mohammed, Muhammad
        Ahmed | Ahmad, Ahmet | ES: Ahmed, Ahmad | NL: Ahmed, Achmed | EN: Ahmed, Ahmad
        Khalid | Khaled | ES: Jalid, Khalid, Jaled | NL: Khalid, Chalid | EN: Khalid, Khaled
        Youssef | Youssouf, Youcef | ES: Yusef, Youssef, Yousef | NL: Youssef, Joesoef, Yousef | EN: Yusuf, Yousef
        Abdelkader | Abdelkadir, Abdelkhader | ES: Abdelkader, Abdelkáder | NL: Abdelkader, Abdelkadir | EN: Abdulqadir
        Rachid | Rashid, Rachide | ES: Rachid, Rachid | NL: Rachid, Rasjid | EN: Rashid, Rachid
        Hassan | Hasan, Hacen | ES: Hassan, Hasan | NL: Hassan, Hasan | EN: Hassan, Hasan
        Hicham | Hisham, Hichem | ES: Hicham, Hixam | NL: Hicham, Hisjam | EN: Hisham
        Said | Saïd, Saeed | ES: Said, Saíd | NL: Said, Saïd | EN: Saeed, Said
        Mustapha | Mustafa, Moustapha, Mostafa | ES: Mustafa, Mustapha | NL: Mustafa, Moestafa | EN: Mustafa
        Abdellah | Abdallah, Abdelah | ES: Abdellah, Abdalá | NL: Abdellah, Abdallah | EN: Abdullah, Abdallah
        Brahim | Ibrahim, Brahime | ES: Brahim, Ibrahim | NL: Brahim, Ibrahiem | EN: Ibrahim, Brahim
        Driss | Idriss, Idris | ES: Driss, Idris | NL: Driss, Idris | EN: Idris, Driss
        Omar | Oumar, Umar | ES: Omar, Umar | NL: Omar, Oemar | EN: Omar, Umar
        Jamal | Djamal, Jamel | ES: Yamal, Jamal | NL: Jamal, Djamal | EN: Jamal
        Karim | Kareem, Krim | ES: Karim, Carim | NL: Karim, Kariem | EN: Kareem, Karim
        Noureddine | Nourdine, Nour-Eddine | ES: Nuredin, Noureddine | NL: Noureddine, Noerdin | EN: Nuruddin
        Abderrahim | Abderahim, Abdurrahim | ES: Abderrahim, Abderrahím | NL: Abderrahim, Abdoerrahim | EN: Abdurrahim
        Mimoun | Mimoune, Maimoun | ES: Mimun, Mimoun | NL: Mimoun, Mimoen | EN: Maimun
        Bouchaib | Bouchaïb, Bouchta | ES: Buchaib, Bouchaib | NL: Bouchaib, Boesjaib | EN: Bushaib
        """,
    "F": """
        Fatima | Fatma, Fatimah, Fatiha | ES: Fátima, Fatima | NL: Fatima, Fatma | EN: Fatima, Fatimah
        Khadija | Khadidja, Khadîja | ES: Jadiya, Khadija, Jadija | NL: Khadija, Chadija | EN: Khadija, Khadeeja
        Aicha | Aïcha, Aisha | ES: Aixa, Aicha, Aisha | NL: Aicha, Aisja | EN: Aisha, Ayesha
        Zineb | Zaynab, Zeineb, Zainab | ES: Zineb, Zainab | NL: Zineb, Zeineb | EN: Zainab, Zaynab
        Naima | Naïma, Naema | ES: Naíma, Naima | NL: Naima, Naïma | EN: Naeema, Naima
        Malika | Malyka, Maleka | ES: Malika | NL: Malika | EN: Malika, Maleeka
        Najat | Nadjat, Nejat | ES: Nayat, Najat | NL: Najat, Nadjat | EN: Najat
        Hafida | Hafidha, Hafeda | ES: Hafida, Jafida | NL: Hafida | EN: Hafeeda, Hafida
        Samira | Sameera, Smira | ES: Samira | NL: Samira, Samiera | EN: Sameera, Samira
        Souad | Suad, Souade | ES: Suad, Souad | NL: Souad, Soead | EN: Suad
        Houria | Hourya, Hooria | ES: Huria, Houria | NL: Houria, Hoeria | EN: Huriya
        Latifa | Latefa, Lateefa | ES: Latifa | NL: Latifa, Latiefa | EN: Lateefa, Latifa
        Rachida | Rashida, Rachidah | ES: Rachida, Rachida | NL: Rachida, Rasjida | EN: Rashida
        Meryem | Myriam, Mariam, Maryam | ES: Mariam, Meryem | NL: Meryem, Mariam | EN: Maryam, Mariam
        Saida | Saïda, Saeeda | ES: Saida, Saída | NL: Saida, Saïda | EN: Saeeda, Saida
        """,
}
MOROCCAN_FAMILY = """
    El Idrissi | Idrissi, Elidrissi, El-Idrissi | ES: El Idrisi, Idrisi | NL: El Idrissi, Idrissi | EN: Al Idrisi
    Benali | Ben Ali, Ben-Ali | ES: Benali, Ben Alí | NL: Benali, Ben Ali | EN: Benali, Ben Ali
    El Amrani | Amrani, Elamrani | ES: El Amrani, Amrani | NL: El Amrani, Amrani | EN: Al Amrani
    Bakkali | El Bakkali, Bakali | ES: Bakali, El Bakkali | NL: Bakkali, El Bakkali | EN: Bakkali
    Tahiri | Tahri, Tahiry | ES: Tahiri | NL: Tahiri, Tahri | EN: Tahiri
    Boukhari | El Boukhari, Bokhari | ES: Bujari, Boukhari | NL: Boukhari, Boechari | EN: Bukhari
    Benjelloun | Ben Jelloun, Benjeloun | ES: Benyelun, Benjelloun | NL: Benjelloun, Benjelloen | EN: Benjelloun
    Ait Ouahmane | Aït Ouahmane, Ait-Ouahmane, Aitouahmane | ES: Ait Uahman | NL: Ait Ouahmane | EN: Ait Wahman
    Azzouzi | Azouzi, El Azzouzi | ES: Azuzi, Azzouzi | NL: Azzouzi, Azzoezi | EN: Azzouzi
    El Khattabi | Khattabi, Elkhattabi | ES: El Jatabi, Jatabi | NL: El Khattabi, Chattabi | EN: Al Khattabi
    Moussaoui | Mousaoui, El Moussaoui | ES: Musaui, Moussaoui | NL: Moussaoui, Moesaoui | EN: Musawi
    El Mansouri | Mansouri, Elmansouri | ES: El Mansuri, Mansuri | NL: El Mansouri, Mansoeri | EN: Al Mansuri
    Ouazzani | El Ouazzani, Wazzani | ES: Uazzani, Ouazzani | NL: Ouazzani, Wazzani | EN: Wazzani
    Alaoui | El Alaoui, Alaoui | ES: Alaui, Alaoui | NL: Alaoui, Alaoei | EN: Alawi
    Belhaj | Belhadj, Bel Haj | ES: Belhach, Belhaj | NL: Belhaj, Belhadj | EN: Belhaj
    Cherkaoui | Cherkawi, Sherkaoui | ES: Cherkaui, Cherkaoui | NL: Cherkaoui, Sjerkaoui | EN: Sharqawi
    Ziani | Zyani, Ezziani | ES: Ziani | NL: Ziani | EN: Ziani
    Laaroussi | Larousi, El Aroussi | ES: Laarusi, Laaroussi | NL: Laaroussi, Laaroesi | EN: Laarusi
    Haddouchi | Hadouchi, El Haddouchi | ES: Haduchi, Haddouchi | NL: Haddouchi, Haddoesji | EN: Haddushi
    Bouzid | Bouzit, Bou Zid | ES: Buzid, Bouzid | NL: Bouzid, Boezid | EN: Bouzid
    Ouchen | Ouchene, Oushen | ES: Uchen, Ouchen | NL: Ouchen, Oesjen | EN: Oushen
    Aarab | Arab, El Aarab | ES: Aarab, Arab | NL: Aarab | EN: Arab
    Hamdaoui | Hamdawi, El Hamdaoui | ES: Hamdaui, Hamdaoui | NL: Hamdaoui, Hamdaoei | EN: Hamdawi
    Zeroual | Zerouali, Zerwal | ES: Zerual, Zeroual | NL: Zeroual, Zeroeal | EN: Zerwal
    Chaoui | Chaouï, Echaoui | ES: Chaui, Chaoui | NL: Chaoui, Sjaoui | EN: Shawi
    Boulahya | Boulahia, Bou Lahya | ES: Bulahia, Boulahya | NL: Boulahya, Boelahya | EN: Boulahya
    Akhrif | Akhrife, El Akhrif | ES: Ajrif, Akhrif | NL: Akhrif, Achrif | EN: Akhrif
    Ouariachi | Ouariach, El Ouariachi | ES: Uariachi, Ouariachi | NL: Ouariachi, Wariachi | EN: Wariachi
    """
# Language of the spelling a country's clerks use: Belgian clerks write French in Brussels and Wallonia.
SPELLING_LANGUAGE = {"FR": "FR", "ES": "ES", "NL": "NL", "UK": "EN", "MA": "FR", "BE": "FR"}


@dataclass(frozen=True, slots=True)
class Spellings:
    """A Moroccan name's spellings per language (the first one usual), and those any country's clerks use."""

    by_language: dict[str, tuple[str, ...]]
    common: tuple[str, ...]

    def draw(self, rng: random.Random, language: str) -> str:
        usual = self.by_language.get(language) or self.by_language["FR"]
        if rng.random() < USUAL_SPELLING:
            return usual[0]
        return rng.choice((*usual[1:], *self.common) or usual)


def _spellings(table: str) -> list[Spellings]:
    rows = []
    for line in table.strip().splitlines():
        canonical, common, *languages = (part.strip() for part in line.split("|"))
        by_language: dict[str, tuple[str, ...]] = {"FR": (canonical,)}
        for part in languages:
            language, names = part.split(":")
            by_language[language.strip()] = tuple(n.strip() for n in names.split(","))
        rows.append(Spellings(by_language, tuple(n.strip() for n in common.split(","))))
    return rows


MOROCCAN_GIVEN_ROWS = {sex: _spellings(table) for sex, table in MOROCCAN_GIVEN.items()}
MOROCCAN_GIVEN_TABLES = {sex: Weighted((row, 1.0 / (rank + 1) ** 0.5) for rank, row in enumerate(rows))
                         for sex, rows in MOROCCAN_GIVEN_ROWS.items()}
MOROCCAN_FAMILY_TABLE = Weighted((row, 1.0 / (rank + 1) ** 0.6) for rank, row in enumerate(_spellings(MOROCCAN_FAMILY)))


# --- Places: city | other names | postal codes of the city ---------------------------------------------------------
@dataclass(frozen=True, slots=True)
class City:
    name: str
    country: str
    other_names: tuple[str, ...]
    postal_codes: tuple[str, ...]
    language: str


def _cities(country: str, table: str) -> list[City]:
    cities = []
    for line in table.strip().splitlines():
        name, others, codes, *language = (part.strip() for part in line.split("|"))
        cities.append(City(name, country, tuple(o.strip() for o in others.split(",") if o.strip()),
                           tuple(codes.split()), language[0] if language else SPELLING_LANGUAGE[country]))
    return cities


CITIES = {
    "FR": _cities("FR", """
        Paris | PARIS 11, Paris 18e, Paris 19e | 75011 75018 75019 75020 75010 75013
        Saint-Denis | St-Denis, St Denis | 93200
        Argenteuil | | 95100
        Mantes-la-Jolie | Mantes la Jolie | 78200
        Lyon | Lyon 8e, Lyon 3e | 69008 69003 69007
        Marseille | Marseille 3e, Marseille 15e | 13003 13015 13014
        Montpellier | | 34000 34070 34080
        Toulouse | | 31000 31100 31200
        Lille | | 59000 59800
        Roubaix | | 59100
        Strasbourg | | 67000 67100
        Orléans | Orleans | 45000 45100
        Nice | | 06000 06200 06300
        Bordeaux | | 33000 33300
        """),
    "ES": _cities("ES", """
        Madrid | | 28001 28005 28012 28019 28026 28045
        Barcelona | Barcelone | 08001 08019 08030 08042
        Málaga | Malaga | 29001 29006 29010
        Almería | Almeria | 04001 04007 04009
        Murcia | Murcie | 30001 30010 30012
        Valencia | València, Valence | 46001 46011 46017
        Tarragona | Tarragone | 43001 43005
        Girona | Gerona | 17001 17003
        Lleida | Lérida, Lerida | 25001 25005
        Algeciras | | 11201 11203 11207
        """),
    "BE": _cities("BE", """
        Bruxelles | Brussel, Brussels, Bruxelles-Ville | 1000
        Molenbeek-Saint-Jean | Sint-Jans-Molenbeek, Molenbeek | 1080
        Schaerbeek | Schaarbeek | 1030
        Anderlecht | | 1070
        Saint-Josse-ten-Noode | Sint-Joost-ten-Node | 1210
        Liège | Luik, Liege | 4000 4020
        Charleroi | | 6000
        Antwerpen | Anvers, Antwerp | 2000 2060 2140 | NL
        Gent | Gand, Ghent | 9000 | NL
        Mechelen | Malines | 2800 | NL
        """),
    "NL": _cities("NL", """
        Amsterdam | | 1012 1055 1062 1093 1103
        Rotterdam | | 3011 3025 3082
        Den Haag | 's-Gravenhage, La Haye, The Hague | 2512 2525 2531
        Utrecht | | 3511 3531 3552
        Gouda | | 2801 2805
        Leiden | | 2311 2324
        """),
    "UK": _cities("UK", """
        London | Londres | E1 E3 NW10 W10 SW9 N17
        Manchester | | M14 M16 M8
        Birmingham | | B11 B12 B8
        Bradford | | BD7 BD8
        Newton Abbot | | TQ12 TQ13
        """),
    "MA": _cities("MA", """
        Nador | | 62000 62050
        Al Hoceima | Alhoceima, Al-Hoceima, Hoceima | 32000
        Oujda | Oujda Angad | 60000 60020
        Tanger | Tangier, Tanger-Assilah, Tánger | 90000 90060
        Tétouan | Tetouan, Tetuán | 93000 93040
        Berkane | | 63300
        Casablanca | Casa, Dar el Beida | 20000 20250 20450
        Rabat | | 10000 10090
        Fès | Fes, Fez | 30000 30050
        Khouribga | | 25000
        Beni Mellal | Béni Mellal, Beni-Mellal | 23000
        Marrakech | Marrakesh | 40000
        Agadir | | 80000
        """),
}

STREETS = {
    "FR": ("rue de la République", "avenue Jean Jaurès", "boulevard Barbès", "rue Victor Hugo", "rue de la Paix",
           "allée des Tilleuls", "rue Pasteur", "avenue de Stalingrad", "place du Marché", "rue du Moulin"),
    "ES": ("Calle Mayor", "Avenida de la Constitución", "Calle Real", "Calle San Juan", "Paseo de la Estación",
           "Calle de Alcalá", "Avenida de Andalucía", "Plaza de España", "Calle Nueva", "Calle del Carmen"),
    "BE": ("Rue Haute", "Chaussée de Gand", "Rue de Brabant", "Boulevard Léopold II", "Rue de la Station",
           "Kerkstraat", "Stationsstraat", "Molenstraat", "Turnhoutsebaan", "Chaussée de Mons"),
    "NL": ("Kerkstraat", "Dapperstraat", "Hoofdweg", "Stationsweg", "Molenstraat", "Schoolstraat", "Dorpsstraat",
           "Javastraat", "West-Kruiskade", "Beijerlandselaan"),
    "UK": ("High Street", "Church Road", "Station Road", "Victoria Road", "Green Lane", "Manor Road",
           "Park Avenue", "Stratford Road", "Queen's Road", "Mill Lane"),
    "MA": ("Rue Ibn Battouta", "Bd Mohammed V", "Av Hassan II", "Rue 14", "Hay Al Matar", "Rue Tarik Ibn Ziad",
           "Quartier Ouled Mimoun", "Hay Sidi Moumen", "Rue de Fès", "Av des FAR"),
}
# How clerks shorten street words.
STREET_ABBREVIATIONS = (("avenue ", "av. "), ("Avenue ", "Av. "), ("Avenida ", "Avda. "), ("Calle ", "C/ "),
                        ("boulevard ", "bd "), ("Boulevard ", "Bd "), ("Road", "Rd"), ("Street", "St"),
                        ("Chaussée ", "Chée "), ("straat", "str."), ("Rue ", "R. "), ("rue ", "r. "))
CIVILITIES = {
    ("FR", "M"): ("M.", "Monsieur", "Mr"), ("FR", "F"): ("Mme", "Madame", "Mlle"),
    ("ES", "M"): ("Sr.", "Señor", "D."), ("ES", "F"): ("Sra.", "Señora", "Dña."),
    ("NL", "M"): ("Dhr.", "De heer"), ("NL", "F"): ("Mevr.", "Mevrouw"),
    ("EN", "M"): ("Mr", "Mr."), ("EN", "F"): ("Mrs", "Ms", "Miss"),
}
# How each source names the kind of paper; a Spanish residence permit is the NIE.
ID_TYPE_NAMES = {"CIN": ("CIN", "C.I.N", "CNIE"), "PASSEPORT": ("PASSEPORT", "PASSPORT"),
                 "CARTE SEJOUR": ("CARTE SEJOUR", "TITRE DE SEJOUR"), "NIE": ("CARTE SEJOUR", "NIE")}
COMPANY_FORMS = {"FR": ("SARL", "SAS", "S.A.R.L."), "ES": ("S.L.", "SL", "S.A."), "BE": ("SRL", "BVBA", "SPRL"),
                 "NL": ("B.V.", "BV"), "UK": ("Ltd", "Limited", "LTD.")}
COMPANY_ACTIVITIES = ("TRANSPORTS", "IMPORT EXPORT", "BOUCHERIE", "BATIMENT", "TRADING", "TELECOM", "NETTOYAGE",
                      "AUTOMOBILES", "RESTAURATION", "VOYAGES")
EMAIL_DOMAINS = (("gmail.com", 45.0), ("hotmail.fr", 12.0), ("hotmail.com", 12.0), ("outlook.com", 8.0),
                 ("yahoo.fr", 6.0), ("yahoo.es", 4.0), ("live.nl", 4.0), ("telenet.be", 4.0), ("orange.fr", 5.0))
PRODUCT_LINES = (("DOMMAGE", 55.0), ("EPARGNE", 25.0), ("PREVOYANCE", 20.0))
NETWORK_TABLE = Weighted((("AGENT", 25.0), ("COURTIER", 15.0), ("BGD", 10.0), ("BANCASSURANCE", 30.0),
                          ("WEB", 20.0)))
HOUSEHOLD_TABLE = Weighted(HOUSEHOLD_SIZES)
HOST_TABLE = Weighted(HOST_COUNTRIES)
NATIONALITY_TABLE = Weighted(FOREIGN_NATIONALITIES)
GROUP_TABLE = Weighted(GROUP_KINDS)
RECORD_COUNT_TABLE = Weighted(RECORDS_PER_CLIENT)
PRODUCT_LINE_TABLE = Weighted(PRODUCT_LINES)
EMAIL_DOMAIN_TABLE = Weighted(EMAIL_DOMAINS)
CITY_TABLES = {country: Weighted((city, 1.0 / (rank + 1) ** 0.5) for rank, city in enumerate(cities))
               for country, cities in CITIES.items()}


# --- Phones: the national significant number, written locally or internationally --------------------------------
def _local_formats(country: str) -> tuple[Callable[[str], str], ...]:
    """How residents of `country` write their own mobile number (n is the significant number, no trunk 0)."""
    if country == "FR":
        return (lambda n: f"0{n[0]} {n[1:3]} {n[3:5]} {n[5:7]} {n[7:]}", lambda n: "0" + n,
                lambda n: f"0{n[0]}.{n[1:3]}.{n[3:5]}.{n[5:7]}.{n[7:]}")
    if country == "ES":
        return (lambda n: f"{n[:3]} {n[3:6]} {n[6:]}", lambda n: n, lambda n: f"{n[:3]} {n[3:5]} {n[5:7]} {n[7:]}")
    if country == "BE":
        return (lambda n: f"0{n[:3]} {n[3:5]} {n[5:7]} {n[7:]}", lambda n: "0" + n, lambda n: f"0{n[:3]}/{n[3:]}")
    if country == "NL":
        return (lambda n: f"0{n[0]} {n[1:]}", lambda n: f"0{n[0]}-{n[1:]}", lambda n: "0" + n)
    if country == "UK":
        return (lambda n: f"0{n[:4]} {n[4:]}", lambda n: "0" + n, lambda n: f"0{n[:4]} {n[4:7]} {n[7:]}")
    return (lambda n: "0" + n, lambda n: f"0{n[0]} {n[1:3]} {n[3:5]} {n[5:7]} {n[7:]}",
            lambda n: f"0{n[0]}-{n[1:3]}-{n[3:5]}-{n[5:7]}-{n[7:]}")


DIALLING_CODES = {"FR": "33", "ES": "34", "BE": "32", "NL": "31", "UK": "44", "MA": "212"}
LOCAL_PHONE_FORMATS = {country: _local_formats(country) for country in DIALLING_CODES}


def international_phone(rng: random.Random, country: str, n: str) -> str:
    code = DIALLING_CODES[country]
    return rng.choice((f"+{code}{n}", f"+{code} {n[0]} {n[1:]}", f"00{code}{n}", f"+{code} {n}", f"{code}{n}"))


def new_mobile(rng: random.Random, country: str) -> str:
    """A mobile number's significant digits in the country's plan."""
    if country == "FR":
        return rng.choice("67") + f"{rng.randrange(10 ** 8):08d}"
    if country == "ES":
        return rng.choice("67") + f"{rng.randrange(10 ** 8):08d}"
    if country == "BE":
        return "4" + rng.choice("6789") + f"{rng.randrange(10 ** 7):07d}"
    if country == "NL":
        return "6" + f"{rng.randrange(10 ** 8):08d}"
    if country == "UK":
        return "7" + rng.choice("4579") + f"{rng.randrange(10 ** 8):08d}"
    return rng.choice("67") + f"{rng.randrange(10 ** 8):08d}"


def new_landline(rng: random.Random, country: str) -> str:
    prefixes = {"FR": "1", "ES": "9", "BE": "2", "NL": "20", "UK": "20", "MA": "52"}[country]
    width = {"FR": 9, "ES": 9, "BE": 8, "NL": 9, "UK": 10, "MA": 9}[country]
    return prefixes + f"{rng.randrange(10 ** (width - len(prefixes))):0{width - len(prefixes)}d}"


# --- Papers -----------------------------------------------------------------------------------------------------
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def new_cin(rng: random.Random) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.choice((1, 2)))) + f"{rng.randrange(10 ** 6):06d}"


def new_passport(rng: random.Random, country: str) -> str:
    """A passport number in the issuing country's format."""
    if country == "FR":
        return f"{rng.randrange(100):02d}{rng.choice(LETTERS)}{rng.choice(LETTERS)}{rng.randrange(10 ** 5):05d}"
    if country == "ES":
        return "".join(rng.choice(LETTERS) for _ in range(3)) + f"{rng.randrange(10 ** 6):06d}"
    if country == "UK":
        return f"{rng.randrange(10 ** 8, 10 ** 9)}"
    if country in ("NL", "BE"):
        return rng.choice(LETTERS) + rng.choice(LETTERS) + f"{rng.randrange(10 ** 7):07d}"
    return rng.choice(LETTERS) + rng.choice(LETTERS) + f"{rng.randrange(10 ** 7):07d}"


def new_residence_permit(rng: random.Random, country: str) -> str:
    """A residence permit of `country`: Spanish NIE X1234567L, French titre de séjour (10 digits), Belgian card
    B 123456789, Dutch V-number, British BRP, Moroccan carte d'immatriculation."""
    if country == "ES":
        number = rng.randrange(10 ** 7)
        prefix = rng.choice("XY")
        return f"{prefix}{number:07d}{'TRWAGMYFPDXBNJZSQVHLCKE'[int('XY'.index(prefix) * 10 ** 7 + number) % 23]}"
    if country == "FR":
        return f"{rng.randrange(10 ** 9, 10 ** 10)}"
    if country == "BE":
        return f"B{rng.randrange(10 ** 9):09d}"
    if country == "NL":
        return f"V{rng.randrange(10 ** 7):07d}"
    if country == "UK":
        return "ZU" + rng.choice(LETTERS) + f"{rng.randrange(10 ** 6):06d}"
    return rng.choice("EFGH") + f"{rng.randrange(10 ** 6):06d}"


@dataclass(slots=True)
class Residence:
    country: str
    city: City
    address_line: str
    postal_code: str
    landline: str


@dataclass(slots=True)
class Papers:
    cin: str | None = None
    passport: str | None = None
    residence_permit: str | None = None


@dataclass(slots=True)
class Client:
    entity_id: str
    party: str  # "person" or "organization"
    sex: str
    moroccan_names: tuple[Spellings, Spellings] | None  # given, family
    european_given: GivenName | None
    european_family: str
    birth: BirthDate | None
    papers: Papers
    residences: list[Residence]  # the first is where most records are
    mobiles: list[tuple[str, str]]  # (country, significant number)
    email_user: str
    company_name: str = ""
    company_form: str = ""
    shared_landline: str | None = None
    extra_residence_share: float = 0.0


class AbroadFeed:
    """One seeded run: clients drawn group after group until the records are there, then one shuffle."""

    def __init__(self, n_records: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n_records = n_records
        self.entity_count = 0
        self.record_count = 0

    # --- Clients ------------------------------------------------------------------------------------------------
    def new_entity_id(self) -> str:
        self.entity_count += 1
        return f"ABR-{self.entity_count:06d}"

    def new_residence(self, country: str) -> Residence:
        rng = self.rng
        city = CITY_TABLES[country].draw(rng.random())
        street = rng.choice(STREETS[country])
        number = rng.randint(1, 180)
        if country in ("FR", "MA"):
            line = f"{number} {street}"
        elif country == "UK":
            line = f"{number} {street}" if rng.random() < 0.7 else f"Flat {rng.randint(1, 12)}, {number} {street}"
        elif country == "ES":
            line = f"{street} {number}, {rng.randint(1, 8)}º {rng.choice('ABCD')}"
        else:
            line = f"{street} {number}" + (f" bus {rng.randint(1, 9)}" if country == "BE" and rng.random() < 0.3
                                           else "")
        code = rng.choice(city.postal_codes)
        if country == "UK":
            code = f"{code} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        elif country == "NL":
            code = f"{code} {rng.choice('ABCDEGHJKLMNPRST')}{rng.choice('ABCDEGHJKLMNPRSTVWX')}"
        return Residence(country, city, line, code, new_landline(rng, country))

    def draw_birth(self, first_year: int, last_year: int) -> BirthDate:
        rng = self.rng
        return BirthDate(rng.randint(first_year, last_year), rng.randint(1, 12), rng.randint(1, 28))

    def moroccan_abroad(self, sex: str, host: str, residence: Residence | None = None,
                        family: Spellings | None = None, birth: BirthDate | None = None) -> Client:
        rng = self.rng
        papers = Papers(cin=new_cin(rng),
                        passport=new_passport(rng, "MA") if rng.random() < HAS_PASSPORT else None,
                        residence_permit=new_residence_permit(rng, host) if rng.random() < HAS_RESIDENCE_PERMIT
                        else None)
        residences = [residence or self.new_residence(host)]
        extra = 0.0
        if rng.random() < MOROCCAN_ADDRESS_RATE:
            residences.append(self.new_residence("MA"))
            extra = rng.uniform(0.2, 0.5)
        mobiles = [(host, new_mobile(rng, host))]
        if rng.random() < KEEPS_MOROCCAN_PHONE:
            mobiles.append(("MA", new_mobile(rng, "MA")))
        given = MOROCCAN_GIVEN_TABLES[sex].draw(rng.random())
        family = family or MOROCCAN_FAMILY_TABLE.draw(rng.random())
        return Client(self.new_entity_id(), "person", sex, (given, family), None, "",
                      birth or self.draw_birth(1940, 2003), papers, residences, mobiles,
                      self.email_user(given.by_language["FR"][0], family.by_language["FR"][0]),
                      extra_residence_share=extra)

    def foreign_resident(self, sex: str, nationality: str, residence: Residence | None = None,
                         family: str | None = None, birth: BirthDate | None = None) -> Client:
        rng = self.rng
        names_country = "FR" if nationality == "BE" and rng.random() < 0.6 else nationality
        if nationality == "BE" and names_country == "BE":
            names_country = "NL"
        papers = Papers(passport=new_passport(rng, nationality),
                        residence_permit=new_residence_permit(rng, "MA") if rng.random() < 0.6 else None)
        residences = [residence or self.new_residence("MA")]
        extra = 0.0
        if rng.random() < HOME_ADDRESS_RATE:
            residences.append(self.new_residence(nationality))
            extra = rng.uniform(0.2, 0.5)
        given = draw_given(names_country, sex, rng.random())
        family = family or draw_family(names_country, rng.random())
        mobiles = [("MA", new_mobile(rng, "MA"))]
        if extra:
            mobiles.append((nationality, new_mobile(rng, nationality)))
        return Client(self.new_entity_id(), "person", sex, None, given, family,
                      birth or self.draw_birth(1935, 2000), papers, residences, mobiles,
                      self.email_user(given.name, family), extra_residence_share=extra)

    def household(self) -> list[Client]:
        rng = self.rng
        size = HOUSEHOLD_TABLE.draw(rng.random())
        parents_born = rng.randint(1950, 1980)
        moroccan = rng.random() < MOROCCAN_HOUSEHOLD
        country = (HOST_TABLE if moroccan else NATIONALITY_TABLE).draw(rng.random())
        home = self.new_residence(country if moroccan else "MA")
        members: list[Client] = []
        for index in range(size):
            sex = "M" if index == 0 else "F" if index == 1 else rng.choice("MF")
            born = (self.draw_birth(parents_born - 3, parents_born + 3) if index < 2
                    else self.draw_birth(parents_born + 22, min(parents_born + 40, 2005)))
            if moroccan:
                family = members[0].moroccan_names[1] if members and members[0].moroccan_names else None
                if index == 1 and rng.random() < WIFE_KEEPS_NAME:
                    family = None
                members.append(self.moroccan_abroad(sex, country, home, family, born))
            else:
                family_name = members[0].european_family if members else None
                if index == 1 and rng.random() > 0.8:
                    family_name = None
                members.append(self.foreign_resident(sex, country, home, family_name, born))
        if rng.random() < HOUSEHOLD_SHARED_PHONE:
            for member in members:
                member.shared_landline = home.landline
        return members

    def organization(self) -> Client:
        rng = self.rng
        country = HOST_TABLE.draw(rng.random())
        if rng.random() < 0.5:
            owner = MOROCCAN_FAMILY_TABLE.draw(rng.random()).by_language[SPELLING_LANGUAGE.get(country, "FR")][0]
        else:
            owner = draw_family("NL" if country == "BE" else country, rng.random())
        name = f"{owner} {rng.choice(COMPANY_ACTIVITIES)}".upper()
        residence = self.new_residence(country)
        return Client(self.new_entity_id(), "organization", "", None, None, "", None, Papers(), [residence],
                      [(country, new_mobile(rng, country))], "contact", company_name=name,
                      company_form=rng.choice(COMPANY_FORMS[country]))

    def email_user(self, given: str, family: str) -> str:
        clean = [strip_accents(part).lower().replace(" ", "").replace("-", "").replace("'", "")
                 for part in (given, family)]
        return self.rng.choice((f"{clean[0]}.{clean[1]}", f"{clean[0][0]}{clean[1]}", f"{clean[1]}{clean[0]}",
                                f"{clean[0]}{self.rng.randint(1, 99)}"))

    def group(self) -> list[Client]:
        rng = self.rng
        kind = GROUP_TABLE.draw(rng.random())
        if kind == "moroccan_abroad":
            return [self.moroccan_abroad(rng.choice("MF"), HOST_TABLE.draw(rng.random()))]
        if kind == "foreign_resident":
            return [self.foreign_resident(rng.choice("MF"), NATIONALITY_TABLE.draw(rng.random()))]
        if kind == "household":
            return self.household()
        return [self.organization()]

    # --- Records ------------------------------------------------------------------------------------------------
    def render(self, client: Client, day: int) -> Record:
        rng = self.rng
        network = NETWORK_TABLE.draw(rng.random())
        self.record_count += 1
        residence = client.residences[0]
        if len(client.residences) > 1 and rng.random() < client.extra_residence_share:
            residence = client.residences[1]
        record: Record = {
            "source_system": network,
            "source_record_id": f"{network[:3]}-{self.record_count:07d}",
            "received_at": date.fromordinal(day).isoformat() + "T09:00:00",
            "party_type": client.party,
            "product_line": PRODUCT_LINE_TABLE.draw(rng.random()),
        }
        upper = rng.random() < UPPER_CASE
        if client.party == "organization":
            form = client.company_form if rng.random() < 0.7 else ""
            record["company_name"] = f"{client.company_name} {form}".strip()
            if form and rng.random() < 0.5:
                record["legal_form"] = form
        else:
            self.render_person(client, residence, upper, record)
        self.render_contact(client, residence, upper, record)
        return record

    def render_person(self, client: Client, residence: Residence, upper: bool, record: Record) -> None:
        rng = self.rng
        language = residence.city.language
        if client.moroccan_names is not None:
            given_spellings, family_spellings = client.moroccan_names
            first, last = given_spellings.draw(rng, language), family_spellings.draw(rng, language)
        else:
            assert client.european_given is not None
            first, last = self.european_given(client.european_given), client.european_family
            if client.european_given.country == "NL" or residence.country in ("NL", "BE"):
                last = particle_variant(last, rng.random())
        first, last = (misspell(rng, first) if rng.random() < NAME_TYPO else first,
                       misspell(rng, last) if rng.random() < NAME_TYPO else last)
        if rng.random() < SWAPPED_NAMES:
            first, last = last, first
        if upper:
            first, last = strip_accents(first).upper(), strip_accents(last).upper()
        if rng.random() < FULL_NAME_ONLY:
            record["full_name"] = f"{last} {first}"
        else:
            record["first_name"], record["last_name"] = first, last
        civility_language = "EN" if language == "EN" else language if language in ("ES", "NL") else "FR"
        if rng.random() < 0.7:
            record["civility"] = rng.choice(CIVILITIES[civility_language, client.sex])
        if client.birth is not None and rng.random() >= BIRTH_DATE_MISSING:
            birth = distort_date(rng, client.birth, YEAR_SHIFT, DAY_MONTH_SWAP, DAY_TYPO)
            record["birth_date"] = self.render_date(birth)
        self.render_papers(client, residence, record)

    def european_given(self, given: GivenName) -> str:
        rng = self.rng
        u = rng.random()
        if u < NICKNAME:
            return rng.choice(given.variants)
        if u < NICKNAME + GIVEN_INITIALS:
            return initials(given.name)
        return given.name

    def render_date(self, birth: BirthDate) -> str:
        y, m, d = birth.year, birth.month, birth.day
        return self.rng.choice((f"{y:04d}-{m:02d}-{d:02d}", f"{d:02d}/{m:02d}/{y:04d}", f"{d}-{m}-{y % 100:02d}",
                                f"{d:02d}.{m:02d}.{y:04d}", f"{d:02d}-{m:02d}-{y:04d}", f"{d}/{m}/{y}"))

    def render_papers(self, client: Client, residence: Residence, record: Record) -> None:
        rng = self.rng
        if rng.random() < ID_MISSING:
            return
        papers = client.papers
        held = [(kind, number) for kind, number in (("CIN", papers.cin), ("PASSEPORT", papers.passport),
                                                    ("CARTE SEJOUR", papers.residence_permit)) if number]
        if not held:
            return
        # A client abroad shows the host country's papers more often than a Moroccan agency would see them.
        kind, number = rng.choice(held)
        spanish_permit = kind == "CARTE SEJOUR" and len(number) == 9 and number[0] in "XY"
        record["id_type"] = rng.choice(ID_TYPE_NAMES["NIE" if spanish_permit else kind])
        if spanish_permit and rng.random() < 0.3:
            number = f"{number[0]}-{number[1:8]}-{number[8:]}"
        record["national_id"] = number if rng.random() < 0.85 else number.lower()

    def render_contact(self, client: Client, residence: Residence, upper: bool, record: Record) -> None:
        rng = self.rng
        if rng.random() >= PHONE_MISSING:
            if client.shared_landline and rng.random() < 0.5:
                country, number = residence.country, client.shared_landline
            else:
                matching = [m for m in client.mobiles if m[0] == residence.country] or client.mobiles
                country, number = rng.choice(matching)
            record["phone"] = (international_phone(rng, country, number) if rng.random() < INTERNATIONAL_PHONE
                               else rng.choice(LOCAL_PHONE_FORMATS[country])(number))
        if rng.random() >= EMAIL_MISSING:
            domain = EMAIL_DOMAIN_TABLE.draw(rng.random())
            record["email"] = f"{client.email_user}@{domain}"
        if rng.random() < ADDRESS_MISSING:
            return
        line = residence.address_line
        for long, short in STREET_ABBREVIATIONS:
            if long in line and rng.random() < 0.3:
                line = line.replace(long, short)
        if rng.random() < ADDRESS_TYPO:
            line = misspell(rng, line)
        city = residence.city.name
        if residence.city.other_names and rng.random() < CITY_OTHER_LANGUAGE:
            city = rng.choice(residence.city.other_names)
        record["address_line"] = strip_accents(line).upper() if upper else line
        record["city"] = strip_accents(city).upper() if upper else city
        if rng.random() >= POSTCODE_MISSING:
            record["postal_code"] = self.render_postcode(residence)

    def render_postcode(self, residence: Residence) -> str:
        rng = self.rng
        code = residence.postal_code
        if rng.random() >= POSTCODE_VARIANT:
            return code
        if " " in code:
            return code.replace(" ", "") if rng.random() < 0.8 else code.lower()
        prefix = {"BE": "B-", "FR": "F-", "ES": "E-", "MA": ""}.get(residence.country, "")
        return prefix + code if prefix else code

    def run(self) -> tuple[list[Record], list[str]]:
        rng = self.rng
        first_day, last_day = date(2016, 1, 1).toordinal(), date(2025, 6, 30).toordinal()
        owners: list[tuple[Client, int]] = []
        while len(owners) < self.n_records:
            for client in self.group():
                count = RECORD_COUNT_TABLE.draw(rng.random())
                owners.extend((client, rng.randint(first_day, last_day)) for _ in range(count))
        del owners[self.n_records:]
        rng.shuffle(owners)
        records = [self.render(client, day) for client, day in owners]
        return records, [client.entity_id for client, _ in owners]


def generate_abroad(n_records: int = DEFAULT_RECORDS, seed: int = 0) -> tuple[list[Record], list[str]]:
    """Exactly n_records records of Moroccans abroad and foreign residents, and the true client of each."""
    return AbroadFeed(n_records, seed).run()


def main(argv: Sequence[str] | None = None) -> int:
    return labelled_feed_main(argv, "python -m benchmarks.abroad", __doc__.splitlines()[0], DEFAULT_RECORDS,
                              generate_abroad)


if __name__ == "__main__":
    raise SystemExit(main())
