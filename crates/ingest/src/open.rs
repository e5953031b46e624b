//! Finds the data in what the user gave: a zip, a `.shp` with its siblings, or a single file.
//! Refuses incomplete shapefiles before GDAL sees them, since GDAL's own messages for a
//! missing `.dbf` or `.shx` do not say what to do. A zip is unpacked here, counting the
//! bytes it really unpacks to, rather than read by GDAL through `/vsizip/`, which unpacks as
//! much as the data says whatever the archive's directory claims.

use crate::error::{IngestError, Problem, Result};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// Extensions of files that hold vector data, in the order a zip is searched.
const DATA_EXTENSIONS: [&str; 9] = [
    "shp", "gpkg", "geojson", "json", "kml", "kmz", "tab", "mif", "csv",
];

/// Where the data is and what travels with it.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    /// The file as the user named it, for messages.
    pub display: String,
    /// What GDAL opens.
    pub gdal_path: String,
    /// The data is an ESRI shapefile (attribute text comes raw from its `.dbf`).
    pub is_shapefile: bool,
    /// Contents of the shapefile's `.cpg`, if any.
    pub cpg: Option<String>,
    /// The folder a zip was unpacked into, removed when the last copy of the source goes.
    pub unpacked: Option<Arc<tempfile::TempDir>>,
}

pub(crate) fn locate(path: &Path) -> Result<Source> {
    let display = path.display().to_string();
    if !path.exists() {
        return Err(IngestError::file(
            &display,
            Problem::file("no such file", "check the path"),
        ));
    }
    match extension(path).as_str() {
        // A KMZ is a zip holding its KML.
        "zip" | "kmz" => locate_in_zip(path, display),
        "shp" => locate_shapefile(path, display),
        _ => Ok(plain(path, display)),
    }
}

/// A file GDAL reads as it is.
fn plain(path: &Path, display: String) -> Source {
    Source {
        gdal_path: path.display().to_string(),
        display,
        is_shapefile: false,
        cpg: None,
        unpacked: None,
    }
}

fn locate_shapefile(path: &Path, display: String) -> Result<Source> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| {
            IngestError::file(
                &display,
                Problem::file(format!("cannot list its folder: {e}"), "check permissions"),
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    let stem = stem(path);
    check_siblings(&display, &stem, &names)?;
    let cpg =
        find_sibling(&names, &stem, "cpg").and_then(|n| std::fs::read_to_string(dir.join(n)).ok());
    let mut header = Vec::with_capacity(100);
    let size = File::open(path)
        .and_then(|f| {
            let size = f.metadata()?.len();
            f.take(100).read_to_end(&mut header)?;
            Ok(size)
        })
        .map_err(|e| {
            IngestError::file(
                &display,
                Problem::file(format!("cannot be read ({e})"), "check permissions"),
            )
        })?;
    check_shp_length(&display, &header, size)?;
    Ok(Source {
        gdal_path: path.display().to_string(),
        display,
        is_shapefile: true,
        cpg,
        unpacked: None,
    })
}

/// Most entries a zip may hold.
pub const MAX_ZIP_ENTRIES: usize = 200;
/// Most bytes a zip may unpack to.
pub const MAX_UNZIPPED_BYTES: u64 = 512 << 20;
/// Highest ratio of unpacked to packed size, for an entry or the whole archive. Boundary
/// files pack 3–15 times; a zip bomb packs hundreds or thousands of times.
pub const MAX_ZIP_RATIO: u64 = 100;

/// Refuses archives that would unpack to far more than they weigh (zip bombs), from the
/// sizes in the archive's directory, before anything is unpacked.
fn check_expansion(display: &str, archive: &mut zip::ZipArchive<File>) -> Result<()> {
    let refuse = |message: String| {
        Err(IngestError::file(
            display,
            Problem::file(
                message,
                "send the boundary files zipped as they are, nothing else in the archive",
            ),
        ))
    };
    if archive.len() > MAX_ZIP_ENTRIES {
        return refuse(format!(
            "the zip holds {} entries; at most {MAX_ZIP_ENTRIES} are accepted",
            archive.len()
        ));
    }
    let (mut packed, mut unpacked) = (0_u64, 0_u64);
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(i) else {
            continue; // an unreadable entry is reported when it is needed
        };
        let (p, u) = (entry.compressed_size(), entry.size());
        if u > 1 << 20 && u > p.saturating_mul(MAX_ZIP_RATIO) {
            return refuse(format!(
                "zip entry {:?} would unpack from {p} to {u} bytes, over {MAX_ZIP_RATIO} times its size (a zip bomb?)",
                entry.name()
            ));
        }
        packed = packed.saturating_add(p);
        unpacked = unpacked.saturating_add(u);
    }
    if unpacked > MAX_UNZIPPED_BYTES {
        return refuse(format!(
            "the zip would unpack to {unpacked} bytes; at most {MAX_UNZIPPED_BYTES} are accepted"
        ));
    }
    if unpacked > 1 << 20 && unpacked > packed.saturating_mul(MAX_ZIP_RATIO) {
        return refuse(format!(
            "the zip would unpack from {packed} to {unpacked} bytes, over {MAX_ZIP_RATIO} times its size (a zip bomb?)"
        ));
    }
    Ok(())
}

fn locate_in_zip(path: &Path, display: String) -> Result<Source> {
    let damaged = |e: &dyn std::fmt::Display| {
        IngestError::file(
            &display,
            Problem::file(
                format!("not a readable zip archive ({e})"),
                "the upload may be truncated; zip the files again and resend",
            ),
        )
    };
    let file = File::open(path).map_err(|e| damaged(&e))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| damaged(&e))?;
    let names: Vec<String> = archive.file_names().map(str::to_owned).collect();
    if let Some(bad) = names.iter().find(|n| {
        n.starts_with(['/', '\\'])
            || n.get(1..2) == Some(":")
            || n.split(['/', '\\']).any(|part| part == "..")
    }) {
        return Err(IngestError::file(
            &display,
            Problem::file(
                format!("zip entry {bad:?} points outside the archive"),
                "zip the files without `..` in their paths",
            ),
        ));
    }
    check_expansion(&display, &mut archive)?;
    let data = pick_data_entry(&display, &names)?;
    let dir = tempfile::tempdir().map_err(|e| {
        IngestError::file(
            &display,
            Problem::file(
                format!("no room to unpack it ({e})"),
                "free space in the temporary folder",
            ),
        )
    })?;
    unpack(&display, &mut archive, dir.path())?;
    // Unpacked, a shapefile is checked (siblings, truncation, `.cpg`) as one sent loose.
    let unpacked = dir.path().join(&data);
    let mut source = if extension(&unpacked) == "shp" {
        locate_shapefile(&unpacked, display)?
    } else {
        plain(&unpacked, display)
    };
    source.unpacked = Some(Arc::new(dir));
    Ok(source)
}

/// Unpacks every entry into `dir`, counting what is really written: however the archive's
/// directory understates the sizes, no entry unpacks to more than [`MAX_ZIP_RATIO`] times
/// its packed size (or 1 MiB), and the whole to no more than [`MAX_UNZIPPED_BYTES`].
fn unpack(display: &str, archive: &mut zip::ZipArchive<File>, dir: &Path) -> Result<()> {
    let problem =
        |message: String, fix: &str| IngestError::file(display, Problem::file(message, fix));
    let damaged = |e: &dyn std::fmt::Display| {
        problem(
            format!("not a readable zip archive ({e})"),
            "the upload may be truncated; zip the files again and resend",
        )
    };
    let mut total = 0_u64;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| damaged(&e))?;
        let Some(relative) = entry.enclosed_name() else {
            return Err(problem(
                format!("zip entry {:?} points outside the archive", entry.name()),
                "zip the files without `..` in their paths",
            ));
        };
        let out = dir.join(relative);
        let written_to = |e: std::io::Error| damaged(&format!("{}: {e}", out.display()));
        if entry.is_dir() {
            std::fs::create_dir_all(&out).map_err(written_to)?;
            continue;
        }
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(written_to)?;
        }
        let allowed = (MAX_UNZIPPED_BYTES - total)
            .min((1 << 20_u64).max(entry.compressed_size().saturating_mul(MAX_ZIP_RATIO)));
        let mut file = File::create(&out).map_err(written_to)?;
        let name = entry.name().to_owned();
        let written = std::io::copy(&mut (&mut entry).take(allowed + 1), &mut file)
            .map_err(|e| damaged(&format!("{name}: {e}")))?;
        if written > allowed {
            return Err(problem(
                format!("zip entry {name:?} unpacks to more than {allowed} bytes, more than its directory says (a zip bomb?)"),
                "send the boundary files zipped as they are, nothing else in the archive",
            ));
        }
        total += written;
    }
    Ok(())
}

fn pick_data_entry(display: &str, names: &[String]) -> Result<String> {
    for ext in DATA_EXTENSIONS {
        let found: Vec<&String> = names
            .iter()
            .filter(|n| extension(Path::new(n)) == ext)
            .collect();
        match found.as_slice() {
            [] => {}
            [one] => return Ok((*one).clone()),
            many => {
                return Err(IngestError::file(
                    display,
                    Problem::file(
                        format!("the zip holds {} .{ext} files ({})", many.len(), join(many)),
                        "upload one layer per file",
                    ),
                ))
            }
        }
    }
    Err(IngestError::file(
        display,
        Problem::file(
            "the zip holds no vector data (.shp, .gpkg, .geojson, .kml, .tab, .mif or .csv)",
            "zip the boundary files themselves",
        ),
    ))
}

/// A shapefile needs its `.shx` (index) and `.dbf` (attributes) beside the `.shp`.
fn check_siblings(display: &str, stem: &str, names: &[String]) -> Result<()> {
    let missing: Vec<String> = ["shx", "dbf"]
        .into_iter()
        .filter(|ext| find_sibling(names, stem, ext).is_none())
        .map(|ext| format!("{}.{ext}", base_name(stem)))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(IngestError::file(
        display,
        Problem::file(
            format!(
                "the shapefile is incomplete: {} missing",
                missing.join(" and ")
            ),
            "send the .shp together with its .shx, .dbf, .prj and .cpg (zip them into one file)",
        ),
    ))
}

/// The `.shp` header records the file's length (bytes 24–27, big-endian, in 16-bit words):
/// a shorter file was cut off in transfer.
fn check_shp_length(display: &str, header: &[u8], actual: u64) -> Result<()> {
    let declared = header
        .get(24..28)
        .map(|b| u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])) * 2);
    match declared {
        Some(declared) if header.starts_with(&[0, 0, 0x27, 0x0a]) && declared <= actual => Ok(()),
        Some(declared) if header.starts_with(&[0, 0, 0x27, 0x0a]) => Err(IngestError::file(
            display,
            Problem::file(
                format!("the .shp is truncated: its header says {declared} bytes, the file has {actual}"),
                "the upload was cut off; export or copy the shapefile again and resend",
            ),
        )),
        _ => Err(IngestError::file(
            display,
            Problem::file("the .shp is not a shapefile (bad header) or is truncated", "export the shapefile again and resend"),
        )),
    }
}

fn find_sibling(names: &[String], stem: &str, ext: &str) -> Option<String> {
    let want = format!("{stem}.{ext}").to_lowercase();
    let want_base = format!("{}.{ext}", base_name(stem)).to_lowercase();
    names
        .iter()
        .find(|n| n.to_lowercase() == want || n.to_lowercase() == want_base)
        .cloned()
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn base_name(stem: &str) -> &str {
    stem.rsplit(['/', '\\']).next().unwrap_or(stem)
}

pub(crate) fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

fn join(names: &[&String]) -> String {
    names
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
