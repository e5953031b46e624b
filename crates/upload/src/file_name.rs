//! Which files an upload takes, and the name one is saved under: its extension says how
//! GDAL reads it, and nothing of the name a client sent reaches the file system but letters,
//! digits, `-` and `_`.

/// What a boundary file may be.
pub const EXTENSIONS: [&str; 7] = ["zip", "geojson", "json", "gpkg", "kml", "kmz", "csv"];

/// The name to save an uploaded file under (`stem.ext`, at most 64 characters of stem).
///
/// # Errors
/// The extension is not one of [`EXTENSIONS`]; the message says what to send.
pub fn saved_name(original: &str) -> Result<String, String> {
    let path = std::path::Path::new(original);
    let stem: String = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("upload")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if !EXTENSIONS.contains(&extension.as_str()) {
        return Err(format!(
            "{original:?} is not a boundary file this server reads; send one of .{} (a shapefile zipped with its .shx, .dbf, .prj and .cpg)",
            EXTENSIONS.join(", .")
        ));
    }
    Ok(format!("{stem}.{extension}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_readable_kinds_are_taken_under_a_plain_name() {
        let name = saved_name("Huyện Đô Lương.ZIP").unwrap();
        assert!(
            name.starts_with("Huy_n_") && name.ends_with("ng.zip"),
            "{name}"
        );
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
            "{name}"
        );
        assert_eq!(
            saved_name("../../etc/passwd.geojson").unwrap(),
            "passwd.geojson"
        );
        assert_eq!(saved_name("xa.gpkg").unwrap(), "xa.gpkg");
        assert!(saved_name("xa.shp").unwrap_err().contains(".zip"));
        assert!(saved_name("noextension").is_err());
        assert_eq!(
            saved_name(&format!("{}.csv", "a".repeat(300)))
                .unwrap()
                .len(),
            68
        );
    }
}
