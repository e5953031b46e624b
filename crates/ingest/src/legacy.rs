//! Legacy Vietnamese encodings found in old GIS attribute tables: TCVN3 (ABC), VNI and
//! Windows-1258, their decoders, and detection by how Vietnamese the decoded text reads.

use crate::syllable;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;
use unicode_normalization::UnicodeNormalization;

/// A text encoding an attribute table may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TextEncoding {
    /// UTF-8 (what `.cpg` files usually declare).
    Utf8,
    /// TCVN 5712:1993 VN3, the "ABC" fonts (.VnTime): one byte per precomposed letter.
    Tcvn3,
    /// VNI Windows: a base letter followed by diacritic bytes.
    Vni,
    /// Windows-1258: base letters with combining tone marks.
    Windows1258,
}

impl TextEncoding {
    /// The name used on the command line and in reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Tcvn3 => "tcvn3",
            TextEncoding::Vni => "vni",
            TextEncoding::Windows1258 => "windows-1258",
        }
    }

    /// Decodes bytes in this encoding to NFC text. UTF-8 that is not valid is decoded lossily.
    #[must_use]
    pub fn decode(self, bytes: &[u8]) -> String {
        let text = match self {
            TextEncoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            TextEncoding::Tcvn3 => bytes.iter().map(|&b| tcvn3_char(b)).collect(),
            TextEncoding::Vni => decode_vni(bytes),
            TextEncoding::Windows1258 => encoding_rs::WINDOWS_1258.decode(bytes).0.into_owned(),
        };
        text.nfc().collect()
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An encoding name that is not supported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown encoding {0:?}: use utf-8, tcvn3, vni or windows-1258")]
pub struct UnknownEncoding(pub String);

impl FromStr for TextEncoding {
    type Err = UnknownEncoding;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(TextEncoding::Utf8),
            "tcvn3" | "tcvn" | "abc" | "vn3" | "tcvn-5712" => Ok(TextEncoding::Tcvn3),
            "vni" | "vni-windows" => Ok(TextEncoding::Vni),
            "windows-1258" | "cp1258" | "1258" => Ok(TextEncoding::Windows1258),
            _ => Err(UnknownEncoding(s.to_owned())),
        }
    }
}

/// Picks the encoding under which the sample values read most like Vietnamese.
/// Valid UTF-8 wins ties; text with no byte above 0x7F is UTF-8.
#[must_use]
pub fn detect(samples: &[&[u8]]) -> TextEncoding {
    let all_utf8 = samples.iter().all(|s| std::str::from_utf8(s).is_ok());
    let candidates = [
        TextEncoding::Utf8,
        TextEncoding::Tcvn3,
        TextEncoding::Vni,
        TextEncoding::Windows1258,
    ];
    let score = |enc: TextEncoding| -> i64 {
        if enc == TextEncoding::Utf8 && !all_utf8 {
            return i64::MIN;
        }
        samples
            .iter()
            .map(|s| syllable::score(&enc.decode(s)))
            .sum()
    };
    let mut best = (TextEncoding::Utf8, score(TextEncoding::Utf8));
    for enc in candidates.into_iter().skip(1) {
        let s = score(enc);
        if s > best.1 {
            best = (enc, s);
        }
    }
    best.0
}

/// The bytes behind text that was read as Latin-1 (every char ≤ U+00FF), if it was.
/// A reader told to use ISO-8859-1 hands back the raw bytes this way, losslessly.
#[must_use]
pub fn latin1_bytes(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

/// TCVN3 (ABC): bytes 0xA1–0xFE are precomposed letters; the rest is ASCII or unused.
fn tcvn3_char(b: u8) -> char {
    const HIGH: [(u8, char); 67] = [
        (0xA1, 'Ă'),
        (0xA2, 'Â'),
        (0xA3, 'Ê'),
        (0xA4, 'Ô'),
        (0xA5, 'Ơ'),
        (0xA6, 'Ư'),
        (0xA7, 'Đ'),
        (0xA8, 'ă'),
        (0xA9, 'â'),
        (0xAA, 'ê'),
        (0xAB, 'ô'),
        (0xAC, 'ơ'),
        (0xAD, 'ư'),
        (0xAE, 'đ'),
        (0xB5, 'à'),
        (0xB6, 'ả'),
        (0xB7, 'ã'),
        (0xB8, 'á'),
        (0xB9, 'ạ'),
        (0xBB, 'ằ'),
        (0xBC, 'ẳ'),
        (0xBD, 'ẵ'),
        (0xBE, 'ắ'),
        (0xC6, 'ặ'),
        (0xC7, 'ầ'),
        (0xC8, 'ẩ'),
        (0xC9, 'ẫ'),
        (0xCA, 'ấ'),
        (0xCB, 'ậ'),
        (0xCC, 'è'),
        (0xCE, 'ẻ'),
        (0xCF, 'ẽ'),
        (0xD0, 'é'),
        (0xD1, 'ẹ'),
        (0xD2, 'ề'),
        (0xD3, 'ể'),
        (0xD4, 'ễ'),
        (0xD5, 'ế'),
        (0xD6, 'ệ'),
        (0xD7, 'ì'),
        (0xD8, 'ỉ'),
        (0xDC, 'ĩ'),
        (0xDD, 'í'),
        (0xDE, 'ị'),
        (0xDF, 'ò'),
        (0xE1, 'ỏ'),
        (0xE2, 'õ'),
        (0xE3, 'ó'),
        (0xE4, 'ọ'),
        (0xE5, 'ồ'),
        (0xE6, 'ổ'),
        (0xE7, 'ỗ'),
        (0xE8, 'ố'),
        (0xE9, 'ộ'),
        (0xEA, 'ờ'),
        (0xEB, 'ở'),
        (0xEC, 'ỡ'),
        (0xED, 'ớ'),
        (0xEE, 'ợ'),
        (0xEF, 'ù'),
        (0xF1, 'ủ'),
        (0xF2, 'ũ'),
        (0xF3, 'ú'),
        (0xF4, 'ụ'),
        (0xF5, 'ừ'),
        (0xF6, 'ử'),
        (0xF7, 'ữ'),
    ];
    const TAIL: [(u8, char); 7] = [
        (0xF8, 'ứ'),
        (0xF9, 'ự'),
        (0xFA, 'ỳ'),
        (0xFB, 'ỷ'),
        (0xFC, 'ỹ'),
        (0xFD, 'ý'),
        (0xFE, 'ỵ'),
    ];
    HIGH.iter()
        .chain(TAIL.iter())
        .find(|(code, _)| *code == b)
        .map_or(char::from(b), |(_, c)| *c)
}

impl TextEncoding {
    /// Encodes text the way old Vietnamese GIS software wrote it, for test fixtures: each
    /// character becomes the shortest byte sequence (one or two bytes) that decodes to it;
    /// characters with none become `?`.
    #[must_use]
    pub fn encode(self, text: &str) -> Vec<u8> {
        if self == TextEncoding::Utf8 {
            return text.as_bytes().to_vec();
        }
        let singles: Vec<(char, Vec<u8>)> = (0..=255_u8)
            .filter_map(|b| self.single_char(&[b]))
            .collect();
        // Marks from the top of the byte range first: VNI's lower-case marks (0xE0–0xFF)
        // follow lower-case letters, as its keyboards wrote them.
        let pairs = || (0..=255_u8).flat_map(|a| (0..=255_u8).rev().map(move |b| [a, b]));
        let mut out = Vec::new();
        for c in text.nfc() {
            if c.is_ascii() {
                out.push(c as u8);
            } else if let Some((_, bytes)) = singles.iter().find(|(d, _)| *d == c) {
                out.extend(bytes);
            } else {
                let pair = pairs().find(|p| self.single_char(p).is_some_and(|(d, _)| d == c));
                out.extend(pair.map_or(vec![b'?'], |p| p.to_vec()));
            }
        }
        out
    }

    /// The one character `bytes` decode to, if they decode to exactly one.
    fn single_char(self, bytes: &[u8]) -> Option<(char, Vec<u8>)> {
        let text = self.decode(bytes);
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Some((c, bytes.to_vec())),
            _ => None,
        }
    }
}

/// VNI: letters are ASCII or a few single bytes; diacritics follow the letter as bytes that
/// stand for combining marks.
fn decode_vni(bytes: &[u8]) -> String {
    const CIRC: &str = "\u{0302}";
    const BREVE: &str = "\u{0306}";
    const HORN: &str = "\u{031B}";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        let piece: String = match b {
            0xF9 | 0xD9 => "\u{0301}".into(),
            0xF8 | 0xD8 => "\u{0300}".into(),
            0xFB | 0xDB => "\u{0309}".into(),
            0xF5 | 0xD5 => "\u{0303}".into(),
            0xEF | 0xCF => "\u{0323}".into(),
            0xE2 | 0xC2 => CIRC.into(),
            0xE1 | 0xC1 => format!("{CIRC}\u{0301}"),
            0xE0 | 0xC0 => format!("{CIRC}\u{0300}"),
            0xE5 | 0xC5 => format!("{CIRC}\u{0309}"),
            0xE3 | 0xC3 => format!("{CIRC}\u{0303}"),
            0xE4 | 0xC4 => format!("{CIRC}\u{0323}"),
            0xEA | 0xCA => BREVE.into(),
            0xE9 | 0xC9 => format!("{BREVE}\u{0301}"),
            0xE8 | 0xC8 => format!("{BREVE}\u{0300}"),
            0xFA | 0xDA => format!("{BREVE}\u{0309}"),
            0xFC | 0xDC => format!("{BREVE}\u{0303}"),
            0xEB | 0xCB => format!("{BREVE}\u{0323}"),
            0xF4 => format!("o{HORN}"),
            0xD4 => format!("O{HORN}"),
            0xF6 => format!("u{HORN}"),
            0xD6 => format!("U{HORN}"),
            0xF1 => "đ".into(),
            0xD1 => "Đ".into(),
            0xEC => "ì".into(),
            0xCC => "Ì".into(),
            0xED => "í".into(),
            0xCD => "Í".into(),
            0xE6 => "ỉ".into(),
            0xC6 => "Ỉ".into(),
            0xF3 => "ĩ".into(),
            0xD3 => "Ĩ".into(),
            0xF2 => "ị".into(),
            0xD2 => "Ị".into(),
            b => char::from(b).into(),
        };
        out.push_str(&piece);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 6] = [
        "Huyện Đô Lương",
        "Xã Nghi Phong",
        "Thành phố Vinh",
        "Xóm Mới",
        "Bản Huồi Cáng",
        "Phường Hưng Dũng",
    ];

    #[test]
    fn tcvn3_round_trips_and_is_detected() {
        let encoded: Vec<Vec<u8>> = NAMES
            .iter()
            .map(|n| TextEncoding::Tcvn3.encode(n))
            .collect();
        assert_eq!(encoded[0], b"Huy\xd6n \xa7\xab L\xad\xacng");
        let samples: Vec<&[u8]> = encoded.iter().map(Vec::as_slice).collect();
        assert_eq!(detect(&samples), TextEncoding::Tcvn3);
        for (bytes, name) in encoded.iter().zip(NAMES) {
            assert_eq!(TextEncoding::Tcvn3.decode(bytes), name);
        }
    }

    #[test]
    fn vni_is_decoded_and_detected() {
        // "Huyện Đô Lương", "Xã Nghi Phong", "Thành phố Vinh" as VNI Windows bytes.
        let samples: [&[u8]; 3] = [
            b"Huye\xe4n \xd1o\xe2 L\xf6\xf4ng",
            b"Xa\xf5 Nghi Phong",
            b"Tha\xf8nh pho\xe1 Vinh",
        ];
        assert_eq!(detect(&samples), TextEncoding::Vni);
        assert_eq!(TextEncoding::Vni.decode(samples[0]), "Huyện Đô Lương");
        assert_eq!(TextEncoding::Vni.decode(samples[2]), "Thành phố Vinh");
    }

    #[test]
    fn vni_round_trips_and_is_detected() {
        let encoded: Vec<Vec<u8>> = NAMES.iter().map(|n| TextEncoding::Vni.encode(n)).collect();
        assert_eq!(encoded[0], b"Huye\xe4n \xd1o\xe2 L\xf6\xf4ng");
        let samples: Vec<&[u8]> = encoded.iter().map(Vec::as_slice).collect();
        assert_eq!(detect(&samples), TextEncoding::Vni);
        for (bytes, name) in encoded.iter().zip(NAMES) {
            assert_eq!(TextEncoding::Vni.decode(bytes), name);
        }
    }

    #[test]
    fn utf8_and_ascii_stay_utf8() {
        let samples: Vec<&[u8]> = NAMES.iter().map(|n| n.as_bytes()).collect();
        assert_eq!(detect(&samples), TextEncoding::Utf8);
        assert_eq!(detect(&[b"Xom 5".as_slice()]), TextEncoding::Utf8);
    }

    #[test]
    fn latin1_bytes_recovers_raw_bytes() {
        assert_eq!(latin1_bytes("Huy\u{d6}n"), Some(b"Huy\xd6n".to_vec()));
        assert_eq!(latin1_bytes("Huyện"), None);
    }

    #[test]
    fn encoding_names_parse() {
        assert_eq!("TCVN3".parse::<TextEncoding>(), Ok(TextEncoding::Tcvn3));
        assert_eq!(
            "cp1258".parse::<TextEncoding>(),
            Ok(TextEncoding::Windows1258)
        );
        assert!("koi8-r".parse::<TextEncoding>().is_err());
    }
}
