//! Reading a Vietnamese address as people type it. The text is folded to plain lower-case
//! words (each keeping its place in the original), and each word gets a role: a type word
//! that introduces a name (xóm, khối, xã / X., huyện / H., TP. …), part of the house number
//! and street (kept, never matched), a filler such as the province's own name, or a word of
//! a name. Numbers written as words ("xóm năm", "khối mười hai") are read as numbers.

use covidmap_core::text::fold_char;
use covidmap_core::{Level, UnitType};

/// What a word does in the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Part of a place name (or not recognised at all).
    Name,
    /// Part of a type word such as "thị trấn" or "TP.".
    Marker(UnitType),
    /// Part of the house number and street.
    Street,
    /// Words that say nothing about the unit: the province, the country, "địa chỉ".
    Filler,
}

/// One word of the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Folded: lower case, no diacritics, `đ` → `d`.
    pub text: String,
    /// Byte range in [`Address::text`].
    pub start: usize,
    /// End of the byte range.
    pub end: usize,
    /// Which comma-, dash- or semicolon-separated part it is in.
    pub part: usize,
    /// Its role.
    pub role: Role,
    /// When a number starts here (digits or words): its value and how many words it takes.
    pub number: Option<(u32, usize)>,
}

/// An address, read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    /// The address as given, NFC, whitespace collapsed.
    pub text: String,
    /// Its words.
    pub words: Vec<Word>,
}

/// Type words that count only before a number ("tổ 5", "đội 3", "K4"), since elsewhere they
/// mean something else.
const NUMBERED_MARKERS: [(&str, UnitType); 3] = [
    ("to", UnitType::ToDanPho),
    ("doi", UnitType::Xom),
    ("k", UnitType::Khoi),
];

/// Words that begin a house number or a street; the street runs to the next type word.
const STREET_WORDS: [&str; 12] = [
    "so", "duong", "pho", "ngo", "ngach", "hem", "kiet", "ql", "quoc", "tl", "dg", "nha",
];

/// Phrases that never name a unit below the province, and the English type words that
/// follow a name ("Dien Hong commune, Dien Chau district"): the name says enough.
const FILLERS: [&[&str]; 17] = [
    &["nghe", "an"],
    &["n", "an"],
    &["viet", "nam"],
    &["vietnam"],
    &["vn"],
    &["dia", "chi"],
    &["tai"],
    &["o"],
    &["province"],
    &["district"],
    &["city"],
    &["town"],
    &["commune"],
    &["ward"],
    &["township"],
    &["village"],
    &["hamlet"],
];

/// Folded number words, with the forms units take after "mươi" (mốt, tư, lăm); "bảy" and
/// "bẩy" fold alike.
const DIGITS: [(&str, u32); 11] = [
    ("mot", 1),
    ("hai", 2),
    ("ba", 3),
    ("bon", 4),
    ("tu", 4),
    ("nam", 5),
    ("lam", 5),
    ("sau", 6),
    ("bay", 7),
    ("tam", 8),
    ("chin", 9),
];

impl Address {
    /// Reads an address.
    #[must_use]
    pub fn read(input: &str) -> Self {
        let text = covidmap_core::text::normalize_name(input);
        let mut words = fold_words(&text);
        mark_types(&mut words);
        mark_numbers(&mut words);
        mark_fillers(&mut words);
        mark_street(&mut words, &text);
        Address { text, words }
    }

    /// The original text of words `from..to`.
    #[must_use]
    pub fn original(&self, from: usize, to: usize) -> &str {
        match (
            self.words.get(from),
            to.checked_sub(1).and_then(|l| self.words.get(l)),
        ) {
            (Some(a), Some(b)) if a.start <= b.end => &self.text[a.start..b.end],
            _ => "",
        }
    }

    /// The house number and street, as given, if any.
    #[must_use]
    pub fn street(&self) -> Option<&str> {
        let first = self.words.iter().position(|w| w.role == Role::Street)?;
        let last = self.words.iter().rposition(|w| w.role == Role::Street)?;
        Some(self.original(first, last + 1))
    }

    /// The type word right before word `i`, if any.
    #[must_use]
    pub fn marker_before(&self, i: usize) -> Option<UnitType> {
        let prev = self.words.get(i.checked_sub(1)?)?;
        match prev.role {
            Role::Marker(t) => Some(t),
            _ => None,
        }
    }
}

/// Splits into folded words, keeping byte ranges; commas, semicolons, dashes and line breaks
/// separate parts. Letters followed by digits split ("xom5" → "xom", "5").
fn fold_words(text: &str) -> Vec<Word> {
    let mut words = Vec::new();
    let mut part = 0;
    let mut current: Option<Word> = None;
    let flush = |current: &mut Option<Word>, words: &mut Vec<Word>| {
        if let Some(w) = current.take() {
            words.push(w);
        }
    };
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        let Some(folded) = fold_char(c) else {
            flush(&mut current, &mut words);
            if matches!(c, ',' | ';' | '-' | '–' | '\n' | '|' | '/') {
                part += 1;
            }
            continue;
        };
        if folded.is_empty() {
            // A lone combining mark: part of the letter before it.
            if let Some(w) = current.as_mut() {
                w.end = end;
            }
            continue;
        }
        let digit_after_letter = c.is_ascii_digit()
            && current
                .as_ref()
                .and_then(|w| w.text.chars().last())
                .is_some_and(|l| l.is_ascii_alphabetic());
        if digit_after_letter {
            flush(&mut current, &mut words);
        }
        match current.as_mut() {
            Some(w) => {
                w.text.push_str(&folded);
                w.end = end;
            }
            None => {
                current = Some(Word {
                    text: folded,
                    start: i,
                    end,
                    part,
                    role: Role::Name,
                    number: None,
                });
            }
        }
    }
    flush(&mut current, &mut words);
    words
}

/// Marks type words, longest first ("thi tran" before "thi"), within one part.
fn mark_types(words: &mut [Word]) {
    let mut i = 0;
    while i < words.len() {
        let mut found = None;
        'len: for n in (1..=3).rev() {
            let Some(slice) = words.get(i..i + n) else {
                continue;
            };
            if slice.iter().any(|w| w.part != words[i].part) {
                continue;
            }
            let phrase = slice
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            for t in UnitType::ALL {
                if t.prefixes().contains(&phrase.as_str()) {
                    found = Some((t, n));
                    break 'len;
                }
            }
            let before_number = words
                .get(i + n)
                .is_some_and(|w| w.part == words[i].part && starts_number(&w.text));
            if let Some((_, t)) = NUMBERED_MARKERS.iter().find(|(m, _)| *m == phrase) {
                if before_number {
                    found = Some((*t, n));
                    break 'len;
                }
            }
        }
        match found {
            Some((t, n)) => {
                for w in &mut words[i..i + n] {
                    w.role = Role::Marker(t);
                }
                i += n;
            }
            None => i += 1,
        }
    }
}

fn starts_number(word: &str) -> bool {
    word.chars().all(|c| c.is_ascii_digit())
        || DIGITS.iter().any(|(d, _)| *d == word)
        || word == "muoi"
}

/// Reads numbers after hamlet type words ("xóm 5", "xóm số 5", "khối mười hai").
fn mark_numbers(words: &mut [Word]) {
    for i in 0..words.len() {
        let after_hamlet_marker = i
            .checked_sub(1)
            .and_then(|p| words.get(p))
            .is_some_and(|w| matches!(w.role, Role::Marker(t) if t.level() == Level::Hamlet));
        if !after_hamlet_marker {
            continue;
        }
        // "xóm số 5": the "số" belongs to the number.
        let start = if words[i].text == "so" && i + 1 < words.len() {
            i + 1
        } else {
            i
        };
        let texts: Vec<&str> = words[start..]
            .iter()
            .take_while(|w| w.part == words[i].part)
            .map(|w| w.text.as_str())
            .collect();
        if let Some((value, len)) = read_number(&texts) {
            words[i].number = Some((value, len + start - i));
        }
    }
}

/// A number at the start of `words`: digits, or Vietnamese number words up to 99.
fn read_number(words: &[&str]) -> Option<(u32, usize)> {
    let first = *words.first()?;
    if let Ok(n) = first.parse::<u32>() {
        return Some((n, 1));
    }
    let digit = |w: Option<&&str>| {
        let w = *w?;
        DIGITS.iter().find(|(d, _)| *d == w).map(|(_, v)| *v)
    };
    if first == "muoi" {
        // "mười" 10, "mười hai" 12, "mười lăm" 15
        return Some(match digit(words.get(1)) {
            Some(u) => (10 + u, 2),
            None => (10, 1),
        });
    }
    let tens = digit(Some(&first))?;
    if words.get(1) == Some(&"muoi") {
        return Some(match digit(words.get(2)) {
            Some(u) => (tens * 10 + u, 3),
            None => (tens * 10, 2),
        });
    }
    Some((tens, 1))
}

/// Marks the province's and country's names and other words that never name a unit.
fn mark_fillers(words: &mut [Word]) {
    let mut i = 0;
    while i < words.len() {
        let hit = FILLERS.iter().find(|phrase| {
            words.get(i..i + phrase.len()).is_some_and(|slice| {
                slice.iter().zip(phrase.iter()).all(|(w, p)| w.text == *p)
                    && slice.iter().all(|w| w.role == Role::Name)
            })
        });
        match hit {
            Some(phrase) => {
                for w in &mut words[i..i + phrase.len()] {
                    w.role = Role::Filler;
                }
                // "tỉnh Nghệ An": the type word goes with it.
                if let Some(prev) = i.checked_sub(1).and_then(|p| words.get_mut(p)) {
                    if prev.role == Role::Marker(UnitType::Tinh) {
                        prev.role = Role::Filler;
                    }
                }
                i += phrase.len();
            }
            None => i += 1,
        }
    }
}

/// Marks the house number and street: from a street word ("số", "đường", "ngõ" …), or a part
/// that opens with a number, up to the next type word or the end of the part.
fn mark_street(words: &mut [Word], text: &str) {
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let opens_part = i == 0 || words[i - 1].part != w.part;
        let after_name = !opens_part
            && words[i - 1].role == Role::Name
            && !words[i - 1].text.starts_with(|c: char| c.is_ascii_digit());
        let street_word = w.role == Role::Name
            && STREET_WORDS.contains(&w.text.as_str())
            // "thành phố" is a type word; a lone "phố" after a name is not a street either.
            && !(w.text == "pho" && i > 0 && words[i - 1].text == "thanh")
            // "Dương" folds as "đường" does: a syllable of a name (Tương Dương), not a street,
            // when written so or when it follows a name.
            && !(w.text == "duong" && {
                let written = text[w.start..w.end].to_lowercase();
                written == "dương" || (written == "duong" && after_name)
            });
        let house_number =
            opens_part && w.role == Role::Name && w.text.starts_with(|c: char| c.is_ascii_digit());
        if !(street_word || house_number) {
            i += 1;
            continue;
        }
        let part = w.part;
        while i < words.len() && words[i].part == part && !matches!(words[i].role, Role::Marker(_))
        {
            if words[i].role == Role::Name {
                words[i].role = Role::Street;
            }
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(a: &Address) -> Vec<(&str, Role)> {
        a.words.iter().map(|w| (w.text.as_str(), w.role)).collect()
    }

    #[test]
    fn folds_words_and_keeps_their_place() {
        let a = Address::read("Xóm 5, xã Nghi Phong,  Nghi Lộc");
        let texts: Vec<&str> = a.words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["xom", "5", "xa", "nghi", "phong", "nghi", "loc"]);
        assert_eq!(a.original(3, 5), "Nghi Phong");
        assert_eq!(a.original(5, 7), "Nghi Lộc");
        assert_eq!(a.words[3].part, 1);
        assert_eq!(a.words[5].part, 2);
    }

    #[test]
    fn type_words_and_abbreviations() {
        let a = Address::read("K.5 P.Hưng Bình TP. Vinh");
        assert_eq!(a.words[2].role, Role::Marker(UnitType::Phuong));
        assert_eq!(a.words[5].role, Role::Marker(UnitType::ThanhPho));
        let a = Address::read("thi tran quan hanh");
        assert_eq!(a.words[0].role, Role::Marker(UnitType::ThiTran));
        assert_eq!(a.words[1].role, Role::Marker(UnitType::ThiTran));
        assert_eq!(a.marker_before(2), Some(UnitType::ThiTran));
        // "tổ" only before a number.
        let a = Address::read("tổ 3 khối Tân Phúc");
        assert_eq!(a.words[0].role, Role::Marker(UnitType::ToDanPho));
        let a = Address::read("xom5");
        assert_eq!(a.words[0].role, Role::Marker(UnitType::Xom));
        assert_eq!(a.words[1].number, Some((5, 1)));
    }

    #[test]
    fn numbers_in_words() {
        let cases = [
            ("xóm năm", 5, 1),
            ("xom muoi hai", 12, 2),
            ("khối mười lăm", 15, 2),
            ("xóm hai mươi mốt", 21, 3),
            ("xóm hai mươi", 20, 2),
            ("xóm số 7", 7, 2),
            ("xóm bảy", 7, 1),
        ];
        for (text, value, len) in cases {
            let a = Address::read(text);
            assert_eq!(a.words[1].number, Some((value, len)), "{text}");
        }
        // Not after a hamlet type word: a name.
        assert_eq!(Address::read("Nam Đàn").words[0].number, None);
    }

    #[test]
    fn duong_in_a_name_is_no_street() {
        for text in ["Xã Tương Dương", "xa tuong duong", "Dương Sơn, Tương Dương"] {
            let a = Address::read(text);
            assert!(a.street().is_none(), "{text}: {:?}", roles(&a));
        }
        let a = Address::read("Số 12 duong Le Loi, xa Tuong Duong");
        assert_eq!(a.street(), Some("Số 12 duong Le Loi"));
        assert_eq!(
            Address::read("đường Lê Lợi, Vinh").street(),
            Some("đường Lê Lợi")
        );
    }

    #[test]
    fn street_and_fillers() {
        let a = Address::read("Số 12 đường Lê Lợi phường Lê Lợi, TP Vinh, tỉnh Nghệ An");
        assert_eq!(a.street(), Some("Số 12 đường Lê Lợi"));
        assert_eq!(a.words[5].role, Role::Marker(UnitType::Phuong));
        assert_eq!(a.words[6].role, Role::Name);
        assert!(roles(&a)
            .iter()
            .rev()
            .take(3)
            .all(|(_, r)| *r == Role::Filler));
        let a = Address::read("45 Nguyễn Du, khối 3, Hưng Bình");
        assert_eq!(a.street(), Some("45 Nguyễn Du"));
        let a = Address::read("Xóm 5 Nghi Phong");
        assert_eq!(a.street(), None);
        // "Thành phố Vinh" is not a street.
        let a = Address::read("Thanh pho Vinh");
        assert_eq!(a.street(), None);
    }
}
