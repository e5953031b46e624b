//! Vietnamese text: NFC, look-alike letters, and folding to diacritic-free lower case. A leaf:
//! it knows nothing of units (their type words and keys are [`crate::names`]').

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
    for c in text.chars() {
        match fold_char(c) {
            Some(folded) => out.push_str(&folded),
            None => out.push(' '),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One character folded as [`fold`] folds it: lower case, marks dropped, `đ` → `d`; `None`
/// for a character that separates words. A lone combining mark folds to nothing (it belongs
/// to the letter before it).
#[must_use]
pub fn fold_char(c: char) -> Option<String> {
    match c {
        '\u{0300}'..='\u{036F}' => Some(String::new()),
        'đ' | 'Đ' | '\u{00D0}' | '\u{00F0}' => Some("d".into()),
        c if c.is_alphanumeric() => Some(
            c.nfd()
                .filter(|m| !('\u{0300}'..='\u{036F}').contains(m))
                .flat_map(char::to_lowercase)
                .collect(),
        ),
        _ => None,
    }
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
}
