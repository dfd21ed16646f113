"""English, French, Spanish and Dutch given names with the hypocoristics, diminutives and abbreviations that
registers and clerks write instead, and family names with their real-world frequency skew.

Each given-name row is `Name: variant, variant`. A variant is what the same person is called on another record:
a nickname (Robert/Bob), a diminutive (Francisco/Paco), an abbreviation a clerk wrote (William/Wm.,
Jean-Pierre/J.-P.) or the spelling without accents. Family-name rows are ordered from the most to the least
common; the draw follows a Zipf law so that common surnames are shared by many unrelated people, as in any
census.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.synthetic import Weighted


@dataclass(frozen=True, slots=True)
class GivenName:
    name: str
    sex: str  # "M" or "F"
    country: str  # "UK", "FR", "ES" or "NL"
    variants: tuple[str, ...]


GIVEN_NAMES = {
    ("UK", "M"): """
        William: Bill, Will, Billy, Willie, Wm.
        John: Jack, Johnny, Jno.
        Thomas: Tom, Tommy, Thos.
        James: Jim, Jimmy, Jas., Jamie
        George: Geo., Georgie
        Robert: Bob, Rob, Bobby, Robbie, Bert
        Henry: Harry, Hal, Hy.
        Charles: Charlie, Chas., Chuck
        Richard: Dick, Rick, Richie, Richd.
        Edward: Ted, Ed, Eddie, Ned, Edw.
        Joseph: Joe, Jos., Joey
        Samuel: Sam, Sammy, Saml.
        Frederick: Fred, Freddie, Fredk.
        Alexander: Alex, Alec, Sandy
        Arthur: Art, Artie
        Benjamin: Ben, Benny, Benj.
        Francis: Frank, Frankie
        Walter: Walt, Wally
        Albert: Bert, Al, Bertie
        Daniel: Dan, Danny
        David: Dave, Davy
        Andrew: Andy, Drew
        Peter: Pete
        Michael: Mike, Mick, Mickey
        Anthony: Tony
        Christopher: Chris, Kit
        Nicholas: Nick, Nicky
        Patrick: Pat, Paddy
        Stephen: Steve, Stevie
        Matthew: Matt
        Lawrence: Larry, Laurie
        Harold: Harry, Hal
        Hugh: Hughie
        Isaac: Ike
        Alfred: Alf, Alfie, Fred
        Ernest: Ernie
        Herbert: Herb, Bert
        """,
    ("UK", "F"): """
        Mary: Polly, Molly, Mamie, Mae
        Elizabeth: Eliza, Beth, Betty, Bess, Lizzie, Liz, Elspeth
        Margaret: Peggy, Maggie, Meg, Madge, Greta
        Sarah: Sally, Sadie
        Ann: Annie, Nancy, Nan
        Catherine: Kate, Kitty, Cathy, Kit
        Jane: Jenny, Jennie, Janey
        Alice: Ally, Allie
        Emily: Emmy, Em, Millie
        Martha: Patty, Mattie, Marty
        Eleanor: Nell, Ellie, Nora
        Dorothy: Dolly, Dot, Dottie
        Frances: Fanny, Fran, Frankie
        Susan: Sue, Susie, Sukey
        Rebecca: Becky, Becca
        Charlotte: Lottie, Charlie
        Harriet: Hattie, Hetty
        Florence: Flo, Flossie, Florrie
        Caroline: Carrie, Caro
        Louisa: Lou, Louie
        Edith: Edie
        Victoria: Vicky, Tori
        Helen: Nell, Nellie
        Agnes: Aggie, Nessa
        Christina: Chrissie, Tina, Kirsty
        """,
    ("FR", "M"): """
        Jean: Jeannot
        Pierre: Pierrot
        Jean-Pierre: J.-P., Jean Pierre, JP
        Jean-Baptiste: J.-B., Jean Baptiste, JB
        Jean-Louis: J.-L., Jean Louis
        Jean-Claude: J.-C., Jean Claude, JC
        Louis: Loulou
        François: Francois, Fanfan, Franck
        Joseph: Jojo, Jo
        Jacques: Jacquot, Jacky
        Guillaume: Guigui, Will
        Henri: Riton, Henry
        Nicolas: Nico, Colas
        Frédéric: Frederic, Fred, Fredo
        Philippe: Phil, Philou
        Alexandre: Alex
        Emmanuel: Manu
        Christophe: Chris, Cricri
        Dominique: Dom
        Gérard: Gerard, Gégé
        Bernard: Nanard
        Antoine: Toine, Tonio
        Maximilien: Max
        Charles: Charlot
        Étienne: Etienne, Tienne
        René: Rene
        André: Andre, Dédé
        Auguste: Gustou
        """,
    ("FR", "F"): """
        Marie: Mimi, Marion
        Jeanne: Jeannette, Jeannine
        Marguerite: Margot, Maguy, Guite
        Marie-Claire: M.-C., Marie Claire
        Marie-Thérèse: M.-Th., Marie Therese, Marie-Therese
        Anne-Marie: A.-M., Anne Marie
        Catherine: Cathy, Cathie
        Élisabeth: Elisabeth, Babette, Lisette, Zabeth
        Françoise: Francoise, Fanfan
        Joséphine: Josephine, Fifi, Josette
        Madeleine: Mado, Madelon
        Geneviève: Genevieve, Ginette
        Suzanne: Suzon, Suzette
        Louise: Loulou, Louison
        Hélène: Helene, Lène
        Isabelle: Isa, Zaza
        Christine: Kiki, Titine
        Thérèse: Therese, Thérésa
        Germaine: Mimaine
        Émilie: Emilie, Mimi
        """,
    ("ES", "M"): """
        José: Pepe, Pepito, Jose
        Francisco: Paco, Pancho, Curro, Quico
        Manuel: Manolo, Manu, Lolo
        Antonio: Toño, Antoñito, Tono
        Ignacio: Nacho, Iñaki
        Jesús: Chucho, Chus, Jesus
        Enrique: Quique, Kike
        Guillermo: Guille, Memo
        Alejandro: Álex, Alex, Jandro
        Eduardo: Edu, Lalo
        Rafael: Rafa, Rafi
        Santiago: Santi, Yago
        Ramón: Moncho, Ramon
        Juan: Juanito, Juancho
        José María: Chema, Josema, José Mª
        Fernando: Nando, Fer
        Luis: Lucho, Luisito
        Joaquín: Quino, Joaquin, Chimo
        Vicente: Chente, Tente
        Salvador: Salva, Chava
        Carlos: Carlitos, Charly
        """,
    ("ES", "F"): """
        María del Carmen: Mari Carmen, Carmen, Mª del Carmen, Maricarmen
        María José: Majo, Mari José, Mª José
        Dolores: Lola, Loles, Lolita
        Concepción: Concha, Conchita, Concepcion
        Rosario: Charo, Chari
        Mercedes: Merche, Meche
        Consuelo: Chelo, Consue
        Josefa: Pepa, Pepita, Fina
        Francisca: Paca, Paquita, Curra
        Asunción: Asun, Asuncion
        Inmaculada: Inma, Macu
        Guadalupe: Lupe, Lupita
        Isabel: Isa, Chabela
        Teresa: Tere, Teresita
        Ana: Anita
        Pilar: Pili, Pilarica
        Encarnación: Encarna, Encarnacion
        Rocío: Rocio, Ro
        """,
    ("NL", "M"): """
        Johannes: Jan, Hans, Johan, Joop, Joh.
        Cornelis: Kees, Cor, Corné
        Hendrik: Henk, Henny, Hein
        Willem: Wim, Pim, Willy
        Jacobus: Koos, Jaap, Jac.
        Pieter: Piet, Peter
        Gerardus: Gerard, Gert, Geert
        Adrianus: Adrie, Arie, Janus
        Franciscus: Frans, Sjaak
        Theodorus: Theo, Dorus, Ruud
        Antonius: Toon, Ton, Anton
        Petrus: Piet, Peter
        """,
    ("NL", "F"): """
        Johanna: Jo, Anneke, Hanna, Janneke
        Geertruida: Truus, Trudy, Geertje
        Maria: Marieke, Mies, Rie
        Cornelia: Corrie, Cor, Nel
        Wilhelmina: Mien, Wil, Willy, Mina
        Elisabeth: Els, Lies, Liesbeth, Betje
        Hendrika: Riek, Rika, Henny
        Catharina: Trijntje, Toos, Kitty
        Petronella: Nel, Nelleke, Pietje
        Adriana: Jaantje, Adrie, Ria
        """,
}

FAMILY_NAMES = {
    "UK": """Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright
        Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward
        Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett
        Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards
        Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason
        Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher
        Stevens Jenkins Murray Dixon Harvey Pemberton Ashcroft Fairweather Blackwood Whitmore Penhaligon Trelawney
        Kingsley Featherstone Higginbottom""",
    "FR": """Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefebvre Leroy
        Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefèvre
        Faure André Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand Gauthier Garcia Perrin Robin
        Clément Morin Nicolas Henry Roussel Mathieu Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël
        Meyer Dufour Meunier Brun Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard
        Roche Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix
        Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq Guillaume Lecomte Lopez Jean
        Dupuy Guillot Hubert Berger Carpentier Sanchez Dupuis Moulin Louis Deschamps Huet Vasseur Perez Boucher
        Fleury Royer Klein Jacquet Adam Paris Poirier Marty Aubry Guyot Carré Charles Renault Charpentier Ménard
        Maillard Baron Bertin Bailly Hervé Schneider Fernandez Le Gall Collet Léger Bouvier Julien Prévost Millet
        Perrot Daniel Le Roux Cousin Germain Breton Besson Langlois Rémy Le Goff Pelletier Lévêque Perrier Leblanc
        Barré Lebrun Marchal Weber Mallet Hamon Boulanger Jacob Monnier Michaud Rodriguez Guichard Gillet Étienne
        Grondin Poulain Tessier Chevallier Collin Chauvin Da Silva Bouchet Gay Lemaître Bénard Maréchal Gosselin
        Dugast Kerjean Quéméner""",
    "ES": """García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz Hernández
        Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro Torres Domínguez Vázquez Ramos Gil Ramírez Serrano
        Blanco Molina Morales Suárez Ortega Delgado Castro Ortiz Rubio Marín Sanz Núñez Iglesias Medina Garrido
        Cortés Castillo Santos Lozano Guerrero Cano Prieto Méndez Cruz Calvo Gallego Vidal León Márquez Herrera
        Peña Flores Cabrera Campos Vega Fuentes Carrasco Diez Caballero Reyes Nieto Aguilar Pascual Santana Herrero
        Lorenzo Montero Hidalgo Giménez Ibáñez Ferrer Durán Santiago Benítez Mora Vicente Vargas Arias Carmona
        Crespo Román Pastor Soto Sáez Velasco Moya Soler Parra Esteban Bravo Gallardo Rojas Echeverría Urquijo
        Goikoetxea Zubizarreta Olabarrieta""",
    "NL": """De Jong Jansen De Vries Van den Berg Van Dijk Bakker Janssen Visser Smit Meijer De Boer Mulder De Groot
        Bos Vos Peters Hendriks Van Leeuwen Dekker Brouwer De Wit Dijkstra Smits De Graaf Van der Meer Van der Linden
        Kok Jacobs De Haan Vermeulen Van den Heuvel Van der Veen Van den Broek De Bruijn De Bruin Van der Heijden
        Schouten Van Beek Willems Van Vliet Van de Ven Hoekstra Maas Verhoeven Koster Van Dam Van der Wal Prins
        Blom Huisman Peeters Maes Claes Goossens Wouters Mertens Lambrechts""",
}

# Dutch and Flemish family names carry particles written in many ways.
PARTICLES = ("van der ", "van den ", "van de ", "van ", "de ")


def _given_names() -> dict[tuple[str, str], tuple[GivenName, ...]]:
    tables: dict[tuple[str, str], tuple[GivenName, ...]] = {}
    for (country, sex), table in GIVEN_NAMES.items():
        rows = []
        for line in table.strip().splitlines():
            name, variants = line.split(":")
            rows.append(GivenName(name.strip(), sex, country, tuple(v.strip() for v in variants.split(","))))
        tables[country, sex] = tuple(rows)
    return tables


def _family_names() -> dict[str, tuple[str, ...]]:
    """Names of one word, or particle + word ("Van den Berg", "Le Gall", "Da Silva")."""
    tables: dict[str, tuple[str, ...]] = {}
    for country, text in FAMILY_NAMES.items():
        words, names = text.split(), []
        index = 0
        while index < len(words):
            parts = [words[index]]
            while parts[-1] in {"De", "Van", "den", "der", "de", "Le", "Da"} and index + 1 < len(words):
                index += 1
                parts.append(words[index])
            names.append(" ".join(parts))
            index += 1
        tables[country] = tuple(names)
    return tables


GIVEN = _given_names()
FAMILY = _family_names()
# Zipf: the most common name of a country is carried by many unrelated people.
FAMILY_TABLES = {country: Weighted((name, 1.0 / (rank + 1) ** 0.9) for rank, name in enumerate(names))
                 for country, names in FAMILY.items()}
GIVEN_TABLES = {key: Weighted((given, 1.0 / (rank + 1) ** 0.6) for rank, given in enumerate(names))
                for key, names in GIVEN.items()}


def draw_given(country: str, sex: str, u: float) -> GivenName:
    return GIVEN_TABLES[country, sex].draw(u)


def draw_family(country: str, u: float) -> str:
    return FAMILY_TABLES[country].draw(u)


def initials(name: str) -> str:
    """How a clerk abbreviates a given name: "J.", "J.-P." for Jean-Pierre, "J. M." for José María."""
    words = name.replace("-", " - ").split()
    out = []
    for word in words:
        out.append("-" if word == "-" else word[0] + ".")
    return " ".join(out).replace(" - ", "-")


def particle_variant(family: str, u: float) -> str:
    """A Dutch family name written another way: "Van den Berg", "van den Berg", "Berg, van den", "Vandenberg"."""
    lowered = family.lower()
    particle = next((p for p in PARTICLES if lowered.startswith(p)), None)
    if particle is None:
        return family
    root = family[len(particle):]
    if u < 0.4:
        return particle + root
    if u < 0.7:
        return f"{root}, {particle.strip()}"
    if u < 0.85:
        return (particle.replace(" ", "") + root.lower()).capitalize()
    return root
