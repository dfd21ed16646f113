"""Synthetic client feeds with ground truth: seeded, reproducible, streaming.

`generate(n, seed)` yields the records the five source networks send (DESIGN §3), each with the id of the
real-world client it describes. `iter_stints(n, seed)` yields the true point-of-sale stints of every client and
`list_points_of_sale(n, seed)` the points of sale they refer to. One `random.Random(seed)` drives everything, so
one seed always gives the same feed, byte for byte.

The feed carries the traps of real feeds, each at a moderate rate (the constants below): transliteration variants
of Moroccan names, swapped and fused names, typos, dates, phones and ids in each source's own format, the three
forms of a missing value, placeholders typed by operators and shared by many clients, households, domiciliation
centres, head offices and their branches, owners and the company that carries their name, and clients that
change point of sale, network or city.

A stint starts on the day of the first record that evidences it and ends (exclusive) on the day the next stint
of the same track starts; a client followed by two networks at once (savings at a bank branch, motor insurance
with an agent) has two concurrent tracks. Records are emitted through a bounded shuffle window, so a client's
records are close in the stream but not adjacent, and memory does not grow with the feed.

`movement_traps=True` (`--movement-traps`) gives a variant whose histories are harder to read: more clients served
by two networks at once, relocations within the same city (new address and landline, same city), and small
agencies that close, their closure (day and successor) given with the points of sale as reference data. The
default feed of a seed is the same, byte for byte, with or without this option existing.

    python -m benchmarks.synthetic --records 100000 --seed 1 --out records.jsonl.gz \\
        --truth truth.csv --stints stints.csv --points-of-sale pos.csv
"""

from __future__ import annotations

import argparse
import bisect
import csv
import gzip
import io
import random
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Generic, TypeVar

import orjson

T = TypeVar("T")

NETWORKS = ("AGENT", "COURTIER", "BGD", "BANCASSURANCE", "WEB")
PRODUCT_LINES = ("DOMMAGE", "EPARGNE", "PREVOYANCE")
STINT_REASONS = ("initial", "agent_change", "channel_switch", "relocation", "portfolio_transfer")

FIRST_DAY = date(2016, 1, 1).toordinal()
LAST_DAY = date(2025, 6, 30).toordinal()
CLOSURE_FIRST_DAY = date(2018, 1, 1).toordinal()
CLOSURE_LAST_DAY = date(2024, 12, 31).toordinal()
ICE_MANDATORY_DAY = date(2017, 1, 1).toordinal()

# --- Rates --------------------------------------------------------------------------------------------------
# Records per client: most clients have 1-4 records across sources and years, a long tail up to 10.
RECORDS_PER_ENTITY = ((1, 42.0), (2, 24.0), (3, 14.0), (4, 8.0), (5, 4.5), (6, 3.0), (7, 1.5), (8, 1.0), (9, 0.6),
                      (10, 0.4))
# Kinds of client groups drawn one after the other; tuned so that about 75 % of the clients are persons.
GROUP_WEIGHTS = (("person", 63.0), ("household", 3.5), ("owner_and_company", 3.5), ("organization", 19.0),
                 ("head_office_and_branches", 1.0))
HOUSEHOLD_SIZES = ((2, 40.0), (3, 30.0), (4, 20.0), (5, 10.0))
FATHER_SON_SAME_FIRST_NAME = 0.25       # of households with a son
TWINS_RATE = 0.15                       # of households with two children or more
HOUSEHOLD_SHARED_EMAIL = 0.25           # the whole family gives one e-mail address
BRANCH_COUNTS = ((1, 40.0), (2, 30.0), (3, 20.0), (4, 10.0))
DOMICILED_RATE = 0.08                   # of stand-alone companies, seated in a domiciliation centre
COMPANIES_PER_CENTRE, MAX_CENTRES = 35, 2000
CENTRE_PHONE_RATE = 0.6                 # domiciled companies giving the centre's phone as theirs
OWNER_SHARES_PHONE, OWNER_SHARES_EMAIL, OWNER_SHARES_ADDRESS = 0.5, 0.35, 0.3
CONCURRENT_TRACK_RATE = 0.12            # of clients with 2+ records: a second network at the same time
MOVE_RATE = 0.16                        # per later record of a track: a move happened since the last one
MOVE_REASONS = (("agent_change", 40.0), ("channel_switch", 30.0), ("relocation", 30.0))
PHONE_CHANGE_RATE = 0.04                # per later record: the client changed mobile number
CLOSURE_RATE = 0.04                     # of points of sale (not web) that close during the period
# The variant with movement traps (opt-in):
TRAPS_CONCURRENT_TRACK_RATE = 0.30
TRAPS_SAME_CITY_RELOCATION_RATE = 0.5   # of relocations: a new address and landline in the same city
TRAPS_CLOSURE_RATE = 0.12               # of points of sale, each made a small agency
TRAPS_CLOSING_SIZE = 0.3                # the weight of a closing agency beside others (1 to 15, Pareto-drawn)
TRANSFER_RATE = 0.85                    # of the clients of a closing point of sale that follow its portfolio
TRANSFER_WINDOW_DAYS = 30
SWAPPED_NAMES_RATE = 0.03               # first and last name in each other's field
FUSED_NAMES_RATE = 0.012                # the whole name in last_name, first_name empty
NAME_TYPO_RATE = 0.025                  # per name field: one edit
ADDRESS_TYPO_RATE = 0.02
ID_TYPO_RATE = 0.01                     # one digit wrong in a national id, ICE, RC or IF
PHONE_TYPO_RATE = 0.008
DATE_TYPO_RATE = 0.01                   # day and month swapped, or the year one off
EMAIL_TYPO_RATE = 0.006
# A name's other spellings are carried by this share of its bearers per spelling (at most the cap), the first
# listed most often; a record then uses the client's usual spelling, or any spelling at those same odds.
VARIANT_SHARE_PER_SPELLING, VARIANT_SHARE_CAP = 0.07, 0.35
RECORD_USES_USUAL_SPELLING = 0.85
# Placeholders typed by operators, per record, before the per-source factor below.
JUNK_PHONE_RATE = 0.025
JUNK_EMAIL_RATE = 0.03
JUNK_BIRTH_DATE_RATE = 0.012
JUNK_NATIONAL_ID_RATE = 0.006
JUNK_ADDRESS_RATE = 0.015
JUNK_ICE_RATE = 0.03
JUNK_RC_RATE = 0.01
JUNK_TAX_ID_RATE = 0.01
FOREIGN_RESIDENT_RATE = 0.02            # of single persons: a carte de séjour and a foreign name
PASSPORT_RATE = 0.03                    # of Moroccan persons identified by passport rather than CIN
PRODUCTS_RATE, LOYALTY_CARD_HOLDERS, LOYALTY_CARD_SHOWN, PAYMENT_INCIDENTS_RATE = 0.35, 0.2, 0.6, 0.2
LOYALTY_NETWORKS = ("AGENT", "BGD", "WEB")  # where the MAGIX Fidélité card is asked for
SHUFFLE_WINDOW = 8192

# --- Placeholders shared by many unrelated clients ---------------------------------------------------------
JUNK_PHONES = ("0600000000", "0611111111", "0000000000", "0666666666", "0612345678", "0500000000",
               "0699999999", "06 00 00 00 00", "+212600000000", "0522000000", "0")
JUNK_EMAILS = ("nc@nc.com", "test@test.com", "xx@xx.xx", "a@a.com", "aucun@aucun.com", "nc@gmail.com",
               "noemail@noemail.com", "pasdemail@gmail.com", "x@x.com", "client@client.ma", "NC@NC.COM")
JUNK_BIRTH_DATES = ("01/01/1900", "1900-01-01", "01/01/1901", "00/00/0000", "1901-01-01", "31/12/1899",
                    "01/01/1970", "19000101")
JUNK_NATIONAL_IDS = ("AA000000", "A000000", "X000000", "00000000", "XX000000", "AB123456", "NEANT", "0")
JUNK_ADDRESSES = ("NEANT", "INCONNU", ".", "-", "X", "NC", "SANS ADRESSE", "ADRESSE INCONNUE", "A COMPLETER",
                  "xxx", "0")
JUNK_ICES = ("000000000000000", "111111111111111", "999999999999999", "123456789012345", "000000000000001")
JUNK_RCS = ("0", "00000", "NEANT", "123", "1")
JUNK_TAX_IDS = ("00000000", "0", "11111111", "1234567")
# Some sources make more fields mandatory at capture, so their operators invent more.
JUNK_FACTOR = {"AGENT": 1.3, "COURTIER": 0.8, "BGD": 1.5, "BANCASSURANCE": 0.5, "WEB": 1.0}

# --- Names ---------------------------------------------------------------------------------------------------
# One name per line: canonical spelling, relative frequency, then the spellings seen for the same name.
# "_" stands for a space inside a name.
MALE_FIRST_NAMES = """
MOHAMED 400 MOHAMMED MHAMED MOHAMAD MOHAMMAD MUHAMMAD MOHAMET
AHMED 150 AHMAD HMED AHMMED
YOUSSEF 120 YOUSEF YOUSSOUF YUSUF YOUSOUF YOUSSEPH
ABDELLAH 90 ABDALLAH ABDELLA ABDULLAH ABDELAH
MUSTAPHA 80 MUSTAFA MOUSTAPHA MOSTAFA MOSTAPHA
HASSAN 90 HASAN HASSANE
HOUSSINE 40 HOUSSAIN HUSSEIN HUSSAIN HOUCINE HOSSINE
OMAR 60 OUMAR UMAR OMMAR
ALI 50 ALY
KARIM 50 KARIME KRIM
RACHID 60 RASHID RACHIDE
SAID 60 SAÏD SAAID SAEED
ABDELKADER 40 ABDELQADER ABDEL_KADER ABDELKADR
ABDELAZIZ 40 ABDEL_AZIZ ABDELAAZIZ
ABDERRAHIM 40 ABDERAHIM ABDEL_RAHIM ABDERRAHIME
ABDERRAHMANE 40 ABDERRAHMAN ABDERAHMANE ABDELRAHMAN
ABDELHAK 20 ABDELHAQ ABDEL_HAK
ABDELILAH 25 ABDELILLAH ABDELLILAH
ABDELMAJID 20 ABDEL_MAJID ABDELMADJID
ABDELHAMID 20 ABDEL_HAMID ABDELHAMIDE
ABDELLATIF 25 ABDELATIF ABDEL_LATIF
ABDESSAMAD 20 ABDESAMAD ABDSSAMAD ABDESSAMED
ABDELJALIL 15 ABDEL_JALIL ABDELDJALIL
ABDELOUAHED 15 ABDELWAHED ABDELOUAHAD
ABDELGHANI 15 ABDELRHANI ABDEL_GHANI
ABDELFATTAH 15 ABDELFETTAH ABDEL_FATTAH
ABDELKRIM 15 ABDELKARIM ABDEL_KRIM
ABDELHADI 12 ABDEL_HADI
ABDELMALEK 12 ABDELMALIK
ABDELAALI 10 ABDELALI
ABDELHAKIM 10 ABDEL_HAKIM
ABDELOUAHAB 10 ABDELWAHAB
ABDELHAFID 10 ABDELHAFIDH ABDELHAFED
ABDENNOUR 10 ABDENOUR
ADIL 40 ADEL ADILE
AMINE 50 AMIN LAMINE
ANAS 30 ANASS
AYOUB 40 AYOUBE AYUB
AZIZ 25 AZIZE
BRAHIM 40 IBRAHIM BRAHIME EBRAHIM
DRISS 30 IDRISS DRISSE IDRIS
MEHDI 35 MAHDI MEHDY EL_MEHDI
FOUAD 20 FUAD
HAMID 40 HAMIDE HAMEED
HAMZA 45 HAMZAH
HICHAM 45 HISHAM HICHEM HICHAME
ILYAS 30 ILIAS ELYAS ILYASS ILIASS
IMAD 25 IMADE EMAD
ISMAIL 35 ISMAÏL ISMAEL SMAIL
JAMAL 35 DJAMEL JAMEL
JAWAD 20 JAOUAD
KHALID 60 KHALED KALID KHALLID
LAHCEN 40 LAHSEN LAHCENE
LARBI 25 LAARBI ARBI
MAROUANE 25 MARWANE MARWAN MAROUAN
MOHSINE 15 MOHCINE MOHSIN MOHCIN
MOURAD 30 MORAD MURAD
NABIL 30 NABILE
NOUREDDINE 30 NOURDINE NOUR_EDDINE NOUREDINE NUREDDINE
OTHMANE 30 OTMANE OTHMAN OUTHMANE
RAFIK 10 RAFIQ
REDOUANE 30 REDOUAN RIDOUANE RIDWAN REDWANE
SAAD 30 SAÂD SAD
SALAHEDDINE 15 SALAH_EDDINE SALAHDINE SALAH-EDDINE
SAMIR 30 SAMIRE
SOUFIANE 35 SOFIANE SOUFIAN SUFIAN SOFIAN
TARIK 30 TAREK TARIQ
TAOUFIK 25 TAWFIK TOUFIK TAOUFIQ
WALID 25 OUALID WALIDE
YASSINE 45 YASSIN YACINE YASINE
YAHYA 20 YAHIA
YOUNES 35 YOUNESS YUNES YOUNISS
ZAKARIA 35 ZAKARYA ZAKARIAE ZAKARIYA
BILAL 20 BELAL BILLAL
BOUCHAIB 20 BOUCHAÏB BOUCHAIBE
HOUSSAM 15 HOUSSAME HOSSAM
JALAL 15 JALLAL
KAMAL 25 KEMAL
LHOUSSAINE 20 LHOUSSINE LAHOUSSINE EL_HOUSSAINE
MBAREK 20 M'BAREK MUBARAK
MILOUD 15 MILOUDE
MOHAMED_AMINE 25 MOHAMED-AMINE MOHAMEDAMINE MED_AMINE MOHAMMED_AMINE
MOHAMED_ALI 10 MOHAMED-ALI MOHAMEDALI
MOULAY_ABDELLAH 10 MLY_ABDELLAH MOULAY-ABDELLAH
MOULAY_AHMED 8 MLY_AHMED MOULAY-AHMED
OUSSAMA 35 OUSAMA OSSAMA OSAMA
REDA 20 RIDA RIDHA
TAHA 15 TAHAA
TAIB 10 TAYEB TAÏEB TAIEB
ZOUHAIR 15 ZUHAIR ZOUHEIR
ACHRAF 25 ASHRAF ACHRAFE
AMMAR 10 AMAR
ANOUAR 15 ANWAR ANOIR
AZZEDINE 15 AZEDDINE EZZEDDINE AZDINE
BADR 15 BADRE BADER
CHAKIB 10 SHAKIB
MOSTAFA 15 EL_MOSTAFA ELMOSTAFA
FAYCAL 15 FAYÇAL FAISAL FAYSSAL
FARID 20 FARIDE
GHALI 8 RHALI
HAKIM 15 HAKIME
HAMMOU 10 HAMOU
ISSAM 15 ISSAME ESSAM
KHALIL 10 KHALILE
LOTFI 10 LOUTFI
MAHMOUD 15 MAHMUD
MOUAD 25 MOAD MUAD MOUADH
NAJIB 15 NAJIBE NAGIB
NACER 10 NASSER NASER
NAOUFAL 15 NAWFAL NAOUFEL NAWFEL
SALIM 15 SELIM SALIME
SOULAIMANE 20 SOULAYMANE SOLAIMANE SLIMANE
WADIE 10 WADII OUADIE
YAZID 8 YAZIDE
ZIAD 10 ZIYAD
ABBAS 10 ABASS
ADNANE 15 ADNAN
JAAFAR 8 JAFAR JAÂFAR
MOKHTAR 10 MOKTAR MUKHTAR
AKRAM 10 AKRAME
AYMANE 25 AYMAN AIMANE
HATIM 10 HATEM
IMRANE 10 IMRAN
MALIK 8 MALEK
NIZAR 10 NIZARE
RAYANE 15 RAYAN
SELLAM 5 SALLAM
BOUJEMAA 10 BOUJEMÂA BOUJMAA
AABID 5 ABID
ABDELBASSET 8 ABDELBASET
ABDELWAHED 6 ABDELOUAHID
ELHOUCINE 8 EL_HOUCINE LHOUCINE
HADDOU 8 HADOU
LAHOUCINE 6 LAHOUSSINE
MOHA 8 MOHA
OUSSAMA_YASSINE 3 OUSSAMA-YASSINE
RAMZI 6 RAMZY
SAMI 10 SAMY
WISSAM 8 OUISSAM
"""

FEMALE_FIRST_NAMES = """
FATIMA 250 FATMA FATIMAH FADMA
FATIMA_ZAHRA 80 FATIMAZAHRA FATIMA-ZAHRA FATIMA_EZZAHRA FATIMA_ZOHRA FATIMAZOHRA
KHADIJA 120 KHADIDJA KHADÎJA KHADIJAH KHEDIJA
AICHA 90 AÏCHA AISHA AYCHA
MALIKA 60 MALEKA
NAIMA 60 NAÏMA NAEEMA
ZAHRA 40 ZOHRA ZAHRAA
SAIDA 40 SAÏDA SAEEDA
NADIA 40 NADYA
LATIFA 40 LATIFFA LATEEFA
RACHIDA 40 RASHIDA
KARIMA 35 KARIMAA
HAKIMA 25 HAKIMAA
HANANE 35 HANAN
HAYAT 25 HAYATE
HASNAA 30 HASNA HASNAE
HOUDA 30 HUDA HODA
IMANE 45 IMAN EMANE
ILHAM 30 ILHAME ELHAM
JAMILA 35 DJAMILA JAMILLA
KAWTAR 30 KAOUTAR KAWTHAR KAOUTHAR
LAILA 35 LEILA LAYLA LEÏLA
LOUBNA 25 LUBNA LOBNA
MERYEM 35 MERIEM MARYAM MARIEM MARIAM
MINA 25 MINAH
MOUNA 25 MONA MUNA
NAJAT 25 NAJATE
NAWAL 25 NAOUAL NAWEL
NISRINE 20 NESRINE NISRIN
NOUHAILA 25 NOUHAYLA NUHAILA NOHAILA
OUMAIMA 25 OUMAYMA OMAIMA UMAIMA
RAJAE 20 RAJA RAJAA
SAFAE 20 SAFA SAFAA
SALMA 35 SELMA
SAMIRA 35 SAMIRAH
SANAA 30 SANA SANAE
SARA 40 SARAH
SIHAM 30 SIHAME
SOUAD 30 SUAD SOAD
SOUKAINA 30 SOUKAYNA SUKAINA SOKAINA
WAFAE 20 WAFA WAFAA OUAFAE
YASMINE 30 YASMINA YASMIN YASSMINE
ZINEB 45 ZAINAB ZEINEB ZAYNAB
ZOUBIDA 10 ZOUBEIDA
ASMAE 30 ASMA ASMAA
BOUCHRA 35 BUSHRA BOCHRA
CHAIMAE 25 CHAIMA SHAIMAA CHAYMAE
DOUNIA 20 DUNIA DONIA
FARAH 10 FARRAH
FATIHA 40 FATHIA
GHIZLANE 25 GHIZLAN RHIZLANE GHEZLANE
HALIMA 35 HALLIMA
HIND 20 HINDE
HAJAR 25 HAJER HAGAR
IKRAM 20 IKRAME
KENZA 20 KENZAA
LAMIA 15 LAMYA LAMIAE
MAJDA 10 MAJDAA
MALAK 15 MALAKE
MOUNIA 25 MONIA MUNIA
NAJWA 15 NAJOUA
NARJISS 10 NARJIS NARJES
NORA 15 NOURA
RIM 10 RIME REEM
RKIA 20 RQIA ROKIA RUQAYA
SAADIA 15 SAÂDIA SADIA
SOUMIA 25 SOUMAYA SUMAYA
TOURIA 20 THOURAYA TURIA
WIDAD 15 OUIDAD
YAMNA 10 YAMINA
YOUSRA 20 YUSRA YOSRA
ZAKIA 10 ZAKIYA
ABIR 10 ABIRE
AMAL 25 AMALE
BAHIJA 10 BAHIA
IBTISSAM 15 BTISSAM IBTISAM
FADWA 15 FADOUA
GHITA 20 RHITA
HADDA 10 HADA
HANAE 15 HANAA HANA
JIHANE 15 JIHAN DJIHANE
KHAOULA 20 KHAWLA KHAOLA
NADA 10 NADAA
NEZHA 20 NAZHA
RABIA 15 RABIAA RABIÂ
SALWA 10 SALOUA
SOFIA 15 SOPHIA
WIAME 10 WIAM
ZHOR 8 ZHOUR
MOUNIRA 10 MOUNIRAH
HABIBA 15 HABIBAA
AMINA 40 AMINAH AMEENA
FOUZIA 25 FAOUZIA FAWZIA
SAMIA 20 SAMYA
ITTO 8 ITO
TAMOU 5 TAMO
MAMA 5 MAMAH
FADILA 12 FADILLA FADHILA
KHADIJA_ZAHRA 3 KHADIJA-ZAHRA
"""

# Foreign residents holding a carte de séjour.
FOREIGN_FIRST_NAMES = """
JEAN 10 JEAN
PIERRE 8 PIERRE
CARLOS 6 CARLOS
ANTONIO 6 ANTONIO
MAMADOU 10 MAMADOU
AMADOU 6 AMADOU
IBRAHIMA 6 IBRAHIMA
MOUSSA 6 MOUSSA
MARIE 10 MARIE
SOPHIE 6 SOPHIE
MARIA 8 MARIA
FATOU 6 FATOU
AWA 6 AWA
ISABELLE 5 ISABELLE
"""
FOREIGN_FEMALE = frozenset({"MARIE", "SOPHIE", "MARIA", "FATOU", "AWA", "ISABELLE"})
PASSPORT_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"

FAMILY_NAMES = """
ALAMI 60 ALLAMI
BENNANI 60 BENANI BEN_NANI
EL_IDRISSI 70 DRISSI
TAZI 40 TAZZI
EL_FASSI 35 FASSI
BERRADA 40 BERADA
CHRAIBI 35 CHRAÏBI CHERAIBI
BENJELLOUN 40 BEN_JELLOUN BENJELOUN BENJELLOUNE
EL_AMRANI 45 LAMRANI
LAHLOU 25 LAHLOUH
TAHIRI 35 ETTAHIRI ET-TAHIRI
FILALI 35 FILLALI EL_FILALI
OUAZZANI 30 EL_OUAZZANI OUAZANI WAZZANI
BENALI 30 BEN_ALI
EL_ALAOUI 45 LAALAOUI
BENKIRANE 25 BEN_KIRANE BENKIRAN
KETTANI 25 EL_KETTANI KATTANI
ZIANI 25 ZIYANI
BOUZIDI 25 BOUZIDY
CHAOUI 25 CHAOUY
SLAOUI 25 SLAOUY
EL_KHATIB 20 EL_KHATTIB
EL_HAJJI 25 LHAJJI EL_HAJI
NACIRI 20 NASSIRI NACERI
SAIDI 30 SAÏDI ESSAIDI SAIDY
RAMI 15 RAMY
HAMDAOUI 20 HAMDAOUY
EL_MANSOURI 25 MANSOURY
EL_OUARDI 15 EL_WARDI
BENSAID 20 BEN_SAID BENSAÏD
ZEROUAL 20 ZAROUAL
DOUKKALI 20 DOUKALI
SOUSSI 20 SOUSSY
AIT_TALEB 15 AIT_TALAB
AIT_BENHADDOU 8 AIT_BEN_HADDOU
AIT_LAHCEN 10 AIT_LAHSEN
AIT_BRAHIM 10 AIT_IBRAHIM
AIT_HAMMOU 8 AIT_HAMOU
AIT_OUAKRIM 6 AIT_WAKRIM
AIT_SAID 10 AIT_SAÏD
AIT_ALI 10 AIT_ALY
AIT_MOUSSA 8 AIT_MUSSA
AIT_EL_CAID 5 AIT_EL_KAID
AIT_OUHAMMOU 6 AIT_OUHAMOU
AIT_BELLA 5 AIT_BELA
BENMOUSSA 15 BEN_MOUSSA
BOUKHARI 15 EL_BOUKHARI BUKHARI
EL_HASSANI 20 HASSANY
EL_YOUSFI 15 YOUSSFI EL_YOUSSFI
BELHAJ 15 BEL_HAJ BELHADJ
BELKADI 10 BELKADY
BELGHITI 10 BELRHITI
BENABDELLAH 15 BEN_ABDELLAH BENABDALLAH
BENCHEKROUN 15 BEN_CHEKROUN BENCHEKROUNE
BENOMAR 12 BEN_OMAR
BENSOUDA 10 BEN_SOUDA
BOUHLAL 10 BOUHLEL
BOUKILI 10 BOUKILY
BOUSFIHA 8 BOUSFIHA
BENNIS 10 BENIS
BOUAYAD 10 BOUAYED
CHERKAOUI 20 CHARKAOUI CHERQAOUI
CHAKIR 12 CHAKIRE
DAOUDI 15 DAOUDY
EL_OMARI 20 OMARY
ENNAJI 12 EN_NAJI NAJI
FAHMI 8 FAHMY
FARES 8 FARESS
GHAZI 8 RHAZI
GUERRAOUI 10 GUERAOUI
HAJJAJI 10 HAJAJI
HAMMOUMI 8 HAMOUMI
HARRAK 8 HARAK
JABRI 10 JABRY
JAZOULI 10 JAZULI EL_JAZOULI
KABBAJ 12 KABAJ
KADIRI 15 QADIRI EL_KADIRI
KARIMI 12 KARIMY
LAAROUSSI 10 LAROUSSI EL_AAROUSSI
LAMRINI 10 LAMRINY
MEKOUAR 10 MAKOUAR
MERNISSI 10 MERNISI
MESSAOUDI 15 MASSAOUDI
MOUSSAOUI 15 MUSSAOUI MOUSAOUI
OUALI 10 WALI OUALY
OUAHBI 8 WAHBI
RAHALI 10 RAHHALI
RAISS 8 RAIS RAÏSS
RIFI 12 RIFFI ERRIFI
SAHRAOUI 12 SAHRAWI
SEBTI 10 SABTI
SEFRIOUI 10 SEFRIWI
SQALLI 10 SKALLI
TAOUIL 6 TAWIL
TOUIMI 6 TOUIMY
TOURABI 6 TURABI
YACOUBI 12 YAKOUBI YAAKOUBI EL_YACOUBI
ZAHIDI 8 ZAHIDY
ZNIBER 6 ZNIBAR
ZERHOUNI 10 ZERHOUNY
BENBRAHIM 12 BEN_BRAHIM
BENHADDOU 10 BEN_HADDOU
BENTALEB 10 BEN_TALEB
BENYAHIA 10 BEN_YAHIA BENYAHYA
BENAISSA 12 BEN_AISSA BENAÏSSA
BENSLIMANE 10 BEN_SLIMANE
BENZAKOUR 6 BEN_ZAKOUR
BENNOUNA 8 BENOUNA
BENMANSOUR 10 BEN_MANSOUR
BENCHEIKH 8 BEN_CHEIKH
BENHIMA 6 BEN_HIMA
MARRAKCHI 12 MARRAKECHI
MEKNASSI 10 MEKNASI
TANJAOUI 6 TANJAWI
BERBICH 6 BERBICHE
OUCHEN 8 OUCHENE
OUHADDOU 6 OUHADOU
EL_ANSARI 12 ANSARY
EL_AZHARI 8 AZHARY
EL_BAKKALI 15 BAKKALI EL_BAKALI
EL_BOUZIDI 8 BOUZIDY
EL_GHARBI 10 RHARBI
EL_HAMDAOUI 8 HAMDAOUY
EL_JAMALI 8 JAMALY
EL_KADIRI 8 EL_QADIRI
EL_KHAYATI 6 KHAYATI
EL_MAHDI 6 MAHDY
EL_MOUSSAOUI 8 MOUSSAOUY
EL_OUAFI 8 OUAFI
EL_RHAZI 6 EL_GHAZI
EL_YAACOUBI 8 YAACOUBI
ESSAFI 8 SAFI
ESSAADI 8 SAADI
ETTOUMI 6 TOUMI
ERRAJI 6 RAJI
ELKHALFI 5 KHALFI
AMRANI_HASSANI 6 AMRANI-HASSANI
ALAOUI_MHAMDI 6 ALAOUI-MHAMDI
ALAOUI_ISMAILI 8 ALAOUI-ISMAILI
IDRISSI_KAITOUNI 5 IDRISSI-KAITOUNI
BOUABID 10 BOUABIDE
BOUCHTA 8 BOUCHTAA
BOUDALI 6 BOUDALY
BOUHAMIDI 6 BOUHAMIDY
BOUJIDA 6 BOUJIDAA
BOUKHRIS 8 BOUKHRISS
BOULAICH 6 BOULAÏCH
BOUMEDIENE 6 BOUMEDIANE
BOUSSAID 8 BOUSAID
BOUTALEB 8 BOU_TALEB
BOUZID 8 BOUZIDE
CHAFIK 8 CHAFIQ
CHAHID 6 CHAHIDE
CHAOUKI 6 CHAWKI
CHATER 5 CHATTER
DAHBI 6 DAHBY
DAHMANI 8 DAHMANY
DERKAOUI 6 DARKAOUI
ELAISSAOUI 6 EL_AISSAOUI AISSAOUI
FADILI 8 FADILY
FARHAT 6 FERHAT
FATHI 6 FATHY
GHANDI 5 RHANDI
HADDAD 10 HADAD
HADDOUCHE 6 HADOUCHE
HAMIDI 10 HAMIDY
HAMMADI 8 HAMADI
HARIRI 6 HARIRY
HASSOUNI 8 HASSOUNY
HILALI 10 HILALY
HOUMAM 4 HOUMAME
IDRISSI_AZAMI 4 IDRISSI-AZAMI
JABIRI 6 JABIRY
JAMAI 6 JAMAÏ
JANATI 6 JANNATI
KABIRI 6 KABIRY
KAMALI 6 KAMALY
KHALDI 8 KHALDY
KHATTABI 8 KHATABI
LAFKIR 5 LAFQIR
LAMGHARI 6 LAMRHARI
LAMRABET 6 LAMRABAT
LAZRAK 8 LAZRAQ
LOUDIYI 6 LOUDIY
MAATAOUI 5 MAATAWI
MADANI 8 MADANY
MAHFOUD 6 MAHFOUDH
MAJDOUBI 6 MAJDOUBY
MANSOURI 10 MANSSOURI
MEDIOUNI 5 MEDIOUNY
MEZIANE 6 MEZIANI
MOKHTARI 8 MOKTARI
MOUFID 6 MOUFIDE
NAJI 8 NAJY
NASSIRI 6 NACIRY
NOUINOU 4 NOUINOUH
OUAZZANI_TOUHAMI 4 OUAZZANI-TOUHAMI
OUBAHA 4 OUBAHHA
RADI 8 RADY
RAJI 6 RAJY
RAMDANI 8 RAMDANY
REGRAGUI 8 REGRAGI
SAADAOUI 6 SAADAOUY
SABRI 8 SABRY
SALHI 8 SALHY
SEKKAT 8 SEKAT
SENHAJI 8 SENHADJI SANHAJI
SOUIRI 6 SOUIRY
TALBI 8 TALBY
TAMIM 5 TAMIME
TOUZANI 6 TOUZANY
WAHBI 5 OUAHBY
YAMANI 6 YAMANY
ZAKI 6 ZAKY
ZAOUI 6 ZAOUY
ZEMMOURI 6 ZEMOURI
ZOUHRI 6 ZOHRI
AZIZI 10 AZIZY
AMINE 6 AMIN
BAKRI 6 BAKRY
BELLAMINE 5 BELAMINE
BENAMAR 8 BEN_AMAR
BENAZZOUZ 6 BEN_AZZOUZ
BERRAHO 5 BERAHO
BOUZOUBAA 5 BOUZOUBÂA
CHAMI 6 CHAMY
DRIOUCH 5 DRIOUCHE
EL_ABBADI 6 ABBADI
EL_FILALI 6 FILALY
ELKHARRAZ 5 EL_KHARRAZ KHARRAZ
GHARBAOUI 5 RHARBAOUI
HAKAM 4 HAKKAM
ISMAILI 8 ISMAÏLI
JAIDI 6 JAÏDI
KHALLOUKI 6 KHALOUKI
LAHRICHI 5 LAHRICHY
LAKHDAR 6 LAKHDAAR
LOUKILI 5 LOUKILY
MASSAOUDI 5 MESSAOUDY
MOUNIR 5 MOUNIRE
NAFIA 4 NAFIAA
OUARRAK 4 OUARAK
RHOUATI 4 ROUATI
SALMI 6 SALMY
TALEB 6 TALLEB
TIJANI 8 TIDJANI
ZAHIRI 5 ZAHIRY
ZIRARI 5 ZIRARY
ACHOUR 5 ACHOUR
ADDOU 5 ADOU
AHARRAM 4 AHARAM
AKHNOUCH 4 AKHANNOUCH
AMAHZOUN 4 AMAHZOUNE
AMZIL 5 AMZILE
ASSOULI 4 ASSOULY
AYOUBI 6 AYOUBY
AZOUZI 5 AZZOUZI
BABA 4 BABAH
BADAOUI 5 BADAWI
BAHRI 6 BAHRY
BAKKALI 6 BAKALI
BARAKAT 5 BARAKATE
BELAHCEN 6 BELAHSEN
BELFQIH 5 BELFKIH
BELLOUTI 4 BELOUTI
"""

FOREIGN_FAMILY_NAMES = """
MARTIN 10 MARTIN
DUBOIS 8 DUBOIS
GARCIA 8 GARCIA
LOPEZ 6 LOPEZ
DIALLO 10 DIALO
NDIAYE 8 N'DIAYE
DIOP 6 DIOP
TRAORE 8 TRAORÉ
SOW 6 SOW
FERNANDEZ 6 FERNANDES
ROUSSEAU 5 ROUSSEAU
KONE 6 KONÉ
"""

# Words that companies are named from.
COMPANY_WORDS = (
    "ATLAS", "SAHARA", "MAGHREB", "ANFA", "TOUBKAL", "NOUR", "AL AMAL", "AL BARAKA", "CASA", "ORIENT", "SAFRAN",
    "ARGANE", "ATLANTIC", "MEDINA", "ZITOUNA", "AL MANAR", "SAADA", "AL WAFA", "YASMINE", "FIRDAOUS", "RIF",
    "SOUSS", "TAFILALET", "DRAA", "OUM RABII", "SEBOU", "MOULOUYA", "BOUREGREG", "ANDALOUS", "AL HOUDA", "ASSALAM",
    "AL KHAIR", "ENNOUR", "ESSAFA", "AL IKHLASS", "NAJAH", "TAQADDOUM", "AL FATH", "HORIZON", "PRESTIGE", "ELITE",
    "GLOBAL", "ROYAL", "IMPERIAL", "STAR", "DELTA", "OMEGA", "ALPHA", "PRIMA", "NOVA", "MAROC", "MAROCAINE",
    "AFRICA", "EURO", "MED", "SUD", "NORD", "OASIS", "PALMERAIE", "MENARA", "KOUTOUBIA", "HASSANIA", "CHELLAH",
    "OUDAYA", "VOLUBILIS", "IFRANE", "TAZA", "ZAGORA", "TIZI", "AMAZIGH", "TAMOUNT", "TIFAWT", "ILIGH", "IMLIL",
    "ASSAKA", "AZUR", "OCEAN", "HAMRA", "BAHIA", "AL YOUSR", "RAHMA", "BADR", "HILAL", "NAKHIL", "ZAHRA",
)
COMPANY_ACTIVITIES = (
    "TRANS", "TRAVAUX", "IMMOBILIER", "NEGOCE", "DISTRIBUTION", "SERVICES", "CONSEIL", "BTP", "AGRI", "TEXTILE",
    "IMPORT EXPORT", "TECH", "FOOD", "PHARMA", "LOGISTIQUE", "TOURISME", "CONSTRUCTION", "ELECTRICITE",
    "PLOMBERIE", "NETTOYAGE", "GARDIENNAGE", "INFORMATIQUE", "TELECOM", "MEDICAL", "PECHE", "AUTO", "MOTORS",
    "CARRIERES", "METAL", "BOIS", "PLAST", "EMBALLAGE", "PRINT", "COMMUNICATION", "EVENTS", "VOYAGES", "HOTEL",
    "RESTAURATION", "CAFE", "BOULANGERIE", "PATISSERIE", "MATERIAUX", "QUINCAILLERIE", "FROID", "CLIMATISATION",
    "ENERGIE", "SOLAIRE", "EAU", "FORAGE", "GRANIT", "MARBRE", "CERAMIQUE", "FERRONNERIE", "ALUMINIUM",
    "PROMOTION", "INVEST", "HOLDING", "FINANCE", "FORMATION", "EDUCATION", "SANTE", "OPTIQUE", "COSMETIQUE",
)
COOPERATIVE_KINDS = ("AGRICOLE", "LAITIERE", "D'ARGANE", "ARTISANALE", "FEMININE", "APICOLE", "OLEICOLE")
OWNER_BUSINESSES = ("PHARMACIE", "CABINET DR", "ETS", "CAFE", "GARAGE", "LIBRAIRIE", "BOULANGERIE", "ATELIER",
                    "CABINET", "DROGUERIE", "BOUCHERIE", "AUTO ECOLE")
TRADE_NAME_PREFIXES = ("CAFE", "RESTAURANT", "GARAGE", "PATISSERIE", "HOTEL", "MAGASIN", "STORE", "CENTRE",
                       "ESPACE", "CLINIQUE", "PRESSING", "LIBRAIRIE", "SNACK", "BAZAR", "AGENCE")

# Legal form: spellings seen in the legal_form field and inside company names.
LEGAL_FORMS = {
    "SARL": ("SARL", "S.A.R.L", "S.A.R.L.", "Sarl", "sarl", "STE A RESPONSABILITE LIMITEE"),
    "SARL AU": ("SARL AU", "SARLAU", "S.A.R.L AU", "SARL A.U", "S.A.R.L.A.U", "sarl au", "SARL D'ASSOCIE UNIQUE"),
    "SA": ("SA", "S.A.", "S.A", "Société Anonyme", "STE ANONYME"),
    "SNC": ("SNC", "S.N.C", "S.N.C."),
    "SCS": ("SCS", "S.C.S", "S.C.S."),
    "COOP": ("COOP", "COOPERATIVE", "Coopérative", "COOPÉRATIVE"),
    "GIE": ("GIE", "G.I.E", "G.I.E."),
    "EI": ("EI", "E.I", "ENTREPRISE INDIVIDUELLE", "PERSONNE PHYSIQUE"),
    "SAS": ("SAS", "S.A.S", "S.A.S."),
}
LEGAL_FORM_WEIGHTS = (("SARL", 42.0), ("SARL AU", 28.0), ("SA", 10.0), ("SNC", 3.0), ("SCS", 1.0), ("COOP", 5.0),
                      ("GIE", 1.0), ("EI", 8.0), ("SAS", 2.0))

# --- Places --------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class City:
    """A Moroccan city: how sources write it, its postal codes, landline area, CIN letters and districts."""

    name: str
    weight: float
    aliases: tuple[str, ...]
    postal_codes: tuple[str, ...]
    area_code: str
    cin_letters: tuple[str, ...]
    districts: tuple[str, ...]


def make_city(name: str, weight: float, aliases: str, postal: str, area: str, cin: str, districts: str) -> City:
    return City(name, weight, tuple(aliases.split("|")), tuple(postal.split()), area, tuple(cin.split()),
                tuple(districts.split("|")))


CITIES = (
    make_city("CASABLANCA", 330, "CASABLANCA|Casablanca|CASA|Casa|Dar el Beida|DAR EL BEIDA|casablanca|CASA BLANCA",
          "20000 20050 20100 20200 20250 20300 20330 20400 20450 20500 20520 20550 20600", "522",
          "B BE BH BJ BK BL BM BA BB BW",
          "MAARIF|GAUTHIER|RACINE|HAY HASSANI|SIDI MAAROUF|AIN SEBAA|BERNOUSSI|HAY MOHAMMADI|CALIFORNIE|OULFA|"
          "BOURGOGNE|ANFA|AIN CHOCK|SIDI MOUMEN|DERB SULTAN|BELVEDERE|PALMIERS|AIN DIAB"),
    make_city("RABAT", 80, "RABAT|Rabat|rabat|RBAT", "10000 10020 10040 10050 10080 10090 10100 10170", "537",
          "A AB AD", "AGDAL|HAY RIAD|SOUISSI|OCEAN|YACOUB EL MANSOUR|HASSAN|AKKARI|TAKADDOUM"),
    make_city("SALE", 60, "SALÉ|SALE|Salé|Sale|SLA", "11000 11010 11020 11060 11100", "537", "AE AA",
          "TABRIQUET|HAY SALAM|BETTANA|SIDI MOUSSA|LAAYAYDA|HAY KARIMA"),
    make_city("FES", 80, "FÈS|FES|Fès|Fes|Fez|FEZ", "30000 30050 30070 30100 30200", "535", "C CB CD",
          "ZOUAGHA|SAISS|NARJISS|AGDAL|ATLAS|BENSOUDA|OUED FES"),
    make_city("MARRAKECH", 75, "MARRAKECH|Marrakech|Marrakesh|MARRAKESH|Marakech|MARRAKECHE",
          "40000 40020 40040 40070 40080 40100 40130", "524", "E EE EB",
          "GUELIZ|DAOUDIATE|MHAMID|SYBA|MASSIRA|HIVERNAGE|SIDI YOUSSEF BEN ALI|ISSIL"),
    make_city("TANGER", 75, "TANGER|Tanger|Tangier|TANGIER|Tanja|TANGER-ASILAH",
          "90000 90010 90020 90040 90060 90070 90100", "539", "K KB KA",
          "MALABATA|BENI MAKADA|IBERIA|MESNANA|DRADEB|BOUKHALEF|MARCHAN"),
    make_city("MEKNES", 45, "MEKNÈS|MEKNES|Meknès|Meknes|Miknas", "50000 50040 50050 50070", "535", "D DA",
          "HAMRIA|BASSATINE|MARJANE|SIDI BOUZEKRI|ZITOUNE"),
    make_city("AGADIR", 50, "AGADIR|Agadir|agadir|AGADIR IDA OUTANANE", "80000 80010 80020 80030 80060 80090",
          "528", "J JA JB JC", "TALBORJT|DAKHLA|HAY MOHAMMADI|CHARAF|TIKIOUINE|FOUNTY"),
    make_city("OUJDA", 40, "OUJDA|Oujda|Oujda Angad|OUJDA ANGAD", "60000 60020 60040 60050", "536", "F FA FB",
          "LAZARET|AL QODS|SIDI MAAFA|HAY ANDALOUS"),
    make_city("KENITRA", 45, "KÉNITRA|KENITRA|Kénitra|Kenitra", "14000 14020 14040 14050", "537", "G GA GB GK",
          "MAAMORA|OULAD OUJIH|BIR RAMI|MIMOSAS|SAKNIA"),
    make_city("TETOUAN", 35, "TÉTOUAN|TETOUAN|Tétouan|Tetouan|TETUAN", "93000 93020 93030 93040", "539", "L LA LB",
          "MHANNECH|TOUABEL|SANIAT RMEL|MALLALIYINE"),
    make_city("EL JADIDA", 30, "EL JADIDA|El Jadida|ELJADIDA|Jadida|EL-JADIDA", "24000 24020 24040", "523", "M MA MC",
          "HAY SALAM|SIDI BOUZID|PLATEAU|MATTAR"),
    make_city("MOHAMMEDIA", 30, "MOHAMMEDIA|Mohammedia|Mohamedia|MOHAMADIA|FEDALA", "28800 28810 28820 28830", "523",
          "T TA", "EL ALIA|RACHIDIA|HAY HASSANI|PARC|LA COLLINE"),
    make_city("SAFI", 25, "SAFI|Safi|Asfi", "46000 46010 46020", "524", "H HA HH", "HAY ZITOUN|KAWKI|SIDI BOUZID"),
    make_city("BENI MELLAL", 25, "BÉNI MELLAL|BENI MELLAL|Beni-Mellal|BENIMELLAL|B. MELLAL", "23000 23020 23030",
          "523", "I IA IB", "HAY EL MASSIRA|OULED HAMDANE|HAY ATLAS"),
    make_city("NADOR", 25, "NADOR|Nador|nador", "62000 62010 62020", "536", "S SA SB", "OULED MIMOUN|LAARI CHEIKH"),
    make_city("TEMARA", 30, "TÉMARA|TEMARA|Temara|Témara", "12000 12010 12030", "537", "AE AD",
          "MASSIRA|HARHOURA|WIFAQ|GUICH OUDAYA"),
    make_city("LAAYOUNE", 15, "LAÂYOUNE|LAAYOUNE|Laayoune|El Aaiun|LAYOUNE", "70000 70010 70020", "528", "SH SJ",
          "HAY EL KHAIR|AL WAHDA|HAY MOULAY RACHID"),
    make_city("KHOURIBGA", 15, "KHOURIBGA|Khouribga", "25000 25010", "523", "Q QA", "HAY EL QODS|HAY ESSALAM"),
    make_city("SETTAT", 15, "SETTAT|Settat", "26000 26010", "523", "W WA", "HAY EL MASSIRA|MIMOUNA"),
    make_city("BERRECHID", 12, "BERRECHID|Berrechid|Berechid", "26100 26110", "522", "W WB", "HAY EL FATH|LALLA AICHA"),
    make_city("TAZA", 12, "TAZA|Taza", "35000 35010", "535", "Z ZG", "TAZA EL JADIDA|HAY EL KODS"),
    make_city("ESSAOUIRA", 8, "ESSAOUIRA|Essaouira|Mogador", "44000 44010", "524", "N NA", "AZLEF|BORJ"),
    make_city("KHEMISSET", 10, "KHÉMISSET|KHEMISSET|Khemisset", "15000 15010", "537", "X XA",
              "HAY EL MASSIRA|HAY SALAM"),
    make_city("LARACHE", 10, "LARACHE|Larache|Laraich", "92000 92010", "539", "LC LG", "HAY EL MAGHRIB EL JADID|JNANE"),
    make_city("OUARZAZATE", 8, "OUARZAZATE|Ouarzazate|Warzazat", "45000 45010", "524", "JE P", "TASSOUMAAT|TABOUNT"),
    make_city("ERRACHIDIA", 8, "ERRACHIDIA|Errachidia|Er-Rachidia|Ksar es Souk", "52000 52010", "535", "U UA",
          "HAY BOUTALAMINE|HAY ENNAHDA"),
    make_city("GUELMIM", 6, "GUELMIM|Guelmim|Goulimine", "81000 81010", "528", "JT", "HAY EL MASSIRA|TIRT"),
    make_city("DAKHLA", 5, "DAKHLA|Dakhla|Ad-Dakhla", "73000 73010", "528", "VA", "HAY EL MASSIRA|AL WAHDA"),
    make_city("IFRANE", 3, "IFRANE|Ifrane", "53000", "535", "DN", "HAY ATLAS|HAY RIAD"),
)
# Cities where domiciliation centres cluster.
CENTRE_CITIES = (("CASABLANCA", 60.0), ("RABAT", 12.0), ("MARRAKECH", 10.0), ("TANGER", 10.0), ("AGADIR", 5.0),
                 ("FES", 3.0))

STREETS = (
    "MOHAMMED V", "HASSAN II", "ZERKTOUNI", "ANFA", "IBN BATOUTA", "IBN SINA", "AL MASSIRA", "MOULAY YOUSSEF",
    "ABDELMOUMEN", "AL QODS", "FAL OULD OUMEIR", "PRINCE MOULAY ABDELLAH", "ALLAL BEN ABDELLAH", "MOULAY ISMAIL",
    "IBN KHALDOUN", "AL ANDALOUS", "OQBA BEN NAFII", "LALLA YACOUT", "MOHAMMED VI", "AL JAHIZ", "IBN ROCHD",
    "AL FARABI", "AL KHANSAA", "ABOU BAKR ESSEDDIK", "OMAR IBN EL KHATTAB", "ALLAL EL FASSI", "AL MOUQAWAMA",
    "BIR ANZARANE", "ROUDANI", "YACOUB EL MANSOUR", "MOULAY RACHID", "MOULAY SLIMANE", "AL AMIR ABDELKADER",
    "ABDELKRIM EL KHATTABI", "MOHAMED ZERKTOUNI", "AHMED TOUKI", "MUSTAPHA EL MAANI", "EMILE ZOLA", "VICTOR HUGO",
    "DE LA RESISTANCE", "DES FAR", "2 MARS", "11 JANVIER", "AL WAHDA", "ESSALAM", "ENNAHDA", "AL AMAL", "AL FATH",
    "IBN TOUMERT", "TARIK IBN ZIAD", "YOUSSEF IBN TACHFINE", "AL MANSOUR EDDAHBI", "MAJORELLE", "SIDI ABDERRAHMANE",
    "DE FES", "DE MARRAKECH", "DE TANGER", "D'AGADIR", "MOULAY HASSAN", "AL ARZ", "AL MOUTANABBI", "ANOUAL",
)
RESIDENCES = (
    "AL MANAR", "NOUR", "ESSAADA", "YASMINE", "AL BOUSTANE", "ANDALOUS", "RIAD", "FIRDAOUS", "AL AMAL", "ZOHOUR",
    "KAWTAR", "NAKHIL", "OUM RABII", "AL WAFA", "SAFAE", "LINA", "BAHIA", "LES PALMIERS", "ATLAS", "MOUNA",
    "DAR SALAM", "AL MOSTAKBAL", "JARDINS D'ANFA", "ASSALAM", "AL FATH", "HAMZA", "AL WIFAQ", "ENNASR", "AL QODS",
)
# Address words and the ways operators abbreviate them; the first spelling is the usual one.
ADDRESS_WORDS = {
    "RUE": ("RUE", "R.", "Rue"),
    "BD": ("BD", "BOULEVARD", "BLD", "BD."),
    "AV": ("AV", "AVENUE", "AV.", "AVE"),
    "RES": ("RES", "RESIDENCE", "RES.", "RÉSIDENCE", "RESID"),
    "IMM": ("IMM", "IMMEUBLE", "IMM.", "IMMB"),
    "APPT": ("APPT", "APP", "APPARTEMENT", "APT", "APP."),
    "ETG": ("ETG", "ETAGE", "ÉTAGE", "ET."),
    "NO": ("N°", "N", "NO", "N °", "NUM"),
    "LOT": ("LOT", "LOTISSEMENT", "LOT."),
    "HAY": ("HAY", "QUARTIER", "QU.", "HAY"),
    "BLOC": ("BLOC", "BL", "BLC"),
    "BUREAU": ("BUREAU", "BUR", "BUR."),
}
STREET_KINDS = (("RUE", 55.0), ("BD", 25.0), ("AV", 20.0))

# --- Sources: identifiers and habits -------------------------------------------------------------------------
PERSON_NETWORKS = (("AGENT", 38.0), ("COURTIER", 15.0), ("BGD", 13.0), ("BANCASSURANCE", 22.0), ("WEB", 12.0))
ORGANIZATION_NETWORKS = (("AGENT", 40.0), ("COURTIER", 35.0), ("BGD", 10.0), ("BANCASSURANCE", 13.0),
                         ("WEB", 2.0))
PERSON_LINES = {
    "AGENT": (("DOMMAGE", 70.0), ("EPARGNE", 10.0), ("PREVOYANCE", 20.0)),
    "COURTIER": (("DOMMAGE", 65.0), ("EPARGNE", 10.0), ("PREVOYANCE", 25.0)),
    "BGD": (("DOMMAGE", 75.0), ("EPARGNE", 10.0), ("PREVOYANCE", 15.0)),
    "BANCASSURANCE": (("DOMMAGE", 15.0), ("EPARGNE", 50.0), ("PREVOYANCE", 35.0)),
    "WEB": (("DOMMAGE", 70.0), ("EPARGNE", 5.0), ("PREVOYANCE", 25.0)),
}
ORGANIZATION_LINES = (("DOMMAGE", 70.0), ("EPARGNE", 10.0), ("PREVOYANCE", 20.0))
PRODUCTS = {
    ("person", "DOMMAGE"): ("AUTO", "HABITATION", "ASSISTANCE", "MOTO", "RC_FAMILLE"),
    ("person", "EPARGNE"): ("RETRAITE", "EDUCATION", "EPARGNE"),
    ("person", "PREVOYANCE"): ("DECES", "SANTE", "ACCIDENT", "EMPRUNTEUR"),
    ("organization", "DOMMAGE"): ("FLOTTE", "MULTIRISQUE_PRO", "RC_PRO", "ACCIDENT_TRAVAIL", "TRANSPORT", "AUTO"),
    ("organization", "EPARGNE"): ("RETRAITE", "EPARGNE"),
    ("organization", "PREVOYANCE"): ("SANTE", "DECES", "ACCIDENT"),
}
# Points of sale per network (web channels are few and fixed).
POINT_OF_SALE_SHARES = (("AGENT", 0.45), ("COURTIER", 0.18), ("BGD", 0.10), ("BANCASSURANCE", 0.27))
WEB_CHANNELS = (("WEB-PORTAIL", "PORTAIL CLIENT", 40.0), ("WEB-MOBILE", "APPLICATION MOBILE", 30.0),
                ("WEB-COMPARATEUR", "COMPARATEUR EN LIGNE", 15.0), ("WEB-PARTENAIRE", "SITES PARTENAIRES", 10.0),
                ("WEB-SOUSCRIPTION", "SOUSCRIPTION EN LIGNE", 5.0))
ENTITIES_PER_POINT_OF_SALE = 200
EMAIL_DOMAINS = (("gmail.com", 50.0), ("hotmail.com", 15.0), ("hotmail.fr", 8.0), ("yahoo.fr", 10.0),
                 ("yahoo.com", 5.0), ("outlook.com", 5.0), ("outlook.fr", 2.0), ("menara.ma", 3.0), ("live.fr", 2.0))
CIVILITIES = {
    ("M", False): ("M.", "MR", "M", "Monsieur", "Mr"),
    ("M", True): ("M.", "MR", "M", "Monsieur", "Mr"),
    ("F", True): ("Mme", "MME", "Madame", "Mme."),
    ("F", False): ("Mlle", "MLLE", "Mademoiselle", "Mme"),
}
ID_TYPES = {
    "CIN": ("CIN", "CNIE", "C.I.N", "cin", "C.I.N.", "Cin", "CNI", "CARTE NATIONALE"),
    "PASSEPORT": ("PASSEPORT", "PASSPORT", "PASS", "Passeport", "PP"),
    "CARTE SEJOUR": ("CARTE SEJOUR", "CARTE DE SEJOUR", "CS", "Carte séjour", "TITRE DE SEJOUR"),
}
EXTRA_FIELDS = {
    "AGENT": ("agent_comment", 0.04, ("client fidèle", "RDV renouvellement", "A relancer", "sinistre en cours",
                                       "parrainé par un client", "voir dossier papier")),
    "COURTIER": ("code_apporteur", 0.10, ("APP-0012", "APP-0107", "APP-0450", "APP-1203", "APP-0033")),
    "BGD": ("ref_dossier", 0.05, ("DOS-A", "DOS-B", "DOS-C", "DOS-R")),
    "BANCASSURANCE": ("segment_bancaire", 0.15, ("PARTICULIER", "PROFESSIONNEL", "PRIVE", "ENTREPRISE", "JEUNE")),
    "WEB": ("utm_source", 0.12, ("google", "facebook", "instagram", "comparateur", "newsletter")),
}


class _Absent:
    """Marks a missing value sent as an absent key (the other forms are "" and null)."""


ABSENT = _Absent()
MissingForm = str | None | _Absent


class Weighted(Generic[T]):
    """A weighted choice made from one uniform number (cheaper than random.choices in the hot loop)."""

    __slots__ = ("_cumulative", "_items", "_total")

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        self._items: list[T] = []
        self._cumulative: list[float] = []
        total = 0.0
        for item, weight in pairs:
            total += weight
            self._items.append(item)
            self._cumulative.append(total)
        self._total = total
        self._cumulative[-1] = float("inf")  # so that rounding at u * total == total still lands on the last item

    def draw(self, u: float) -> T:
        """The item whose cumulative weight interval contains `u` (in [0, 1))."""
        return self._items[bisect.bisect_right(self._cumulative, u * self._total)]


# --- Formats each source writes values in ---------------------------------------------------------------------
DateParts = tuple[int, int, int]


def format_iso_date(y: int, m: int, d: int) -> str:
    return f"{y:04d}-{m:02d}-{d:02d}"


def format_slash_date(y: int, m: int, d: int) -> str:
    return f"{d:02d}/{m:02d}/{y:04d}"


def format_short_date(y: int, m: int, d: int) -> str:
    return f"{d}-{m}-{y % 100:02d}"


def format_dotted_date(y: int, m: int, d: int) -> str:
    return f"{d:02d}.{m:02d}.{y:04d}"


def format_compact_date(y: int, m: int, d: int) -> str:
    return f"{y:04d}{m:02d}{d:02d}"


def format_dashed_date(y: int, m: int, d: int) -> str:
    return f"{d:02d}-{m:02d}-{y:04d}"


def format_timestamp_date(y: int, m: int, d: int) -> str:
    return f"{y:04d}-{m:02d}-{d:02d}T00:00:00"


def format_loose_slash_date(y: int, m: int, d: int) -> str:
    return f"{d}/{m}/{y}"


# A phone is kept as its 9-digit national significant number ("661234567").
def format_national_phone(n: str) -> str:
    return "0" + n


def format_plus_phone(n: str) -> str:
    return "+212" + n


def format_plus_spaced_phone(n: str) -> str:
    return f"+212 {n[0]} {n[1:3]} {n[3:5]} {n[5:7]} {n[7:]}"


def format_international_phone(n: str) -> str:
    return "212" + n


def format_zeros_spaced_phone(n: str) -> str:
    return f"00212 {n[0]} {n[1:3]} {n[3:5]} {n[5:7]} {n[7:]}"


def format_paired_phone(n: str) -> str:
    return f"0{n[0]} {n[1:3]} {n[3:5]} {n[5:7]} {n[7:]}"


def format_dotted_phone(n: str) -> str:
    return f"0{n[0]}.{n[1:3]}.{n[3:5]}.{n[5:7]}.{n[7:]}"


def format_dashed_phone(n: str) -> str:
    return f"0{n[0]}-{n[1:3]}-{n[3:5]}-{n[5:7]}-{n[7:]}"


def format_truncated_phone(n: str) -> str:
    """A spreadsheet on the way dropped the leading zero."""
    return n


PhoneFormat = Callable[[str], str]
DateFormat = Callable[[int, int, int], str]


@dataclass(frozen=True, slots=True)
class SourceStyle:
    """How one source system captures a client: layouts, formats, what it leaves empty and how."""

    name_layouts: Weighted[str]  # "separate", "last_first" (full_name "ALAMI MOHAMED"), "first_last"
    name_cases: Weighted[str]  # "upper", "title", "lower"
    date_formats: Weighted[DateFormat]
    phone_formats: Weighted[PhoneFormat]
    missing_forms: Weighted[MissingForm]
    missing: dict[str, float]  # field -> probability that the source leaves it empty


def make_style(layouts: Sequence[tuple[str, float]], cases: Sequence[tuple[str, float]],
               dates: Sequence[tuple[DateFormat, float]], phones: Sequence[tuple[PhoneFormat, float]],
               forms: Sequence[tuple[MissingForm, float]], missing: dict[str, float]) -> SourceStyle:
    return SourceStyle(Weighted(layouts), Weighted(cases), Weighted(dates), Weighted(phones), Weighted(forms),
                       missing)


SOURCE_STYLES = {
    "AGENT": make_style(
        (("separate", 93), ("last_first", 5), ("first_last", 2)), (("upper", 80), ("title", 20)),
        ((format_slash_date, 70), (format_short_date, 10), (format_dashed_date, 10), (format_loose_slash_date, 10)),
        ((format_national_phone, 60), (format_paired_phone, 20), (format_dotted_phone, 10),
         (format_truncated_phone, 5), (format_plus_phone, 5)),
        (("", 70), (None, 5), (ABSENT, 25)),
        {"civility": 0.08, "birth_date": 0.08, "national_id": 0.08, "phone": 0.05, "email": 0.45,
         "address_line": 0.04, "city": 0.03, "postal_code": 0.35, "legal_form": 0.4, "ice": 0.2, "rc_number": 0.25,
         "rc_court": 0.2, "tax_id": 0.35, "professional_tax_number": 0.6, "contact_person": 0.5, "trade_name": 0.4}),
    "COURTIER": make_style(
        (("separate", 88), ("first_last", 7), ("last_first", 5)),
        (("title", 50), ("upper", 45), ("lower", 5)),
        ((format_iso_date, 40), (format_slash_date, 40), (format_dashed_date, 20)),
        ((format_plus_phone, 35), (format_national_phone, 35), (format_paired_phone, 20),
         (format_zeros_spaced_phone, 10)),
        (("", 20), (None, 50), (ABSENT, 30)),
        {"civility": 0.15, "birth_date": 0.12, "national_id": 0.15, "phone": 0.05, "email": 0.25,
         "address_line": 0.05, "city": 0.04, "postal_code": 0.25, "legal_form": 0.2, "ice": 0.12, "rc_number": 0.15,
         "rc_court": 0.15, "tax_id": 0.2, "professional_tax_number": 0.4, "contact_person": 0.3, "trade_name": 0.3}),
    "BGD": make_style(
        (("separate", 97), ("last_first", 3)), (("upper", 95), ("title", 5)),
        ((format_compact_date, 45), (format_dotted_date, 35), (format_slash_date, 20)),
        ((format_dotted_phone, 40), (format_national_phone, 40), (format_paired_phone, 20)),
        (("", 85), (ABSENT, 15)),
        {"civility": 0.05, "birth_date": 0.05, "national_id": 0.04, "phone": 0.04, "email": 0.5,
         "address_line": 0.03, "city": 0.02, "postal_code": 0.15, "legal_form": 0.3, "ice": 0.15, "rc_number": 0.2,
         "rc_court": 0.2, "tax_id": 0.3, "professional_tax_number": 0.5, "contact_person": 0.6, "trade_name": 0.5}),
    "BANCASSURANCE": make_style(
        (("last_first", 72), ("first_last", 13), ("separate", 15)), (("upper", 90), ("title", 10)),
        ((format_slash_date, 50), (format_timestamp_date, 30), (format_iso_date, 20)),
        ((format_international_phone, 40), (format_zeros_spaced_phone, 20), (format_national_phone, 30),
         (format_plus_phone, 10)),
        (("", 10), (None, 30), (ABSENT, 60)),
        {"civility": 0.03, "birth_date": 0.02, "national_id": 0.02, "phone": 0.06, "email": 0.3,
         "address_line": 0.03, "city": 0.02, "postal_code": 0.1, "legal_form": 0.25, "ice": 0.1, "rc_number": 0.1,
         "rc_court": 0.3, "tax_id": 0.25, "professional_tax_number": 0.7, "contact_person": 0.5, "trade_name": 0.6}),
    "WEB": make_style(
        (("first_last", 50), ("last_first", 10), ("separate", 40)),
        (("title", 45), ("lower", 30), ("upper", 25)),
        ((format_iso_date, 60), (format_slash_date, 25), (format_short_date, 15)),
        ((format_plus_phone, 35), (format_national_phone, 35), (format_plus_spaced_phone, 15),
         (format_dashed_phone, 15)),
        (("", 10), (None, 60), (ABSENT, 30)),
        {"civility": 0.35, "birth_date": 0.18, "national_id": 0.45, "phone": 0.03, "email": 0.02,
         "address_line": 0.35, "city": 0.1, "postal_code": 0.5, "legal_form": 0.6, "ice": 0.4, "rc_number": 0.6,
         "rc_court": 0.7, "tax_id": 0.6, "professional_tax_number": 0.85, "contact_person": 0.3, "trade_name": 0.5}),
}


def format_agent_id(counter: int, _: int) -> str:
    return f"AG{scramble(counter, 10**7, 1):07d}"


def format_broker_id(counter: int, _: int) -> str:
    return f"CT{scramble(counter, 10**8, 2):08d}"


def format_direct_office_id(counter: int, year: int) -> str:
    return f"BGD-{year}-{scramble(counter, 10**7, 3):07d}"


def format_bank_id(counter: int, _: int) -> str:
    return f"{scramble(counter, 10**10, 4):010d}"


RECORD_ID_FORMATS: dict[str, Callable[[int, int], str]] = {
    "AGENT": format_agent_id, "COURTIER": format_broker_id, "BGD": format_direct_office_id,
    "BANCASSURANCE": format_bank_id,
}


def scramble(counter: int, modulus: int, salt: int) -> int:
    """A bijection of [0, modulus) for any modulus prime to the multiplier: unique ids that do not look sequential."""
    return (counter * 2_654_435_761 + salt * 982_451_653) % modulus


# --- Public values ------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class GeneratedRecord:
    """A record exactly as a source sends it, with the real-world client it describes."""

    record: dict[str, object]
    entity_id: str


@dataclass(frozen=True, slots=True)
class PointOfSale:
    """An agency, broker office, direct office, bank branch or web channel."""

    code: str
    network: str
    city: str
    name: str
    closed_on: date | None = None  # declared only in the variant with movement traps
    successor: str | None = None


@dataclass(frozen=True, slots=True)
class Stint:
    """A true period during which a point of sale served a client; `end_date` is exclusive, None while current."""

    entity_id: str
    network: str
    point_of_sale: str
    start_date: date
    end_date: date | None
    reason: str
    source_system: str
    source_record_id: str


@dataclass(frozen=True, slots=True)
class FeedCounts:
    """What a run produced."""

    records: int
    entities: int
    persons: int
    organizations: int
    stints: int


# --- Internal identity of a client ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Name:
    """A name and the spellings it reaches Latin script in; `usual` is the one this client's papers carry."""

    spellings: tuple[str, ...]
    usual: str
    odds: Weighted[str]


@dataclass(frozen=True, slots=True)
class Address:
    """An address as tokens; tokens starting with "@" are words operators abbreviate (ADDRESS_WORDS)."""

    tokens: tuple[str, ...]
    usual: str


@dataclass(frozen=True, slots=True)
class Place:
    """Where a client lives or a company has its seat."""

    city: City
    address: Address
    postal_code: str
    landline: str | None


@dataclass(slots=True)
class Person:
    entity_id: str
    gender: str
    first: Name
    last: Name
    birth: DateParts
    married: bool
    id_kind: str
    national_id: str
    place: Place
    mobile: str | None
    old_mobile: str | None
    email: str | None
    loyalty_card: str | None


@dataclass(frozen=True, slots=True)
class Contact:
    """The person a company's records name as its contact."""

    first: Name
    last: Name
    gender: str


@dataclass(slots=True)
class Organization:
    entity_id: str
    core: str
    form: str
    decorated: bool  # the core already says what the business is ("PHARMACIE ALAMI"): no "STE" in front
    branch_label: str | None
    trade_name: str | None
    ice: str
    rc_number: str
    rc_court: City
    tax_id: str
    professional_tax: str
    contact: Contact | None
    place: Place
    mobile: str | None
    email: str | None


Entity = Person | Organization


@dataclass(frozen=True, slots=True)
class StintStart:
    network: str
    point: str
    day: int
    reason: str
    source_record_id: str


@dataclass(slots=True)
class Track:
    """A line of stints in one network at a time; a client has one, or two when two networks serve it at once."""

    network: str
    product_line: str
    point: str
    starts: list[StintStart]


@dataclass(frozen=True, slots=True)
class Closure:
    day: int
    successor: str


def parse_names(table: str) -> tuple[tuple[str, float, tuple[str, ...]], ...]:
    """Parse the name tables: canonical, weight, spellings (canonical first, "_" read as a space)."""
    rows = []
    for line in table.strip().splitlines():
        canonical, weight, *variants = line.split()
        spellings = [canonical.replace("_", " ")]
        spellings.extend(v.replace("_", " ") for v in variants)
        rows.append((spellings[0], float(weight), derive_spellings(spellings)))
    return tuple(rows)


def derive_spellings(spellings: Sequence[str]) -> tuple[str, ...]:
    """Add the spellings the articles and doubled letters produce (El Idrissi/Idrissi/Elidrissi, Aït/Ait-…)."""
    out = list(spellings)
    canonical = spellings[0]
    if canonical.startswith("EL ") and len(canonical) > 5:
        root = canonical[3:]
        out += [root, "EL" + root, "EL-" + root]
    elif canonical.startswith("AIT "):
        root = canonical[4:]
        out += ["AÏT " + root, "AIT-" + root, "AIT" + root.replace(" ", "")]
    for double in ("SS", "LL", "NN", "MM", "DD", "RR", "TT", "KK", "ZZ", "BB"):
        if double in canonical:
            out.append(canonical.replace(double, double[0], 1))
            break
    unique: list[str] = []
    for spelling in out:
        if spelling not in unique:
            unique.append(spelling)
    return tuple(unique)


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def ice_check_digits(first13: str) -> str:
    """ISO 7064 MOD 97-10, as the ICE register computes them."""
    return f"{(97 - int(first13) * 100 % 97) % 97:02d}"


def weighted_tables(rows: Iterable[tuple[str, float, tuple[str, ...]]]) -> Weighted[tuple[str, ...]]:
    return Weighted((spellings, weight) for _, weight, spellings in rows)


def weigh_spellings(spellings: tuple[str, ...]) -> Weighted[str]:
    """The canonical spelling dominates; the others share the rest, decreasing with their rank."""
    others = len(spellings) - 1
    share = min(VARIANT_SHARE_CAP, VARIANT_SHARE_PER_SPELLING * others)
    harmonic = sum(1 / rank for rank in range(1, others + 1)) or 1.0
    return Weighted([(spellings[0], 1 - share),
                     *((spelling, share / harmonic / rank) for rank, spelling in enumerate(spellings[1:], 1))])


NAME_ROWS = {table: parse_names(table) for table in (MALE_FIRST_NAMES, FEMALE_FIRST_NAMES, FOREIGN_FIRST_NAMES,
                                                      FAMILY_NAMES, FOREIGN_FAMILY_NAMES)}
MALE_NAMES = weighted_tables(NAME_ROWS[MALE_FIRST_NAMES])
FEMALE_NAMES = weighted_tables(NAME_ROWS[FEMALE_FIRST_NAMES])
FAMILY = weighted_tables(NAME_ROWS[FAMILY_NAMES])
FOREIGN_FIRST = NAME_ROWS[FOREIGN_FIRST_NAMES]
FOREIGN_FAMILY = weighted_tables(NAME_ROWS[FOREIGN_FAMILY_NAMES])
SPELLING_ODDS = {spellings: weigh_spellings(spellings) for rows in NAME_ROWS.values() for _, _, spellings in rows}
CITY_TABLE = Weighted((city, city.weight) for city in CITIES)
CITY_BY_NAME = {city.name: city for city in CITIES}
CENTRE_CITY_TABLE = Weighted((CITY_BY_NAME[name], weight) for name, weight in CENTRE_CITIES)
# Companies cluster in the big cities more than people do.
COMPANY_CITY_TABLE = Weighted((city, city.weight ** 1.2) for city in CITIES)
RECORD_COUNT_TABLE = Weighted(RECORDS_PER_ENTITY)
GROUP_TABLE = Weighted(GROUP_WEIGHTS)
HOUSEHOLD_TABLE = Weighted(HOUSEHOLD_SIZES)
BRANCH_TABLE = Weighted(BRANCH_COUNTS)
LEGAL_FORM_TABLE = Weighted(LEGAL_FORM_WEIGHTS)
PERSON_NETWORK_TABLE = Weighted(PERSON_NETWORKS)
ORGANIZATION_NETWORK_TABLE = Weighted(ORGANIZATION_NETWORKS)
PERSON_LINE_TABLES = {network: Weighted(lines) for network, lines in PERSON_LINES.items()}
ORGANIZATION_LINE_TABLE = Weighted(ORGANIZATION_LINES)
MOVE_TABLE = Weighted(MOVE_REASONS)
STREET_KIND_TABLE = Weighted(STREET_KINDS)
EMAIL_DOMAIN_TABLE = Weighted(EMAIL_DOMAINS)
JUNK_PHONE_TABLE = Weighted((value, 1.0 / (rank + 1)) for rank, value in enumerate(JUNK_PHONES))
JUNK_EMAIL_TABLE = Weighted((value, 1.0 / (rank + 1)) for rank, value in enumerate(JUNK_EMAILS))
WEB_CHANNEL_TABLE = Weighted((code, weight) for code, _, weight in WEB_CHANNELS)
AVERAGE_RECORDS_PER_ENTITY = sum(k * w for k, w in RECORDS_PER_ENTITY) / sum(w for _, w in RECORDS_PER_ENTITY)


class FeedRun:
    """One pass over a feed: all the state a run needs, driven by one random.Random(seed)."""

    def __init__(self, n_records: int, seed: int, movement_traps: bool = False) -> None:
        if n_records < 0:
            raise ValueError("n_records must be >= 0")
        self.n_records = n_records
        self.movement_traps = movement_traps
        self.rng = random.Random(seed)
        self.random = self.rng.random
        self.entity_counter = 0
        self.persons = 0
        self.organizations = 0
        self.record_counters = dict.fromkeys(NETWORKS, 0)
        self.court_counters = {city.name: 0 for city in CITIES}
        self.mobile_counter = 0
        self.landline_counter = 0
        self.national_id_counter = 0
        self.company_counter = 0
        self.card_counter = 0
        self.stint_count = 0
        self.point_tables: dict[tuple[str, str], Weighted[str]] = {}
        self.network_tables: dict[str, Weighted[str]] = {}
        self.point_groups: dict[tuple[str, str], list[tuple[str, float]]] = {}
        self.points_of_sale = self.build_points_of_sale()
        self.closures = self.close_points_of_sale()
        if movement_traps:
            self.points_of_sale = [replace(point, closed_on=date.fromordinal(closure.day), successor=closure.successor)
                                   if (closure := self.closures.get(point.code)) else point
                                   for point in self.points_of_sale]
        self.centres = self.build_domiciliation_centres()

    # --- the network of points of sale -------------------------------------------------------------------------
    def build_points_of_sale(self) -> list[PointOfSale]:
        """Points of sale in many cities, in proportion to the clients expected; each with a size (Zipf-like)."""
        expected_entities = self.n_records / AVERAGE_RECORDS_PER_ENTITY
        total = min(5000, max(45, round(expected_entities / ENTITIES_PER_POINT_OF_SALE)))
        points: list[PointOfSale] = []
        groups = self.point_groups
        for network, share in POINT_OF_SALE_SHARES:
            number = 0
            by_network: list[tuple[str, float]] = []
            for i in range(max(4, round(total * share))):
                # Every network has an office in Casablanca, so the biggest market is never unserved.
                city = CITY_BY_NAME["CASABLANCA"] if i == 0 else CITY_TABLE.draw(self.random())
                number += 1 + int(self.random() * 9)
                code, name = self.name_point_of_sale(network, number, city)
                size = min(15.0, self.rng.paretovariate(1.2))
                points.append(PointOfSale(code, network, city.name, name))
                groups.setdefault((network, city.name), []).append((code, size))
                by_network.append((code, size))
            self.network_tables[network] = Weighted(by_network)
        for key, members in groups.items():
            self.point_tables[key] = Weighted(members)
        for code, name, _ in WEB_CHANNELS:
            points.append(PointOfSale(code, "WEB", "CASABLANCA", name))
        self.network_tables["WEB"] = WEB_CHANNEL_TABLE
        return points

    def name_point_of_sale(self, network: str, number: int, city: City) -> tuple[str, str]:
        district = self.pick(city.districts)
        family = FAMILY.draw(self.random())[0]
        if network == "AGENT":
            return f"AGT{number:04d}", self.pick((f"AGENCE {family} ASSURANCES", f"CABINET {family}",
                                                  f"{family} ASSURANCES {district}"))
        if network == "COURTIER":
            word = self.pick(COMPANY_WORDS)
            return f"CRT{number:04d}", self.pick((f"{word} COURTAGE", f"CABINET {family} CONSEIL",
                                                  f"{family} & ASSOCIES COURTAGE"))
        if network == "BGD":
            return f"BGD{number:03d}", f"BUREAU DIRECT {city.name} {district}"
        return f"BQ{number:05d}", f"AGENCE {city.name} {district}"

    def close_points_of_sale(self) -> dict[str, Closure]:
        """Some agencies close; their portfolio goes to one successor in the same network and city."""
        closures: dict[str, Closure] = {}
        rate = TRAPS_CLOSURE_RATE if self.movement_traps else CLOSURE_RATE
        for network, _ in POINT_OF_SALE_SHARES:
            shared = [members for (net, _city), members in self.point_groups.items()
                      if net == network and len(members) >= 2]
            candidates = [code for members in shared for code, _ in members]
            count = max(1, round(rate * sum(len(m) for (net, _c), m in self.point_groups.items()
                                            if net == network)))
            closing = set(self.rng.sample(candidates, min(count, len(candidates))))
            for members in shared:
                heirs = [code for code, _ in members if code not in closing]
                for code, _ in members:
                    if code in closing and heirs:
                        day = CLOSURE_FIRST_DAY + int(self.random() * (CLOSURE_LAST_DAY - CLOSURE_FIRST_DAY))
                        closures[code] = Closure(day, self.pick(heirs))
        if self.movement_traps:
            self.shrink_points_of_sale(set(closures))
        return closures

    def shrink_points_of_sale(self, codes: set[str]) -> None:
        """Make these points of sale small agencies: few clients choose them, so few are seen when they close."""
        for key, members in self.point_groups.items():
            if any(code in codes for code, _ in members):
                members[:] = [(code, TRAPS_CLOSING_SIZE if code in codes else size) for code, size in members]
                self.point_tables[key] = Weighted(members)
        for network, _ in POINT_OF_SALE_SHARES:
            self.network_tables[network] = Weighted(member for (net, _city), members in self.point_groups.items()
                                                    if net == network for member in members)

    def build_domiciliation_centres(self) -> list[Place]:
        """Seats shared by dozens of unrelated companies, each centre with its own landline."""
        expected_entities = self.n_records / AVERAGE_RECORDS_PER_ENTITY
        group_share = dict(GROUP_WEIGHTS)["organization"] / sum(w for _, w in GROUP_WEIGHTS)
        expected_domiciled = expected_entities * group_share * DOMICILED_RATE
        centres = []
        for _ in range(min(MAX_CENTRES, max(2, round(expected_domiciled / COMPANIES_PER_CENTRE)))):
            city = CENTRE_CITY_TABLE.draw(self.random())
            street_kind = STREET_KIND_TABLE.draw(self.random())
            tokens = (str(1 + int(self.random() * 300)), "@" + street_kind, self.pick(STREETS), "@ETG",
                      str(1 + int(self.random() * 6)), "@APPT", str(1 + int(self.random() * 30)))
            centres.append(Place(city, make_address(tokens), self.pick(city.postal_codes), self.new_landline(city)))
        return centres

    def resolve_point(self, code: str, day: int) -> str:
        """The point of sale that serves `code`'s clients on `day` (its successor once it has closed)."""
        closure = self.closures.get(code)
        return closure.successor if closure is not None and closure.day <= day else code

    def draw_point(self, network: str, city: City, day: int, avoid: str = "") -> str:
        table = self.point_tables.get((network, city.name)) if network != "WEB" else None
        if table is None or self.random() < 0.05:
            table = self.network_tables[network]  # no office in town, or the client chose one elsewhere
        code = self.resolve_point(table.draw(self.random()), day)
        for _ in range(4):
            if code != avoid:
                break
            code = self.resolve_point(self.network_tables[network].draw(self.random()), day)
        return code

    # --- small draws -----------------------------------------------------------------------------------------------
    def pick(self, seq: Sequence[T]) -> T:
        return seq[int(self.random() * len(seq))]

    def new_mobile(self) -> str:
        self.mobile_counter += 1
        prefix = "6" if self.random() < 0.75 else "7"
        return f"{prefix}{scramble(self.mobile_counter, 10**8, 5):08d}"

    def new_landline(self, city: City) -> str:
        self.landline_counter += 1
        return f"{city.area_code}{scramble(self.landline_counter, 10**6, 6):06d}"

    def new_entity_id(self) -> str:
        self.entity_counter += 1
        return f"ENT{self.entity_counter:08d}"

    def draw_name(self, table: Weighted[tuple[str, ...]]) -> Name:
        return self.make_name(table.draw(self.random()))

    def make_name(self, spellings: tuple[str, ...]) -> Name:
        odds = SPELLING_ODDS[spellings]
        return Name(spellings, odds.draw(self.random()), odds)

    def draw_birth(self, first_year: int, last_year: int, centre: float, spread: float) -> DateParts:
        year = min(last_year, max(first_year, round(self.rng.gauss(centre, spread))))
        return year, 1 + int(self.random() * 12), 1 + int(self.random() * 28)

    def make_place(self, city: City, with_landline: bool) -> Place:
        kind = self.random()
        number = str(1 + int(self.random() * 250))
        tokens: tuple[str, ...]
        if kind < 0.5:
            tokens = (number, "@" + STREET_KIND_TABLE.draw(self.random()), self.pick(STREETS))
        elif kind < 0.75:
            tokens = ("@RES", self.pick(RESIDENCES), "@IMM", str(1 + int(self.random() * 40)), "@APPT", number,
                      self.pick(city.districts))
        elif kind < 0.9:
            tokens = ("@LOT", self.pick(RESIDENCES), "@NO", number, self.pick(city.districts))
        else:
            district = self.pick(city.districts)
            quarter = ("@HAY", district) if not district.startswith("HAY ") else ("@HAY", district[4:])
            tokens = (*quarter, "@BLOC", str(1 + int(self.random() * 30)), "@NO", number)
        landline = self.new_landline(city) if with_landline else None
        return Place(city, make_address(tokens), self.pick(city.postal_codes), landline)

    def draw_email(self, first: str, last: str, year: int) -> str:
        f = strip_accents(first).lower().replace(" ", "").replace("'", "").replace("-", "")
        fam = strip_accents(last).lower().replace(" ", "").replace("'", "").replace("-", "")
        n = 1 + int(self.random() * 999)  # numbers keep two namesakes from sharing a mailbox
        domain = EMAIL_DOMAIN_TABLE.draw(self.random())
        local = self.pick((f"{f}.{fam}{year % 100:02d}", f"{f}{fam}{n}", f"{f[0]}.{fam}{n}", f"{fam}.{f}{year}",
                           f"{f}_{fam}{n}", f"{f}{year % 100:02d}{n}"))
        return f"{local}@{domain}"

    # --- clients ----------------------------------------------------------------------------------------------
    def make_person(self, gender: str, first: Name, last: Name, birth: DateParts, place: Place, *,
                    married: bool | None = None, id_kind: str = "CIN", national_id: str | None = None) -> Person:
        if married is None:
            married = birth[0] < 1995 and self.random() < 0.75
        if national_id is None:
            national_id = self.new_national_id(place.city) if id_kind == "CIN" else self.new_foreign_id(id_kind)
        mobile = self.new_mobile() if self.random() < 0.93 else None
        email = self.draw_email(first.usual, last.usual, birth[0]) if self.random() < 0.7 else None
        if mobile is None and place.landline is None:
            place = replace(place, landline=self.new_landline(place.city))  # every client gives some phone
        card = None
        if self.random() < LOYALTY_CARD_HOLDERS:
            self.card_counter += 1
            card = f"{scramble(self.card_counter, 10**9, 16):09d}"
        self.persons += 1
        return Person(self.new_entity_id(), gender, first, last, birth, married, id_kind, national_id, place,
                      mobile, None, email, card)

    def next_national_id(self) -> int:
        self.national_id_counter += 1
        return self.national_id_counter

    def new_foreign_id(self, id_kind: str) -> str:
        """A passport (two letters, seven digits) or a residence card number."""
        number = scramble(self.next_national_id(), 10**7, 7)
        if id_kind == "PASSEPORT":
            return f"{self.pick(PASSPORT_LETTERS)}{self.pick(PASSPORT_LETTERS)}{number:07d}"
        return f"E{number:07d}"

    def new_national_id(self, city: City) -> str:
        """A CIN: the letters of the issuing city and a number unique in the run (old cards have fewer digits)."""
        letters = self.pick(city.cin_letters) if self.random() < 0.8 else self.pick(CITY_TABLE.draw(
            self.random()).cin_letters)
        return f"{letters}{scramble(self.next_national_id(), 10**6, 9)}"

    def make_single_person(self) -> Person:
        birth = self.draw_birth(1940, 2005, 1979, 13)
        place = self.make_place(CITY_TABLE.draw(self.random()), self.random() < 0.3)
        if self.random() < FOREIGN_RESIDENT_RATE:
            spellings = self.pick(FOREIGN_FIRST)[2]
            gender = "F" if spellings[0] in FOREIGN_FEMALE else "M"
            return self.make_person(gender, self.make_name(spellings), self.draw_name(FOREIGN_FAMILY), birth, place,
                                    id_kind="CARTE SEJOUR")
        gender = "M" if self.random() < 0.55 else "F"
        first = self.draw_name(MALE_NAMES if gender == "M" else FEMALE_NAMES)
        id_kind = "PASSEPORT" if self.random() < PASSPORT_RATE else "CIN"
        return self.make_person(gender, first, self.draw_name(FAMILY), birth, place, id_kind=id_kind)

    def make_household(self) -> list[Entity]:
        """Different clients under one roof: address, landline, family name, sometimes one e-mail."""
        size = HOUSEHOLD_TABLE.draw(self.random())
        place = self.make_place(CITY_TABLE.draw(self.random()), True)
        family = FAMILY.draw(self.random())
        head_birth = self.draw_birth(1940, 1978, 1962, 9)
        head = self.make_person("M", self.draw_name(MALE_NAMES), self.make_name(family), head_birth, place,
                                married=True)
        members: list[Person] = [head]
        if self.random() < 0.85:
            spouse_family = family if self.random() < 0.15 else FAMILY.draw(self.random())
            spouse_birth = self.draw_birth(1940, 1985, head_birth[0] + 4, 3)
            members.append(self.make_person("F", self.draw_name(FEMALE_NAMES), self.make_name(spouse_family),
                                            spouse_birth, place, married=True))
        previous: Person | None = None
        for index in range(size - len(members)):
            gender = "M" if self.random() < 0.5 else "F"
            first = self.draw_name(MALE_NAMES if gender == "M" else FEMALE_NAMES)
            if previous is not None and index == 1 and self.random() < TWINS_RATE:
                # Twins: same birth date, card numbers one apart.
                child = self.make_person(gender, first, self.make_name(family), previous.birth, place,
                                         married=False, national_id=next_national_id(previous.national_id))
            else:
                if gender == "M" and self.random() < FATHER_SON_SAME_FIRST_NAME:
                    first = self.make_name(head.first.spellings)
                birth = self.draw_birth(head_birth[0] + 20, 2005, head_birth[0] + 28, 5)
                child = self.make_person(gender, first, self.make_name(family), birth, place)
            members.append(child)
            previous = child
        if self.random() < HOUSEHOLD_SHARED_EMAIL:
            shared = head.email or self.draw_email("famille", head.last.usual, head_birth[0])
            for member in members:
                if self.random() < 0.7:
                    member.email = shared
        return list(members)

    def make_organization(self, *, core: str | None = None, form: str | None = None, decorated: bool = False,
                          place: Place | None = None, ice_company: str | None = None, establishment: int = 0,
                          tax_id: str | None = None, contact: Contact | None = None) -> Organization:
        if form is None:
            form = LEGAL_FORM_TABLE.draw(self.random())
        if core is None:
            core = self.draw_company_core(form)
        if place is None:
            place = self.make_place(COMPANY_CITY_TABLE.draw(self.random()), True)
        self.company_counter += 1
        if ice_company is None:
            ice_company = f"00{scramble(self.company_counter, 10**7, 10):07d}"
        first13 = f"{ice_company}{establishment:04d}"
        if tax_id is None:
            tax_id = str(10**6 + scramble(self.company_counter, 9 * 10**7, 11))  # 7 or 8 digits
        if contact is None and self.random() < 0.8:
            gender = "M" if self.random() < 0.7 else "F"
            contact = Contact(self.draw_name(MALE_NAMES if gender == "M" else FEMALE_NAMES), self.draw_name(FAMILY),
                              gender)
        trade_name = None
        if self.random() < 0.3:
            trade_name = f"{self.pick(TRADE_NAME_PREFIXES)} {self.pick(COMPANY_WORDS)}"
        mobile = self.new_mobile() if self.random() < 0.5 else None
        email = self.draw_company_email(core) if self.random() < 0.75 else None
        self.organizations += 1
        return Organization(
            self.new_entity_id(), core, form, decorated, None, trade_name, first13 + ice_check_digits(first13),
            self.new_rc_number(place.city), place.city, tax_id, f"{scramble(self.company_counter, 10**8, 12):08d}",
            contact, place, mobile, email)

    def new_rc_number(self, court: City) -> str:
        """RC numbers count per court, so the same number exists at several courts."""
        self.court_counters[court.name] += 1
        capacity = 10**6 if court.weight >= 50 else 10**5
        return str(1 + scramble(self.court_counters[court.name], capacity, len(court.name)))

    def draw_company_core(self, form: str) -> str:
        word, activity = self.pick(COMPANY_WORDS), self.pick(COMPANY_ACTIVITIES)
        if form == "COOP":
            return f"{self.pick(COOPERATIVE_KINDS)} {word}"
        if form == "EI":
            return f"{FAMILY.draw(self.random())[0]} {activity}"
        u = self.random()
        if u < 0.6:
            return f"{word} {activity}"
        if u < 0.75:
            return f"{activity} {word}"
        if u < 0.85:
            return f"{FAMILY.draw(self.random())[0]} {activity}"
        if u < 0.92:
            return f"GROUPE {word}"
        return f"{word} {self.pick(COMPANY_WORDS)} {activity}"

    def draw_company_email(self, core: str) -> str:
        compact = strip_accents(core).lower().replace(" ", "").replace("'", "").replace("&", "")
        year = 1960 + int(self.random() * 64)
        if self.random() < 0.4:
            return f"{self.pick(('contact', 'info', 'direction', 'comptabilite'))}@{compact}{year % 100:02d}.ma"
        return f"{compact}.{year}@{EMAIL_DOMAIN_TABLE.draw(self.random())}"

    def make_domiciled_organization(self) -> Organization:
        """A company seated in a domiciliation centre: the centre's address, often its phone."""
        place = self.pick(self.centres)
        if self.random() >= CENTRE_PHONE_RATE:
            place = replace(place, landline=self.new_landline(place.city))
        return self.make_organization(place=place)

    def make_head_office_and_branches(self) -> list[Entity]:
        """A head office and its branches: one company part of the ICE, one IF, distinct clients."""
        head = self.make_organization()
        group: list[Entity] = [head]
        ice_company = head.ice[:9]
        for index in range(BRANCH_TABLE.draw(self.random())):
            city = head.place.city if self.random() < 0.4 else COMPANY_CITY_TABLE.draw(self.random())
            branch = self.make_organization(core=head.core, form=head.form, ice_company=ice_company,
                                            establishment=index + 1 + int(self.random() * 3) * 10,
                                            tax_id=head.tax_id, place=self.make_place(city, True))
            branch.branch_label = self.pick((f"AGENCE {city.name}", f"SUCCURSALE {city.name}",
                                             f"DR {city.name}", f"SUCC. {city.name}"))
            if head.email is not None and self.random() < 0.5:
                branch.email = head.email
            group.append(branch)
        return group

    def make_owner_and_company(self) -> list[Entity]:
        """A person and the business that carries their name: two clients."""
        owner = self.make_single_person()
        business = self.random()
        last, first = owner.last.usual, owner.first.usual
        if business < 0.35:
            core, form, decorated = f"{self.pick(OWNER_BUSINESSES)} {last}", self.pick(("EI", "EI", "SARL AU")), True
        elif business < 0.75:
            core, form, decorated = f"{last} {first}", self.pick(("SARL AU", "SARL AU", "EI", "SARL")), False
        else:
            core, form, decorated = f"{last} {self.pick(COMPANY_ACTIVITIES)}", self.pick(("SARL", "SARL AU")), False
        place = None
        if self.random() < OWNER_SHARES_ADDRESS:  # the business is run from home
            place = owner.place if owner.place.landline else replace(owner.place,
                                                                     landline=self.new_landline(owner.place.city))
        company = self.make_organization(core=core, form=form, decorated=decorated, place=place,
                                         contact=Contact(owner.first, owner.last, owner.gender))
        if self.random() < OWNER_SHARES_PHONE and owner.mobile is not None:
            company.mobile = owner.mobile
        if self.random() < OWNER_SHARES_EMAIL and owner.email is not None:
            company.email = owner.email
        return [owner, company]

    def make_group(self) -> list[Entity]:
        kind = GROUP_TABLE.draw(self.random())
        if kind == "person":
            return [self.make_single_person()]
        if kind == "household":
            return self.make_household()
        if kind == "owner_and_company":
            return self.make_owner_and_company()
        if kind == "head_office_and_branches":
            return self.make_head_office_and_branches()
        if self.random() < DOMICILED_RATE:
            return [self.make_domiciled_organization()]
        return [self.make_organization()]

    # --- history -----------------------------------------------------------------------------------------------
    def draw_record_days(self, k: int, earliest: int) -> list[int]:
        """k distinct days, the first anywhere from `earliest`, the others spread over the following years."""
        first = earliest + int(self.random() * (LAST_DAY - earliest))
        if k == 1:
            return [first]
        span = max(k, int(self.rng.expovariate(1 / 1100)))
        if first + span > LAST_DAY:
            first = max(earliest, LAST_DAY - span)
            span = min(span, LAST_DAY - first)
        return [first, *sorted(first + offset for offset in self.rng.sample(range(1, span + 1), k - 1))]

    def relocate(self, entity: Entity) -> None:
        """The client moves to another city: new address and landline; a company changes court and RC number."""
        old = entity.place.city
        city = old
        same_city = self.movement_traps and self.random() < TRAPS_SAME_CITY_RELOCATION_RATE
        for _ in range(0 if same_city else 5):
            city = (COMPANY_CITY_TABLE if isinstance(entity, Organization) else CITY_TABLE).draw(self.random())
            if city is not old:
                break
        entity.place = self.make_place(city, entity.place.landline is not None)
        if isinstance(entity, Organization) and entity.rc_court is not city:
            entity.rc_court = city
            entity.rc_number = self.new_rc_number(city)
            self.company_counter += 1
            entity.professional_tax = f"{scramble(self.company_counter, 10**8, 12):08d}"

    def draw_network(self, entity: Entity, avoid: Sequence[str]) -> str:
        table = ORGANIZATION_NETWORK_TABLE if isinstance(entity, Organization) else PERSON_NETWORK_TABLE
        network = table.draw(self.random())
        for _ in range(8):
            if network not in avoid:
                return network
            network = table.draw(self.random())
        return next(n for n in NETWORKS if n not in avoid)

    def draw_line(self, entity: Entity, network: str, avoid: str = "") -> str:
        table = ORGANIZATION_LINE_TABLE if isinstance(entity, Organization) else PERSON_LINE_TABLES[network]
        line = table.draw(self.random())
        for _ in range(4):
            if line != avoid:
                break
            line = table.draw(self.random())
        return line

    def next_record_id(self, network: str, day: int) -> str:
        self.record_counters[network] += 1
        counter = self.record_counters[network]
        if network == "WEB":
            bits = self.rng.getrandbits(80)
            return (f"{bits >> 48:08x}-{(bits >> 32) & 0xFFFF:04x}-4{(bits >> 20) & 0xFFF:03x}-"
                    f"{8 + ((bits >> 18) & 3):x}{(bits >> 6) & 0xFFF:03x}-{scramble(counter, 2**48, 14):012x}")
        return RECORD_ID_FORMATS[network](counter, date.fromordinal(day).year)

    def emit_entity(self, entity: Entity, k: int, records: list[GeneratedRecord], stints: list[Stint]) -> None:
        """Walk the client's history record by record: moves, transfers, concurrent networks, then render."""
        earliest = FIRST_DAY
        if isinstance(entity, Person):  # policyholders are adults
            earliest = max(earliest, min(LAST_DAY - 400, date(entity.birth[0] + 18, 1, 1).toordinal()))
        days = self.draw_record_days(k, earliest)
        concurrent_rate = TRAPS_CONCURRENT_TRACK_RATE if self.movement_traps else CONCURRENT_TRACK_RATE
        second_at = 1 + int(self.random() * (k - 1)) if k >= 2 and self.random() < concurrent_rate else -1
        network = self.draw_network(entity, ())
        primary = Track(network, self.draw_line(entity, network), "", [])
        tracks = [primary]
        previous_day = 0
        for index in range(k):
            day = days[index]
            if index == 0:
                track, reason = primary, "initial"
                track.point = self.draw_point(track.network, entity.place.city, day)
            elif index == second_at:
                network = self.draw_network(entity, (primary.network,))
                track = Track(network, self.draw_line(entity, network, primary.product_line), "", [])
                tracks.append(track)
                track.point, reason = self.draw_point(network, entity.place.city, day), "initial"
            else:
                track = tracks[1] if len(tracks) == 2 and self.random() < 0.4 else primary
                day, reason = self.advance_track(entity, track, tracks, day, previous_day)
            if isinstance(entity, Person) and index > 0 and entity.mobile and self.random() < PHONE_CHANGE_RATE:
                entity.old_mobile, entity.mobile = entity.mobile, self.new_mobile()
            record_id = self.next_record_id(track.network, day)
            if reason:
                track.starts.append(StintStart(track.network, track.point, day, reason, record_id))
            records.append(GeneratedRecord(self.render_record(entity, track, record_id, day), entity.entity_id))
            previous_day = day
        for track in tracks:
            for start, following in zip(track.starts, [*track.starts[1:], None], strict=True):
                end = date.fromordinal(following.day) if following is not None else None
                stints.append(Stint(entity.entity_id, start.network, start.point, date.fromordinal(start.day), end,
                                    start.reason, start.network, start.source_record_id))

    def advance_track(self, entity: Entity, track: Track, tracks: list[Track], day: int,
                      previous_day: int) -> tuple[int, str]:
        """What happened on this track since its last record: nothing, a transfer, or a move. Returns day, reason."""
        closure = self.closures.get(track.point)
        primary = track is tracks[0]
        if closure is not None and closure.day <= day:
            if self.random() < TRANSFER_RATE:
                # The successor re-registers the clients of the closed office within a few weeks.
                day = max(previous_day + 1, min(day, closure.day + int(self.random() * TRANSFER_WINDOW_DAYS)))
                track.point = closure.successor
                return day, "portfolio_transfer"
            reason = "channel_switch" if primary and self.random() < 0.4 else "agent_change"
        elif self.random() < MOVE_RATE:
            reason = MOVE_TABLE.draw(self.random())
        else:
            return day, ""
        if reason == "relocation":
            self.relocate(entity)
            if track.network == "WEB":
                return day, ""  # the web channel does not depend on where the client lives
        elif reason == "channel_switch" and not primary:
            reason = "agent_change"
        if reason == "agent_change" and track.network == "WEB":
            if not primary:
                return day, ""
            reason = "channel_switch"
        if reason == "channel_switch":
            track.network = self.draw_network(entity, [t.network for t in tracks])
        point = self.draw_point(track.network, entity.place.city, day, avoid=track.point)
        if point == track.point:
            return day, ""  # nowhere else to go in this network: the client stays
        track.point = point
        return day, reason

    # --- rendering -----------------------------------------------------------------------------------------------
    def render_record(self, entity: Entity, track: Track, record_id: str, day: int) -> dict[str, object]:
        network = track.network
        style = SOURCE_STYLES[network]
        r = self.random
        d = date.fromordinal(day)
        seconds = 28_800 + int(r() * 39_600) if r() < 0.85 else int(r() * 86_400)
        record: dict[str, object] = {
            "source_system": network,
            "source_record_id": record_id,
            "point_of_sale": track.point,
            "received_at": f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{seconds // 3600:02d}:"
                           f"{seconds // 60 % 60:02d}:{seconds % 60:02d}Z",
            "party_type": "person" if isinstance(entity, Person) else "organization",
            "product_line": track.product_line if r() < 0.85 else self.draw_line(entity, network),
        }
        junk = JUNK_FACTOR[network]
        if isinstance(entity, Person):
            self.render_person(entity, style, junk, record)
        else:
            self.render_organization(entity, style, junk, day, record)
        self.render_extras(entity, network, str(record["product_line"]), record)
        return record

    def put_field(self, record: dict[str, object], key: str, value: str | None, style: SourceStyle) -> None:
        """Set a field, or leave it missing in one of the source's three forms."""
        if value is not None and value != "":
            record[key] = value
            return
        form = style.missing_forms.draw(self.random())
        if form is not ABSENT:
            record[key] = form

    def is_left_empty(self, style: SourceStyle, key: str) -> bool:
        return self.random() < style.missing[key]

    def apply_case(self, text: str, case: str) -> str:
        if case == "upper":
            return text.upper()
        if case == "title":
            return text.title()
        return text.lower()

    def spell_name(self, name: Name, case: str) -> str:
        r = self.random
        spelling = name.usual if r() < RECORD_USES_USUAL_SPELLING else name.odds.draw(r())
        spelling = self.apply_case(spelling, case)
        return self.misspell(spelling) if r() < NAME_TYPO_RATE else spelling

    def misspell(self, text: str) -> str:
        """One edit: a letter dropped, doubled, swapped with its neighbour, or replaced."""
        if len(text) < 3:
            return text
        r = self.random
        i = 1 + int(r() * (len(text) - 2))
        op = int(r() * 4)
        if op == 0:
            return text[:i] + text[i + 1:]
        if op == 1:
            return text[:i] + text[i] + text[i:]
        if op == 2:
            return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]
        letter = "ABCDEFGHIJKLMNOPRSTUZ"[int(r() * 21)]
        return text[:i] + (letter.lower() if text[i].islower() else letter) + text[i + 1:]

    def mistype_digit(self, text: str) -> str:
        positions = [i for i, c in enumerate(text) if c.isdigit()]
        if not positions:
            return text
        i = self.pick(positions)
        digit = str((int(text[i]) + 1 + int(self.random() * 9)) % 10)
        return text[:i] + digit + text[i + 1:]

    def render_phone(self, number: str, style: SourceStyle, junk: float) -> str:
        r = self.random
        if r() < JUNK_PHONE_RATE * junk:
            return JUNK_PHONE_TABLE.draw(r())
        if r() < PHONE_TYPO_RATE:
            number = number[0] + self.mistype_digit(number[1:])  # a wrong digit, never in the prefix
        return style.phone_formats.draw(r())(number)

    def render_email(self, email: str, case: str, style: SourceStyle, junk: float) -> str | None:
        r = self.random
        if r() < JUNK_EMAIL_RATE * junk:
            return JUNK_EMAIL_TABLE.draw(r())
        if self.is_left_empty(style, "email"):
            return None
        u = r()
        if case == "upper" and u < 0.3:
            email = email.upper()
        elif u < 0.08:
            email = email[0].upper() + email[1:]
        return self.misspell(email) if r() < EMAIL_TYPO_RATE else email

    def render_address(self, address: Address, case: str) -> str:
        r = self.random
        if r() < 0.6:
            text = address.usual
        else:
            text = " ".join(self.pick(ADDRESS_WORDS[t[1:]]) if t[0] == "@" else t for t in address.tokens)
        if case != "upper" and r() < 0.5:
            text = text.title()
        return self.misspell(text) if r() < ADDRESS_TYPO_RATE else text

    def render_place(self, place: Place, case: str, style: SourceStyle, junk: float,
                     record: dict[str, object]) -> None:
        r = self.random
        if r() < JUNK_ADDRESS_RATE * junk:
            address: str | None = self.pick(JUNK_ADDRESSES)
        elif self.is_left_empty(style, "address_line"):
            address = None
        else:
            address = self.render_address(place.address, case)
            if r() < 0.1:
                address = f"{address}, {place.city.aliases[0]}"
        self.put_field(record, "address_line", address, style)
        city = None if self.is_left_empty(style, "city") else self.pick(place.city.aliases)
        self.put_field(record, "city", city, style)
        postal = None if self.is_left_empty(style, "postal_code") else place.postal_code
        self.put_field(record, "postal_code", postal, style)

    def render_person(self, person: Person, style: SourceStyle, junk: float, record: dict[str, object]) -> None:
        r = self.random
        civility = None if self.is_left_empty(style, "civility") else \
            self.pick(CIVILITIES[person.gender, person.married])
        self.put_field(record, "civility", civility, style)
        case = style.name_cases.draw(r())
        first, last = self.spell_name(person.first, case), self.spell_name(person.last, case)
        layout = style.name_layouts.draw(r())
        if layout == "separate":
            u = r()
            if u < SWAPPED_NAMES_RATE:
                first, last = last, first
            elif u < SWAPPED_NAMES_RATE + FUSED_NAMES_RATE:
                first, last = "", f"{last} {first}"
            self.put_field(record, "first_name", first, style)
            self.put_field(record, "last_name", last, style)
        else:
            full = f"{last} {first}" if layout == "last_first" else f"{first} {last}"
            if r() < FUSED_NAMES_RATE / 2:
                full = full.replace(" ", "")
            record["full_name"] = full
        if r() < JUNK_BIRTH_DATE_RATE * junk:
            birth: str | None = self.pick(JUNK_BIRTH_DATES)
        elif self.is_left_empty(style, "birth_date"):
            birth = None
        else:
            y, m, d = person.birth
            if r() < DATE_TYPO_RATE:
                y, m, d = (y, d, m) if d <= 12 and d != m else (y + self.pick((-1, 1)), m, d)
            birth = style.date_formats.draw(r())(y, m, d)
        self.put_field(record, "birth_date", birth, style)
        if r() < JUNK_NATIONAL_ID_RATE * junk:
            national_id: str | None = self.pick(JUNK_NATIONAL_IDS)
        elif self.is_left_empty(style, "national_id"):
            national_id = None
        else:
            national_id = self.render_national_id(person.national_id)
        # The id type travels with the id; a few sources fill it even when the id is empty.
        id_type: str | None = self.pick(ID_TYPES[person.id_kind])
        if (national_id is None and r() < 0.9) or r() < 0.15:
            id_type = None
        self.put_field(record, "id_type", id_type, style)
        self.put_field(record, "national_id", national_id, style)
        main = person.mobile or person.place.landline or ""
        phone = None if self.is_left_empty(style, "phone") else self.render_phone(main, style, junk)
        self.put_field(record, "phone", phone, style)
        alternate = person.place.landline if person.mobile and person.place.landline and r() < 0.4 else \
            person.old_mobile if person.old_mobile and r() < 0.3 else None
        if alternate is not None:
            record["phone_alt"] = self.render_phone(alternate, style, 0.0)
        elif r() < 0.3:
            self.put_field(record, "phone_alt", None, style)
        email = self.render_email(person.email, case, style, junk) if person.email else \
            (JUNK_EMAIL_TABLE.draw(r()) if r() < JUNK_EMAIL_RATE * junk * 2 else None)
        self.put_field(record, "email", email, style)
        self.render_place(person.place, case, style, junk, record)

    def render_national_id(self, national_id: str) -> str:
        """Spacing, case, leading zeros and the odd wrong digit, as operators type a CIN."""
        r = self.random
        u = r()
        split = next((i for i, c in enumerate(national_id) if c.isdigit()), len(national_id))
        letters, digits = national_id[:split], national_id[split:]
        if u < 0.7:
            text = national_id
        elif u < 0.82:
            text = f"{letters} {digits}"
        elif u < 0.9:
            text = national_id.lower()
        elif u < 0.95:
            text = f"{letters}{digits.zfill(7 if len(digits) >= 6 else 6)}"
        else:
            text = f"{letters}-{digits}"
        return self.mistype_digit(text) if r() < ID_TYPO_RATE else text

    def render_organization(self, org: Organization, style: SourceStyle, junk: float, day: int,
                            record: dict[str, object]) -> None:
        r = self.random
        case = style.name_cases.draw(r())
        record["company_name"] = self.render_company_name(org, case)
        trade = None if org.trade_name is None or self.is_left_empty(style, "trade_name") else \
            self.apply_case(org.trade_name, case)
        self.put_field(record, "trade_name", trade, style)
        form = None if self.is_left_empty(style, "legal_form") else self.pick(LEGAL_FORMS[org.form])
        self.put_field(record, "legal_form", form, style)
        if r() < JUNK_ICE_RATE * junk:
            ice: str | None = self.pick(JUNK_ICES)
        elif self.is_left_empty(style, "ice") or (day < ICE_MANDATORY_DAY and r() < 0.6):
            ice = None  # the ICE only became mandatory in 2017
        else:
            ice = self.render_ice(org.ice)
        self.put_field(record, "ice", ice, style)
        if r() < JUNK_RC_RATE * junk:
            rc: str | None = self.pick(JUNK_RCS)
        elif self.is_left_empty(style, "rc_number"):
            rc = None
        else:
            rc = org.rc_number if r() < 0.85 else self.pick((f"RC {org.rc_number}", f"{org.rc_number}/B"))
            rc = self.mistype_digit(rc) if r() < ID_TYPO_RATE else rc
        self.put_field(record, "rc_number", rc, style)
        court = None if rc is None or self.is_left_empty(style, "rc_court") else self.render_court(org.rc_court)
        self.put_field(record, "rc_court", court, style)
        if r() < JUNK_TAX_ID_RATE * junk:
            tax: str | None = self.pick(JUNK_TAX_IDS)
        elif self.is_left_empty(style, "tax_id"):
            tax = None
        else:
            tax = org.tax_id if r() < 0.93 else f"IF {org.tax_id}"
            tax = self.mistype_digit(tax) if r() < ID_TYPO_RATE else tax
        self.put_field(record, "tax_id", tax, style)
        tp = None if self.is_left_empty(style, "professional_tax_number") else org.professional_tax
        self.put_field(record, "professional_tax_number", tp, style)
        contact = None
        if org.contact is not None and not self.is_left_empty(style, "contact_person"):
            first, last = self.spell_name(org.contact.first, case), self.spell_name(org.contact.last, case)
            title = "M." if org.contact.gender == "M" else "Mme"
            contact = self.pick((f"{last} {first}", f"{first} {last}", f"{title} {last}", last))
        self.put_field(record, "contact_person", contact, style)
        main = org.place.landline or org.mobile or ""
        phone = None if self.is_left_empty(style, "phone") else self.render_phone(main, style, junk)
        self.put_field(record, "phone", phone, style)
        if org.mobile and org.place.landline and r() < 0.4:
            record["phone_alt"] = self.render_phone(org.mobile, style, 0.0)
        email = self.render_email(org.email, case, style, junk) if org.email else None
        self.put_field(record, "email", email, style)
        self.render_place(org.place, case, style, junk, record)

    def render_company_name(self, org: Organization, case: str) -> str:
        """The raison sociale with the legal form inside or outside, abbreviated, cased and spaced freely."""
        r = self.random
        core = org.core if r() < 0.95 else org.core.replace(" ", "-")
        if case == "title":
            core = core.title()
        elif case == "lower":
            core = core.lower()
        form = self.pick(LEGAL_FORMS[org.form][:4])
        u = r()
        if org.decorated:
            name = core if u < 0.6 else f"{core} {form}"
        elif org.form == "COOP":
            name = self.pick((f"COOPERATIVE {core}", f"COOP {core}", f"COOPÉRATIVE {core}", core))
        elif org.form == "EI":
            name = self.pick((f"ETS {core}", f"ETABLISSEMENT {core}", core, f"ETS. {core}"))
        elif u < 0.25:
            name = f"STE {core} {form}"
        elif u < 0.45:
            name = f"{core} {form}"
        elif u < 0.58:
            name = f"SOCIETE {core}"
        elif u < 0.75:
            name = core
        elif u < 0.85:
            name = f"STE {core}"
        elif u < 0.9:
            name = f"Sté {core} {form}"
        elif u < 0.95:
            name = f"{core} ({form})"
        else:
            name = f"{core} {form.lower()}"
        if case == "upper" and r() < 0.7:
            name = name.upper()
        if org.branch_label is not None and r() < 0.4:
            name = f"{name} - {org.branch_label}"
        return self.misspell(name) if r() < NAME_TYPO_RATE else name

    def render_ice(self, ice: str) -> str:
        r = self.random
        u = r()
        if u < 0.85:
            text = ice
        elif u < 0.92:
            text = " ".join(ice[i:i + 3] for i in range(0, 15, 3))
        elif u < 0.97:
            text = ice.lstrip("0")  # read through a spreadsheet as a number
        else:
            text = f"{ice[:9]} {ice[9:13]} {ice[13:]}"
        return self.mistype_digit(text) if r() < ID_TYPO_RATE else text

    def render_court(self, court: City) -> str:
        alias = self.pick(court.aliases)
        return alias if self.random() < 0.7 else self.pick((f"TRIBUNAL DE COMMERCE DE {alias}", f"TC {alias}",
                                                            f"RC {alias}", f"TPI {alias}"))

    def render_extras(self, entity: Entity, network: str, line: str, record: dict[str, object]) -> None:
        """Portfolio fields some sources add, and the unknown field each source sometimes invents."""
        r = self.random
        if r() < PRODUCTS_RATE:
            pool = PRODUCTS["person" if isinstance(entity, Person) else "organization", line]
            record["products"] = self.rng.sample(pool, 1 + int(r() * min(3, len(pool))))
        if isinstance(entity, Person) and entity.loyalty_card and network in LOYALTY_NETWORKS and \
                r() < LOYALTY_CARD_SHOWN:
            card = entity.loyalty_card
            record["loyalty_card"] = f"MGX{card}" if r() < 0.8 else f"MGX {card[:3]} {card[3:6]} {card[6:]}"
        if r() < PAYMENT_INCIDENTS_RATE:
            record["payment_incidents"] = str(0 if r() < 0.7 else 1 + int(r() * r() * 6))
        field, rate, values = EXTRA_FIELDS[network]
        if r() < rate:
            record[field] = self.pick(values)

    # --- the run -------------------------------------------------------------------------------------------------
    def iter_items(self) -> Iterator[GeneratedRecord | Stint]:
        """Stints as soon as a client is complete; records through a bounded shuffle window."""
        remaining = self.n_records
        window: list[GeneratedRecord] = []
        records: list[GeneratedRecord] = []
        stints: list[Stint] = []
        while remaining > 0:
            for entity in self.make_group():
                if remaining == 0:
                    break  # the last group is cut short when the budget is spent
                k = min(RECORD_COUNT_TABLE.draw(self.random()), remaining)
                remaining -= k
                records.clear()
                stints.clear()
                self.emit_entity(entity, k, records, stints)
                self.stint_count += len(stints)
                yield from stints
                for generated in records:
                    if len(window) < SHUFFLE_WINDOW:
                        window.append(generated)
                    else:
                        slot = int(self.random() * SHUFFLE_WINDOW)
                        yield window[slot]
                        window[slot] = generated
        self.rng.shuffle(window)
        yield from window

    def count_output(self) -> FeedCounts:
        return FeedCounts(self.n_records, self.entity_counter, self.persons, self.organizations, self.stint_count)


def make_address(tokens: tuple[str, ...]) -> Address:
    usual = " ".join(ADDRESS_WORDS[t[1:]][0] if t[0] == "@" else t for t in tokens)
    return Address(tokens, usual)


def next_national_id(national_id: str) -> str:
    """Twins get consecutive card numbers: one digit apart."""
    split = next(i for i, c in enumerate(national_id) if c.isdigit())
    return f"{national_id[:split]}{int(national_id[split:]) + 1}"


# --- Public API ---------------------------------------------------------------------------------------------------
def generate(n_records: int, seed: int = 0, movement_traps: bool = False) -> Iterator[GeneratedRecord]:
    """Exactly n_records records with their true entity, streamed."""
    for item in FeedRun(n_records, seed, movement_traps).iter_items():
        if isinstance(item, GeneratedRecord):
            yield item


def iter_stints(n_records: int, seed: int = 0, movement_traps: bool = False) -> Iterator[Stint]:
    """The true point-of-sale stints of the clients of `generate(n_records, seed, movement_traps)`."""
    for item in FeedRun(n_records, seed, movement_traps).iter_items():
        if isinstance(item, Stint):
            yield item


def list_points_of_sale(n_records: int, seed: int = 0, movement_traps: bool = False) -> list[PointOfSale]:
    """The points of sale the records of `generate(n_records, seed, movement_traps)` refer to."""
    return FeedRun(n_records, seed, movement_traps).points_of_sale


# --- Command line -----------------------------------------------------------------------------------------------
def open_output(path: Path) -> gzip.GzipFile | io.BufferedWriter:
    """A binary file, gzip-compressed for .gz, with a fixed header so one seed gives identical bytes."""
    raw = path.open("wb")
    if path.suffix == ".gz":
        return gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0)
    return raw


def write_feed(run: FeedRun, out: Path, truth: Path | None, stints: Path | None) -> None:
    """Records as JSON lines; truth and stints as CSV, each written only when asked for."""
    with ExitStack() as stack:
        records_file = stack.enter_context(open_output(out))
        truth_writer = stint_writer = None
        if truth is not None:
            truth_writer = csv.writer(stack.enter_context(truth.open("w", newline="", encoding="utf-8")),
                                      lineterminator="\n")
            truth_writer.writerow(("source_system", "source_record_id", "entity_id"))
        if stints is not None:
            stint_writer = csv.writer(stack.enter_context(stints.open("w", newline="", encoding="utf-8")),
                                      lineterminator="\n")
            stint_writer.writerow(("entity_id", "network", "point_of_sale", "start_date", "end_date", "reason",
                                   "source_system", "source_record_id"))
        batch: list[bytes] = []
        dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
        for item in run.iter_items():
            if isinstance(item, GeneratedRecord):
                batch.append(dumps(item.record, option=newline))
                if truth_writer is not None:
                    record = item.record
                    truth_writer.writerow((record["source_system"], record["source_record_id"], item.entity_id))
                if len(batch) == 2048:
                    records_file.write(b"".join(batch))
                    batch.clear()
            elif stint_writer is not None:
                stint_writer.writerow((item.entity_id, item.network, item.point_of_sale, item.start_date.isoformat(),
                                       item.end_date.isoformat() if item.end_date else "", item.reason,
                                       item.source_system, item.source_record_id))
        records_file.write(b"".join(batch))


def write_points_of_sale(points: Iterable[PointOfSale], path: Path, with_closures: bool = False) -> None:
    """The reference CSV ``python -m mdm import-points-of-sale`` reads; the closures' columns only when asked for."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("code", "network", "city", "name", *(("closed_on", "successor") if with_closures else ())))
        for point in points:
            closure = (point.closed_on.isoformat() if point.closed_on else "", point.successor or "")
            writer.writerow((point.code, point.network, point.city, point.name, *(closure if with_closures else ())))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.synthetic", description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, required=True, help="number of records to generate")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same bytes)")
    parser.add_argument("--out", type=Path, required=True, help="records file, .jsonl or .jsonl.gz")
    parser.add_argument("--truth", type=Path, help="CSV source_system,source_record_id,entity_id")
    parser.add_argument("--stints", type=Path, help="CSV of the true point-of-sale stints")
    parser.add_argument("--points-of-sale", type=Path,
                        help="CSV code,network,city,name (and closed_on,successor with --movement-traps)")
    parser.add_argument("--movement-traps", action="store_true",
                        help="the variant: concurrent networks, same-city relocations, small agencies that close")
    args = parser.parse_args(argv)
    if args.records < 0:
        parser.error("--records must be >= 0")
    started = time.perf_counter()
    run = FeedRun(args.records, args.seed, args.movement_traps)
    write_feed(run, args.out, args.truth, args.stints)
    if args.points_of_sale:
        write_points_of_sale(run.points_of_sale, args.points_of_sale, args.movement_traps)
    counts = run.count_output()
    seconds = time.perf_counter() - started
    print(f"records: {counts.records}  entities: {counts.entities}  persons: {counts.persons}  "
          f"organisations: {counts.organizations}  stints: {counts.stints}  points of sale: {len(run.points_of_sale)}  "
          f"seconds: {seconds:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
