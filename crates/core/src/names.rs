//! A unit's name: the type word it may begin with ("Huyện", "TX.") and the key names are
//! matched by across files and spellings.

use crate::level::UnitType;
use crate::text::{fold, normalize_name};

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
