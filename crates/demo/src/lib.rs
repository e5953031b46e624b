#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod agencies;
mod layers;
mod split;
mod two_tier;

use covidmap_core::names::name_key;
use covidmap_core::text::normalize_name;
use covidmap_core::{AdminUnit, Level, UnitType};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use agencies::organisations;
pub use layers::{figures, layers};
pub use split::split_equal_areas;
pub use two_tier::two_tier_communes;

/// One row of the GSO commune list.
#[derive(Debug, Clone)]
pub struct CommuneRow {
    /// GSO commune code.
    pub code: String,
    /// Name with its type word ("Xã Nghi Phong").
    pub name: String,
    /// Xã, Phường or Thị trấn.
    pub unit_type: UnitType,
    /// GSO code of its district.
    pub district_code: String,
}

/// High mountain districts, where hamlets are bản.
const MOUNTAIN_DISTRICTS: [&str; 6] = ["415", "416", "417", "418", "420", "422"];
/// Syllables of bản names in the mountain districts (Thái and Khơ Mú place names).
const BAN_SYLLABLES: [&str; 24] = [
    "Na", "Huồi", "Pha", "Nậm", "Xốp", "Tà", "Khe", "Pủng", "Mường", "Lốc", "Cắm", "Hạt", "Piêng",
    "Coọc", "Kẹo", "Tạt", "Lằm", "Mòn", "Cáng", "Lượng", "Pùng", "Kháo", "Chảo", "Ló",
];

/// Communes cut from the districts, named from the list. Districts without rows get none.
#[must_use]
pub fn communes(districts: &[AdminUnit], rows: &[CommuneRow], seed: u64) -> Vec<AdminUnit> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(rows.len());
    for district in districts {
        let mine: Vec<&CommuneRow> = rows
            .iter()
            .filter(|r| r.district_code == district.code)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let pieces = split_equal_areas(&district.geometry, mine.len(), &mut rng);
        for (row, geometry) in mine.into_iter().zip(pieces) {
            let name = normalize_name(&row.name);
            out.push(AdminUnit {
                code: row.code.clone(),
                level: Level::Commune,
                name_key: name_key(&name),
                name,
                unit_type: row.unit_type,
                parent_code: Some(district.code.clone()),
                geometry,
            });
        }
    }
    out
}

/// Hamlets cut from each commune: 8–21 per commune, named as fits the place.
#[must_use]
pub fn hamlets(communes: &[AdminUnit], seed: u64) -> Vec<AdminUnit> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x68616d6c6574);
    let mut out = Vec::new();
    for commune in communes {
        let count = rng.random_range(8..=21);
        let unit_type = hamlet_type(commune);
        let pieces = split_equal_areas(&commune.geometry, count, &mut rng);
        for (i, geometry) in pieces.into_iter().enumerate() {
            let name = match unit_type {
                UnitType::Ban => format!("Bản {} {}", pick(&mut rng), pick(&mut rng)),
                t => format!("{} {}", capitalised(t.label()), i + 1),
            };
            out.push(AdminUnit {
                code: format!("{}-{:02}", commune.code, i + 1),
                level: Level::Hamlet,
                name_key: name_key(&name),
                name,
                unit_type,
                parent_code: Some(commune.code.clone()),
                geometry,
            });
        }
    }
    out
}

fn hamlet_type(commune: &AdminUnit) -> UnitType {
    let in_mountains = commune
        .parent_code
        .as_deref()
        .is_some_and(|d| MOUNTAIN_DISTRICTS.contains(&d));
    match commune.unit_type {
        UnitType::Phuong | UnitType::ThiTran => UnitType::Khoi,
        _ if in_mountains => UnitType::Ban,
        _ => UnitType::Xom,
    }
}

fn pick(rng: &mut ChaCha8Rng) -> &'static str {
    BAN_SYLLABLES[rng.random_range(0..BAN_SYLLABLES.len())]
}

fn capitalised(label: &str) -> String {
    let mut chars = label.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Area, MultiPolygon};

    fn district() -> AdminUnit {
        AdminUnit {
            code: "427".into(),
            level: Level::District,
            name: "Huyện Đô Lương".into(),
            name_key: "do luong".into(),
            unit_type: UnitType::Huyen,
            parent_code: Some("40".into()),
            geometry: MultiPolygon(vec![
                polygon![(x: 105.2, y: 18.8), (x: 105.4, y: 18.8), (x: 105.4, y: 19.0), (x: 105.2, y: 19.0)],
            ]),
        }
    }

    fn rows() -> Vec<CommuneRow> {
        (0..5)
            .map(|i| CommuneRow {
                code: format!("1{i}"),
                name: format!("Xã Số {i}"),
                unit_type: UnitType::Xa,
                district_code: "427".into(),
            })
            .collect()
    }

    #[test]
    fn communes_tile_the_district_and_are_reproducible() {
        let d = district();
        let a = communes(std::slice::from_ref(&d), &rows(), 7);
        assert_eq!(a.len(), 5);
        let total: f64 = a.iter().map(|c| c.geometry.unsigned_area()).sum();
        assert!((total - d.geometry.unsigned_area()).abs() < 1e-9);
        assert_eq!(a, communes(&[d], &rows(), 7));
    }

    #[test]
    fn hamlets_are_named_for_their_place() {
        let c = communes(&[district()], &rows(), 7);
        let h = hamlets(&c, 7);
        assert!(h.len() >= 5 * 8 && h.len() <= 5 * 21);
        assert_eq!(h[0].name, "Xóm 1");
        assert_eq!(h[0].code, format!("{}-01", c[0].code));
        assert_eq!(h, hamlets(&c, 7));
    }
}
