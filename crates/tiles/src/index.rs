//! The features of every layer in Web Mercator metres, with their attributes, in one R-tree
//! per layer. Units and operational layers are indexed apart, like the snapshot's, so a
//! lockdown edit re-indexes only the operational layers.

use crate::catalogue::{layer, LayerSpec};
use crate::grid::{to_mercator, MercatorRect};
use crate::simplify::{weigh, AreaWeights};
use covidmap_core::layers::{Declaration, Facility, FacilityKind, Layers};
use covidmap_core::{AdminUnit, Level};
use geo::{Area, BoundingRect, Coord, InteriorPoint, MapCoords, MultiPolygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use std::collections::HashMap;
use std::sync::Arc;

/// An attribute value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text.
    Text(String),
    /// Whole number.
    Int(i64),
}

/// Polygons, with the weights that simplify them for a zoom.
#[derive(Debug)]
pub struct Outline {
    /// In Mercator metres.
    pub polygons: MultiPolygon<f64>,
    /// Each vertex's weight (see [`crate::simplify`]); `None`: keep every vertex (lockdown
    /// zones, which are few, small and drawn as declared).
    pub weights: Option<AreaWeights>,
}

/// A feature's geometry, in Mercator metres.
#[derive(Debug, Clone)]
pub enum Shape {
    /// Polygons (shared: a commune's outline serves two layers).
    Area(Arc<Outline>),
    /// A point.
    Point([f64; 2]),
}

/// One feature of a layer.
#[derive(Debug, Clone)]
pub struct TileFeature {
    /// Position in the layer (stable for a given data set): the order features are written.
    pub id: u64,
    /// Geometry.
    pub shape: Shape,
    /// Attributes, in the catalogue's order.
    pub attributes: Vec<(&'static str, Value)>,
}

/// A feature's bounding box in the R-tree, with its position in the layer.
type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// One layer's features, indexed.
#[derive(Debug)]
pub struct LayerData {
    /// What the layer is.
    pub spec: &'static LayerSpec,
    features: Vec<TileFeature>,
    tree: RTree<Entry>,
}

impl LayerData {
    fn new(name: &str, features: Vec<TileFeature>) -> Self {
        let spec = layer(name).unwrap_or(&crate::catalogue::LAYERS[0]);
        let tree = RTree::bulk_load(
            features
                .iter()
                .enumerate()
                .filter_map(|(index, f)| {
                    envelope(&f.shape).map(|e| Entry::new(Rectangle::from_aabb(e), index))
                })
                .collect(),
        );
        LayerData {
            spec,
            features,
            tree,
        }
    }

    /// Features whose bounding box meets the rectangle.
    pub fn features_in(&self, rect: &MercatorRect) -> impl Iterator<Item = &TileFeature> {
        let query = AABB::from_corners([rect.min_x, rect.min_y], [rect.max_x, rect.max_y]);
        self.tree
            .locate_in_envelope_intersecting(&query)
            .map(|e| &self.features[e.data])
    }

    /// How many features it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// Whether it holds none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }
}

fn envelope(shape: &Shape) -> Option<AABB<[f64; 2]>> {
    match shape {
        Shape::Area(a) => a
            .polygons
            .bounding_rect()
            .map(|r| AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])),
        Shape::Point(p) => Some(AABB::from_point(*p)),
    }
}

fn mercator(area: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    area.map_coords(|c| {
        let [x, y] = to_mercator(c.x, c.y);
        Coord { x, y }
    })
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// The unit layers: districts, communes, hamlets.
#[derive(Debug)]
pub struct UnitLayers {
    /// In catalogue order.
    pub layers: Vec<LayerData>,
    communes: HashMap<String, (String, Arc<Outline>)>,
}

impl UnitLayers {
    /// Projects and indexes the units.
    #[must_use]
    pub fn new(units: &[AdminUnit]) -> Self {
        let mut by_level: HashMap<Level, Vec<TileFeature>> = HashMap::new();
        let mut communes = HashMap::new();
        let at = |level: Level| -> Vec<&AdminUnit> {
            units.iter().filter(|u| u.level == level).collect()
        };
        for level in [Level::District, Level::Commune, Level::Hamlet] {
            let these = at(level);
            // The outlines they lie in, whose edges theirs share: for communes, the
            // districts, or the province where it has two tiers.
            let parents: std::collections::HashSet<&str> = these
                .iter()
                .filter_map(|u| u.parent_code.as_deref())
                .collect();
            let above: Vec<&AdminUnit> = level
                .parent_levels()
                .iter()
                .flat_map(|&l| at(l))
                .filter(|p| parents.contains(p.code.as_str()))
                .collect();
            let geometries: Vec<&MultiPolygon<f64>> = these.iter().map(|u| &u.geometry).collect();
            let parents: Vec<&MultiPolygon<f64>> = above.iter().map(|u| &u.geometry).collect();
            let projected: Vec<MultiPolygon<f64>> =
                crate::topology::node_shared_boundaries(&geometries, &parents)
                    .iter()
                    .map(mercator)
                    .collect();
            let weights = weigh(&projected.iter().collect::<Vec<_>>());
            let features = by_level.entry(level).or_default();
            for ((u, polygons), weights) in these.into_iter().zip(projected).zip(weights) {
                let outline = Arc::new(Outline {
                    polygons,
                    weights: Some(weights),
                });
                if level == Level::Commune {
                    communes.insert(u.code.clone(), (u.name.clone(), Arc::clone(&outline)));
                }
                features.push(TileFeature {
                    id: features.len() as u64 + 1,
                    shape: Shape::Area(outline),
                    attributes: vec![
                        ("code", text(&u.code)),
                        ("name", text(&u.name)),
                        ("type", text(u.unit_type.label())),
                        ("parent_code", text(u.parent_code.as_deref().unwrap_or(""))),
                    ],
                });
            }
        }
        use crate::catalogue::UNIT_LAYERS;
        let label_layers: Vec<LayerData> = UNIT_LAYERS
            .iter()
            .map(|&(_, name, level)| LayerData::new(name, label_points(units, level)))
            .collect();
        let layers = UNIT_LAYERS
            .iter()
            .map(|&(name, _, level)| {
                LayerData::new(name, by_level.remove(&level).unwrap_or_default())
            })
            .chain(label_layers)
            .collect();
        UnitLayers { layers, communes }
    }
}

/// A point inside each unit of the level (in its largest part), with its code and name.
fn label_points(units: &[AdminUnit], level: Level) -> Vec<TileFeature> {
    units
        .iter()
        .filter(|u| u.level == level)
        .filter_map(|u| {
            let largest = u
                .geometry
                .iter()
                .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))?;
            let inside = largest.interior_point()?;
            Some((u, to_mercator(inside.x(), inside.y())))
        })
        .enumerate()
        .map(|(i, (u, point))| TileFeature {
            id: i as u64 + 1,
            shape: Shape::Point(point),
            attributes: vec![("code", text(&u.code)), ("name", text(&u.name))],
        })
        .collect()
}

/// The operational layers, and the commune levels drawn on the communes' outlines.
#[derive(Debug)]
pub struct OperationalLayers {
    /// In catalogue order.
    pub layers: Vec<LayerData>,
}

impl OperationalLayers {
    /// Projects and indexes the layers; commune levels take their outline from `units`.
    #[must_use]
    pub fn new(data: &Layers, units: &UnitLayers) -> Self {
        let declaration = |d: &Declaration| {
            let mut a = vec![
                ("level", Value::Int(i64::from(d.level))),
                ("status", text(if d.active { "active" } else { "lifted" })),
                ("reason", text(&d.reason)),
                ("declared_by", text(&d.declared_by)),
                ("since", text(&d.started_at.to_rfc3339())),
            ];
            if let Some(end) = d.planned_end {
                a.push(("planned_end", text(&end.to_rfc3339())));
            }
            a
        };
        let numbered = |features: Vec<(Shape, Vec<(&'static str, Value)>)>| {
            features
                .into_iter()
                .enumerate()
                .map(|(i, (shape, attributes))| TileFeature {
                    id: i as u64 + 1,
                    shape,
                    attributes,
                })
                .collect::<Vec<_>>()
        };
        let commune_levels = numbered(
            data.commune_levels
                .iter()
                .filter_map(|c| {
                    let (name, area) = units.communes.get(&c.commune_code)?;
                    Some((
                        Shape::Area(Arc::clone(area)),
                        vec![
                            ("code", text(&c.commune_code)),
                            ("name", text(name)),
                            ("level", Value::Int(i64::from(c.level))),
                            ("active_cases", Value::Int(i64::from(c.active_cases))),
                        ],
                    ))
                })
                .collect(),
        );
        let zones = numbered(
            data.zones
                .iter()
                .map(|z| {
                    let mut a = vec![("id", text(&z.id)), ("name", text(&z.name))];
                    a.extend(declaration(&z.declaration));
                    let outline = Outline {
                        polygons: mercator(&z.area),
                        weights: None,
                    };
                    (Shape::Area(Arc::new(outline)), a)
                })
                .collect(),
        );
        let points = numbered(
            data.points
                .iter()
                .map(|p| {
                    let mut a = vec![("id", text(&p.id)), ("name", text(&p.name))];
                    a.extend(declaration(&p.declaration));
                    #[allow(clippy::cast_possible_truncation)] // radii are at most 5 km
                    a.push(("radius_m", Value::Int(p.radius_m.round() as i64)));
                    (Shape::Point(to_mercator(p.location.x(), p.location.y())), a)
                })
                .collect(),
        );
        let facilities = |kind: FacilityKind| {
            numbered(
                data.facilities
                    .iter()
                    .filter(|f| f.kind == kind)
                    .map(|f| {
                        (
                            Shape::Point(to_mercator(f.location.x(), f.location.y())),
                            facility_attributes(f),
                        )
                    })
                    .collect(),
            )
        };
        let layers = vec![
            LayerData::new("commune_levels", commune_levels),
            LayerData::new("lockdown_zones", zones),
            LayerData::new("lockdown_points", points),
            LayerData::new("checkpoints", facilities(FacilityKind::Checkpoint)),
            LayerData::new("quarantine_camps", facilities(FacilityKind::QuarantineCamp)),
            LayerData::new("testing_sites", facilities(FacilityKind::TestingSite)),
            LayerData::new(
                "essential_services",
                facilities(FacilityKind::EssentialService),
            ),
        ];
        OperationalLayers { layers }
    }
}

fn facility_attributes(f: &Facility) -> Vec<(&'static str, Value)> {
    let mut a = vec![
        ("id", text(&f.id)),
        ("name", text(&f.name)),
        ("status", text(&f.status)),
    ];
    if let Some(m) = &f.managed_by {
        a.push(("managed_by", text(m)));
    }
    if let Some(c) = &f.category {
        a.push(("category", text(c)));
    }
    if let Some(c) = f.capacity {
        a.push(("capacity", Value::Int(i64::from(c))));
    }
    if let Some(o) = f.occupancy {
        a.push(("occupancy", Value::Int(i64::from(o))));
    }
    a
}

/// A rectangle around a lon/lat bounding box, in Mercator metres (for cache invalidation).
#[must_use]
pub fn mercator_rect(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> MercatorRect {
    let [min_x, min_y] = to_mercator(min_lon, min_lat);
    let [max_x, max_y] = to_mercator(max_lon, max_lat);
    MercatorRect {
        min_x,
        min_y,
        max_x,
        max_y,
    }
}
