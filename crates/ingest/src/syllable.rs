//! How Vietnamese a piece of text looks: the share of its words that are well-formed
//! syllables. Used to tell which legacy encoding a file's bytes are in.

use unicode_normalization::UnicodeNormalization;

const ONSETS: [&str; 27] = [
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "th", "tr", "qu", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
];
const CODAS: [&str; 8] = ["ch", "nh", "ng", "c", "m", "n", "p", "t"];
const NUCLEI: [&str; 54] = [
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "ay", "âu", "ây",
    "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "ôi", "ơi", "oo", "ua", "uâ", "uê", "ui",
    "uô", "uơ", "ưa", "ưi", "ưu", "ươ", "uy", "yê", "iêu", "yêu", "oai", "oay", "oeo", "uây",
    "uôi", "uya", "uyê", "uyu", "ươi", "ươu",
];
const TONES: [char; 5] = ['\u{0300}', '\u{0301}', '\u{0303}', '\u{0309}', '\u{0323}'];

/// Scores text: +1 for each word with Vietnamese diacritics that is a well-formed syllable,
/// −1 for each word with non-ASCII letters that is not. Plain ASCII words score 0, since they
/// read the same in every encoding.
#[must_use]
pub fn score(text: &str) -> i64 {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == '-' || c == '(' || c == ')')
        .filter(|w| !w.is_empty() && !w.is_ascii())
        .map(|w| if is_syllable(w) { 1 } else { -1 })
        .sum()
}

/// Whether one word is a plausible Vietnamese syllable: one tone at most, an onset, a known
/// vowel nucleus, a coda, and a sane use of capitals.
#[must_use]
pub fn is_syllable(word: &str) -> bool {
    if !sane_case(word) {
        return false;
    }
    let lower: String = word.to_lowercase();
    let mut tones = 0;
    let mut base = String::new();
    for c in lower.nfd() {
        if TONES.contains(&c) {
            tones += 1;
        } else {
            base.push(c);
        }
    }
    if tones > 1 {
        return false;
    }
    let base: String = base.nfc().collect();
    if !base.chars().all(is_vietnamese_letter) {
        return false;
    }
    // Try every onset and coda that fits: "gìn" is g + i + n, "giữa" is gi + ưa.
    let onsets = ONSETS.iter().chain(std::iter::once(&""));
    onsets.filter_map(|o| base.strip_prefix(o)).any(|rest| {
        CODAS
            .iter()
            .chain(std::iter::once(&""))
            .filter_map(|c| rest.strip_suffix(c))
            .any(|nucleus| NUCLEI.contains(&nucleus))
    })
}

fn sane_case(word: &str) -> bool {
    let mut chars = word.chars().filter(|c| c.is_alphabetic());
    let Some(_first) = chars.next() else {
        return false;
    };
    let rest: Vec<char> = chars.collect();
    rest.iter().all(|c| c.is_lowercase()) || rest.iter().all(|c| c.is_uppercase())
}

fn is_vietnamese_letter(c: char) -> bool {
    c.is_ascii_lowercase() && c != 'f' && c != 'j' && c != 'w' && c != 'z'
        || matches!(c, 'ă' | 'â' | 'ê' | 'ô' | 'ơ' | 'ư' | 'đ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_syllables_pass() {
        for w in [
            "Nghệ", "Lương", "Quỳnh", "người", "Khối", "Bản", "Đô", "xóm", "Nghĩa", "gìn", "quốc",
        ] {
            assert!(is_syllable(w), "{w}");
        }
    }

    #[test]
    fn mojibake_fails() {
        // TCVN3 bytes read as Latin-1, VNI bytes read as Latin-1, and mixed-up decodings.
        for w in [
            "NghÖ",
            "L\u{AD}¬ng",
            "Ngheä",
            "Löông",
            "NghƯ",
            "Lửụng",
            "Hµ",
        ] {
            assert!(!is_syllable(w), "{w}");
        }
    }

    #[test]
    fn score_prefers_real_text() {
        assert!(score("Huyện Đô Lương") > 0);
        assert!(score("HuyÖn §« L\u{AD}¬ng") < 0);
        assert_eq!(score("Xom 5"), 0);
    }
}
