#!/usr/bin/env python3
"""Self-check for a held-out split (standard library only).

Usage: python3 check.py [PATH]   (default: conversations.json next to this file)

Errors make the script exit 1; warnings are printed but do not fail.
"""

import collections
import json
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, "conversations.json")
# per split file: id prefix ("h" -> h01..), minimum number of scenarios, and
# the phone block (hundreds digit) so the splits never share a customer phone
SPLITS = {
    "conversations.json": ("h", 45, "1"),
    "conversations_b.json": ("b", 32, "2"),
    "conversations_c.json": ("c", 50, "3"),
    "conversations_d.json": ("g", 50, "9"),
}

SERVICES = {
    "Banho": 60,
    "Tosa": 60,
    "Banho e tosa": 90,
    "Consulta veterinária": 30,
    "Vacinação": 30,
}
# weekday 0=Monday .. 6=Sunday -> (open, close) in minutes, None = closed
HOURS = {
    0: (480, 1080),
    1: (480, 1080),
    2: (480, 1080),
    3: (480, 1080),
    4: (480, 1080),
    5: (480, 720),
    6: None,
}
SPECIES = {"cachorro", "gato", "outro"}
STATUSES = {"booked", "cancelled"}
CATEGORIES = {
    "booking",
    "reschedule_cancel",
    "question",
    "emergency_handoff",
    "refusal_closed",
    "multipet_correction",
}
FACT_KEYS = {"pet_name", "species", "breed", "confirm", "when", "service"}
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
GOOD_PLACEHOLDER = re.compile(r"^\{(date|weekday)\+(\d+)\}$")
TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
WEEKDAY_WORDS = {
    0: ["segunda"],
    1: ["terca"],
    2: ["quarta"],
    3: ["quinta"],
    4: ["sexta"],
    5: ["sabado", "sab"],
    6: ["domingo"],
}

errors, warnings = [], []


def err(sid, msg):
    errors.append(f"{sid}: {msg}")


def warn(sid, msg):
    warnings.append(f"{sid}: {msg}")


def minutes(t):
    m = TIME.match(t or "")
    return int(m.group(1)) * 60 + int(m.group(2)) if m else None


def fold(s):
    s = unicodedata.normalize("NFKD", s.lower())
    return "".join(c for c in s if not unicodedata.combining(c))


def check_placeholders(sid, text, where):
    for ph in PLACEHOLDER.findall(text):
        if not GOOD_PLACEHOLDER.match(ph):
            err(sid, f"bad placeholder {ph!r} in {where}")


def check_slot(sid, b, now_wd, now_min, where, need_status):
    keys = {"service", "day", "time", "pet"} | ({"status"} if need_status else set())
    missing = keys - set(b)
    if missing:
        err(sid, f"{where}: missing {sorted(missing)}")
        return
    if b["service"] not in SERVICES:
        err(sid, f"{where}: unknown service {b['service']!r}")
        return
    if need_status and b["status"] not in STATUSES:
        err(sid, f"{where}: bad status {b['status']!r}")
    if not isinstance(b["day"], int) or b["day"] < 0:
        err(sid, f"{where}: day must be an int >= 0")
        return
    start = minutes(b["time"])
    if start is None:
        err(sid, f"{where}: bad time {b['time']!r}")
        return
    wd = (now_wd + b["day"]) % 7
    hours = HOURS[wd]
    if hours is None:
        err(sid, f"{where}: day {b['day']} falls on a closed day (weekday {wd})")
        return
    end = start + SERVICES[b["service"]]
    if start < hours[0] or end > hours[1]:
        err(
            sid,
            f"{where}: {b['service']} {b['time']} does not fit in opening hours of weekday {wd}",
        )
    if b["day"] == 0 and start <= now_min:
        err(sid, f"{where}: {b['time']} today is not after now")
    if start % 30:
        warn(sid, f"{where}: {b['time']} is not on the hour/half hour")


def main(argv):
    path = argv[1] if len(argv) > 1 else PATH
    if not os.path.exists(path) and os.path.exists(os.path.join(HERE, path)):
        path = os.path.join(HERE, path)
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    name = os.path.basename(path)
    if name in SPLITS:
        prefix, min_n, block = SPLITS[name]
    else:  # an unknown split: take the prefix from its first id
        first = data[0].get("id", "") if isinstance(data, list) and data else ""
        prefix, min_n, block = (first[:1] or "x"), 1, r"\d"
    phone_re = re.compile(r"^\+5511970000" + block + r"\d\d$")
    print(name)
    if not isinstance(data, list) or len(data) < min_n:
        err("file", f"must be a list of at least {min_n} scenarios")
        data = data if isinstance(data, list) else []
    ids, phones = set(), set()
    cats = collections.Counter()
    for i, s in enumerate(data):
        sid = s.get("id", f"#{i}")
        for k in ("id", "title", "now", "customer", "facts", "turns", "expect"):
            if k not in s:
                err(sid, f"missing field {k!r}")
        if any(k not in s for k in ("now", "customer", "facts", "turns", "expect")):
            continue
        if not re.match(r"^" + re.escape(prefix) + r"\d\d$", str(sid)) or sid in ids:
            err(sid, f"id must be unique and look like {prefix}NN")
        ids.add(sid)
        cat = s.get("category")
        if cat is not None and cat not in CATEGORIES:
            err(sid, f"unknown category {cat!r}")
        cats[cat or "(none)"] += 1

        now = s["now"]
        wd, now_min = now.get("weekday"), minutes(now.get("time"))
        if not isinstance(wd, int) or not 0 <= wd <= 6:
            err(sid, "now.weekday must be 0..6")
            continue
        if now_min is None:
            err(sid, f"bad now.time {now.get('time')!r}")
            continue

        c = s["customer"]
        for k in ("phone", "name", "pets", "bookings"):
            if k not in c:
                err(sid, f"customer missing {k!r}")
        if not phone_re.match(c.get("phone", "")) or c.get("phone") in phones:
            err(sid, f"phone {c.get('phone')!r} malformed or duplicated")
        phones.add(c.get("phone"))
        if c.get("phone", "")[-2:] != str(sid)[-2:]:
            warn(sid, "phone suffix does not match id")
        pet_names = set()
        for p in c.get("pets", []):
            if not {"name", "species", "breed"} <= set(p) or p["species"] not in SPECIES:
                err(sid, f"bad pet {p}")
            pet_names.add(p.get("name"))
        for j, b in enumerate(c.get("bookings", [])):
            check_slot(sid, b, wd, now_min, f"customer.bookings[{j}]", False)
            if b.get("pet") not in pet_names:
                err(sid, f"existing booking for unregistered pet {b.get('pet')!r}")

        facts = s["facts"]
        for k in ("pet_name", "species", "breed", "confirm"):
            if not isinstance(facts.get(k), str) or not facts.get(k):
                err(sid, f"facts.{k} missing or empty")
        for k in facts:
            if k not in FACT_KEYS:
                warn(sid, f"unusual facts key {k!r}")
        if facts.get("species") not in SPECIES:
            err(sid, f"facts.species must be one of {sorted(SPECIES)}")

        turns = s["turns"]
        if (
            not isinstance(turns, list)
            or not turns
            or not all(
                isinstance(t, list) and t and all(isinstance(m, str) and m.strip() for m in t)
                for t in turns
            )
        ):
            err(sid, "turns must be a non-empty list of non-empty lists of strings")
            turns = []
        text = " ".join(m for t in turns for m in t)
        check_placeholders(sid, text, "turns")

        e = s["expect"]
        for k in ("bookings", "reply_facts", "handoff"):
            if k not in e:
                err(sid, f"expect missing {k!r}")
        if not isinstance(e.get("handoff"), bool):
            err(sid, "expect.handoff must be a bool")
        known = pet_names | {facts.get("pet_name")}
        booked_days = set()
        for j, b in enumerate(e.get("bookings", [])):
            check_slot(sid, b, wd, now_min, f"expect.bookings[{j}]", True)
            if b.get("pet") not in known:
                err(sid, f"expected booking for unknown pet {b.get('pet')!r}")
            if b.get("status") == "booked":
                booked_days.add(b.get("day"))
        slots = [(b.get("day"), b.get("time"), b.get("pet")) for b in e.get("bookings", [])]
        if len(slots) != len(set(slots)):
            err(sid, "duplicate expected booking")
        # every pre-existing booking should be accounted for (same service+pet)
        exp_sp = collections.Counter(
            (b.get("service"), b.get("pet")) for b in e.get("bookings", [])
        )
        for b in c.get("bookings", []):
            if exp_sp[(b.get("service"), b.get("pet"))] == 0:
                err(sid, f"pre-existing booking {b} missing from expect.bookings")
        for rf in e.get("reply_facts", []):
            if not isinstance(rf, str) or not rf:
                err(sid, "reply_facts must be non-empty strings")
                continue
            check_placeholders(sid, rf, "reply_facts")
            m = GOOD_PLACEHOLDER.match(rf)
            if m and m.group(1) == "date" and int(m.group(2)) not in booked_days:
                warn(sid, f"reply fact {rf} is not the day of any booked slot")
        if e.get("handoff") and any(
            b.get("status") == "booked"
            and b not in [dict(x, status="booked") for x in c.get("bookings", [])]
            for b in e.get("bookings", [])
        ):
            err(sid, "handoff scenario expects a new/changed booking")
        # weekday words in the customer's text should match a booked weekday
        words = set(re.findall(r"[a-z]+", fold(text)))
        mentioned = {d for d, ws in WEEKDAY_WORDS.items() if any(w in words for w in ws)}
        booked_wds = {(wd + d) % 7 for d in booked_days}
        new_booked = [b for b in e.get("bookings", []) if b.get("status") == "booked"]
        if mentioned and new_booked and not (mentioned & booked_wds):
            warn(
                sid,
                f"text mentions weekdays {sorted(mentioned)} "
                f"but bookings fall on {sorted(booked_wds)}",
            )
        for m in re.finditer(r"\{(date|weekday)\+(\d+)\}", text):
            if (
                new_booked
                and int(m.group(2)) not in booked_days
                and not any(b.get("day") == int(m.group(2)) for b in c.get("bookings", []))
            ):
                warn(sid, f"placeholder {m.group(0)} in text matches no booking day")

    total = sum(cats.values())
    print(f"{total} scenarios")
    for k, v in sorted(cats.items()):
        print(f"  {k:22s} {v:3d}  ({100 * v / max(total, 1):.0f}%)")
    for w in warnings:
        print("WARN ", w)
    for x in errors:
        print("ERROR", x)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
