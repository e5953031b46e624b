//! Which text encoding a file's attribute values are in, and decoding them to NFC.
//!
//! Shapefile `.dbf` text is read as ISO-8859-1 so that every byte arrives unchanged; the
//! `.cpg` is honoured when the bytes agree with it, otherwise the encoding is detected.
//! Text from other formats is Unicode already, but may be legacy bytes that some tool read
//! as Latin-1 ("HuyÖn §« L­¬ng"): those are recognised and decoded too.

use crate::legacy::{self, TextEncoding};
use crate::syllable;
use serde::Serialize;

/// The encoding chosen for a file and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EncodingChoice {
    /// The encoding the text was decoded from.
    pub encoding: TextEncoding,
    /// `flag`, `cpg`, `detected` or `default`.
    pub how: &'static str,
}

/// Values as they came from GDAL.
pub(crate) struct RawValues<'a> {
    /// Every text value of the fields in use.
    pub values: Vec<&'a str>,
    /// Values are Latin-1 stand-ins for raw `.dbf` bytes.
    pub raw_dbf: bool,
    /// The shapefile's `.cpg`, if any.
    pub cpg: Option<&'a str>,
}

/// Chooses how to decode, from a flag, the `.cpg` or the text itself.
pub(crate) fn choose(raw: &RawValues<'_>, flag: Option<TextEncoding>) -> EncodingChoice {
    if let Some(encoding) = flag {
        return EncodingChoice {
            encoding,
            how: "flag",
        };
    }
    if !raw.raw_dbf && raw.values.iter().any(|v| legacy::latin1_bytes(v).is_none()) {
        // Text with letters beyond Latin-1 is real Unicode, not legacy bytes read as Latin-1.
        return EncodingChoice {
            encoding: TextEncoding::Utf8,
            how: "default",
        };
    }
    let bytes: Vec<Vec<u8>> = raw
        .values
        .iter()
        .map(|v| to_bytes(v, raw.raw_dbf))
        .collect();
    let samples: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
    let all_utf8 = samples.iter().all(|s| std::str::from_utf8(s).is_ok());
    if raw.raw_dbf {
        if let Some(declared) = raw.cpg.and_then(cpg_encoding) {
            let agrees = declared != TextEncoding::Utf8 || all_utf8;
            if agrees && legacy::detect(&samples) == declared {
                return EncodingChoice {
                    encoding: declared,
                    how: "cpg",
                };
            }
        }
    }
    let detected = legacy::detect(&samples);
    let how = if detected == TextEncoding::Utf8 && !has_non_ascii(&samples) {
        "default"
    } else {
        "detected"
    };
    EncodingChoice {
        encoding: detected,
        how,
    }
}

/// Decodes one value with the chosen encoding.
pub(crate) fn decode(value: &str, raw_dbf: bool, encoding: TextEncoding) -> String {
    if !raw_dbf && encoding == TextEncoding::Utf8 {
        return TextEncoding::Utf8.decode(value.as_bytes());
    }
    encoding.decode(&to_bytes(value, raw_dbf))
}

/// The bytes behind a value: raw `.dbf` bytes, the Latin-1 bytes of text that only uses
/// Latin-1 characters (legacy bytes some tool read as Latin-1), else its UTF-8.
fn to_bytes(value: &str, raw_dbf: bool) -> Vec<u8> {
    if raw_dbf {
        return legacy::latin1_bytes(value).unwrap_or_else(|| value.as_bytes().to_vec());
    }
    match legacy::latin1_bytes(value) {
        Some(bytes) if syllable::score(value) < 0 => bytes,
        _ => value.as_bytes().to_vec(),
    }
}

fn has_non_ascii(samples: &[&[u8]]) -> bool {
    samples.iter().any(|s| !s.is_ascii())
}

/// What a `.cpg` file declares.
fn cpg_encoding(cpg: &str) -> Option<TextEncoding> {
    let name = cpg.trim().to_ascii_uppercase();
    match name.as_str() {
        "UTF-8" | "UTF8" | "65001" => Some(TextEncoding::Utf8),
        "1258" | "CP1258" | "WINDOWS-1258" | "ANSI 1258" => Some(TextEncoding::Windows1258),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw<'a>(values: Vec<&'a str>, raw_dbf: bool, cpg: Option<&'a str>) -> RawValues<'a> {
        RawValues {
            values,
            raw_dbf,
            cpg,
        }
    }

    #[test]
    fn utf8_dbf_with_cpg_is_taken_as_declared() {
        // "Đô Lương" as UTF-8 bytes read as Latin-1.
        let latin1: String = "Đô Lương".bytes().map(char::from).collect();
        let choice = choose(&raw(vec![&latin1], true, Some("UTF-8")), None);
        assert_eq!(
            choice,
            EncodingChoice {
                encoding: TextEncoding::Utf8,
                how: "cpg"
            }
        );
        assert_eq!(decode(&latin1, true, choice.encoding), "Đô Lương");
    }

    #[test]
    fn tcvn3_dbf_without_cpg_is_detected() {
        let bytes = TextEncoding::Tcvn3.encode("Huyện Đô Lương");
        let latin1: String = bytes.iter().map(|&b| char::from(b)).collect();
        let choice = choose(&raw(vec![&latin1], true, None), None);
        assert_eq!(choice.encoding, TextEncoding::Tcvn3);
        assert_eq!(decode(&latin1, true, choice.encoding), "Huyện Đô Lương");
    }

    #[test]
    fn tcvn3_read_as_latin1_in_geojson_is_repaired() {
        let text = "HuyÖn §« L\u{ad}\u{ac}ng";
        let choice = choose(&raw(vec![text], false, None), None);
        assert_eq!(choice.encoding, TextEncoding::Tcvn3);
        assert_eq!(decode(text, false, choice.encoding), "Huyện Đô Lương");
        // Real Unicode text stays as it is.
        let ok = choose(
            &raw(vec!["Huyện Đô Lương", "Xã Nghi Phong"], false, None),
            None,
        );
        assert_eq!(ok.encoding, TextEncoding::Utf8);
        assert_eq!(decode("Hòa", false, ok.encoding), "Hòa");
    }
}
