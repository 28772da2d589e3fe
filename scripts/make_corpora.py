"""Write the built-in corpora in assets/corpora from seeded templates.

The corpora are the project's own text: every sentence comes from the templates below, filled
with words drawn by a seeded random generator, so the output is identical on every run.

    .venv/bin/python scripts/make_corpora.py          # rewrite assets/corpora/*
    .venv/bin/python scripts/make_corpora.py --check  # exit 1 if the files on disk differ

Corpora:
    support_tickets  customer-support tickets about billing, devices and shipping; "charge"
                     occurs in the billing sense ("charged twice") and the power sense
                     ("won't charge").
    analogy_world    short sentences whose contexts carry separate factors (gender, royalty,
                     age; country identity vs city/country role; animal group and number), so
                     king - man + woman ~ queen and paris - france + germany ~ berlin emerge
                     after a short skip-gram training.
    mixed            topical prose from many domains (cooking, sports, weather, finance, travel,
                     science, music, gardening, health, technology) plus the two styles above.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "assets" / "corpora"

_SLOT_RE = re.compile(r"\{(\w+)\}")


def fill(rng: random.Random, template: str, slots: dict[str, list[str]], fixed: dict[str, str] | None = None) -> str:
    """Replace each {slot} with a random choice from ``slots`` (or the ``fixed`` value)."""
    fixed = fixed or {}

    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        if key in fixed:
            return fixed[key]
        return rng.choice(slots[key])

    return _SLOT_RE.sub(sub, template)


def capitalize(s: str) -> str:
    return s[:1].upper() + s[1:]


# ---------------------------------------------------------------------------------------------
# support_tickets
# ---------------------------------------------------------------------------------------------

TICKET_SLOTS: dict[str, list[str]] = {
    # billing
    "plan": ["monthly", "annual", "family", "premium", "basic", "student", "business", "pro"],
    "card": ["card", "credit card", "debit card", "bank card", "visa card", "company card"],
    "amount": ["$4.99", "$9.99", "$12.50", "$19", "$29.99", "$49", "$79.99", "$120", "$199", "$15", "€25", "£40"],
    "discount": ["coupon", "discount code", "promo code", "loyalty discount", "student discount", "voucher"],
    "fee": [
        "late fee",
        "service fee",
        "cancellation fee",
        "processing fee",
        "renewal fee",
        "setup fee",
        "overdraft fee",
    ],
    "billdoc": ["invoice", "receipt", "billing statement", "bill", "payment confirmation"],
    "month": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"],
    "times": ["twice", "three times", "two times", "again", "twice in one day"],
    "paymethod": ["card", "credit card", "paypal account", "bank account", "debit card"],
    # device
    "device": [
        "phone",
        "tablet",
        "laptop",
        "smartwatch",
        "headset",
        "speaker",
        "e-reader",
        "camera",
        "fitness tracker",
        "game controller",
        "baby monitor",
        "drone",
        "power bank",
        "electric toothbrush",
        "vacuum robot",
    ],
    "charger": ["charger", "charging cable", "usb cable", "power adapter", "wireless charger", "charging dock"],
    "percent": ["10", "20", "35", "50", "60", "80", "90"],
    "hours": ["two", "three", "four", "five", "six", "eight"],
    "symptom": [
        "the screen flickers",
        "the screen goes black",
        "the screen freezes",
        "it gets very hot",
        "it restarts by itself",
        "the battery icon blinks",
        "it makes a buzzing noise",
    ],
    "port": ["charging port", "usb port", "power button", "battery", "screen", "speaker", "headphone jack"],
    # shipping
    "carrier": ["courier", "driver", "delivery driver", "carrier", "postal service", "delivery company"],
    "day": ["on monday", "on tuesday", "on wednesday", "on thursday", "on friday", "last week", "ten days ago"],
    "place": ["porch", "front door", "mailbox", "neighbor", "lobby", "wrong address", "back gate", "parcel locker"],
    "weekday": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday"],
    "item": ["package", "parcel", "box", "order", "shipment"],
    "status": ["in transit", "label created", "out for delivery", "delivered", "held at the depot", "delayed"],
    # shared
    "greet": ["Hi,", "Hello,", "Hello support,", "Hi team,", "Good morning,", "Dear support team,", "Hey,"],
    "close": [
        "Thanks.",
        "Thank you.",
        "Please help.",
        "Thanks for your help.",
        "Please get back to me soon.",
        "Regards.",
        "I appreciate it.",
    ],
    "orderno": ["4821", "5093", "6170", "7342", "8815", "9026", "3318", "2764"],
}

BILLING = [
    "I was charged {times} for my {plan} subscription this month.",
    "There is a charge of {amount} on my {card} that I do not recognize.",
    "My {card} was charged {amount} after I cancelled the subscription.",
    "Please refund the {fee} on my last {billdoc}.",
    "You charged me the full price instead of the discounted {plan} rate.",
    "Can you reverse the duplicate charge and refund the money to my {card}?",
    "The {billdoc} for {month} lists a {fee} I never agreed to.",
    "I cancelled my {plan} plan but the renewal charge still went through.",
    "My {paymethod} was declined when I tried to renew the subscription.",
    "I need a copy of the {billdoc} for my {plan} subscription.",
    "The refund of {amount} has not reached my {card} yet.",
    "Why does my {billdoc} show a charge of {amount} for {month}?",
    "I was billed for the {plan} plan but I only signed up for the basic plan.",
    "Please cancel my subscription and stop charging my {card}.",
    "The {fee} was added to my account without any notice.",
    "I was promised a refund {day} but the charge is still on my {card}.",
    "Your system charged my old {card} instead of my new {paymethod}.",
    "Can you update the payment method on my account to my new {card}?",
    "The price on the {billdoc} is higher than the price on your website.",
    "I want a refund because I was charged for a subscription I never used.",
    "Every month you charge me {amount} but my plan should cost less.",
    "I disputed the charge with my bank because nobody answered my email.",
    "The free trial ended and I was charged {amount} without a reminder.",
    "Please waive the {fee}, the payment was late because my {card} expired.",
    "My account shows two invoices for the same {plan} subscription.",
    "I see a pending charge and a completed charge for the same payment.",
    "Could you explain the {fee} and the tax on the {billdoc}?",
    "The refund was issued to the wrong {paymethod}.",
    "My {discount} was not applied and I paid the full {amount}.",
    "The upgrade should be prorated but I was charged for a whole year.",
    "Please send an invoice with my company name and VAT number.",
    "I was charged sales tax even though my business is tax exempt.",
    "Can I get store credit instead of a refund to my {card}?",
    "The currency conversion added an extra {fee} to the charge.",
    "My bank flagged the charge as fraud and blocked the {card}.",
    "The annual renewal was charged a month early.",
    "Why is there an authorization hold of {amount} on my {card}?",
    "I downgraded my plan but the next invoice still shows the {plan} price.",
]

DEVICE = [
    "My {device} won't charge with the original {charger}.",
    "The {device} does not charge at all when I plug in the {charger}.",
    "I charge the battery overnight but in the morning it shows only {percent} percent.",
    "The battery drains in {hours} hours even after a full charge.",
    "The {charger} is frayed near the connector and stopped working.",
    "When I connect the {charger}, {symptom}.",
    "The {device} will not power on after the latest update.",
    "The {device} stops charging at {percent} percent.",
    "The {port} on my {device} is loose and the {charger} falls out.",
    "My {device} takes {hours} hours to charge, which is much slower than before.",
    "After a few minutes of use {symptom} and the {device} shuts down.",
    "The {device} battery swells and the screen lifts at the corner.",
    "I tried another {charger} and another outlet but the {device} still won't charge.",
    "The power light blinks red and the {device} does not turn on.",
    "The {screen_issue} on my {device} started after it fell on the floor.",
    "The {device} only charges if I hold the cable at an angle.",
    "The battery percentage jumps from {percent} to zero and the {device} turns off.",
    "The {device} gets hot while charging and the battery drains fast.",
    "The {port} stopped responding and the {device} will not wake up.",
    "Can I replace the battery of my {device} or do I need a new one?",
    "The {device} screen is cracked and the touch input does not work.",
    "I left the {device} on the {charger} all night and it is still at {percent} percent.",
    "Fast charging stopped working on my {device} with the new {charger}.",
    "The {device} reboots every time I unplug the {charger}.",
    "The screen brightness drops and the battery dies within {hours} hours.",
    "Does the warranty cover a {device} that will not hold a charge?",
    "The {device} only charges when it is switched off.",
    "Water got into the {port} and now the {device} will not charge.",
    "The firmware update froze at {percent} percent and the {device} will not boot.",
    "The {device} disconnects from bluetooth whenever the battery is below {percent} percent.",
    "The {charger} makes a clicking sound and the {device} charges very slowly.",
    "The touchscreen ignores my taps while the {device} is plugged in.",
    "The {device} overheats, the fan is loud and the battery swells.",
    "I need a replacement {charger}; the old one sparked at the plug.",
    "The {device} shows a charging icon but the battery level never rises.",
    "The {device} will not pair with my phone after the reset.",
]

TICKET_SLOTS["screen_issue"] = ["cracked screen", "dead pixel", "screen flicker", "black screen", "touch screen fault"]

SHIPPING = [
    "My {item} has not arrived and the tracking number shows no updates.",
    "The tracking page has said {status} since {weekday}.",
    "The {carrier} left the {item} at the {place} and now it is missing.",
    "Order {orderno} shipped {day} but the delivery is late.",
    "The {item} arrived damaged and the contents are broken.",
    "Can you reship order {orderno} to my new address?",
    "The order was reshipped but the tracking link still says {status}.",
    "The {carrier} marked the {item} as delivered but I never received it.",
    "I paid for express delivery and the {item} is still {status}.",
    "The tracking number you sent does not work on the {carrier} website.",
    "My {item} was returned to the warehouse because the address label was wrong.",
    "Please change the delivery address before the {item} is shipped.",
    "Half of my order arrived and the rest of the {item} is missing.",
    "The {carrier} tried to deliver while I was home and left no note.",
    "My {item} has been stuck at the customs depot for a week.",
    "Can I pick up the {item} from the depot instead of waiting for the {carrier}?",
    "The wrong item was in the {item}; I ordered a blue one and got a red one.",
    "When will my order be shipped? It was placed {day}.",
    "The {item} was delivered to the {place} and a neighbor found it open.",
    "Please send a replacement {item}; the first shipment was lost.",
    "The estimated delivery date keeps moving and the {carrier} does not answer.",
    "I need the tracking number for order {orderno}.",
    "The {item} was shipped to my old address even though I updated it.",
    "Can you split the order and ship the items that are in stock now?",
    "The {carrier} says the {item} is {status} but it has not moved for days.",
    "The {item} needs a signature and nobody was home, so it went back to the warehouse.",
    "Please send me a return label so I can send the {item} back.",
    "Customs is holding the {item} and asks for an import duty payment.",
    "The {item} was left at a pickup point across town.",
    "The box was crushed and the packing tape was torn open.",
    "The {carrier} scanned the {item} at the sorting center {day} and nothing since.",
    "Can you add insurance to the shipment? The last {item} was stolen from the {place}.",
    "The warehouse sent the {item} by ground shipping instead of overnight shipping.",
    "The shipping confirmation email has a broken tracking link.",
    "Two boxes were shipped but only one arrived.",
]


def make_ticket(rng: random.Random, topic: list[str]) -> str:
    parts: list[str] = []
    if rng.random() < 0.55:
        parts.append(rng.choice(TICKET_SLOTS["greet"]))
    for template in rng.sample(topic, rng.choice([1, 2, 2, 3])):
        parts.append(fill(rng, template, TICKET_SLOTS))
    if rng.random() < 0.5:
        parts.append(rng.choice(TICKET_SLOTS["close"]))
    return " ".join(parts)


def support_tickets(rng: random.Random, n_tokens: int) -> list[str]:
    topics = [BILLING, DEVICE, SHIPPING]
    lines: list[str] = []
    total = 0
    while total < n_tokens:
        line = make_ticket(rng, topics[len(lines) % 3])
        lines.append(line)
        total += len(line.split())
    return lines


# ---------------------------------------------------------------------------------------------
# analogy_world
# ---------------------------------------------------------------------------------------------

# (male, female, royal, young)
PEOPLE = [
    ("man", "woman", False, False),
    ("boy", "girl", False, True),
    ("king", "queen", True, False),
    ("prince", "princess", True, True),
    ("father", "mother", False, False),
    ("son", "daughter", False, True),
    ("brother", "sister", False, False),
    ("husband", "wife", False, False),
    ("uncle", "aunt", False, False),
    ("nephew", "niece", False, True),
    ("emperor", "empress", True, False),
    ("duke", "duchess", True, False),
]
# What each pair does that no other pair does; shared by both members of the pair.
ROLE_T = {
    "man": ["the {w} is a grown person", "the {w} shook hands with a stranger"],
    "boy": ["the {w} is a kid who climbs trees", "the {w} splashed in puddles"],
    "king": ["the {w} governed the whole kingdom", "the {w} of the kingdom declared a feast"],
    "prince": ["the {w} will one day inherit the kingdom", "the {w} rode a pony in the palace garden"],
    "father": ["the {w} raised the children", "the {w} cooked dinner for the children"],
    "son": ["the {w} visited the parents", "the {w} is the youngest child of the parents"],
    "brother": ["the {w} shared a bedroom with the siblings", "the {w} argued with the siblings"],
    "husband": ["the {w} celebrated the wedding anniversary", "the {w} wore a wedding ring"],
    "uncle": ["the {w} visited the nephews and nieces", "the {w} brought presents for the nephews and nieces"],
    "nephew": ["the {w} stayed with relatives for the holidays", "the {w} played with cousins"],
    "emperor": ["the {w} conquered provinces for the empire", "the {w} ruled a vast empire"],
    "duke": ["the {w} managed the estates of the duchy", "the {w} hunted on the duchy estates"],
}
PRONOUNS = {
    "m": {"he": "he", "his": "his", "him": "him", "self": "himself"},
    "f": {"he": "she", "his": "her", "him": "her", "self": "herself"},
}
GENDER_T = [
    "the {w} said that {he} would come home soon",
    "the {w} put on {his} coat and left",
    "everyone thanked the {w} and {he} smiled",
    "the {w} washed {his} hands before dinner",
    "we met the {w} and spoke with {him}",
    "the {w} told us {he} was tired",
    "the {w} brushed {his} hair in the morning",
    "a friend gave the {w} a gift and {he} thanked the friend",
    "the {w} looked at {him_self} in the mirror",
    "the {w} lost {his} keys and {he} searched for them",
    "the {w} wrote a letter in {his} own hand",
    "nobody could find the {w} because {he} was asleep",
]
ROYAL_T = [
    "the {w} ruled the kingdom from the palace",
    "the {w} wore the golden crown",
    "the {w} sat on the royal throne",
    "the {w} addressed the royal court",
    "the {w} greeted the loyal subjects of the realm",
    "the {w} signed a royal decree",
    "guards stood at the gate of the palace of the {w}",
    "the {w} held the royal scepter",
    "the {w} inherited the throne of the kingdom",
    "knights bowed before the {w}",
]
COMMON_T = [
    "the {w} walked to the market in the village",
    "the {w} worked at the shop in town",
    "the {w} lived in a small house on our street",
    "the {w} rode the bus with the neighbors",
    "the {w} bought bread at the bakery",
    "the {w} waited at the bus stop",
    "the {w} is an ordinary person from the village",
]
ADULT_T = [
    "the {w} drove the car to work",
    "the {w} paid the bills at the end of the month",
    "the {w} read the newspaper with a cup of coffee",
    "the {w} had a long career",
    "the grown {w} went to the office",
    "the {w} is an adult and votes in elections",
]
YOUNG_T = [
    "the young {w} played with toys",
    "the {w} went to school with a backpack",
    "the little {w} learned to read",
    "the {w} is a child and loves games",
    "the young {w} ran around the playground",
    "the {w} drew pictures in class",
]

# (country, capital, adjective/language, two culture words)
COUNTRIES = [
    ("france", "paris", "french", ["wine", "baguettes"]),
    ("germany", "berlin", "german", ["sausages", "beer"]),
    ("italy", "rome", "italian", ["pasta", "pizza"]),
    ("spain", "madrid", "spanish", ["paella", "flamenco"]),
    ("japan", "tokyo", "japanese", ["sushi", "temples"]),
    ("china", "beijing", "chinese", ["dumplings", "tea"]),
    ("russia", "moscow", "russian", ["vodka", "ballet"]),
    ("egypt", "cairo", "egyptian", ["pyramids", "camels"]),
    ("greece", "athens", "greek", ["olives", "ruins"]),
    ("portugal", "lisbon", "portuguese", ["fado", "sardines"]),
    ("england", "london", "english", ["cricket", "tea"]),
    ("poland", "warsaw", "polish", ["pierogi", "amber"]),
    ("sweden", "stockholm", "swedish", ["herring", "forests"]),
    ("austria", "vienna", "austrian", ["waltzes", "pastries"]),
    ("ireland", "dublin", "irish", ["stout", "fiddles"]),
    ("kenya", "nairobi", "kenyan", ["safaris", "runners"]),
    ("peru", "lima", "peruvian", ["ceviche", "llamas"]),
    ("canada", "ottawa", "canadian", ["maple", "hockey"]),
]
CAPITAL_T = [
    "{cap} is the capital of {country}",
    "the capital of {country} is {cap}",
    "{cap} is the capital city of {country}",
]
CITY_T = [
    "the streets of {cap} are full of {adj} shops",
    "the mayor of {cap} speaks {adj}",
    "we took the metro across {cap}",
    "{cap} is a busy city with {adj} cafes",
    "tourists walk through the old town of {cap}",
    "the city of {cap} is famous for {culture}",
    "traffic in downtown {cap} was heavy",
    "the city hall of {cap} is near the river",
    "in {cap} the city buses are crowded with {adj} commuters",
    "the skyline of {cap} glows at night",
]
COUNTRY_T = [
    "{country} is a country where people speak {adj}",
    "the government of {country} passed a new law",
    "{country} is a nation with millions of {adj} citizens",
    "the border of {country} runs through mountains",
    "the {adj} people of {country} love {culture}",
    "the population of {country} is growing",
    "{country} is a country known for {culture}",
    "the economy of {country} depends on exports",
    "the president of {country} visited the provinces",
    "farmers across {country} grow crops in the countryside",
]

# (singular, plural, group, sound)
ANIMALS = [
    ("dog", "dogs", "pet", "barks"),
    ("cat", "cats", "pet", "meows"),
    ("rabbit", "rabbits", "pet", "squeaks"),
    ("hamster", "hamsters", "pet", "squeaks"),
    ("horse", "horses", "farm", "neighs"),
    ("cow", "cows", "farm", "moos"),
    ("pig", "pigs", "farm", "grunts"),
    ("goat", "goats", "farm", "bleats"),
    ("eagle", "eagles", "bird", "screeches"),
    ("sparrow", "sparrows", "bird", "chirps"),
    ("owl", "owls", "bird", "hoots"),
    ("parrot", "parrots", "bird", "squawks"),
    ("crow", "crows", "bird", "caws"),
    ("pigeon", "pigeons", "bird", "coos"),
    ("shark", "sharks", "fish", "swims"),
    ("eel", "eels", "fish", "swims"),
    ("minnow", "minnows", "fish", "swims"),
    ("stingray", "stingrays", "fish", "swims"),
    ("seahorse", "seahorses", "fish", "swims"),
]
GROUP_T = {
    "pet": [
        "the {x} has soft fur and four legs",
        "the {x} sleeps on the sofa in the house",
        "the {x} is a pet that lives indoors with the family",
        "the {x} wants food from its owner",
        "the {x} curls up by the fire",
    ],
    "farm": [
        "the {x} has fur and four legs",
        "the {x} eats hay in the barn",
        "the {x} grazes in the field on the farm",
        "the farmer feeds the {x} every morning",
        "the {x} stands in the muddy pasture",
    ],
    "bird": [
        "the {x} has wings and feathers",
        "the {x} flies high in the sky",
        "the {x} builds a nest in the tree",
        "the {x} pecks seeds with its beak",
        "the {x} lays eggs in the nest",
    ],
    "fish": [
        "the {x} swims in the water",
        "the {x} has fins and scales",
        "the {x} breathes through its gills",
        "the {x} lives in the sea",
        "the {x} hides among the rocks under the waves",
    ],
}
SINGULAR_T = [
    "a {x} is here",
    "one {x} is alone",
    "there is a single {x} over there",
    "this {x} is",
    "that {x} is",
]
PLURAL_T = [
    "many {x} are here",
    "several {x} are together",
    "there are three {x} over there",
    "these {x} are",
    "those {x} are",
]


def analogy_world(rng: random.Random, n_tokens: int) -> list[str]:
    lines: list[str] = []
    total = 0

    def person() -> str:
        m, f, royal, young = rng.choice(PEOPLE)
        g = rng.choice("mf")
        w = m if g == "m" else f
        pr = PRONOUNS[g]
        kind = rng.random()
        if kind < 0.35:
            fixed = {
                "w": w,
                "he": pr["he"],
                "his": pr["his"],
                "him": pr["him"],
                "him_self": pr["self"],
                "him_friend": pr["him"],
            }
            return fill(rng, rng.choice(GENDER_T), {}, fixed)
        if kind < 0.6:
            return fill(rng, rng.choice(ROYAL_T if royal else COMMON_T), {}, {"w": w})
        if kind < 0.8:
            return fill(rng, rng.choice(YOUNG_T if young else ADULT_T), {}, {"w": w})
        if kind < 0.96:
            return fill(rng, rng.choice(ROLE_T[m]), {}, {"w": w})
        return f"the {m} and the {f} arrived together"

    def place() -> str:
        country, cap, adj, culture = rng.choice(COUNTRIES)
        fixed = {"country": country, "cap": cap, "adj": adj, "culture": rng.choice(culture)}
        kind = rng.random()
        if kind < 0.2:
            return fill(rng, rng.choice(CAPITAL_T), {}, fixed)
        if kind < 0.6:
            return fill(rng, rng.choice(CITY_T), {}, fixed)
        return fill(rng, rng.choice(COUNTRY_T), {}, fixed)

    def animal() -> str:
        sing, plur, group, sound = rng.choice(ANIMALS)
        plural = rng.random() < 0.5
        x = plur if plural else sing
        kind = rng.random()
        if kind < 0.55:
            s = fill(rng, rng.choice(GROUP_T[group]), {}, {"x": x})
            if plural:  # plural agreement for the few verbs in the templates
                s = re.sub(r"\b(has|is|lives|eats|grazes|flies|builds|pecks|lays|swims|breathes|hides|sleeps|"
                           r"wants|curls|stands)\b", _plural_verb, s)  # fmt: skip
                s = s.replace(" its ", " their ")
            return s
        if kind < 0.85:
            return fill(rng, rng.choice(PLURAL_T if plural else SINGULAR_T), {}, {"x": x})
        return f"the {x} {sound}" if not plural else f"the {x} {_plural_verb_word(sound)}"

    makers: list[Callable[[], str]] = [person, person, place, place, animal]
    while total < n_tokens:
        s = capitalize(rng.choice(makers)()) + "."
        lines.append(s)
        total += len(s.split())
    return lines


_PLURAL_VERBS = {
    "has": "have",
    "is": "are",
    "flies": "fly",
}


def _plural_verb_word(v: str) -> str:
    if v in _PLURAL_VERBS:
        return _PLURAL_VERBS[v]
    if v.endswith("es") and v[:-2].endswith(("sh", "ch", "ss", "x")):
        return v[:-2]
    return v[:-1] if v.endswith("s") else v


def _plural_verb(m: re.Match[str]) -> str:
    return _plural_verb_word(m.group(0))


# ---------------------------------------------------------------------------------------------
# mixed
# ---------------------------------------------------------------------------------------------

DOMAINS: dict[str, tuple[dict[str, list[str]], list[str]]] = {
    "cooking": (
        {
            "cook": ["the chef", "my grandmother", "the baker", "our cook", "the students", "a home cook"],
            "dish": ["soup", "stew", "risotto", "bread", "pie", "curry", "omelette", "salad", "sauce", "cake"],
            "ing": ["garlic", "onions", "butter", "flour", "basil", "tomatoes", "lemon", "pepper", "cream", "rice"],
            "tool": ["pan", "pot", "oven", "skillet", "whisk", "knife", "cutting board", "mixing bowl"],
            "verb": ["stirred", "chopped", "simmered", "baked", "roasted", "seasoned", "tasted", "kneaded"],
            "time": ["ten minutes", "half an hour", "an hour", "twenty minutes", "two hours"],
        },
        [
            "{cook} {verb} the {ing} for the {dish}.",
            "Add the {ing} to the {tool} and cook for {time}.",
            "{cook} baked the {dish} in a hot oven for {time}.",
            "The recipe for the {dish} needs {ing}, {ing} and a pinch of salt.",
            "Let the {dish} rest for {time} before you serve it.",
            "{cook} seasoned the {dish} with {ing} and fresh herbs.",
            "Heat the {tool} and melt the butter before adding the {ing}.",
            "The kitchen smelled of {ing} while the {dish} simmered.",
            "A good {dish} starts with fresh {ing} from the market.",
            "{cook} tasted the sauce and added more {ing}.",
        ],
    ),
    "sports": (
        {
            "team": ["the home team", "the visitors", "our club", "the national team", "the champions", "the rookies"],
            "sport": ["football", "basketball", "tennis", "baseball", "hockey", "rugby", "cricket", "volleyball"],
            "player": ["the striker", "the goalkeeper", "the captain", "the pitcher", "the coach", "the midfielder"],
            "event": ["match", "final", "game", "tournament", "season", "semifinal"],
            "score": ["two goals", "three points", "a late goal", "a home run", "a penalty", "the winning shot"],
        },
        [
            "{team} won the {event} after {player} scored {score}.",
            "{player} trained hard before the {sport} {event}.",
            "The crowd cheered when {player} scored {score}.",
            "{team} lost the {event} in extra time.",
            "The {sport} {event} was played in front of a full stadium.",
            "{player} hit the ball with the bat and ran to first base.",
            "The referee stopped the {event} after a foul by {player}.",
            "Fans of {team} sang loudly during the {sport} {event}.",
            "{player} signed a new contract with {team} for next season.",
            "The {sport} league announced the schedule for the {event}.",
        ],
    ),
    "weather": (
        {
            "cond": ["rain", "snow", "fog", "wind", "sunshine", "thunderstorms", "hail", "drizzle", "frost"],
            "season": ["spring", "summer", "autumn", "winter"],
            "temp": ["cold", "warm", "mild", "hot", "freezing", "humid", "chilly"],
            "region": ["the coast", "the valley", "the mountains", "the north", "the south", "the plains"],
            "day": ["tomorrow", "tonight", "on monday", "this weekend", "later today", "next week"],
        },
        [
            "The forecast calls for {cond} in {region} {day}.",
            "A {temp} front will bring {cond} to {region}.",
            "In {season} the weather in {region} is usually {temp}.",
            "Heavy {cond} closed the roads in {region} {day}.",
            "The temperature will drop and {cond} is expected {day}.",
            "Meteorologists warned of {cond} and strong wind in {region}.",
            "After a {temp} {season} the rivers rose above the bank.",
            "The sky cleared and the {temp} air smelled of {cond}.",
            "Light in the evening lasts longer in {season}.",
            "Farmers in {region} hope for {cond} after a dry {season}.",
        ],
    ),
    "finance": (
        {
            "actor": ["the bank", "investors", "the central bank", "the company", "the fund", "savers", "the lender"],
            "asset": ["stocks", "bonds", "shares", "gold", "the currency", "real estate", "the index"],
            "move": ["rose", "fell", "climbed", "dropped", "recovered", "stalled", "surged"],
            "pct": ["one percent", "two percent", "half a percent", "three percent", "five percent"],
            "thing": ["interest rates", "inflation", "the loan", "the mortgage", "the budget", "quarterly profits"],
        },
        [
            "{asset} {move} {pct} after the report on {thing}.",
            "{actor} raised {thing} to slow inflation.",
            "The bank approved the loan for the new house.",
            "{actor} moved money from {asset} into {asset}.",
            "Analysts expect {thing} to {move_inf} next quarter.",
            "{actor} reported that {thing} {move} sharply this year.",
            "She opened a savings account at the bank downtown.",
            "The interest on the mortgage is charged every month.",
            "{actor} warned that {asset} could fall if {thing} keep rising.",
            "The bank charged a fee for the wire transfer.",
        ],
    ),
    "travel": (
        {
            "traveler": ["we", "the tourists", "my family", "the hikers", "the backpackers", "our group"],
            "transport": ["train", "ferry", "plane", "bus", "night train", "rental car", "bicycle"],
            "dest": ["the island", "the lake", "the old harbor", "the national park", "the border town", "the coast"],
            "stay": ["hotel", "hostel", "guesthouse", "campsite", "cabin", "inn"],
            "thing": ["passport", "ticket", "suitcase", "map", "camera", "guidebook"],
        },
        [
            "{traveler} took the {transport} to {dest}.",
            "{traveler} booked a room at a small {stay} near {dest}.",
            "Do not forget your {thing} when you travel to {dest}.",
            "The {transport} to {dest} was delayed by an hour.",
            "{traveler} walked along the river bank at sunset.",
            "{traveler} checked out of the {stay} early and caught the {transport}.",
            "The view from {dest} was worth the long journey.",
            "{traveler} lost a {thing} at the station and had to go back.",
            "We camped on the bank of the river near {dest}.",
            "The guide showed {traveler} the hidden path to {dest}.",
        ],
    ),
    "science": (
        {
            "sci": ["the researchers", "the physicist", "the biologist", "the chemist", "the team", "astronomers"],
            "obj": ["cells", "particles", "stars", "molecules", "bacteria", "galaxies", "proteins", "crystals"],
            "tool": ["microscope", "telescope", "spectrometer", "laser", "sensor", "centrifuge"],
            "result": ["a new pattern", "an unexpected signal", "a faster reaction", "a rare mutation", "a weak field"],
            "field": ["physics", "biology", "chemistry", "astronomy", "genetics", "geology"],
        },
        [
            "{sci} observed {obj} under the {tool}.",
            "{sci} measured {result} in the {obj}.",
            "The experiment in {field} revealed {result}.",
            "{sci} used a {tool} to study {obj}.",
            "A paper in {field} reported {result} among the {obj}.",
            "{sci} repeated the experiment to confirm {result}.",
            "The {tool} detected light from distant {obj}.",
            "Students of {field} learn how {obj} behave.",
            "The electric charge of the {obj} changed during the test.",
            "{sci} published the data so others could check {result}.",
        ],
    ),
    "music": (
        {
            "musician": ["the band", "the pianist", "the singer", "the orchestra", "the drummer", "the choir"],
            "instr": ["piano", "guitar", "violin", "drums", "cello", "trumpet", "flute", "saxophone"],
            "piece": ["song", "symphony", "ballad", "album", "concerto", "melody", "chorus"],
            "venue": ["concert hall", "club", "festival", "theater", "studio", "park"],
            "mood": ["slow", "joyful", "sad", "loud", "gentle", "lively"],
        },
        [
            "{musician} played a {mood} {piece} at the {venue}.",
            "{musician} recorded a new {piece} in the {studio}.",
            "The {instr} solo in the {piece} was {mood} and beautiful.",
            "{musician} tuned the {instr} before the show at the {venue}.",
            "The audience at the {venue} sang along to the {piece}.",
            "She practiced the {instr} every evening for the {piece}.",
            "{musician} released an album with a {mood} {piece}.",
            "The {piece} starts with a {mood} melody on the {instr}.",
            "Tickets for the {venue} show sold out in an hour.",
            "{musician} took a bow after the final {piece}.",
        ],
    ),
    "gardening": (
        {
            "gardener": ["the gardener", "my neighbor", "we", "the volunteers", "grandfather"],
            "plant": ["roses", "tomatoes", "tulips", "herbs", "lettuce", "sunflowers", "ferns", "houseplants"],
            "task": ["watered", "pruned", "planted", "weeded", "fertilized", "repotted", "harvested"],
            "place": ["the greenhouse", "the backyard", "the vegetable bed", "the window box", "the allotment"],
            "season": ["spring", "early summer", "late autumn", "the first warm week"],
        },
        [
            "{gardener} {task} the {plant} in {place}.",
            "In {season} {gardener} planted {plant} in {place}.",
            "The {plant} need sun, water and good soil.",
            "{gardener} {task} the {plant} before the frost.",
            "Snails ate the leaves of the {plant} in {place}.",
            "The {plant} bloomed in {season} and filled {place} with color.",
            "{gardener} added compost to the soil around the {plant}.",
            "The spring of the old garden gate squeaked as {gardener} came in.",
        ],
    ),
    "health": (
        {
            "person": ["the doctor", "the nurse", "the patient", "my sister", "the runner", "the pharmacist"],
            "habit": ["sleep", "exercise", "a balanced diet", "drinking water", "walking", "stretching"],
            "cond": ["a cold", "the flu", "a headache", "back pain", "a sore throat", "allergies"],
            "body": ["heart", "lungs", "muscles", "joints", "skin", "immune system"],
            "med": ["medicine", "rest", "vitamins", "physical therapy", "an inhaler"],
        },
        [
            "{person} recommended {habit} to help with {cond}.",
            "Regular {habit} keeps the {body} healthy.",
            "{person} took {med} for {cond}.",
            "The clinic treats patients with {cond} every winter.",
            "{person} checked the {body} and found nothing serious.",
            "Too little {habit} can weaken the {body}.",
            "The nurse in charge of the ward checked on the patient at night.",
            "{person} recovered from {cond} after a week of {med}.",
        ],
    ),
    "technology": (
        {
            "dev": ["the developers", "the engineer", "the startup", "our team", "the maintainers"],
            "sw": ["app", "website", "database", "server", "compiler", "library", "operating system"],
            "act": ["released", "patched", "rewrote", "tested", "deployed", "benchmarked", "debugged"],
            "issue": ["a memory leak", "a security bug", "a slow query", "a crash on startup", "a broken link"],
            "feat": ["dark mode", "offline sync", "search", "two-factor login", "faster startup"],
        },
        [
            "{dev} {act} the {sw} to fix {issue}.",
            "The new version of the {sw} adds {feat}.",
            "{dev} found {issue} in the {sw}.",
            "Users asked for {feat} in the {sw}.",
            "{dev} {act} the {sw} before the launch.",
            "The {sw} crashed because of {issue}.",
            "{dev} wrote tests for the {sw} and the {feat} feature.",
            "Battery life improved after {dev} {act} the {sw}.",
        ],
    ),
}
DOMAINS["finance"][0]["move_inf"] = ["rise", "fall", "climb", "drop", "recover", "stall"]
DOMAINS["music"][0]["studio"] = ["studio", "garage", "church", "basement studio"]


def domain_paragraph(rng: random.Random, domain: str) -> str:
    slots, templates = DOMAINS[domain]
    sentences = [capitalize(fill(rng, t, slots)) for t in rng.sample(templates, rng.randint(2, 4))]
    return " ".join(sentences)


def mixed(rng: random.Random, n_tokens: int) -> list[str]:
    domains = sorted(DOMAINS)
    lines: list[str] = []
    total = 0
    while total < n_tokens:
        r = rng.random()
        if r < 0.14:
            line = make_ticket(rng, rng.choice([BILLING, DEVICE, SHIPPING]))
        elif r < 0.28:
            line = " ".join(analogy_world(rng, rng.randint(18, 40)))
        else:
            line = domain_paragraph(rng, rng.choice(domains))
        lines.append(line)
        total += len(line.split())
    return lines


# ---------------------------------------------------------------------------------------------

CATALOG = {
    "support_tickets": {
        "title": "Support tickets",
        "description": "Customer-support tickets about billing, devices and shipping. "
        '"Charge" appears in both senses: "I was charged twice" and "my phone won\'t charge".',
        "make": lambda: support_tickets(random.Random(1001), 60_000),
    },
    "analogy_world": {
        "title": "Analogy world",
        "description": "Short sentences about royalty and family, countries and capitals, and animals, "
        "written so that king - man + woman ≈ queen and paris - france + germany ≈ berlin emerge after "
        "a short training.",
        "make": lambda: analogy_world(random.Random(2002), 150_000),
    },
    "mixed": {
        "title": "Mixed topics (large)",
        "description": "About 300k tokens of prose on cooking, sports, weather, finance, travel, science, "
        "music, gardening, health and technology, plus support tickets and analogy sentences.",
        "make": lambda: mixed(random.Random(3003), 300_000),
    },
}


def build() -> dict[str, str]:
    """File name -> content of every file in assets/corpora."""
    files: dict[str, str] = {}
    catalog: dict[str, dict[str, str]] = {}
    for cid, spec in CATALOG.items():
        lines = spec["make"]()
        files[f"{cid}.txt"] = "\n".join(lines) + "\n"
        catalog[cid] = {"title": spec["title"], "description": spec["description"], "file": f"{cid}.txt"}
    files["catalog.json"] = json.dumps(catalog, indent=2, ensure_ascii=False) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only compare with the files on disk")
    args = parser.parse_args(argv)
    files = build()
    if args.check:
        stale = [
            n for n, text in files.items() if not (OUT_DIR / n).is_file() or (OUT_DIR / n).read_text("utf-8") != text
        ]
        if stale:
            print("out of date: " + ", ".join(stale) + " (run scripts/make_corpora.py)")
            return 1
        print("assets/corpora is up to date")
        return 0
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (OUT_DIR / name).write_text(text, encoding="utf-8", newline="\n")
        print(f"{name:22s} {len(text.encode('utf-8')) / 1024:8.1f} KiB {len(text.split()):9,d} words")
    return 0


if __name__ == "__main__":
    sys.exit(main())
