#!/usr/bin/env python3
"""Writes tests/fixtures/addresses.tsv: address strings written the way residents write them,
each with the code of the finest unit it names.

The strings are built from the sample units (data/generated, seed 2021) in the styles seen on
forms and in messages: full and abbreviated type words, no diacritics, upper case, stray
spaces, parts in any order with or without commas, a house number and street in front,
hamlet numbers in words, and typos of one or two edits in names. A fixed seed makes the file
reproducible; the file is committed, so the test does not depend on this script.

    python3 scripts/address_corpus.py > tests/fixtures/addresses.tsv

With --two-tier it writes tests/fixtures/addresses_two_tier.tsv instead: addresses of the
province after its move to two tiers on 1 July 2025 (data/real/nghe_an_unit_changes_2025.csv,
the sample communes merged as it says: data/generated/communes_2025.geojson), written with the
new names, with the names of before (commune and district), and mixing the two.

    python3 scripts/address_corpus.py --two-tier > tests/fixtures/addresses_two_tier.tsv
"""

import json
import random
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
rng = random.Random(20210913)

NUMBER_WORDS = {
    1: "một", 2: "hai", 3: "ba", 4: "bốn", 5: "năm", 6: "sáu", 7: "bảy", 8: "tám", 9: "chín",
    10: "mười", 11: "mười một", 12: "mười hai", 13: "mười ba", 14: "mười bốn", 15: "mười lăm",
    16: "mười sáu", 17: "mười bảy", 18: "mười tám", 19: "mười chín", 20: "hai mươi",
    21: "hai mươi mốt",
}
STREETS = ["Lê Lợi", "Nguyễn Du", "Trần Phú", "Quang Trung", "Lê Duẩn", "Phan Bội Châu",
           "Nguyễn Thị Minh Khai", "Hồ Tùng Mậu", "Lý Thường Kiệt"]
# Keys next to each other on a phone keyboard, for substitution typos.
NEIGHBOURS = {
    "a": "sq", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "g": "fh", "h": "gj", "i": "uo",
    "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o", "q": "w", "r": "et",
    "s": "ad", "t": "ry", "u": "yi", "v": "cb", "x": "zc", "y": "tu",
}
ABBREV = {"xã": "X.", "phường": "P.", "thị trấn": "TT.", "huyện": "H.", "thị xã": "TX.",
          "thành phố": "TP."}


def strip(text):
    out = unicodedata.normalize("NFD", text)
    out = "".join(c for c in out if unicodedata.category(c) != "Mn")
    return out.replace("đ", "d").replace("Đ", "D")


def load(name):
    data = json.loads((ROOT / "data/generated" / name).read_text())
    return [f["properties"] for f in data["features"]]


def bare(name):
    """'Xã Nghi Phong' -> ('xã', 'Nghi Phong'): the type word, lower case, and the name."""
    for t in ("Thị trấn", "Phường", "Xã", "Thành phố", "Thị xã", "Huyện", "Tỉnh"):
        if name.startswith(t + " "):
            return t.lower(), name[len(t) + 1:]
    return "", name


def split_type(name, type_word):
    """'Xã Nghi Phong', 'xã' -> ('xã', 'Nghi Phong')."""
    rest = name[len(type_word):].strip()
    return type_word, rest


def typo(word):
    """One edit a thumb makes: a dropped, doubled, swapped or neighbouring letter."""
    letters = [i for i, c in enumerate(word) if c.isalpha()]
    if len(letters) < 4:
        return word
    i = rng.choice(letters[1:])
    kind = rng.choice(["drop", "double", "swap", "near"])
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap" and i + 1 < len(word) and word[i + 1].isalpha():
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    base = strip(word[i]).lower()
    if base in NEIGHBOURS:
        return word[:i] + rng.choice(NEIGHBOURS[base]) + word[i + 1:]
    return word[:i] + word[i + 1:]


def typo_name(name, edits):
    """Typos in a multi-word name, in its longest words."""
    words = name.split(" ")
    for _ in range(edits):
        longest = max(range(len(words)), key=lambda k: (len(words[k]), rng.random()))
        words[longest] = typo(words[longest])
    return " ".join(words)


def main():
    communes = {c["code"]: c for c in load("communes.geojson")}
    hamlets = load("hamlets.geojson")
    district_names = {}
    for line in (ROOT / "data/real/nghe_an_communes.csv").read_text().splitlines()[1:]:
        f = line.split(",")
        district_names[f[3]] = (f[4], f[5].lower())
    rows = []
    # Commune names used by more than one commune, and bản names repeated in a district: an
    # address naming only those is ambiguous, so such addresses also name the district.
    commune_names = {}
    for c in communes.values():
        commune_names.setdefault(strip(c["name"]).lower(), []).append(c["code"])
    ban_in_district = {}
    for h in hamlets:
        d = communes[h["parent_code"]]["parent_code"]
        key = (strip(h["name"]).lower(), d)
        ban_in_district[key] = ban_in_district.get(key, 0) + 1

    def parts_of(hamlet):
        commune = communes[hamlet["parent_code"]]
        d_name, d_type = district_names[commune["parent_code"]]
        c_type, c_name = split_type(commune["name"], commune["type"].capitalize())
        _, d_rest = split_type(d_name, d_type.capitalize())
        return commune, (hamlet["name"], c_type.lower(), c_name, d_type, d_rest)

    styles = ["full", "plain", "abbrev", "reorder", "typo1", "typo2", "street", "words",
              "shout", "commune", "district_commune", "ban", "mixed"]
    picks = rng.sample(hamlets, 416)
    for k, hamlet in enumerate(picks):
        style = styles[k % len(styles)]
        commune, (h, ct, cn, dt, dn) = parts_of(hamlet)
        expected = hamlet["code"]
        if style == "full":
            text = f"{h}, {ct} {cn}, {dt} {dn}, tỉnh Nghệ An"
        elif style == "plain":
            text = strip(f"{h} {cn} {dn}").lower()
        elif style == "abbrev":
            text = f"{h}, {ABBREV[ct]}{rng.choice(['', ' '])}{cn}, {ABBREV[dt]} {dn}"
        elif style == "reorder":
            sep = rng.choice([", ", " - ", " "])
            text = sep.join([f"{dt} {dn}", f"{ct} {cn}", h])
            if rng.random() < 0.5:
                text = strip(text)
        elif style == "typo1":
            text = f"{h} {typo_name(cn, 1)}, {dn}"
            if rng.random() < 0.5:
                text = strip(text).lower()
        elif style == "typo2":
            text = f"{h}, {ct} {typo_name(cn, 2)}, {dt} {typo_name(dn, 1)}"
        elif style == "street":
            number = rng.randint(1, 250)
            street = rng.choice(STREETS)
            lead = rng.choice([f"Số {number} đường {street}", f"{number} {street}",
                               f"ngõ {number % 20 + 1} đường {street}"])
            text = f"{lead}, {h}, {ct} {cn}, {dn}"
        elif style == "words":
            if hamlet["type"] == "bản":
                continue
            word, number = h.split(" ", 1)
            text = f"{word.lower()} {NUMBER_WORDS[int(number)]} {cn} {dn}"
            if rng.random() < 0.5:
                text = strip(text)
        elif style == "shout":
            text = f"  {h.upper()} ,{ct.upper()}  {cn.upper()},{dn.upper()} "
        elif style == "commune":
            text = f"{ct} {cn} {dt} {dn}"
            if rng.random() < 0.5:
                text = strip(text).lower()
            expected = commune["code"]
        elif style == "district_commune":
            text = f"{dn}, {cn}"
            expected = commune["code"]
        elif style == "ban":
            shared_commune = len(commune_names[strip(commune["name"]).lower()]) > 1
            unique_in_district = ban_in_district[(strip(h).lower(), commune["parent_code"])] == 1
            if hamlet["type"] != "bản":
                text = f"{h} {cn}" + (f" {dn}" if shared_commune else "")
            elif unique_in_district and rng.random() < 0.5:
                text = f"{h} {dn}"
            else:
                text = strip(f"{h}, {cn}" + (f", {dn}" if shared_commune else ""))
        elif style == "mixed":
            # Several habits at once: typos in both names, abbreviations or none, "thôn" for
            # "xóm", parts in any order, commas or not, diacritics or not.
            hamlet_word = h
            if hamlet["type"] == "xóm" and rng.random() < 0.3:
                hamlet_word = h.replace("Xóm", "thôn")
            c_part = f"{rng.choice([ct, ABBREV[ct], ''])} {typo_name(cn, 1)}".strip()
            d_part = f"{rng.choice([dt, ABBREV[dt], ''])} {typo_name(dn, rng.randint(0, 1))}".strip()
            parts = [hamlet_word, c_part, d_part]
            rng.shuffle(parts)
            text = rng.choice([", ", " ", " - "]).join(parts)
            if rng.random() < 0.6:
                text = strip(text)
            if rng.random() < 0.3:
                text = text.lower()
        rows.append((text, expected, style))

    rows.extend(lineage_rows(communes, hamlets, district_names))

    hand = ROOT / "tests/fixtures/addresses_hand.tsv"
    print("address\texpected_code\tstyle")
    for text, code, style in rows:
        print(f"{text}\t{code}\t{style}")
    sys.stdout.write(hand.read_text().split("\n", 1)[1])


def initials(name):
    """'Quỳnh Lưu' -> 'Q.Lưu', as forms shorten a district."""
    words = name.split()
    return ".".join([w[0] for w in words[:-1]] + [words[-1]])


def lineage_rows(communes, hamlets, district_names):
    """Addresses naming units as they were before the 2019-2020 and 2024 changes
    (data/real/nghe_an_unit_changes.csv), and ones in English or with districts cut to
    initials. Their own random stream, so the rows above stay as they were."""
    rng = random.Random(20241201)
    import csv
    districts = {f["properties"]["code"]: (f["properties"]["name"], f["properties"]["type"].lower())
                 for f in json.loads((ROOT / "data/real/nghe_an_districts.geojson").read_text())["features"]}
    changes = list(csv.DictReader(open(ROOT / "data/real/nghe_an_unit_changes.csv", encoding="utf-8")))
    by_predecessor = {}
    for c in changes:
        if c["predecessor_code"]:
            by_predecessor.setdefault(c["predecessor_code"], []).append(c)

    def now(code, depth=0):
        """The current commune a successor code is now, or None (split, or not a commune)."""
        if code in communes:
            return code
        later = by_predecessor.get(code, [])
        if depth > 8 or len(later) != 1:
            return None
        return now(later[0]["successor_code"], depth + 1)

    current_bare = {}
    for c in communes.values():
        current_bare.setdefault((strip(bare(c["name"])[1]).lower(), c["parent_code"]), []).append(c["code"])
    hamlets_of = {}
    for h in hamlets:
        hamlets_of.setdefault(h["parent_code"], []).append(h)
    rows = []
    merged = [c for c in changes if c["kind"] in ("merge", "rename")
              and c["predecessor_name"] != c["successor_name"] and not c["predecessor_name"].startswith(("Thị xã", "Huyện"))]
    for c in merged:
        target = now(c["successor_code"])
        if target is None or c["predecessor_parent_code"] not in districts:
            continue
        ct, cn = bare(c["predecessor_name"])
        dn, dt = districts[c["predecessor_parent_code"]]
        dt, d_rest = bare(dn)
        # A former name that is also a current commune's in that district is ambiguous.
        if current_bare.get((strip(cn).lower(), communes[target]["parent_code"])):
            continue
        form = rng.choice(["full", "plain", "abbrev", "street"])
        if form == "full":
            text = f"{ct.capitalize()} {cn}, {dt.capitalize()} {d_rest}, tỉnh Nghệ An"
        elif form == "plain":
            text = strip(f"{ct} {cn} {d_rest}").lower()
        elif form == "abbrev":
            text = f"{ABBREV[ct]}{cn}, {ABBREV[dt]} {d_rest}"
        else:
            text = f"Số {rng.randint(1, 200)} đường {rng.choice(STREETS)}, {ct} {cn}, {d_rest}"
        rows.append((text, target, "former_name"))
    moved = [c for c in changes if c["kind"] == "move" and c["successor_code"] in communes]
    for c in moved:
        code = c["successor_code"]
        ct, cn = bare(c["predecessor_name"])
        dn, _ = districts[c["predecessor_parent_code"]]
        dt, d_rest = bare(dn)
        for _ in range(3):
            form = rng.choice(["commune", "hamlet", "hamlet_plain"])
            if form == "commune" or not hamlets_of.get(code):
                text = f"{ct} {cn}, {dt} {d_rest}"
                expected = code
            else:
                h = rng.choice(hamlets_of[code])
                text = f"{h['name']}, {ct} {cn}, {dt} {d_rest}"
                expected = h["code"]
                if form == "hamlet_plain":
                    text = strip(text).lower()
            rows.append((text, expected, "former_district"))
    picks = rng.sample(hamlets, 60)
    for k, h in enumerate(picks):
        commune = communes[h["parent_code"]]
        ct, cn = bare(commune["name"])
        d_name, d_type = district_names[commune["parent_code"]]
        _, d_rest = bare(d_name)
        shared = len([1 for c in communes.values() if strip(bare(c["name"])[1]) == strip(cn)]) > 1
        if k % 3 == 0:
            english = {"xã": "commune", "phường": "ward", "thị trấn": "town"}[ct]
            district_word = "city" if d_type == "thành phố" else ("town" if d_type == "thị xã" else "district")
            text = strip(f"{cn} {english}, {d_rest} {district_word}, Nghe An province")
            expected = commune["code"]
        elif k % 3 == 1:
            short = initials(d_rest)
            text = f"{h['name']} {cn} {rng.choice(['H.', ''])}{short}-N An"
            if rng.random() < 0.5:
                text = strip(text)
            expected = h["code"]
        else:
            text = f"{h['name']}, {ABBREV[ct]}{typo_name(cn, 1)}, {initials(d_rest)}"
            expected = h["code"]
        rows.append((text, expected, "noise"))
    return rows


def two_tier_rows():
    """Addresses of the two-tier province, each with the code of the commune (or hamlet) it
    names now."""
    import csv
    rng.seed(20250701)
    now = {c["code"]: c for c in load("communes_2025.geojson")}
    before = {c["code"]: c for c in load("communes.geojson")}
    hamlets = load("hamlets.geojson")
    districts = {f["properties"]["code"]: f["properties"]["name"]
                 for f in json.loads((ROOT / "data/real/nghe_an_districts.geojson").read_text())["features"]}
    changes_2025 = list(csv.DictReader(open(ROOT / "data/real/nghe_an_unit_changes_2025.csv", encoding="utf-8")))
    became = {c["predecessor_code"]: c["successor_code"] for c in changes_2025
              if c["kind"] in ("merge", "move")}
    older = list(csv.DictReader(open(ROOT / "data/real/nghe_an_unit_changes.csv", encoding="utf-8")))

    def folded(name):
        return strip(bare(name)[1]).lower()

    # New names shared by two communes, or folded alike, are left out: they need more.
    new_folded = {}
    for c in now.values():
        new_folded.setdefault(folded(c["name"]), []).append(c["code"])
    rows = []
    for code, c in sorted(now.items()):
        if len(new_folded[folded(c["name"])]) > 1:
            continue
        ct, cn = bare(c["name"])
        form = rng.choice(["full", "plain", "abbrev", "street", "english", "typo"])
        if form == "full":
            text = f"{ct.capitalize()} {cn}, tỉnh Nghệ An"
        elif form == "plain":
            text = strip(f"{ct} {cn} nghe an").lower()
        elif form == "abbrev":
            text = f"{ABBREV[ct]}{cn}, Nghệ An"
        elif form == "street":
            text = f"Số {rng.randint(1, 200)} đường {rng.choice(STREETS)}, {ct} {cn}"
        elif form == "english":
            english = {"xã": "commune", "phường": "ward"}[ct]
            text = strip(f"{cn} {english}, Nghe An province")
        else:
            text = f"{ct} {typo_name(cn, 1)}, tỉnh Nghệ An"
        rows.append((text, code, "two_tier"))
    # The names of before: commune and district, as every form still has them.
    by_district = {}
    for c in before.values():
        by_district.setdefault((folded(c["name"]), c["parent_code"]), []).append(c["code"])
    for code, c in sorted(before.items()):
        if code not in became or rng.random() < 0.5:
            continue
        ct, cn = bare(c["name"])
        dt, dn = bare(districts[c["parent_code"]])
        # Names that differ only in their diacritics keep them.
        accents_needed = len(by_district[(folded(c["name"]), c["parent_code"])]) > 1
        form = rng.choice(["full", "plain", "abbrev"])
        if form == "full" or (form == "plain" and accents_needed):
            text = f"{ct.capitalize()} {cn}, {dt.capitalize()} {dn}, tỉnh Nghệ An"
        elif form == "plain":
            text = strip(f"{ct} {cn} {dn}").lower()
        else:
            text = f"{ABBREV[ct]}{cn}, {ABBREV[dt]} {dn}"
        rows.append((text, became[code], "before_2025"))
    # Named hamlets (bản) with the commune and district of before, where the name is the
    # only one of its commune.
    named = [h for h in hamlets if not any(ch.isdigit() for ch in h["name"])]
    for h in rng.sample(named, 30):
        c = before[h["parent_code"]]
        same = [o for o in hamlets if o["parent_code"] == h["parent_code"] and folded(o["name"]) == folded(h["name"])]
        if len(same) > 1 or c["code"] not in became:
            continue
        ct, cn = bare(c["name"])
        _, dn = bare(districts[c["parent_code"]])
        rows.append((f"{h['name']}, {ct} {cn}, {dn}", h["code"], "before_2025"))
    # New commune, old district: what residents write in the first months.
    held = {}
    for code, c in before.items():
        if code in became:
            held.setdefault(became[code], set()).add(c["parent_code"])
    for code, c in sorted(now.items()):
        if len(new_folded[folded(c["name"])]) > 1 or rng.random() < 0.5:
            continue
        ct, cn = bare(c["name"])
        dt, dn = bare(districts[sorted(held[code])[0]])
        text = rng.choice([f"{ct} {cn}, {dt} {dn}", strip(f"{ct} {cn} {dn}").lower()])
        rows.append((text, code, "mixed"))
    # Two generations back: the names merged away in 2019-2020 and 2024.
    for c in older:
        if c["kind"] != "merge" or c["predecessor_name"].startswith(("Huyện", "Thị xã", "Thành phố")):
            continue
        target = became.get(c["successor_code"])
        if target is None or c["predecessor_parent_code"] not in districts:
            continue
        ct, cn = bare(c["predecessor_name"])
        _, dn = bare(districts[c["predecessor_parent_code"]])
        if (folded(c["predecessor_name"]), c["predecessor_parent_code"]) in by_district:
            continue  # also the name of a commune of 2024 in that district
        rows.append((f"{ct.capitalize()} {cn}, {dn}", target, "older_name"))
    return rows


if __name__ == "__main__":
    if "--two-tier" in sys.argv:
        print("address\texpected_code\tstyle")
        for text, code, style in two_tier_rows():
            print(f"{text}\t{code}\t{style}")
    else:
        main()
