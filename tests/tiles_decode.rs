//! Tiles decoded by a decoder we did not write: GDAL's MVT driver (with GEOS for validity,
//! areas and unions). The sample province and layers, as `make run` loads them.

#![allow(clippy::unwrap_used)]

use covidmap_tests::decode_tile as decode;
use covidmap_tiles::grid::{to_mercator, MercatorRect};
use covidmap_tiles::{TileData, TileId, LAYERS};
use gdal::vector::Geometry;
use geo::{BoundingRect, Intersects, MapCoords};
use std::collections::BTreeMap;

fn tile_at(z: u32, lon: f64, lat: f64) -> TileId {
    let [x, y] = to_mercator(lon, lat);
    let (xs, ys) = TileId::covering(
        u8::try_from(z).unwrap(),
        &MercatorRect {
            min_x: x,
            min_y: y,
            max_x: x,
            max_y: y,
        },
    );
    TileId::new(z, *xs.start(), *ys.start()).unwrap()
}

fn data() -> (Vec<covidmap_core::AdminUnit>, TileData) {
    let units = covidmap_benches::province_units();
    let layers = covidmap_benches::province_layers(&units);
    let tiles = TileData::new(&units, &layers);
    (units, tiles)
}

/// Units of a level whose outline meets the tile with its buffer, from the source data.
fn expected_units(
    units: &[covidmap_core::AdminUnit],
    level: covidmap_core::Level,
    tile: TileId,
) -> usize {
    let scale = f64::from(covidmap_tiles::BUFFER) / f64::from(covidmap_tiles::EXTENT) * tile.size();
    let b = tile.bounds().grown(scale);
    let window = geo::Rect::new(
        geo::coord! { x: b.min_x, y: b.min_y },
        geo::coord! { x: b.max_x, y: b.max_y },
    );
    units
        .iter()
        .filter(|u| u.level == level)
        .filter(|u| {
            let m = u.geometry.map_coords(|c| {
                let [x, y] = to_mercator(c.x, c.y);
                geo::coord! { x: x, y: y }
            });
            m.bounding_rect().is_some_and(|r| r.intersects(&window)) && m.intersects(&window)
        })
        .count()
}

#[test]
fn layers_attributes_and_counts_decode_as_written() {
    let (units, tiles) = data();
    // Vinh, at zooms from the whole province to streets.
    for z in [6, 8, 10, 12, 14] {
        let tile = tile_at(z, 105.69, 18.68);
        let bytes = tiles.render(tile).unwrap().unwrap();
        let decoded = decode(tile, &bytes);
        let z8 = u8::try_from(z).unwrap();
        for spec in LAYERS {
            if z8 < spec.min_zoom {
                assert!(
                    !decoded.contains_key(spec.name),
                    "{tile}: {} below its zoom",
                    spec.name
                );
            }
        }
        for (name, level) in [
            ("districts", covidmap_core::Level::District),
            ("communes", covidmap_core::Level::Commune),
            ("hamlets", covidmap_core::Level::Hamlet),
        ] {
            if z8 >= covidmap_tiles::catalogue::layer(name).unwrap().min_zoom {
                let got = decoded.get(name).map_or(0, Vec::len);
                assert_eq!(got, expected_units(&units, level, tile), "{tile} {name}");
                assert!(got > 0, "{tile} {name}");
            }
        }
        for features in decoded.values() {
            for f in features {
                assert!(
                    f.geometry.is_valid(),
                    "{tile}: invalid geometry {:?}",
                    f.fields
                );
            }
        }
        for name in ["district_labels", "commune_labels", "hamlet_labels"] {
            if let Some(labels) = decoded.get(name) {
                let codes: std::collections::BTreeSet<&String> =
                    labels.iter().map(|f| &f.fields["code"]).collect();
                assert_eq!(
                    codes.len(),
                    labels.len(),
                    "{tile} {name}: one point per unit"
                );
            }
        }
        let districts = &decoded["districts"];
        assert!(
            districts
                .iter()
                .any(|d| d.fields["name"] == "Thành phố Vinh"),
            "{tile}"
        );
        assert!(districts
            .iter()
            .all(|d| d.fields["type"].len() > 1 && d.fields["code"].len() == 3));
        if let Some(zones) = decoded.get("lockdown_zones") {
            for zone in zones {
                let level: i64 = zone.fields["level"].parse().unwrap();
                assert!((1..=4).contains(&level));
                assert!(["active", "lifted"].contains(&zone.fields["status"].as_str()));
                assert!(zone.fields["since"].starts_with("20"));
            }
        }
        println!(
            "{tile}: {} bytes, layers {:?}",
            bytes.len(),
            decoded
                .iter()
                .map(|(k, v)| (k.as_str(), v.len()))
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn every_layer_decodes_with_its_attributes() {
    let (_, tiles) = data();
    // Over the province at z12, every layer turns up somewhere; check each one's attributes.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (lon, lat) in [
        (105.69, 18.68),
        (105.60, 18.80),
        (105.35, 18.90),
        (105.45, 19.05),
        (105.55, 18.95),
        (104.9, 19.2),
    ] {
        for dx in 0..3 {
            for dy in 0..3 {
                let base = tile_at(12, lon, lat);
                let tile = TileId::new(12, base.x + dx, base.y + dy).unwrap();
                let Some(bytes) = tiles.render(tile).unwrap() else {
                    continue;
                };
                for (name, features) in decode(tile, &bytes) {
                    let spec = covidmap_tiles::catalogue::layer(&name).unwrap();
                    for f in &features {
                        // GDAL reports the feature id as a field.
                        for key in f.fields.keys().filter(|k| *k != "mvt_id") {
                            assert!(
                                spec.fields.iter().any(|(k, _)| k == key),
                                "{name}: undocumented {key}"
                            );
                        }
                        assert!(
                            f.fields.contains_key("name") || name == "commune_levels",
                            "{name}"
                        );
                    }
                    *seen.entry(name).or_default() += features.len();
                }
            }
        }
    }
    println!("features seen at z12: {seen:?}");
    for spec in LAYERS {
        assert!(
            seen.get(spec.name).is_some_and(|n| *n > 0),
            "{} never appeared",
            spec.name
        );
    }
}

/// Length of every ring of a (multi)polygon.
fn perimeter(g: &Geometry) -> f64 {
    if g.geometry_count() == 0 {
        let mut points = Vec::new();
        g.get_points(&mut points);
        return points
            .windows(2)
            .map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1))
            .sum();
    }
    (0..g.geometry_count())
        .map(|i| perimeter(&g.get_geometry(i)))
        .sum()
}

/// Area of the holes of a (multi)polygon.
fn holes_area(g: &Geometry) -> f64 {
    let polygon_holes = |p: &Geometry| -> f64 {
        (1..p.geometry_count())
            .map(|i| p.get_geometry(i).area())
            .sum()
    };
    if g.geometry_name() == "POLYGON" {
        return polygon_holes(g);
    }
    (0..g.geometry_count())
        .map(|i| polygon_holes(&g.get_geometry(i)))
        .sum()
}

/// Total area of some decoded polygons, the area of their union, and of its holes.
fn area_and_union(geometries: &[&Geometry]) -> (f64, f64, f64) {
    let total = geometries.iter().map(|g| g.area()).sum();
    let union = geometries
        .iter()
        .skip(1)
        .fold(geometries[0].clone(), |acc, g| acc.union(g).unwrap());
    (total, union.area(), holes_area(&union))
}

/// Children tile their parent within the tile: at every zoom checked, siblings overlap by less
/// than a pixel per child (sub-pixel slivers where two districts' source boundaries differ by
/// centimetres), and their union follows the parent's outline within half a pixel.
#[test]
fn neighbours_share_boundaries_without_gaps_or_overlaps() {
    let (_, tiles) = data();
    for (z, child_layer, parent_layer) in [
        (9, "communes", "districts"),
        (11, "communes", "districts"),
        (12, "hamlets", "communes"),
        (14, "hamlets", "communes"),
    ] {
        let tile = tile_at(z, 105.62, 18.75);
        let decoded = decode(tile, &tiles.render(tile).unwrap().unwrap());
        // The buffer is drawn over by the next tile and never shown: compare the tile itself
        // (cut out with GEOS).
        let b = tile.bounds();
        let shown = Geometry::bbox(b.min_x, b.min_y, b.max_x, b.max_y).unwrap();
        let cut = |g: &Geometry| {
            g.intersection(&shown).unwrap_or_else(|| {
                panic!(
                    "{tile}: GEOS cannot cut a {} (empty: {}, valid: {})",
                    g.geometry_name(),
                    g.is_empty(),
                    g.is_valid()
                )
            })
        };
        let mut checked = 0;
        for parent in &decoded[parent_layer] {
            let cut_children: Vec<Geometry> = decoded[child_layer]
                .iter()
                .filter(|c| c.fields["parent_code"] == parent.fields["code"])
                .map(|c| cut(&c.geometry))
                .collect();
            let children: Vec<&Geometry> = cut_children.iter().collect();
            if children.is_empty() {
                continue; // a district without sample communes
            }
            let (total, union, union_holes) = area_and_union(&children);
            let parent_area = cut(&parent.geometry).area();
            // In tile pixels (1/4096 of the tile's width) squared: what a screen could show.
            let pixel = tile.size() / f64::from(covidmap_tiles::EXTENT);
            let overlap = (total - union) / (pixel * pixel);
            let gap = (parent_area - union).abs() / (pixel * pixel);
            // Siblings share their boundaries exactly (overlaps: under a pixel per child).
            // Against the parent's outline, drawn on its own layer, the children may stray by
            // half a pixel: a child's corner on the parent's edge is not a corner of the
            // parent, and snaps alone.
            #[allow(clippy::cast_precision_loss)]
            let budget = children.len() as f64;
            let outline_budget = budget + 0.5 * perimeter(&cut(&parent.geometry)) / pixel;
            println!(
                "{tile}: {} {child_layer} of {}: overlaps {overlap:.2} px², differs from the outline by {gap:.2} px² (allowed {outline_budget:.0})",
                children.len(),
                parent.fields["name"]
            );
            assert!(
                overlap <= budget,
                "{tile}: {child_layer} of {} overlap by {overlap} px²",
                parent.fields["name"]
            );
            // No gap opens between siblings: the union has no hole the parent lacks.
            let new_holes = (union_holes - holes_area(&cut(&parent.geometry))) / (pixel * pixel);
            assert!(
                new_holes <= budget,
                "{tile}: gaps of {new_holes} px² between {child_layer} of {}",
                parent.fields["name"]
            );
            assert!(
                gap <= outline_budget,
                "{tile}: {child_layer} of {} leave {gap} px² uncovered",
                parent.fields["name"]
            );
            checked += 1;
        }
        assert!(checked > 0, "{tile}: nothing to compare");
    }
}
