//! One tile: every layer's features that reach it, in tile coordinates (extent 4096), clipped
//! to the tile and a buffer, and encoded as a Mapbox Vector Tile 2.1.
//!
//! Geometry is simplified by snapping to the tile's integer grid and dropping repeated and
//! collinear points, as PostGIS's `ST_AsMVTGeom` does. Snapping is the same function of a
//! vertex wherever it appears, so neighbouring units that share a boundary still share it
//! exactly after simplification: no gaps and no overlaps at any zoom. Polygons are cut to the
//! buffered tile by an integer boolean overlay (`i_overlay`, the engine under `geo`'s boolean
//! operations), which keeps every vertex on the grid and resolves any self-touching that
//! snapping causes; rings that collapse are dropped, and rings are oriented as the
//! specification asks (exterior: positive area in tile coordinates).

use crate::grid::{MercatorRect, TileId};
use crate::index::{LayerData, OperationalLayers, Outline, Shape, TileFeature, UnitLayers, Value};
use geo::orient::{Direction, Orient};
use geo::{Area, Contains, Coord, InteriorPoint, LineString, MultiPolygon, Polygon, Rect};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::{IntOverlayOptions, Overlay, ShapeType};
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::core::solver::{Precision, Solver, Strategy};
use i_overlay::i_float::int::point::IntPoint;
use std::borrow::Cow;

/// Tile extent: coordinates run 0–4096 across the tile.
pub const EXTENT: u32 = 4096;
/// Buffer around the tile, in tile units, kept so that lines and symbols join across tiles.
pub const BUFFER: i32 = 64;
/// Unit outlines keep the vertices whose Visvalingam weight (see [`crate::simplify`]) is at
/// least this many square tile units: a bend of one unit over four units of boundary, or of
/// two over two. A 512-pixel display puts 8 units in a pixel, so nothing drawn changes, and
/// tiles come out 2 % smaller than PostGIS's (`benches/README.md`) although shared borders
/// carry their neighbours' vertices.
pub const SIMPLIFY_AREA: f64 = 2.0;

/// A tile could not be encoded.
#[derive(Debug, thiserror::Error)]
#[error("encoding tile {tile}: {source}")]
pub struct RenderError {
    /// The tile.
    pub tile: TileId,
    /// What the encoder said.
    #[source]
    pub source: mvt::Error,
}

/// From Mercator metres to this tile's coordinates.
#[derive(Debug, Clone, Copy)]
struct ToTile {
    left: f64,
    top: f64,
    scale: f64,
    /// The tile grown by twice the buffer, in Mercator metres: rings are cut to it before
    /// snapping, so a district that spans many tiles costs each tile only its nearby part.
    coarse: MercatorRect,
}

impl ToTile {
    fn new(tile: TileId) -> Self {
        let b = tile.bounds();
        let scale = f64::from(EXTENT) / tile.size();
        ToTile {
            left: b.min_x,
            top: b.max_y,
            scale,
            coarse: b.grown(2.0 * f64::from(BUFFER) / scale),
        }
    }

    fn apply(&self, [x, y]: [f64; 2]) -> Coord<f64> {
        Coord {
            x: ((x - self.left) * self.scale).round(),
            y: ((self.top - y) * self.scale).round(),
        }
    }
}

/// Renders a tile; `None` when no layer has a feature in it.
///
/// # Errors
/// The encoder refused a geometry (not expected: geometries are checked before).
pub fn render(
    tile: TileId,
    units: &UnitLayers,
    operational: &OperationalLayers,
) -> Result<Option<Vec<u8>>, RenderError> {
    let to_tile = ToTile::new(tile);
    let margin = f64::from(BUFFER) / to_tile.scale;
    let query = tile.bounds().grown(margin);
    let window = Rect::new(
        Coord {
            x: -f64::from(BUFFER),
            y: -f64::from(BUFFER),
        },
        Coord {
            x: f64::from(EXTENT) + f64::from(BUFFER),
            y: f64::from(EXTENT) + f64::from(BUFFER),
        },
    );
    let mut out = mvt::Tile::new(EXTENT);
    let mut any = false;
    let ordered = crate::catalogue::LAYERS.iter().filter_map(|spec| {
        units
            .layers
            .iter()
            .chain(&operational.layers)
            .find(|l| l.spec.name == spec.name)
    });
    for data in ordered {
        if tile.z < data.spec.min_zoom {
            continue;
        }
        let layer = encode_layer(&out, data, &query, &to_tile, &window)
            .map_err(|source| RenderError { tile, source })?;
        if let Some(layer) = layer {
            any = true;
            out.add_layer(layer)
                .map_err(|source| RenderError { tile, source })?;
        }
    }
    if !any {
        return Ok(None);
    }
    out.to_bytes()
        .map(Some)
        .map_err(|source| RenderError { tile, source })
}

fn encode_layer(
    tile: &mvt::Tile,
    data: &LayerData,
    query: &crate::grid::MercatorRect,
    to_tile: &ToTile,
    window: &Rect<f64>,
) -> Result<Option<mvt::Layer>, mvt::Error> {
    let mut layer = tile.create_layer(data.spec.name);
    let mut count = 0;
    // In id order, so that the same data always gives the same bytes.
    let mut features: Vec<&TileFeature> = data.features_in(query).collect();
    features.sort_unstable_by_key(|f| f.id);
    for f in features {
        let Some(geometry) = encode_geometry(&f.shape, to_tile, window)? else {
            continue;
        };
        // No feature id: every feature carries its `code` or `id` attribute, which a style
        // can promote (MapLibre's `promoteId`); an id would add bytes and say nothing new.
        let mut feature = layer.into_feature(geometry);
        for (key, value) in &f.attributes {
            match value {
                Value::Text(s) => feature.add_tag_string(key, s),
                Value::Int(i) => feature.add_tag_sint(key, *i),
            }
        }
        layer = feature.into_layer();
        count += 1;
    }
    Ok((count > 0).then_some(layer))
}

fn encode_geometry(
    shape: &Shape,
    to_tile: &ToTile,
    window: &Rect<f64>,
) -> Result<Option<mvt::GeomData>, mvt::Error> {
    match shape {
        Shape::Point(p) => {
            let c = to_tile.apply(*p);
            if !window_contains(window, c) {
                return Ok(None);
            }
            #[allow(clippy::cast_possible_truncation)] // within the buffered window
            let encoded = mvt::GeomEncoder::new(mvt::GeomType::Point)
                .point(c.x as i32, c.y as i32)?
                .encode()?;
            Ok(Some(encoded))
        }
        Shape::Area(area) => {
            let Some(polygons) = area_in_tile(area, to_tile, window) else {
                return Ok(None);
            };
            let mut encoder = mvt::GeomEncoder::new(mvt::GeomType::Polygon);
            let mut last: Option<Coord<f64>> = None;
            for polygon in &polygons {
                for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                    // The closing point is implied by ClosePath.
                    let mut points = ring.0[..ring.0.len() - 1].to_vec();
                    // A ring may start where the previous one ended (a hole touching its
                    // shell); the encoder then leaves out the MoveTo, which strict decoders
                    // refuse. Start it one point later.
                    if points.first() == last.as_ref() {
                        points.rotate_left(1);
                    }
                    for c in &points {
                        #[allow(clippy::cast_possible_truncation)] // within the window
                        encoder.add_point(c.x as i32, c.y as i32)?;
                    }
                    last = points.last().copied();
                    encoder.complete_geom()?;
                }
            }
            Ok(Some(encoder.encode()?))
        }
    }
}

fn window_contains(window: &Rect<f64>, c: Coord<f64>) -> bool {
    c.x >= window.min().x && c.x <= window.max().x && c.y >= window.min().y && c.y <= window.max().y
}

/// The part of an area inside the window, snapped, valid and oriented; `None` when nothing
/// of it is left.
///
/// The rings are snapped to the grid, then intersected with the window by `i_overlay`'s
/// integer overlay (even-odd fill): its output lies exactly on the grid and is valid, which
/// also undoes any self-touching or crossing that snapping caused.
fn area_in_tile(area: &Outline, to_tile: &ToTile, window: &Rect<f64>) -> Option<MultiPolygon<f64>> {
    // Absolute precision: the overlay must not move points to merge near ones (its default
    // does, by a unit or more), or neighbours cut in different tiles stop matching. One
    // thread: tiles are rendered in parallel already.
    let solver = Solver {
        strategy: Strategy::Auto,
        precision: Precision::ABSOLUTE,
        multithreading: None,
    };
    let mut overlay = Overlay::new_custom(64, IntOverlayOptions::default(), solver);
    let mut any = false;
    let threshold = SIMPLIFY_AREA / (to_tile.scale * to_tile.scale);
    for (index, ring) in crate::simplify::rings(&area.polygons).enumerate() {
        let simplified = match &area.weights {
            Some(weights) => Cow::Owned(crate::simplify::keep(ring, &weights[index], threshold)),
            None => Cow::Borrowed(ring),
        };
        if simplified.0.len() < 4 {
            continue;
        }
        let near = near_part(&simplified, &to_tile.coarse);
        if let Some(snapped) = snap_ring(&near, to_tile) {
            let contour: Vec<IntPoint> = snapped.0[..snapped.0.len() - 1]
                .iter()
                .map(|c| grid_point(*c))
                .collect();
            overlay.add_contour(&contour, ShapeType::Subject);
            any = true;
        }
    }
    if !any {
        return None;
    }
    let corners = [
        (window.min().x, window.min().y),
        (window.max().x, window.min().y),
        (window.max().x, window.max().y),
        (window.min().x, window.max().y),
    ];
    let clip: Vec<IntPoint> = corners
        .iter()
        .map(|&(x, y)| grid_point(Coord { x, y }))
        .collect();
    overlay.add_contour(&clip, ShapeType::Clip);
    let mut shapes = overlay.overlay(OverlayRule::Intersect, FillRule::EvenOdd);
    // Where two snapped edges cross just outside the window, the overlay rounds the crossing
    // to the grid, which can land one unit outside: keep every point inside.
    let (low, high) = (clip[0], clip[2]);
    for point in shapes.iter_mut().flatten().flatten() {
        point.x = point.x.clamp(low.x, high.x);
        point.y = point.y.clamp(low.y, high.y);
    }
    let polygons: Vec<Polygon<f64>> = shapes.iter().flat_map(|s| shape_polygons(s)).collect();
    let result = MultiPolygon(polygons).orient(Direction::Default);
    (!result.0.is_empty() && result.unsigned_area() > 0.0).then_some(result)
}

/// One overlay shape (outer contour, then holes) as valid polygons. The overlay may return a
/// contour that touches itself at a vertex (a pinch); such a ring is invalid, so it is split
/// there: loops turning the way the outer contour turns are shells of their own, loops
/// turning the other way are holes, and each hole goes to the shell that holds it.
fn shape_polygons(shape: &[Vec<IntPoint>]) -> Vec<Polygon<f64>> {
    let Some(outer) = shape.first() else {
        return Vec::new();
    };
    let outer_sign = signed_area(outer).signum();
    let mut shells: Vec<Vec<IntPoint>> = Vec::new();
    let mut holes: Vec<Vec<IntPoint>> = Vec::new();
    for (i, contour) in shape.iter().enumerate() {
        for piece in split_pinches(contour) {
            let same_turn = signed_area(&piece).signum() == outer_sign;
            // A hole's loops that turn like the outer contour are islands inside the hole.
            if same_turn == (i == 0) {
                shells.push(piece);
            } else {
                holes.push(piece);
            }
        }
    }
    let ring = |points: &[IntPoint]| {
        let mut coords: Vec<Coord<f64>> = points
            .iter()
            .map(|p| Coord {
                x: f64::from(p.x),
                y: f64::from(p.y),
            })
            .collect();
        coords.push(coords[0]);
        LineString(coords)
    };
    let mut polygons: Vec<Polygon<f64>> = shells
        .iter()
        .map(|s| Polygon::new(ring(s), vec![]))
        .collect();
    for hole in &holes {
        let hole_ring = ring(hole);
        // A point strictly inside the hole tells which shell holds it.
        let probe = Polygon::new(hole_ring.clone(), vec![]).interior_point();
        let holder = probe.and_then(|p| polygons.iter().position(|s| s.contains(&p)));
        if let Some(k) = holder.or((polygons.len() == 1).then_some(0)) {
            polygons[k].interiors_push(hole_ring);
        }
    }
    polygons
}

/// Twice the signed area of a contour.
fn signed_area(points: &[IntPoint]) -> i64 {
    let n = points.len();
    (0..n)
        .map(|i| {
            let (a, b) = (points[i], points[(i + 1) % n]);
            i64::from(a.x) * i64::from(b.y) - i64::from(b.x) * i64::from(a.y)
        })
        .sum()
}

/// Splits a contour wherever it comes back to a vertex it already passed.
fn split_pinches(contour: &[IntPoint]) -> Vec<Vec<IntPoint>> {
    // Most contours never do: find out by sorting before paying for the map.
    let mut sorted: Vec<(i32, i32)> = contour.iter().map(|p| (p.x, p.y)).collect();
    sorted.sort_unstable();
    if !sorted.windows(2).any(|w| w[0] == w[1]) {
        return if contour.len() >= 3 && signed_area(contour) != 0 {
            vec![contour.to_vec()]
        } else {
            Vec::new()
        };
    }
    let mut pieces = Vec::new();
    let mut path: Vec<IntPoint> = Vec::with_capacity(contour.len());
    let mut seen: std::collections::HashMap<(i32, i32), usize> = std::collections::HashMap::new();
    for &p in contour {
        if let Some(&start) = seen.get(&(p.x, p.y)) {
            let piece: Vec<IntPoint> = path.drain(start + 1..).collect();
            for q in &piece {
                seen.remove(&(q.x, q.y));
            }
            let mut closed = vec![path[start]];
            closed.extend(piece);
            if closed.len() >= 3 && signed_area(&closed) != 0 {
                pieces.push(closed);
            }
        } else {
            seen.insert((p.x, p.y), path.len());
            path.push(p);
        }
    }
    if path.len() >= 3 && signed_area(&path) != 0 {
        pieces.push(path);
    }
    pieces
}

/// A snapped coordinate as an overlay point (tile coordinates are small integers).
fn grid_point(c: Coord<f64>) -> IntPoint {
    #[allow(clippy::cast_possible_truncation)] // integral and far inside i32
    IntPoint::new(c.x as i32, c.y as i32)
}

/// The part of a ring inside `rect` (Sutherland–Hodgman), or the ring itself when it lies
/// inside. Where a concave ring leaves and comes back, the cut runs along the rectangle's
/// edge; that edge is outside the tile's buffer, and the overlay cuts it away.
fn near_part<'a>(ring: &'a LineString<f64>, rect: &MercatorRect) -> Cow<'a, LineString<f64>> {
    let inside = |c: &Coord<f64>| {
        c.x >= rect.min_x && c.x <= rect.max_x && c.y >= rect.min_y && c.y <= rect.max_y
    };
    if ring.0.iter().all(inside) {
        return Cow::Borrowed(ring);
    }
    let mut points: Vec<Coord<f64>> = ring.0[..ring.0.len().saturating_sub(1)].to_vec();
    for side in [Side::West, Side::East, Side::South, Side::North] {
        let Some(&last) = points.last() else { break };
        let mut out = Vec::with_capacity(points.len() + 4);
        let mut prev = last;
        for &c in &points {
            match (side.keeps(prev, rect), side.keeps(c, rect)) {
                (true, true) => out.push(c),
                (true, false) => out.push(side.cross(prev, c, rect)),
                (false, true) => {
                    out.push(side.cross(prev, c, rect));
                    out.push(c);
                }
                (false, false) => {}
            }
            prev = c;
        }
        points = out;
    }
    if let Some(&first) = points.first() {
        points.push(first);
    }
    Cow::Owned(LineString(points))
}

/// A side of the rectangle a ring is cut to.
#[derive(Debug, Clone, Copy)]
enum Side {
    West,
    East,
    South,
    North,
}

impl Side {
    /// Whether `c` is on the kept side.
    fn keeps(self, c: Coord<f64>, r: &MercatorRect) -> bool {
        match self {
            Side::West => c.x >= r.min_x,
            Side::East => c.x <= r.max_x,
            Side::South => c.y >= r.min_y,
            Side::North => c.y <= r.max_y,
        }
    }

    /// Where the segment from `a` to `b` crosses this side.
    fn cross(self, a: Coord<f64>, b: Coord<f64>, r: &MercatorRect) -> Coord<f64> {
        match self {
            Side::West => at_x(a, b, r.min_x),
            Side::East => at_x(a, b, r.max_x),
            Side::South => at_y(a, b, r.min_y),
            Side::North => at_y(a, b, r.max_y),
        }
    }
}

fn at_x(a: Coord<f64>, b: Coord<f64>, x: f64) -> Coord<f64> {
    let t = (x - a.x) / (b.x - a.x);
    Coord {
        x,
        y: a.y + t * (b.y - a.y),
    }
}

fn at_y(a: Coord<f64>, b: Coord<f64>, y: f64) -> Coord<f64> {
    let t = (y - a.y) / (b.y - a.y);
    Coord {
        x: a.x + t * (b.x - a.x),
        y,
    }
}

/// A ring in tile coordinates, snapped to the grid; `None` when it collapses.
fn snap_ring(ring: &LineString<f64>, to_tile: &ToTile) -> Option<LineString<f64>> {
    let coords: Vec<Coord<f64>> = ring.0.iter().map(|c| to_tile.apply([c.x, c.y])).collect();
    tidy_ring(coords)
}

/// Drops repeated points, points on a straight line between their neighbours and spikes
/// (a point where the ring turns straight back); `None` when fewer than three corners remain
/// or the ring has no area.
fn tidy_ring(coords: Vec<Coord<f64>>) -> Option<LineString<f64>> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(coords.len());
    for c in coords {
        if out.last() == Some(&c) {
            continue;
        }
        while out.len() >= 2 {
            let a = out[out.len() - 2];
            let b = out[out.len() - 1];
            let cross = (b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x);
            if cross == 0.0 {
                // Straight on (b is redundant) or straight back (a spike at b).
                out.pop();
                if out.last() == Some(&c) {
                    break;
                }
            } else {
                break;
            }
        }
        if out.last() != Some(&c) {
            out.push(c);
        }
    }
    // The ring is closed: its last point repeats the first.
    if out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    // The joint where the ring closes may itself be straight or a spike.
    loop {
        let n = out.len();
        if n < 3 {
            return None;
        }
        let (a, b, c) = (out[n - 1], out[0], out[1]);
        let cross = (b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x);
        let (a, b, c) = (out[n - 2], out[n - 1], out[0]);
        let cross_end = (b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x);
        if cross == 0.0 {
            out.remove(0);
        } else if cross_end == 0.0 {
            out.pop();
        } else {
            break;
        }
    }
    let first = out[0];
    out.push(first);
    let ring = LineString(out);
    (Polygon::new(ring.clone(), vec![]).unsigned_area() > 0.0).then_some(ring)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(points: &[(f64, f64)]) -> Vec<Coord<f64>> {
        points.iter().map(|&(x, y)| Coord { x, y }).collect()
    }

    fn points(p: &[(i32, i32)]) -> Vec<IntPoint> {
        p.iter().map(|&(x, y)| IntPoint::new(x, y)).collect()
    }

    #[test]
    fn pinched_contours_split_into_valid_rings() {
        use geo::Validation;
        // Two squares meeting at (10, 10), drawn as one contour.
        let bowtie = points(&[
            (0, 0),
            (10, 0),
            (10, 10),
            (20, 10),
            (20, 20),
            (10, 20),
            (10, 10),
            (0, 10),
        ]);
        let polygons = shape_polygons(&[bowtie]);
        assert_eq!(polygons.len(), 2);
        assert!(polygons.iter().all(Validation::is_valid));
        // A square with a square hole touching it at one corner, drawn as one contour
        // (the hole's loop turns the other way).
        let notched = points(&[
            (0, 0),
            (20, 0),
            (20, 20),
            (10, 10),
            (15, 10),
            (15, 5),
            (10, 5),
            (10, 10),
            (0, 20),
        ]);
        let polygons = shape_polygons(&[notched]);
        assert_eq!(polygons.len(), 1, "{polygons:?}");
        assert_eq!(polygons[0].interiors().len(), 1);
    }

    #[test]
    fn tidy_drops_repeats_straights_and_spikes() {
        let r = tidy_ring(ring(&[
            (0.0, 0.0),
            (5.0, 0.0),
            (5.0, 0.0),
            (10.0, 0.0),
            (10.0, 10.0),
            (10.0, 15.0),
            (10.0, 10.0),
            (0.0, 10.0),
            (0.0, 5.0),
            (0.0, 0.0),
        ]))
        .unwrap();
        assert_eq!(
            r.0,
            ring(&[
                (0.0, 0.0),
                (10.0, 0.0),
                (10.0, 10.0),
                (0.0, 10.0),
                (0.0, 0.0)
            ])
        );
        // A ring that snaps onto a line has no area.
        assert!(tidy_ring(ring(&[(0.0, 0.0), (5.0, 0.0), (10.0, 0.0), (0.0, 0.0)])).is_none());
    }
}

#[cfg(test)]
mod clip_tests {
    use super::*;
    use geo::{polygon, BoundingRect};

    #[test]
    fn clipping_stops_at_the_buffer() {
        let to_tile = ToTile {
            left: 0.0,
            top: 4096.0,
            scale: 1.0,
            coarse: MercatorRect {
                min_x: -128.0,
                min_y: -128.0,
                max_x: 4224.0,
                max_y: 4224.0,
            },
        };
        let window = Rect::new(
            Coord { x: -64.0, y: -64.0 },
            Coord {
                x: 4160.0,
                y: 4160.0,
            },
        );
        let area = Outline {
            polygons: MultiPolygon(vec![
                polygon![(x: -200.0, y: 100.0), (x: 300.0, y: 100.0), (x: 300.0, y: 500.0), (x: -200.0, y: 4500.0)],
            ]),
            weights: None,
        };
        let clipped = area_in_tile(&area, &to_tile, &window).unwrap();
        let r = clipped.bounding_rect().unwrap();
        assert_eq!((r.min().x, r.max().y), (-64.0, 3996.0), "{clipped:?}");
        assert!(r.min().y >= -64.0, "{clipped:?}");
    }
}
