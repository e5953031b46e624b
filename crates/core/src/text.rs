//! Vietnamese name normalisation: NFC, look-alike letters, diacritic-free matching keys.

use crate::level::UnitType;
use unicode_normalization::UnicodeNormalization;

/// Cleans a name as given: NFC, `Ð` (U+00D0, Icelandic eth, common in GADM) → `Đ` (U+0110),
/// `ð` → `đ`, whitespace collapsed.
#[must_use]
pub fn normalize_name(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| match c {
            '\u{00D0}' => '\u{0110}',
            '\u{00F0}' => '\u{0111}',
            c if c.is_whitespace() => ' ',
            c => c,
        })
        .collect();
    let nfc: String = replaced.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lower case, no diacritics, `đ` → `d`, punctuation as spaces, single spaces:
/// "Thị xã Cửa Lò" → "thi xa cua lo".
#[must_use]
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfd() {
        match c {
            '\u{0300}'..='\u{036F}' => {}
            'đ' | 'Đ' | '\u{00D0}' | '\u{00F0}' => out.push('d'),
            c if c.is_alphanumeric() => out.extend(c.to_lowercase()),
            _ => out.push(' '),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits a leading type word off a name: "Huyện Đô Lương" → (huyện, "Đô Lương").
/// Only whole words count, and a name is never reduced to nothing ("Xóm" stays a name).
/// Abbreviations count only with a dot ("TX. Cửa Lò") or in upper case ("TP Vinh").
#[must_use]
pub fn split_type_prefix(name: &str) -> (Option<UnitType>, &str) {
    let words: Vec<(usize, &str)> = word_spans(name);
    // Longest prefixes first ("thi tran" before "thi"), up to three words.
    for n in (1..=3).rev() {
        if words.len() <= n {
            continue;
        }
        let (_, last) = words[n - 1];
        let head_end = words[n - 1].0 + last.len();
        let head = &name[..head_end];
        let folded = fold(head);
        for t in UnitType::ALL {
            if t.prefixes().iter().any(|p| *p == folded) {
                let is_abbrev = folded != t.prefixes()[0];
                let marked =
                    name[head_end..].starts_with('.') || head.chars().all(|c| !c.is_lowercase());
                if is_abbrev && !marked {
                    continue;
                }
                let rest = name[head_end..].trim_start_matches(['.', ' ']);
                return (Some(t), rest);
            }
        }
    }
    (None, name)
}

/// The key used to match names across files and spellings: the name without its type word,
/// folded. "Huyện Đô Lương", "Ðô Luong" and "DO LUONG" all give "do luong".
#[must_use]
pub fn name_key(name: &str) -> String {
    let normalized = normalize_name(name);
    let (_, rest) = split_type_prefix(&normalized);
    fold(rest)
}

fn word_spans(text: &str) -> Vec<(usize, &str)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let is_word = c.is_alphanumeric();
        match (is_word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, &text[s..]));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_repairs_eth_and_composes() {
        assert_eq!(normalize_name("Ðô  Luong"), "Đô Luong");
        // "Nghệ" written with combining marks (NFD) becomes one code point per letter.
        let nfd = "Nghe\u{0302}\u{0323} An";
        assert_eq!(normalize_name(nfd), "Nghệ An");
        assert_eq!(normalize_name(nfd).chars().count(), 7);
    }

    #[test]
    fn fold_strips_diacritics_and_case() {
        assert_eq!(fold("Thị xã Cửa Lò"), "thi xa cua lo");
        assert_eq!(fold("ĐÔ LƯƠNG"), "do luong");
        assert_eq!(fold("Xóm 5, Nghi Phong"), "xom 5 nghi phong");
    }

    #[test]
    fn type_prefixes_split_only_whole_words() {
        assert_eq!(
            split_type_prefix("Huyện Đô Lương"),
            (Some(UnitType::Huyen), "Đô Lương")
        );
        assert_eq!(
            split_type_prefix("Thị trấn Quán Hành"),
            (Some(UnitType::ThiTran), "Quán Hành")
        );
        assert_eq!(
            split_type_prefix("TX. Cửa Lò"),
            (Some(UnitType::ThiXa), "Cửa Lò")
        );
        assert_eq!(
            split_type_prefix("TP Vinh"),
            (Some(UnitType::ThanhPho), "Vinh")
        );
        assert_eq!(split_type_prefix("Xóm 5"), (Some(UnitType::Xom), "5"));
        // "Xuân" starts with "x" but is a name, and "Hưng" is not "H.".
        assert_eq!(split_type_prefix("Xuân Lâm"), (None, "Xuân Lâm"));
        assert_eq!(split_type_prefix("Hưng Nguyên"), (None, "Hưng Nguyên"));
        assert_eq!(split_type_prefix("Xóm"), (None, "Xóm"));
    }

    #[test]
    fn name_keys_match_across_spellings() {
        assert_eq!(name_key("Huyện Đô Lương"), "do luong");
        assert_eq!(name_key("Ðô Luong"), "do luong");
        assert_eq!(name_key("Hung Nguyên"), name_key("Huyện Hưng Nguyên"));
        assert_eq!(name_key("Thành phố Vinh"), "vinh");
    }
}
