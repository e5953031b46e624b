//! Geometry checks for one feature: polygonal, non-empty, where Vietnam is, valid — or
//! repaired when the repair is unambiguous.

use gdal::cpl::CslStringList;
use gdal::vector::ToGdal;
use geo::{
    Area, BoundingRect, Coord, Geometry, LineString, MultiPolygon, Polygon, Rect, Validation,
};

/// Longitude and latitude bounds of Vietnam, generously.
const VIETNAM: (Coord<f64>, Coord<f64>) = (Coord { x: 101.5, y: 8.0 }, Coord { x: 110.0, y: 23.6 });
/// A repair may change the area by at most this share; more means the repair had to guess.
const MAX_REPAIR_AREA_CHANGE: f64 = 0.01;

/// Why a geometry is refused, with the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub message: String,
    pub fix: String,
}

fn refuse(message: impl Into<String>, fix: impl Into<String>) -> Refusal {
    Refusal {
        message: message.into(),
        fix: fix.into(),
    }
}

/// Polygon, MultiPolygon or a collection of polygons as one MultiPolygon.
pub(crate) fn to_multipolygon(
    geometry: Option<Geometry<f64>>,
) -> Result<MultiPolygon<f64>, Refusal> {
    let fix_empty = "draw the boundary or remove the feature";
    let mp = match geometry {
        None => return Err(refuse("has no geometry", fix_empty)),
        Some(Geometry::Polygon(p)) => MultiPolygon(vec![p]),
        Some(Geometry::MultiPolygon(mp)) => mp,
        Some(Geometry::GeometryCollection(gc)) => {
            let mut polygons = Vec::new();
            for g in gc {
                match to_multipolygon(Some(g)) {
                    Ok(mp) => polygons.extend(mp.0),
                    Err(_) => {
                        return Err(refuse(
                            "is a collection holding non-polygon parts",
                            "export the boundary as polygons only",
                        ))
                    }
                }
            }
            MultiPolygon(polygons)
        }
        Some(other) => {
            return Err(refuse(
                format!("is a {}, not a polygon", kind(&other)),
                "boundaries must be polygons; export the area features, not lines or points",
            ))
        }
    };
    if mp.0.iter().all(|p| p.exterior().0.len() < 4) {
        return Err(refuse("has an empty geometry", fix_empty));
    }
    Ok(mp)
}

fn kind(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) | Geometry::MultiPoint(_) => "point",
        Geometry::Line(_) | Geometry::LineString(_) | Geometry::MultiLineString(_) => "line",
        _ => "non-polygon geometry",
    }
}

/// Surveyors write X = northing, Y = easting. In a TM zone with a 500 km false easting,
/// a first coordinate near 2 000 000 m is a northing: swap. Returns whether it swapped.
pub(crate) fn swap_if_northing_first(mp: &mut MultiPolygon<f64>) -> bool {
    let Some(rect) = mp.bounding_rect() else {
        return false;
    };
    let northing_first =
        rect.min().x > 1_000_000.0 && rect.max().y < 1_000_000.0 && rect.min().y > 0.0;
    if northing_first {
        crate::crs::for_each_coord(mp, |c| std::mem::swap(&mut c.x, &mut c.y));
    }
    northing_first
}

/// Coordinates that cannot be degrees, in a file that declares no CRS.
pub(crate) fn looks_projected(mp: &MultiPolygon<f64>) -> bool {
    mp.bounding_rect().is_some_and(|r| {
        r.max().x.abs() > 180.0
            || r.min().x.abs() > 180.0
            || r.max().y.abs() > 90.0
            || r.min().y.abs() > 90.0
    })
}

/// Refuses a reprojected geometry that is not in Vietnam, naming swapped axes when that is why.
pub(crate) fn check_in_vietnam(mp: &MultiPolygon<f64>) -> Result<(), Refusal> {
    let Some(rect) = mp.bounding_rect() else {
        return Ok(());
    };
    if inside(rect, VIETNAM) {
        return Ok(());
    }
    let swapped = Rect::new(
        Coord {
            x: rect.min().y,
            y: rect.min().x,
        },
        Coord {
            x: rect.max().y,
            y: rect.max().x,
        },
    );
    if inside(swapped, VIETNAM) {
        return Err(refuse(
            format!(
                "has latitude and longitude swapped (first coordinate {:.5}, second {:.5})",
                rect.min().x,
                rect.min().y
            ),
            "write coordinates as longitude, latitude (x = longitude) and export again",
        ));
    }
    Err(refuse(
        format!(
            "lies outside Vietnam (longitude {:.4}…{:.4}, latitude {:.4}…{:.4})",
            rect.min().x,
            rect.max().x,
            rect.min().y,
            rect.max().y
        ),
        "check the file's CRS; pass --source-crs (the VN-2000 / TM-3 zone of the province, e.g. EPSG:9208)",
    ))
}

fn inside(rect: Rect<f64>, (min, max): (Coord<f64>, Coord<f64>)) -> bool {
    rect.min().x >= min.x && rect.max().x <= max.x && rect.min().y >= min.y && rect.max().y <= max.y
}

/// Valid geometries pass; invalid ones are repaired when the repair keeps the area
/// (duplicate points, wrong nesting, touching rings…), refused when it does not (a bow-tie
/// has no single right answer). Returns what was repaired.
pub(crate) fn validate(
    mp: MultiPolygon<f64>,
) -> Result<(MultiPolygon<f64>, Option<String>), Refusal> {
    let Err(problem) = mp.check_validation() else {
        return Ok((mp, None));
    };
    let problem = problem.to_string();
    let cannot = |why: &str| {
        refuse(
            format!("is invalid ({problem}) and {why}"),
            "fix the boundary in a GIS (e.g. QGIS \"Fix geometries\") and check it",
        )
    };
    let repaired = mp
        .to_gdal()
        .and_then(|g| g.make_valid(&CslStringList::new()))
        .and_then(|g| g.to_geo())
        .map_err(|e| cannot(&format!("could not be repaired: {e}")))?;
    let repaired = polygons_of(repaired);
    let before = ring_area(&mp);
    let after = repaired.unsigned_area();
    if repaired.0.is_empty()
        || before <= 0.0
        || ((after - before) / before).abs() > MAX_REPAIR_AREA_CHANGE
    {
        return Err(cannot(
            "repairing it would change its area, so the intended shape is ambiguous",
        ));
    }
    if !repaired.is_valid() {
        return Err(cannot("the repair is still invalid"));
    }
    Ok((repaired, Some(format!("repaired: {problem}"))))
}

/// The polygonal parts of a repaired geometry (lines and points of collapsed parts dropped).
fn polygons_of(g: Geometry<f64>) -> MultiPolygon<f64> {
    match g {
        Geometry::Polygon(p) => MultiPolygon(vec![p]),
        Geometry::MultiPolygon(mp) => mp,
        Geometry::GeometryCollection(gc) => {
            MultiPolygon(gc.into_iter().flat_map(|g| polygons_of(g).0).collect())
        }
        _ => MultiPolygon(vec![]),
    }
}

/// Area as drawn: each ring's own area, holes subtracted (a bow-tie's lobes cancel out).
fn ring_area(mp: &MultiPolygon<f64>) -> f64 {
    let ring = |ls: &LineString<f64>| Polygon::new(ls.clone(), vec![]).signed_area().abs();
    mp.0.iter()
        .map(|p| (ring(p.exterior()) - p.interiors().iter().map(ring).sum::<f64>()).max(0.0))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{line_string, point, polygon};

    #[test]
    fn non_polygons_and_empties_are_refused() {
        assert!(to_multipolygon(None).is_err());
        let err = to_multipolygon(Some(Geometry::Point(point!(x: 105.0, y: 19.0)))).unwrap_err();
        assert!(err.message.contains("point"));
        let line = line_string![(x: 105.0, y: 19.0), (x: 105.1, y: 19.1)];
        assert!(to_multipolygon(Some(Geometry::LineString(line)))
            .unwrap_err()
            .message
            .contains("line"));
        assert!(to_multipolygon(Some(Geometry::MultiPolygon(MultiPolygon(vec![])))).is_err());
    }

    #[test]
    fn swapped_axes_and_foreign_places_are_named() {
        let swapped = MultiPolygon(vec![
            polygon![(x: 19.0, y: 105.0), (x: 19.1, y: 105.0), (x: 19.1, y: 105.1)],
        ]);
        assert!(check_in_vietnam(&swapped)
            .unwrap_err()
            .message
            .contains("swapped"));
        let paris = MultiPolygon(vec![
            polygon![(x: 2.3, y: 48.8), (x: 2.4, y: 48.8), (x: 2.4, y: 48.9)],
        ]);
        assert!(check_in_vietnam(&paris)
            .unwrap_err()
            .message
            .contains("outside Vietnam"));
        let vinh = MultiPolygon(vec![
            polygon![(x: 105.6, y: 18.6), (x: 105.7, y: 18.6), (x: 105.7, y: 18.7)],
        ]);
        assert!(check_in_vietnam(&vinh).is_ok());
    }

    #[test]
    fn northing_first_coordinates_are_swapped() {
        let mut mp = MultiPolygon(vec![
            polygon![(x: 2_070_000.0, y: 560_000.0), (x: 2_071_000.0, y: 560_000.0), (x: 2_071_000.0, y: 561_000.0)],
        ]);
        assert!(swap_if_northing_first(&mut mp));
        assert_eq!(
            mp.0[0].exterior().0[0],
            Coord {
                x: 560_000.0,
                y: 2_070_000.0
            }
        );
        assert!(!swap_if_northing_first(&mut mp));
    }

    #[test]
    fn bow_tie_is_refused_but_a_touching_hole_is_repaired() {
        let bow_tie = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0)],
        ]);
        assert!(validate(bow_tie).unwrap_err().message.contains("ambiguous"));
        // A ring that doubles back on itself along one edge: the spike has no area.
        let spike = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 3.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 2.0), (x: 0.0, y: 2.0)
        ]]);
        let (fixed, note) = validate(spike).unwrap();
        assert!(note.is_some());
        assert!(fixed.is_valid());
        assert!((fixed.unsigned_area() - 4.0).abs() < 1e-9);
        let square = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)],
        ]);
        assert_eq!(validate(square.clone()).unwrap(), (square, None));
    }
}
