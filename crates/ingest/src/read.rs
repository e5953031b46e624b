//! Reading a boundary file through GDAL into raw units: decoded text, checked geometry in
//! EPSG:4326, and every problem found.

use crate::crs::{self, Reprojector, ReprojectorSpec, SourceCrs};
use crate::encoding::{self, EncodingChoice, RawValues};
use crate::error::{IngestError, Problem, Result};
use crate::fields::{self, FieldFlags, FieldMap};
use crate::geometry;
use crate::legacy::TextEncoding;
use crate::open::{self, Source};
use covidmap_core::Level;
use gdal::vector::{LayerAccess, OGRwkbGeometryType};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use geo::MultiPolygon;
use geozero::wkb::Wkb;
use geozero::ToGeo;
use rayon::prelude::*;
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
        // The shapefile driver would search the whole PROJ database for an EPSG code matching
        // each .prj (~100 ms a file); we read the .prj ourselves and need no such match.
        let _ = gdal::config::set_config_option("USE_OSR_FIND_MATCHES", "NO");
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

/// Most features one upload may hold (the province has about 6 000 hamlets).
pub const MAX_FEATURES: u64 = 100_000;

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
    let count = layer.feature_count();
    if count > MAX_FEATURES {
        return Err(IngestError::File {
            file,
            problem: Problem::file(
                format!("the file holds {count} features; at most {MAX_FEATURES} are accepted in one upload"),
                "upload one district's communes or hamlets at a time",
            ),
        });
    }
    let available: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    let fields = fields::map_fields(&file, &available, options.level, &options.fields)?;
    let declared = layer.spatial_ref();
    let (rows, mut problems) = read_rows(&file, &mut layer, &available, &fields)?;
    let encoding = decode_choice(&source, &rows, options.encoding);
    let crs = crs::resolve(&file, declared, options.source_crs.as_deref())?;
    let mut notes: Vec<String> = crs
        .as_ref()
        .and_then(|c| c.note.clone())
        .into_iter()
        .collect();
    let source_crs = crs.as_ref().map_or_else(
        || "EPSG:4326 (no CRS declared; coordinates are degrees)".to_owned(),
        |c| c.description.clone(),
    );
    let spec = ReprojectorSpec::new(&file, crs.as_ref())?;
    let context = Context {
        crs_declared: crs.is_some(),
        projected: crs.as_ref().is_some_and(SourceCrs::is_projected),
        raw_dbf: source.is_shapefile,
        encoding: encoding.encoding,
    };
    // Geometry work is per feature and CPU-bound: spread it over the cores, in file order.
    let outcomes: Vec<Outcome> = rows
        .into_par_iter()
        .map_init(
            || spec.build(),
            |reprojector, row| check_row(row, &context, reprojector.as_ref().ok()),
        )
        .collect();
    let mut units = Vec::with_capacity(outcomes.len());
    let mut swapped = 0;
    for outcome in outcomes {
        match outcome {
            Outcome::Unit { unit, swapped: s, repair } => {
                swapped += usize::from(s);
                notes.extend(repair.map(|r| format!("feature {}: {r}", unit.index)));
                units.push(unit);
            }
            Outcome::Refused(problem) => problems.push(problem),
            Outcome::ProjectedWithoutCrs => {
                return Err(IngestError::file(
                    &file,
                    Problem::file(
                        "coordinates are in metres (a projected CRS) but the file declares no CRS (no .prj)",
                        "add the .prj that came with the data, or pass --source-crs (the VN-2000 / TM-3 zone of the province, e.g. EPSG:9208)",
                    ),
                ))
            }
        }
    }
    if swapped > 0 {
        notes.push(format!("{swapped} feature(s) had X = northing, Y = easting (surveyors' order) and were swapped"));
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.feature);
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

/// Reads attribute text and geometries, in order (GDAL objects stay on this thread).
fn read_rows(
    file: &str,
    layer: &mut gdal::vector::Layer<'_>,
    available: &[String],
    fields: &FieldMap,
) -> Result<(Vec<Row>, Vec<Problem>)> {
    let expected = layer.feature_count();
    let index_of = |name: Option<&String>| name.and_then(|n| available.iter().position(|a| a == n));
    let columns = [
        index_of(Some(&fields.name)),
        index_of(fields.code.as_ref()),
        index_of(fields.parent.as_ref()),
        index_of(fields.unit_type.as_ref()),
    ];
    let mut rows = Vec::new();
    let mut problems = Vec::new();
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
            .filter(|g| g.geometry_type() != OGRwkbGeometryType::wkbUnknown);
        // Through WKB: one call into GDAL per feature instead of one per vertex.
        match geometry.map(|g| {
            g.wkb()
                .map_err(|e| e.to_string())
                .and_then(|wkb| Wkb(wkb).to_geo().map_err(|e| e.to_string()))
        }) {
            Some(Ok(g)) => rows.push((n + 1, columns.map(text), g)),
            Some(Err(e)) => problems.push(Problem::feature(
                n + 1,
                format!("has a geometry GDAL cannot convert ({e})"),
                "export the boundary again",
            )),
            None => problems.push(Problem::feature(
                n + 1,
                format!("has no geometry{}", gdal_detail()),
                "draw the boundary or remove the feature",
            )),
        }
    }
    let read = (rows.len() + problems.len()) as u64;
    if read != expected && expected > 0 {
        return Err(IngestError::file(
            file,
            Problem::file(
                format!(
                    "only {read} of the {expected} features could be read{}",
                    gdal_detail()
                ),
                "the file looks truncated or damaged; export it again and resend",
            ),
        ));
    }
    if read == 0 {
        return Err(IngestError::file(
            file,
            Problem::file(
                "the file holds no features",
                "check that the right layer was exported",
            ),
        ));
    }
    Ok((rows, problems))
}

/// What every feature's check needs to know about the file.
struct Context {
    crs_declared: bool,
    projected: bool,
    raw_dbf: bool,
    encoding: TextEncoding,
}

enum Outcome {
    Unit {
        unit: RawUnit,
        swapped: bool,
        repair: Option<String>,
    },
    Refused(Problem),
    ProjectedWithoutCrs,
}

/// Polygonal, in Vietnam after reprojection, valid or unambiguously repaired.
fn check_row(
    (index, [name, code, parent, unit_type], geometry): Row,
    context: &Context,
    reprojector: Option<&Reprojector>,
) -> Outcome {
    let refuse =
        |message: String, fix: String| Outcome::Refused(Problem::feature(index, message, fix));
    let mut mp = match geometry::to_multipolygon(Some(geometry)) {
        Ok(mp) => mp,
        Err(r) => return refuse(r.message, r.fix),
    };
    if !context.crs_declared && geometry::looks_projected(&mp) {
        return Outcome::ProjectedWithoutCrs;
    }
    let swapped = context.projected && geometry::swap_if_northing_first(&mut mp);
    if !reprojector.is_some_and(|r| r.apply(&mut mp)) {
        return refuse(
            "has coordinates that cannot be reprojected to EPSG:4326".into(),
            "check the CRS (--source-crs)".into(),
        );
    }
    if let Err(r) = geometry::check_in_vietnam(&mp) {
        return refuse(r.message, r.fix);
    }
    match geometry::validate(mp) {
        Ok((geometry, repair)) => {
            let decode = |v: Option<String>| {
                v.map(|v| encoding::decode(&v, context.raw_dbf, context.encoding))
            };
            let unit = RawUnit {
                index,
                name: decode(name),
                code: decode(code),
                parent_code: decode(parent),
                unit_type: decode(unit_type),
                geometry,
            };
            Outcome::Unit {
                unit,
                swapped,
                repair,
            }
        }
        Err(r) => refuse(r.message, r.fix),
    }
}

type Row = (usize, [Option<String>; 4], geo::Geometry<f64>);

/// Distinct text values, at most this many, decide the encoding: enough for any file's
/// vocabulary, and detection stays cheap on large files.
const ENCODING_SAMPLE: usize = 2_000;

fn decode_choice(source: &Source, rows: &[Row], flag: Option<TextEncoding>) -> EncodingChoice {
    let mut seen = std::collections::HashSet::new();
    let values: Vec<&str> = rows
        .iter()
        .flat_map(|(_, t, _)| t.iter().flatten().map(String::as_str))
        .filter(|v| !v.is_ascii() && seen.insert(*v))
        .take(ENCODING_SAMPLE)
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
