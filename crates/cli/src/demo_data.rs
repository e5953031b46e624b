//! `covidmap demo-data`: sample communes and hamlets inside the real districts, as GeoJSON.

use crate::args::{DemoDataArgs, Global};
use anyhow::Context;
use covidmap_core::{AdminUnit, Level, UnitType};
use covidmap_demo::CommuneRow;
use covidmap_ingest::{plan, read_file, FieldFlags, Known, ReadOptions};
use std::path::{Path, PathBuf};

pub const DISTRICTS: &str = "real/nghe_an_districts.geojson";
pub const PROVINCE: &str = "real/nghe_an_province.geojson";
/// The province's administrative changes since 2019 (`data/README.md` says where each comes from).
pub const UNIT_CHANGES: &str = "real/nghe_an_unit_changes.csv";
/// The move to two tiers of 1 July 2025: not loaded by the sample, applied by an operator.
pub const UNIT_CHANGES_2025: &str = "real/nghe_an_unit_changes_2025.csv";
const COMMUNE_LIST: &str = "real/nghe_an_communes.csv";
pub const COMMUNES: &str = "communes.geojson";
/// The sample communes merged as the 2025 changes say, directly under the province.
pub const COMMUNES_2025: &str = "communes_2025.geojson";
pub const HAMLETS: &str = "hamlets.geojson";

pub fn demo_data(global: &Global, args: &DemoDataArgs) -> anyhow::Result<PathBuf> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| global.data_dir.join("generated"));
    generate(&global.data_dir, &out, args.seed)?;
    Ok(out)
}

/// Writes `communes.geojson` and `hamlets.geojson` into `out`.
pub fn generate(data_dir: &Path, out: &Path, seed: u64) -> anyhow::Result<()> {
    let province = read_units(&data_dir.join(PROVINCE), Level::Province, Vec::new())?;
    let districts = read_units(&data_dir.join(DISTRICTS), Level::District, province)?;
    let rows = read_commune_list(&data_dir.join(COMMUNE_LIST))?;
    let communes = covidmap_demo::communes(&districts, &rows, seed);
    let hamlets = covidmap_demo::hamlets(&communes, seed);
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    write_units(&out.join(COMMUNES), &communes)?;
    write_units(&out.join(HAMLETS), &hamlets)?;
    let changes_2025 = data_dir.join(UNIT_CHANGES_2025);
    let changes = crate::unit_changes::read_file(&changes_2025)?.changes;
    let two_tier = covidmap_demo::two_tier_communes(&communes, &changes);
    write_units(&out.join(COMMUNES_2025), &two_tier)?;
    eprintln!(
        "wrote {} communes, {} hamlets and the {} communes of the two-tier structure to {} (seed {seed})",
        communes.len(),
        hamlets.len(),
        two_tier.len(),
        out.display()
    );
    Ok(())
}

/// The units of a file of `level`, lying in `parents`.
fn read_units(
    path: &Path,
    level: Level,
    parents: Vec<AdminUnit>,
) -> anyhow::Result<Vec<AdminUnit>> {
    let options = ReadOptions {
        level,
        fields: FieldFlags::default(),
        source_crs: None,
        encoding: None,
    };
    let read = read_file(path, &options)?;
    let known = Known {
        same_level: Vec::new(),
        parents,
        ..Known::default()
    };
    Ok(plan(&read, level, None, &known)?.units)
}

fn read_commune_list(path: &Path) -> anyhow::Result<Vec<CommuneRow>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("reading {}", path.display()))?;
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{}: row {}", path.display(), i + 2))?;
        let field = |n: usize| record.get(n).unwrap_or_default().to_owned();
        let unit_type = UnitType::parse(&field(2)).with_context(|| {
            format!(
                "{}: row {}: unknown type {:?}",
                path.display(),
                i + 2,
                field(2)
            )
        })?;
        rows.push(CommuneRow {
            code: field(0),
            name: field(1),
            unit_type,
            district_code: field(3),
        });
    }
    Ok(rows)
}

fn write_units(path: &Path, units: &[AdminUnit]) -> anyhow::Result<()> {
    let features: Vec<geojson::Feature> = units
        .iter()
        .map(|u| {
            let mut properties = serde_json::Map::new();
            properties.insert("code".into(), u.code.clone().into());
            properties.insert("name".into(), u.name.clone().into());
            properties.insert("type".into(), u.unit_type.label().into());
            properties.insert("parent_code".into(), u.parent_code.clone().into());
            geojson::Feature {
                geometry: Some(geojson::Geometry::from(&u.geometry)),
                properties: Some(properties),
                ..Default::default()
            }
        })
        .collect();
    let collection = geojson::FeatureCollection {
        features,
        bbox: None,
        foreign_members: None,
    };
    std::fs::write(path, collection.to_string())
        .with_context(|| format!("writing {}", path.display()))
}
