//! Inputs the benches (and the address-corpus test) share, deterministic: the real province and districts read through the
//! ingest pipeline, the sample communes and hamlets (seed 2021), and fixed random points.

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)] // bench fixtures: fail loudly

use covidmap_core::{AdminUnit, Level, UnitType};
use covidmap_demo::CommuneRow;
use covidmap_ingest::{plan, read_file, FieldFlags, Known, ReadOptions};
use geo::{BoundingRect, Point};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../data")
        .join(name)
}

fn read(name: &str, level: Level, parents: &[AdminUnit]) -> Vec<AdminUnit> {
    let options = ReadOptions {
        level,
        fields: FieldFlags::default(),
        source_crs: None,
        encoding: None,
    };
    let file = read_file(&data(name), &options).unwrap();
    let known = Known {
        same_level: Vec::new(),
        parents: parents.to_vec(),
        ..Known::default()
    };
    plan(&file, level, None, &known).unwrap().units
}

/// The province's administrative changes, as `make run` loads them.
#[must_use]
pub fn province_unit_changes() -> Vec<covidmap_core::lineage::UnitChange> {
    unit_changes_of("real/nghe_an_unit_changes.csv")
}

fn unit_changes_of(name: &str) -> Vec<covidmap_core::lineage::UnitChange> {
    let csv = std::fs::read(data(name)).unwrap();
    covidmap_messages::unit_changes::read_csv(&csv)
        .unwrap()
        .changes
}

/// The province's move to two tiers on 1 July 2025 (Resolution 1678/NQ-UBTVQH15), as
/// `data/real/nghe_an_unit_changes_2025.csv` holds it.
#[must_use]
pub fn province_unit_changes_2025() -> Vec<covidmap_core::lineage::UnitChange> {
    unit_changes_of("real/nghe_an_unit_changes_2025.csv")
}

/// The units after the move to two tiers: the province, its 130 communes directly under it
/// (the unions of the sample communes each merges), the hamlets under the commune they lie
/// in, and no district.
#[must_use]
pub fn province_units_two_tier() -> Vec<AdminUnit> {
    use geo::Intersects;
    let before = province_units();
    let changes = province_unit_changes_2025();
    let communes = covidmap_demo::two_tier_communes(&before, &changes);
    let became: std::collections::HashMap<&str, &str> = changes
        .iter()
        .filter_map(|c| Some((c.predecessor.code.as_deref()?, c.successor_code.as_str())))
        .collect();
    let hamlets: Vec<AdminUnit> = before
        .iter()
        .filter(|u| u.level == Level::Hamlet)
        .map(|h| {
            let old = h.parent_code.as_deref().unwrap_or_default();
            let new = became.get(old).copied().unwrap_or(old);
            debug_assert!(communes
                .iter()
                .any(|c| c.code == new && c.geometry.intersects(&h.geometry)));
            AdminUnit {
                parent_code: Some(new.to_owned()),
                ..h.clone()
            }
        })
        .collect();
    before
        .into_iter()
        .filter(|u| u.level == Level::Province)
        .chain(communes)
        .chain(hamlets)
        .collect()
}

/// The units and the administrative changes as `make run` loads them, indexed, with no
/// layers.
#[must_use]
pub fn province_snapshot() -> covidmap_lookup::Snapshot {
    covidmap_lookup::Snapshot::build(
        province_units(),
        province_unit_changes(),
        covidmap_core::layers::Layers::default(),
    )
}

/// The province after its move to two tiers ([`province_units_two_tier`]), with every
/// change since 2019: those `make run` loads and the 2025 ones.
#[must_use]
pub fn province_snapshot_two_tier() -> covidmap_lookup::Snapshot {
    covidmap_lookup::Snapshot::build(
        province_units_two_tier(),
        province_unit_changes()
            .into_iter()
            .chain(province_unit_changes_2025())
            .collect(),
        covidmap_core::layers::Layers::default(),
    )
}

/// Province, districts, communes and hamlets, as `make run` loads them.
#[must_use]
pub fn province_units() -> Vec<AdminUnit> {
    let province = read("real/nghe_an_province.geojson", Level::Province, &[]);
    let districts = read("real/nghe_an_districts.geojson", Level::District, &province);
    let csv = std::fs::read_to_string(data("real/nghe_an_communes.csv")).unwrap();
    let rows: Vec<CommuneRow> = csv
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            CommuneRow {
                code: f[0].into(),
                name: f[1].into(),
                unit_type: UnitType::parse(f[2]).unwrap(),
                district_code: f[3].into(),
            }
        })
        .collect();
    let communes = covidmap_demo::communes(&districts, &rows, 2021);
    let hamlets = covidmap_demo::hamlets(&communes, 2021);
    province
        .into_iter()
        .chain(districts)
        .chain(communes)
        .chain(hamlets)
        .collect()
}

/// The sample layers over those units (seed 2021), as `make run` loads them.
#[must_use]
pub fn province_layers(units: &[AdminUnit]) -> covidmap_core::layers::Layers {
    covidmap_demo::layers(units, 2021)
}

/// `n` points spread uniformly over the province's bounding box (some fall outside it).
#[must_use]
pub fn random_points(units: &[AdminUnit], n: usize, seed: u64) -> Vec<Point<f64>> {
    let province = units.iter().find(|u| u.level == Level::Province).unwrap();
    let rect = province.geometry.bounding_rect().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            Point::new(
                rng.random_range(rect.min().x..rect.max().x),
                rng.random_range(rect.min().y..rect.max().y),
            )
        })
        .collect()
}

/// The tiles the tile benches ask for, in order: every tile over the province's bounding box
/// at z6–10, then `sample` tiles drawn at random (seed 2021) over it at z11–14.
#[must_use]
pub fn bench_tiles(units: &[AdminUnit], sample: usize) -> Vec<covidmap_tiles::TileId> {
    use covidmap_tiles::index::mercator_rect;
    use covidmap_tiles::TileId;
    let province = units.iter().find(|u| u.level == Level::Province).unwrap();
    let r = province.geometry.bounding_rect().unwrap();
    let rect = mercator_rect(r.min().x, r.min().y, r.max().x, r.max().y);
    let mut tiles = Vec::new();
    for z in 6..=10_u8 {
        let (xs, ys) = TileId::covering(z, &rect);
        for x in xs {
            for y in ys.clone() {
                tiles.push(TileId::new(u32::from(z), x, y).unwrap());
            }
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(2021);
    for _ in 0..sample {
        let z: u8 = rng.random_range(11..=14);
        let (xs, ys) = TileId::covering(z, &rect);
        let x = rng.random_range(xs);
        let y = rng.random_range(ys);
        tiles.push(TileId::new(u32::from(z), x, y).unwrap());
    }
    tiles
}
