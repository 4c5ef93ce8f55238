"""Common dog breeds in Brazil and their size (porte), as Brazilian pet shops price them.

Data, not rules: ``domain/sizes.py`` reads it. Each line is a breed and the names people
type for it (folded: lower case, no accents, hyphens as spaces). The porte follows the
adult weight most shops use — mini up to ~4 kg, pequeno up to ~10 kg, médio up to ~25 kg,
grande up to ~45 kg, gigante above — rounded towards what a bath and trim actually take
(a chow chow's coat makes it grande).

A "vira-lata" (SRD, sem raça definida) is **médio**: the typical Brazilian mixed-breed dog
weighs 10–20 kg. It is a guess the customer can correct, and the shop's quote says so.
"""

from __future__ import annotations

from typing import Final

# (size, names): the first name is the breed's usual written form
BREEDS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    # mini
    ("mini", ("chihuahua", "chiuaua")),
    ("mini", ("yorkshire", "yorkshire terrier", "york")),
    ("mini", ("pinscher", "pinscher miniatura", "pinscher n 0", "pinscher n 1")),
    ("mini", ("maltes", "maltese", "bichon maltes")),
    (
        "mini",
        ("lulu da pomerania", "spitz alemao", "spitz alemao anao", "spitz", "lulu", "pomerania"),
    ),
    ("mini", ("poodle toy", "poodle micro toy")),
    # pequeno
    ("pequeno", ("shih tzu", "shitzu", "shih tzu mini")),
    ("pequeno", ("lhasa apso", "lhasa")),
    ("pequeno", ("poodle", "poodle miniatura", "poodle mini")),
    ("pequeno", ("pug",)),
    ("pequeno", ("dachshund", "salsicha", "salsichinha", "teckel")),
    ("pequeno", ("bichon frise", "bichon")),
    ("pequeno", ("schnauzer miniatura", "schnauzer mini")),
    ("pequeno", ("jack russell", "jack russell terrier")),
    ("pequeno", ("cavalier king charles", "cavalier")),
    ("pequeno", ("pequines", "pekingese")),
    ("pequeno", ("west highland white terrier", "westie", "west highland")),
    ("pequeno", ("buldogue frances", "bulldog frances", "frenchie")),
    ("pequeno", ("boston terrier",)),
    ("pequeno", ("cocker americano",)),
    # medio
    ("medio", ("vira lata", "srd", "sem raca definida", "sem raca", "mestico", "caramelo")),
    ("medio", ("beagle",)),
    ("medio", ("cocker spaniel", "cocker", "cocker ingles")),
    ("medio", ("border collie",)),
    ("medio", ("buldogue ingles", "bulldog ingles", "bulldog")),
    ("medio", ("basset hound", "basset")),
    ("medio", ("schnauzer", "schnauzer standard")),
    ("medio", ("shiba inu", "shiba")),
    ("medio", ("pit bull", "pitbull", "american pit bull terrier")),
    ("medio", ("staffordshire", "american staffordshire terrier", "amstaff")),
    ("medio", ("poodle medio",)),
    # grande
    ("grande", ("labrador", "labrador retriever", "labrador retriver")),
    ("grande", ("golden retriever", "golden")),
    ("grande", ("pastor alemao", "pastor")),
    ("grande", ("pastor belga", "malinois")),
    ("grande", ("husky siberiano", "husky")),
    ("grande", ("boxer",)),
    ("grande", ("dalmata",)),
    ("grande", ("rottweiler", "rotweiller", "rottweiller")),
    ("grande", ("doberman", "dobermann")),
    ("grande", ("akita", "akita inu")),
    ("grande", ("chow chow",)),
    ("grande", ("samoieda", "samoyed")),
    ("grande", ("weimaraner",)),
    ("grande", ("poodle standard", "poodle gigante", "poodle grande")),
    ("grande", ("dogo argentino",)),
    # gigante
    ("gigante", ("sao bernardo",)),
    ("gigante", ("dogue alemao", "dogue", "dogue de bordeaux")),
    ("gigante", ("fila brasileiro", "fila")),
    ("gigante", ("mastiff", "mastim", "mastim napolitano", "bullmastiff")),
    ("gigante", ("bernese", "boiadeiro bernes", "bernese mountain dog")),
    ("gigante", ("terra nova",)),
    ("gigante", ("cane corso",)),
)
