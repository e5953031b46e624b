//! What a resident's question carries: the place of a status request (an address, or a
//! position) and the words of a search, read from query parameters and checked.

use crate::FieldError;
use geo::Point;
use std::ops::RangeInclusive;

/// Longest address accepted, in characters.
pub const MAX_ADDRESS_CHARS: usize = 200;
/// Longest search accepted, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

/// What a status request asks about.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusPlace {
    /// A position (longitude, latitude, WGS 84).
    Point(Point<f64>),
    /// An address as typed, trimmed.
    Address(String),
}

/// Reads the place from the parameters (`get` gives a parameter's value): `address`, or
/// `lat` and `lon` (both present, numbers, in range).
///
/// # Errors
/// The parameter at fault, and what to send instead.
pub fn status_place<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<StatusPlace, FieldError> {
    if let Some(address) = get("address") {
        if get("lat").is_some() || get("lon").is_some() {
            return Err(FieldError::new(
                "address",
                "give either address or lat and lon, not both",
            ));
        }
        let address = address.trim();
        if address.is_empty() {
            return Err(FieldError::new(
                "address",
                "address is empty: type a hamlet, commune or district, e.g. address=xóm 5, Nghi Phong",
            ));
        }
        let chars = address.chars().count();
        if chars > MAX_ADDRESS_CHARS {
            return Err(FieldError::new(
                "address",
                format!("address is {chars} characters long; send at most {MAX_ADDRESS_CHARS} (the hamlet, commune and district are enough)"),
            ));
        }
        return Ok(StatusPlace::Address(address.to_owned()));
    }
    let coordinate = |name: &str, range: RangeInclusive<f64>| -> Result<f64, FieldError> {
        let raw = get(name).ok_or_else(|| {
            FieldError::new(
                name,
                format!("{name} is required (decimal degrees, WGS 84)"),
            )
        })?;
        let value: f64 = raw.trim().parse().map_err(|_| {
            FieldError::new(
                name,
                format!("{name} must be a number in decimal degrees, not {raw:?}"),
            )
        })?;
        if !value.is_finite() || !range.contains(&value) {
            return Err(FieldError::new(
                name,
                format!(
                    "{name} must lie between {} and {}",
                    range.start(),
                    range.end()
                ),
            ));
        }
        Ok(value)
    };
    let lat = coordinate("lat", -90.0..=90.0)?;
    let lon = coordinate("lon", -180.0..=180.0)?;
    Ok(StatusPlace::Point(Point::new(lon, lat)))
}

/// The words of a search (`q`), trimmed.
///
/// # Errors
/// `q` missing, empty or too long.
pub fn search_words(q: Option<&str>) -> Result<&str, FieldError> {
    let q = q.map(str::trim).unwrap_or_default();
    if q.is_empty() {
        return Err(FieldError::new(
            "q",
            "q is required: the start of a place name, e.g. q=nghi phong",
        ));
    }
    if q.chars().count() > MAX_SEARCH_CHARS {
        return Err(FieldError::new(
            "q",
            format!("q is longer than {MAX_SEARCH_CHARS} characters"),
        ));
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn place(pairs: &[(&str, &str)]) -> Result<StatusPlace, FieldError> {
        let map: BTreeMap<&str, &str> = pairs.iter().copied().collect();
        status_place(|k| map.get(k).copied())
    }

    #[test]
    fn a_place_is_an_address_or_a_position_and_each_fault_is_named() {
        assert_eq!(
            place(&[("lat", "18.67"), ("lon", "105.68")]),
            Ok(StatusPlace::Point(Point::new(105.68, 18.67)))
        );
        assert_eq!(
            place(&[("address", "  xóm 5, Nghi Phong ")]),
            Ok(StatusPlace::Address("xóm 5, Nghi Phong".into()))
        );
        for (pairs, field) in [
            (vec![("address", "x"), ("lat", "1")], "address"),
            (vec![("address", "   ")], "address"),
            (vec![("lon", "105")], "lat"),
            (vec![("lat", "abc"), ("lon", "105")], "lat"),
            (vec![("lat", "18"), ("lon", "NaN")], "lon"),
            (vec![("lat", "91"), ("lon", "105")], "lat"),
            (vec![("lat", "18"), ("lon", "inf")], "lon"),
        ] {
            assert_eq!(place(&pairs).unwrap_err().field, field, "{pairs:?}");
        }
        let long = "x".repeat(MAX_ADDRESS_CHARS + 1);
        assert_eq!(place(&[("address", &long)]).unwrap_err().field, "address");
    }

    #[test]
    fn search_words_are_trimmed_and_bounded() {
        assert_eq!(search_words(Some("  nghi ")), Ok("nghi"));
        assert!(search_words(None).is_err());
        assert!(search_words(Some(" ")).is_err());
        assert!(search_words(Some(&"x".repeat(MAX_SEARCH_CHARS + 1))).is_err());
    }
}
