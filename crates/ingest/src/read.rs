//! Reading a boundary file through GDAL into raw units: decoded text, checked geometry in
//! EPSG:4326, and every problem found.

use crate::crs::{self, Reprojector};
use crate::encoding::{self, EncodingChoice, RawValues};
use crate::error::{IngestError, Problem, Result};
use crate::fields::{self, FieldFlags, FieldMap};
use crate::geometry;
use crate::open::{self, Source};
use covidmap_core::legacy::TextEncoding;
use covidmap_core::Level;
use gdal::vector::{LayerAccess, OGRwkbGeometryType};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use geo::MultiPolygon;
use serde::Serialize;
use std::cell::RefCell;
use std::path::Path;

/// How to read a file.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Level the file's units are at.
    pub level: Level,
    /// Field overrides.
    pub fields: FieldFlags,
    /// `--source-crs`: overrides the file's own CRS.
    pub source_crs: Option<String>,
    /// `--encoding`: overrides detection.
    pub encoding: Option<TextEncoding>,
}

/// One feature as read: decoded text and a checked EPSG:4326 boundary.
#[derive(Debug, Clone)]
pub struct RawUnit {
    /// 1-based position in the file.
    pub index: usize,
    /// The name as decoded (not yet normalised).
    pub name: Option<String>,
    /// The code field's value.
    pub code: Option<String>,
    /// The parent code field's value.
    pub parent_code: Option<String>,
    /// The type field's value.
    pub unit_type: Option<String>,
    /// Boundary in EPSG:4326, valid.
    pub geometry: MultiPolygon<f64>,
}

/// What reading a file found.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The file as named.
    pub file: String,
    /// GDAL driver that read it.
    pub driver: String,
    /// Fields used.
    pub fields: FieldMap,
    /// Text encoding used.
    pub encoding: EncodingChoice,
    /// Source CRS as understood.
    pub source_crs: String,
    /// Notes on what was inferred or repaired, for the user to check.
    pub notes: Vec<String>,
}

/// A file read in full.
#[derive(Debug, Clone)]
pub struct FileRead {
    /// The features, in file order.
    pub units: Vec<RawUnit>,
    /// What was found and inferred.
    pub report: FileReport,
}

thread_local! {
    /// GDAL's error messages on this thread since the last read began.
    static GDAL_ERRORS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn capture_gdal_errors() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        gdal::config::set_error_handler(|_, _, msg| {
            GDAL_ERRORS.with(|e| {
                let mut e = e.borrow_mut();
                if e.len() < 20 {
                    e.push(msg.to_owned());
                }
            });
        });
    });
    GDAL_ERRORS.with(|e| e.borrow_mut().clear());
}

fn last_gdal_error() -> Option<String> {
    GDAL_ERRORS.with(|e| e.borrow().last().cloned())
}

/// Reads, decodes, reprojects and checks every feature of a boundary file.
///
/// # Errors
/// Any problem with the file or its features, each naming the feature, field and fix.
pub fn read_file(path: &Path, options: &ReadOptions) -> Result<FileRead> {
    capture_gdal_errors();
    let source = open::locate(path)?;
    let file = source.display.clone();
    let dataset = open_dataset(&source)?;
    let driver = dataset.driver().short_name();
    let mut layer = single_layer(&file, &dataset)?;
    let available: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    let fields = fields::map_fields(&file, &available, options.level, &options.fields)?;
    let declared = layer.spatial_ref();
    let expected = layer.feature_count();
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let index_of = |name: &Option<String>| {
        name.as_ref()
            .and_then(|n| available.iter().position(|a| a == n))
    };
    let (name_i, code_i, parent_i, type_i) = (
        index_of(&Some(fields.name.clone())),
        index_of(&fields.code),
        index_of(&fields.parent),
        index_of(&fields.unit_type),
    );
    for (n, feature) in layer.features().enumerate() {
        // Only ASCII whitespace is trimmed here: 0xA0 is a legacy or UTF-8 byte, not a space.
        let text = |i: Option<usize>| {
            i.and_then(|i| feature.field_as_string(i).ok().flatten())
                .map(|s| s.trim_matches(|c: char| c.is_ascii_whitespace()).to_owned())
                .filter(|s| !s.is_empty())
        };
        // A feature without geometry still hands back a geometry object, of unknown type.
        let geometry = feature
            .geometry()
            .filter(|g| g.geometry_type() != OGRwkbGeometryType::wkbUnknown)
            .map(|g| g.to_geo());
        let geometry = match geometry {
            Some(Ok(g)) => Some(g),
            Some(Err(e)) => {
                problems.push(Problem::feature(
                    n + 1,
                    format!("has a geometry GDAL cannot convert ({e})"),
                    "export the boundary again",
                ));
                continue;
            }
            None => None,
        };
        rows.push((
            n + 1,
            [text(name_i), text(code_i), text(parent_i), text(type_i)],
            geometry,
        ));
    }
    if (rows.len() + problems.len()) as u64 != expected && expected > 0 {
        return Err(IngestError::file(
            &file,
            Problem::file(
                format!(
                    "only {} of the {expected} features could be read{}",
                    rows.len() + problems.len(),
                    gdal_detail()
                ),
                "the file looks truncated or damaged; export it again and resend",
            ),
        ));
    }
    if rows.is_empty() && problems.is_empty() {
        return Err(IngestError::file(
            &file,
            Problem::file(
                "the file holds no features",
                "check that the right layer was exported",
            ),
        ));
    }
    let encoding = decode_choice(&source, &rows, options.encoding);
    let mut notes = Vec::new();
    let crs = crs::resolve(&file, declared, options.source_crs.as_deref())?;
    let (reprojector, source_crs, projected) = match &crs {
        Some(c) => {
            notes.extend(c.note.clone());
            (
                Reprojector::new(&file, c)?,
                c.description.clone(),
                c.is_projected(),
            )
        }
        None => (
            Reprojector::identity(),
            "EPSG:4326 (no CRS declared; coordinates are degrees)".to_owned(),
            false,
        ),
    };
    let mut units = Vec::with_capacity(rows.len());
    let mut swapped = 0;
    for (index, [name, code, parent, unit_type], geometry) in rows {
        let decode = |v: Option<String>| {
            v.map(|v| encoding::decode(&v, source.is_shapefile, encoding.encoding))
        };
        let mut mp = match geometry::to_multipolygon(geometry) {
            Ok(mp) => mp,
            Err(r) => {
                let detail = gdal_detail();
                problems.push(Problem::feature(
                    index,
                    format!("{}{detail}", r.message),
                    r.fix,
                ));
                continue;
            }
        };
        if crs.is_none() && geometry::looks_projected(&mp) {
            return Err(IngestError::file(
                &file,
                Problem::file(
                    "coordinates are in metres (a projected CRS) but the file declares no CRS (no .prj)",
                    "add the .prj that came with the data, or pass --source-crs (e.g. EPSG:9208 for VN-2000 / TM-3 Nghệ An)",
                ),
            ));
        }
        if projected && geometry::swap_if_northing_first(&mut mp) {
            swapped += 1;
        }
        if !reprojector.apply(&mut mp) {
            problems.push(Problem::feature(
                index,
                "has coordinates that cannot be reprojected to EPSG:4326",
                "check the CRS (--source-crs)",
            ));
            continue;
        }
        if let Err(r) = geometry::check_in_vietnam(&mp) {
            problems.push(Problem::feature(index, r.message, r.fix));
            continue;
        }
        match geometry::validate(mp) {
            Ok((mp, repair)) => {
                if let Some(repair) = repair {
                    notes.push(format!("feature {index}: {repair}"));
                }
                units.push(RawUnit {
                    index,
                    name: decode(name),
                    code: decode(code),
                    parent_code: decode(parent),
                    unit_type: decode(unit_type),
                    geometry: mp,
                });
            }
            Err(r) => problems.push(Problem::feature(index, r.message, r.fix)),
        }
    }
    if swapped > 0 {
        notes.push(format!("{swapped} feature(s) had X = northing, Y = easting (surveyors' order) and were swapped"));
    }
    if !problems.is_empty() {
        return Err(IngestError::Features { file, problems });
    }
    Ok(FileRead {
        units,
        report: FileReport {
            file,
            driver,
            fields,
            encoding,
            source_crs,
            notes,
        },
    })
}

type Row = (usize, [Option<String>; 4], Option<geo::Geometry<f64>>);

fn decode_choice(source: &Source, rows: &[Row], flag: Option<TextEncoding>) -> EncodingChoice {
    let values: Vec<&str> = rows
        .iter()
        .flat_map(|(_, t, _)| t.iter().flatten().map(String::as_str))
        .collect();
    encoding::choose(
        &RawValues {
            values,
            raw_dbf: source.is_shapefile,
            cpg: source.cpg.as_deref(),
        },
        flag,
    )
}

fn gdal_detail() -> String {
    last_gdal_error()
        .map(|e| format!(" (GDAL: {e})"))
        .unwrap_or_default()
}

fn open_dataset(source: &Source) -> Result<Dataset> {
    let shapefile: [&str; 1] = ["ENCODING=ISO-8859-1"];
    let csv: [&str; 4] = [
        "GEOM_POSSIBLE_NAMES=wkt,geometry,geom,the_geom",
        "KEEP_GEOM_COLUMNS=NO",
        "X_POSSIBLE_NAMES=lon,lng,longitude,kinh_do,x",
        "Y_POSSIBLE_NAMES=lat,latitude,vi_do,y",
    ];
    let open_options: Option<&[&str]> = if source.is_shapefile {
        Some(&shapefile)
    } else if open::extension(Path::new(&source.gdal_path)) == "csv" {
        Some(&csv)
    } else {
        None
    };
    let options = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_VECTOR,
        open_options,
        ..DatasetOptions::default()
    };
    Dataset::open_ex(&source.gdal_path, options).map_err(|e| {
        IngestError::file(
            &source.display,
            Problem::file(
                format!("cannot be read as a vector file ({})", last_gdal_error().unwrap_or_else(|| e.to_string())),
                "send a zipped shapefile, .shp with .shx/.dbf/.prj, GeoJSON, GeoPackage, KML, MapInfo TAB/MIF or CSV with a WKT column; if it is one, it may be truncated: export it again",
            ),
        )
    })
}

fn single_layer<'a>(file: &str, dataset: &'a Dataset) -> Result<gdal::vector::Layer<'a>> {
    let with_features: Vec<gdal::vector::Layer<'a>> =
        dataset.layers().filter(|l| l.feature_count() > 0).collect();
    let names: Vec<String> = with_features.iter().map(LayerAccess::name).collect();
    match with_features.len() {
        1 => with_features
            .into_iter()
            .next()
            .ok_or_else(|| unreachable_layer(file)),
        0 => dataset.layer(0).map_err(|_| {
            IngestError::file(
                file,
                Problem::file("the file holds no layers", "export the boundary layer"),
            )
        }),
        _ => Err(IngestError::file(
            file,
            Problem::file(
                format!(
                    "the file holds {} layers ({})",
                    names.len(),
                    names.join(", ")
                ),
                "upload one layer per file",
            ),
        )),
    }
}

fn unreachable_layer(file: &str) -> IngestError {
    IngestError::file(
        file,
        Problem::file("the layer vanished while reading", "try again"),
    )
}
