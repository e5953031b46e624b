//! CSV import of a point layer (`POST /api/v1/{checkpoints|quarantine-camps|testing-sites|
//! essential-services}/import`): one row per facility, placed by `lon`/`lat` or by an
//! `address` the gazetteer resolves. Every row is checked as the single-facility API checks
//! it; one bad row refuses the whole file, naming the row. Addresses the gazetteer cannot
//! place with confidence are reported and left out.

use crate::{facility_request, FieldError};
use covidmap_core::layers::FacilityKind;
use covidmap_core::Level;
use covidmap_lookup::Snapshot;
use geo::{InteriorPoint, Point};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Most rows one import may hold.
pub const MAX_ROWS: usize = 5000;
/// Lowest gazetteer confidence that places a row: a sure answer, never a guess.
pub const MIN_CONFIDENCE: f64 = covidmap_lookup::gazetteer::CONFIDENT;

/// The columns a file may have.
pub const COLUMNS: [&str; 10] = [
    "id",
    "name",
    "status",
    "lon",
    "lat",
    "address",
    "managed_by",
    "category",
    "capacity",
    "occupancy",
];

/// A row that reads well.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    /// Its line in the file (the header is line 1).
    pub line: u64,
    /// What it asks for.
    pub request: crate::FacilityRequest,
    /// The unit its address resolved to, when placed by address.
    pub placed_in: Option<String>,
}

/// A row whose address the gazetteer could not place.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Unresolved {
    /// Its line in the file.
    pub line: u64,
    /// The address as written.
    pub address: String,
    /// The closest reading, when there is one below the confidence needed.
    pub best_guess: Option<String>,
}

/// What a file holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportFile {
    /// Rows to import.
    pub rows: Vec<ImportRow>,
    /// Rows left out.
    pub unresolved: Vec<Unresolved>,
}

fn row_error(line: u64, field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: format!("line {line}, {field}"),
        message: message.into(),
    }
}

/// A cell as the JSON value the single-facility API would take.
fn cell(column: &str, text: &str) -> Value {
    match column {
        "capacity" | "occupancy" => text
            .parse::<i64>()
            .map_or_else(|_| Value::String(text.to_owned()), Value::from),
        _ => Value::String(text.to_owned()),
    }
}

/// Where an address puts a row: a point inside the unit it names.
fn place(snapshot: &Snapshot, address: &str) -> Result<(Point<f64>, String), Option<String>> {
    let Some(answer) = snapshot.resolve_address(address) else {
        return Err(None);
    };
    let best = &answer.best;
    let chain: Vec<&str> = std::iter::once(best.unit)
        .chain(snapshot.ancestors(best.unit))
        .filter(|u| u.level != Level::Province)
        .map(|u| u.name.as_str())
        .collect();
    let described = format!(
        "{} ({}, confidence {:.2})",
        chain.join(", "),
        best.unit.code,
        best.confidence
    );
    if best.confidence < MIN_CONFIDENCE || best.unit.level == Level::District {
        return Err(Some(described));
    }
    best.unit
        .geometry
        .interior_point()
        .map(|p| (p, described.clone()))
        .ok_or(Some(described))
}

/// Reads a CSV file of facilities of `kind`.
///
/// # Errors
/// Every problem found, by line and column; the file is refused as a whole.
pub fn read_csv(
    kind: FacilityKind,
    bytes: &[u8],
    snapshot: &Snapshot,
) -> Result<ImportFile, Vec<FieldError>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_ascii_lowercase).collect(),
        Err(e) => return Err(vec![row_error(1, "header", format!("unreadable: {e}"))]),
    };
    let mut errors: Vec<FieldError> = headers
        .iter()
        .filter(|h| !COLUMNS.contains(&h.as_str()))
        .map(|h| {
            row_error(
                1,
                h,
                format!(
                    "is not a column this import knows; use: {}",
                    COLUMNS.join(", ")
                ),
            )
        })
        .collect();
    if !headers.iter().any(|h| h == "name") {
        errors.push(row_error(1, "header", "needs a name column"));
    }
    let placed = (headers.iter().any(|h| h == "lon") && headers.iter().any(|h| h == "lat"))
        || headers.iter().any(|h| h == "address");
    if !placed {
        errors.push(row_error(
            1,
            "header",
            "needs lon and lat columns, or an address column",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut file = ImportFile::default();
    for (index, record) in reader.records().enumerate() {
        if index >= MAX_ROWS {
            return Err(vec![row_error(
                index as u64 + 2,
                "file",
                format!("over {MAX_ROWS} rows; split the file"),
            )]);
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(index as u64 + 2, csv::Position::line);
                errors.push(row_error(line, "row", format!("unreadable: {e}")));
                continue;
            }
        };
        let line = record
            .position()
            .map_or(index as u64 + 2, csv::Position::line);
        let value = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .filter(|v| !v.is_empty())
        };
        let mut properties = Map::new();
        for column in [
            "id",
            "name",
            "status",
            "managed_by",
            "category",
            "capacity",
            "occupancy",
        ] {
            if let Some(v) = value(column) {
                properties.insert(column.to_owned(), cell(column, v));
            }
        }
        let (point, placed_in) = match (value("lon"), value("lat"), value("address")) {
            (Some(lon), Some(lat), _) => match (lon.parse::<f64>(), lat.parse::<f64>()) {
                (Ok(x), Ok(y)) => (Point::new(x, y), None),
                _ => {
                    errors.push(row_error(
                        line,
                        "lon/lat",
                        "must be numbers in decimal degrees",
                    ));
                    continue;
                }
            },
            (_, _, Some(address)) => match place(snapshot, address) {
                Ok((p, unit)) => (p, Some(unit)),
                Err(best_guess) => {
                    file.unresolved.push(Unresolved {
                        line,
                        address: address.to_owned(),
                        best_guess,
                    });
                    continue;
                }
            },
            _ => {
                errors.push(row_error(
                    line,
                    "lon/lat",
                    "give lon and lat, or an address",
                ));
                continue;
            }
        };
        let feature = json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [point.x(), point.y()]},
            "properties": properties,
        });
        match facility_request(kind, &feature) {
            Ok(request) => file.rows.push(ImportRow {
                line,
                request,
                placed_in,
            }),
            Err(problems) => errors.extend(problems.into_iter().map(|p| {
                let column = p.field.trim_start_matches("properties.").to_owned();
                row_error(line, &column, p.message)
            })),
        }
    }
    if errors.is_empty() {
        Ok(file)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_and_every_bad_one_named() {
        let snapshot = Snapshot::new(vec![]);
        let good = b"name,status,lon,lat\nTr\xe1\xba\xa1m y t\xe1\xba\xbf,open,105.6,18.7\n";
        let file = read_csv(FacilityKind::TestingSite, good, &snapshot).unwrap();
        assert_eq!(file.rows.len(), 1);
        assert_eq!(file.rows[0].request.name, "Trạm y tế");
        assert_eq!(file.rows[0].line, 2);

        let bad =
            b"name,status,lon,lat,capacity,occupancy\nA,open,105.6,18.7,10,20\nB,shut,x,18.7,1,0\n";
        let errors = read_csv(FacilityKind::QuarantineCamp, bad, &snapshot).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["line 2, occupancy", "line 3, lon/lat"],
            "{errors:#?}"
        );

        let unknown = b"name,colour,lon,lat\nA,red,1,2\n";
        let errors = read_csv(FacilityKind::TestingSite, unknown, &snapshot).unwrap_err();
        assert_eq!(errors[0].field, "line 1, colour");
    }

    #[test]
    fn addresses_nobody_can_place_are_reported_not_refused() {
        let snapshot = Snapshot::new(vec![]);
        let file = read_csv(
            FacilityKind::TestingSite,
            "name,status,address\nTrạm,open,xóm 99 nơi nào đó\n".as_bytes(),
            &snapshot,
        )
        .unwrap();
        assert!(file.rows.is_empty());
        assert_eq!(file.unresolved[0].line, 2);
        assert_eq!(file.unresolved[0].address, "xóm 99 nơi nào đó");
    }
}
