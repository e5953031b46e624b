//! The snapshot against linear scans and small worlds drawn by hand.

use crate::Snapshot;
use covidmap_core::circle::METRES_PER_DEGREE;
use covidmap_core::layers::{Facility, FacilityKind, Layers, LockdownPoint, LockdownZone};
use covidmap_core::{AdminUnit, Level};
use geo::{Distance, Haversine, Point};

use geo::{polygon, Contains, MultiPolygon};

fn unit(code: &str, level: Level, parent: Option<&str>, x: f64, y: f64, size: f64) -> AdminUnit {
    AdminUnit {
        code: code.into(),
        level,
        name: code.into(),
        name_key: code.into(),
        unit_type: level.default_type(),
        parent_code: parent.map(Into::into),
        geometry: MultiPolygon(vec![
            polygon![(x: x, y: y), (x: x + size, y: y), (x: x + size, y: y + size), (x: x, y: y + size)],
        ]),
    }
}

/// A province of 4×4 districts, each of 3×3 communes, each of 2×2 hamlets.
fn grid() -> Vec<AdminUnit> {
    let mut units = vec![unit("40", Level::Province, None, 0.0, 0.0, 12.0)];
    for dx in 0..4 {
        for dy in 0..4 {
            let d = format!("d{dx}{dy}");
            units.push(unit(
                &d,
                Level::District,
                Some("40"),
                f64::from(dx) * 3.0,
                f64::from(dy) * 3.0,
                3.0,
            ));
            for cx in 0..3 {
                for cy in 0..3 {
                    let c = format!("{d}c{cx}{cy}");
                    let (x, y) = (f64::from(dx * 3 + cx), f64::from(dy * 3 + cy));
                    units.push(unit(&c, Level::Commune, Some(&d), x, y, 1.0));
                    for hx in 0..2 {
                        for hy in 0..2 {
                            let h = format!("{c}h{hx}{hy}");
                            units.push(unit(
                                &h,
                                Level::Hamlet,
                                Some(&c),
                                x + f64::from(hx) * 0.5,
                                y + f64::from(hy) * 0.5,
                                0.5,
                            ));
                        }
                    }
                }
            }
        }
    }
    units
}

#[test]
fn locate_agrees_with_a_linear_scan() {
    let units = grid();
    let snapshot = Snapshot::new(units.clone());
    // A fixed pseudo-random walk over the province and beyond (no RNG crate needed).
    let mut seed: u64 = 0x2021_0913;
    for _ in 0..2_000 {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let x = (seed >> 11) as f64 / (1u64 << 53) as f64 * 14.0 - 1.0;
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let y = (seed >> 11) as f64 / (1u64 << 53) as f64 * 14.0 - 1.0;
        let p = Point::new(x, y);
        let brute = |level: Level| {
            units
                .iter()
                .find(|u| u.level == level && u.geometry.contains(&p))
                .map(|u| u.code.as_str())
        };
        let chain = snapshot.locate(p);
        assert_eq!(
            chain.hamlet.map(|u| u.code.as_str()),
            brute(Level::Hamlet),
            "{p:?}"
        );
        assert_eq!(
            chain.commune.map(|u| u.code.as_str()),
            brute(Level::Commune),
            "{p:?}"
        );
        assert_eq!(
            chain.district.map(|u| u.code.as_str()),
            brute(Level::District),
            "{p:?}"
        );
        assert_eq!(chain.is_inside(), brute(Level::Province).is_some(), "{p:?}");
    }
}

#[test]
fn a_district_without_communes_still_answers() {
    let units = vec![
        unit("40", Level::Province, None, 0.0, 0.0, 2.0),
        unit("413", Level::District, Some("40"), 0.0, 0.0, 1.0),
    ];
    let snapshot = Snapshot::new(units);
    let chain = snapshot.locate(Point::new(0.5, 0.5));
    assert_eq!(chain.district.map(|u| u.code.as_str()), Some("413"));
    assert!(chain.commune.is_none() && chain.hamlet.is_none());
    assert!(!snapshot.locate(Point::new(5.0, 5.0)).is_inside());
}

fn declaration(active: bool) -> covidmap_core::layers::Declaration {
    covidmap_core::layers::Declaration {
        level: 4,
        active,
        reason: "ca mắc".into(),
        declared_by: "UBND huyện".into(),
        started_at: chrono::DateTime::UNIX_EPOCH,
        planned_end: None,
        lifted_at: None,
    }
}

fn facility(kind: FacilityKind, id: &str, x: f64, y: f64, status: &str) -> Facility {
    Facility {
        kind,
        id: id.into(),
        name: id.into(),
        location: Point::new(x, y),
        outline: None,
        status: status.into(),
        managed_by: None,
        category: None,
        capacity: None,
        occupancy: None,
    }
}

#[test]
fn lockdowns_cover_only_where_they_are_active() {
    let mut layers = Layers::default();
    for (id, x, active) in [("on", 0.0, true), ("off", 2.0, false)] {
        layers.zones.push(LockdownZone {
            id: id.into(),
            name: id.into(),
            declaration: declaration(active),
            unit_codes: vec![],
            area: unit(id, Level::Hamlet, None, x, 0.0, 1.0).geometry,
        });
    }
    layers.points.push(LockdownPoint {
        id: "p".into(),
        name: "p".into(),
        declaration: declaration(true),
        location: Point::new(105.0, 19.0),
        radius_m: 100.0,
    });
    let s = Snapshot::with_layers(grid(), layers);
    assert_eq!(s.zones_at(Point::new(0.5, 0.5)).len(), 1);
    assert!(
        s.zones_at(Point::new(2.5, 0.5)).is_empty(),
        "a lifted zone locks nothing down"
    );
    assert!(s.zones_at(Point::new(1.5, 0.5)).is_empty());
    // 50 m north of the point is inside its 100 m radius; 150 m is not.
    let north = |m: f64| Point::new(105.0, 19.0 + m / METRES_PER_DEGREE);
    assert_eq!(s.lockdown_points_at(north(50.0)).len(), 1);
    assert!(s.lockdown_points_at(north(150.0)).is_empty());
}

#[test]
fn units_are_covered_wholly_in_part_or_not_at_all() {
    let units = grid();
    let geometry = |code: &str| {
        units
            .iter()
            .find(|u| u.code == code)
            .map(|u| u.geometry.clone())
            .unwrap()
    };
    let zone = |id: &str, active: bool, codes: Vec<String>, area| LockdownZone {
        id: id.into(),
        name: id.into(),
        declaration: declaration(active),
        unit_codes: codes,
        area,
    };
    let layers = Layers {
        zones: vec![
            zone("drawn", true, vec![], geometry("d00c00h00")),
            zone("by-code", true, vec!["d00c01".into()], geometry("d00c01")),
            zone("lifted", false, vec![], geometry("d00c02")),
        ],
        points: vec![LockdownPoint {
            id: "point".into(),
            name: "point".into(),
            declaration: declaration(true),
            location: Point::new(3.5, 0.5),
            radius_m: 1_000.0,
        }],
        ..Layers::default()
    };
    let s = Snapshot::with_layers(units.clone(), layers);
    let cover = |code: &str| s.unit_lockdown(s.unit(code).unwrap());
    // The drawn zone is exactly one hamlet: that hamlet wholly, its commune a quarter.
    assert!(cover("d00c00h00").whole());
    let commune = cover("d00c00");
    assert!(commune.partial() && !commune.whole());
    assert!((commune.covered_share - 0.25).abs() < 1e-9, "{commune:?}");
    assert_eq!(commune.zones.len(), 1);
    // Its neighbour only shares an edge with it.
    let neighbour = cover("d00c00h10");
    assert!(!neighbour.partial() && !neighbour.whole(), "{neighbour:?}");
    // Declared on a commune: every hamlet in it, by code.
    assert!(cover("d00c01h11").whole());
    assert!(cover("d00").partial());
    // Lifted: nothing.
    assert!(cover("d00c02h00").zones.is_empty());
    // A 1 km lockdown point inside a commune of about 100 km: partial.
    let around_point = cover("d10c00");
    assert!(around_point.partial() && around_point.points.len() == 1);
    assert!(around_point.covered_share < 0.001);
}

#[test]
fn new_layers_keep_the_indexed_units() {
    let before = Snapshot::new(grid());
    let mut layers = Layers::default();
    layers.zones.push(LockdownZone {
        id: "z".into(),
        name: "z".into(),
        declaration: declaration(true),
        unit_codes: vec![],
        area: unit("z", Level::Hamlet, None, 0.0, 0.0, 1.0).geometry,
    });
    let after = before.with_new_layers(layers);
    assert!(before.same_units(&after));
    assert!(before.zones_at(Point::new(0.5, 0.5)).is_empty());
    assert_eq!(after.zones_at(Point::new(0.5, 0.5)).len(), 1);
    assert_eq!(
        after.locate(Point::new(0.5, 0.5)),
        before.locate(Point::new(0.5, 0.5))
    );
}

#[test]
fn nearest_agrees_with_a_linear_scan() {
    let mut layers = Layers::default();
    let mut seed: u64 = 42;
    let mut next = || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    for i in 0..300 {
        let status = if i % 7 == 0 { "closed" } else { "open" };
        layers.facilities.push(facility(
            FacilityKind::TestingSite,
            &format!("t{i}"),
            104.0 + next() * 2.0,
            18.5 + next() * 1.5,
            status,
        ));
    }
    let all = layers.facilities.clone();
    let s = Snapshot::with_layers(vec![], layers);
    for _ in 0..500 {
        let p = Point::new(104.0 + next() * 2.0, 18.5 + next() * 1.5);
        let (found, d) = s.nearest(FacilityKind::TestingSite, p).unwrap();
        let best = all
            .iter()
            .filter(|f| f.is_open())
            .map(|f| Haversine.distance(f.location, p))
            .fold(f64::INFINITY, f64::min);
        assert!(
            (d - best).abs() < 1e-6,
            "{p:?}: found {} at {d} m, best {best} m",
            found.id
        );
        assert!(found.is_open());
    }
    assert!(s
        .nearest(FacilityKind::Checkpoint, Point::new(105.0, 19.0))
        .is_none());
}

#[test]
fn search_finds_units_by_their_and_their_parents_names() {
    let mut units = vec![
        unit("40", Level::Province, None, 0.0, 0.0, 4.0),
        unit("412", Level::District, Some("40"), 0.0, 0.0, 2.0),
        unit("17902", Level::Commune, Some("412"), 0.0, 0.0, 1.0),
        unit("17902-01", Level::Hamlet, Some("17902"), 0.0, 0.0, 0.5),
        unit("17902-02", Level::Hamlet, Some("17902"), 0.5, 0.0, 0.5),
        unit("18000", Level::Commune, Some("412"), 1.0, 0.0, 1.0),
        unit("18000-01", Level::Hamlet, Some("18000"), 1.0, 0.0, 0.5),
    ];
    for (code, name, t) in [
        ("412", "Thành phố Vinh", covidmap_core::UnitType::ThanhPho),
        ("17902", "Xã Nghi Phong", covidmap_core::UnitType::Xa),
        ("17902-01", "Xóm 1", covidmap_core::UnitType::Xom),
        ("17902-02", "Xóm 2", covidmap_core::UnitType::Xom),
        ("18000", "Xã Nghi Phú", covidmap_core::UnitType::Xa),
        ("18000-01", "Xóm 1", covidmap_core::UnitType::Xom),
    ] {
        let u = units.iter_mut().find(|u| u.code == code).unwrap();
        u.name = name.into();
        u.unit_type = t;
    }
    let s = Snapshot::new(units);
    let codes = |q: &str| {
        s.search(q, 10)
            .into_iter()
            .map(|u| u.code.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(codes("nghi phong")[0], "17902");
    assert_eq!(codes("xom 1 nghi phong"), ["17902-01"]);
    assert_eq!(codes("Nghi Phong, xóm 1"), ["17902-01"]);
    assert_eq!(
        codes("NGHI PH"),
        ["17902", "18000", "17902-01", "17902-02", "18000-01"]
    );
    assert!(codes("ha noi").is_empty());
    assert!(codes("  ").is_empty());
    assert_eq!(codes("vinh")[0], "412");
}
