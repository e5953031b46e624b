//! The policy's rules, case by case, over two districts drawn as squares: 412 (west) and
//! 413 (east), a commune in each and a hamlet in each commune.

use super::*;
use crate::agency::{Organisation, Role};
use crate::fixtures::{square, square_unit};
use crate::AdminUnit;

struct Map(Vec<AdminUnit>);

impl Places for Map {
    fn unit(&self, code: &str) -> Option<&AdminUnit> {
        self.0.iter().find(|u| u.code == code)
    }
    fn unit_at(&self, level: Level, point: Point<f64>) -> Option<&AdminUnit> {
        use geo::Contains;
        self.0
            .iter()
            .find(|u| u.level == level && u.geometry.contains(&point))
    }
    fn districts(&self) -> Vec<&AdminUnit> {
        self.0
            .iter()
            .filter(|u| u.level == Level::District)
            .collect()
    }
}

fn map() -> Map {
    Map(vec![
        square_unit("412", Level::District, None, 105.0, 19.0, 0.1),
        square_unit("413", Level::District, None, 105.1, 19.0, 0.1),
        square_unit("17902", Level::Commune, Some("412"), 105.0, 19.0, 0.05),
        square_unit("17833", Level::Commune, Some("413"), 105.1, 19.0, 0.05),
        square_unit("17902-01", Level::Hamlet, Some("17902"), 105.0, 19.0, 0.02),
        square_unit("17833-02", Level::Hamlet, Some("17833"), 105.1, 19.0, 0.02),
    ])
}

fn caller(kind: OrgKind, district: Option<&str>, role: Role) -> Caller {
    Caller {
        token_id: 1,
        role,
        org: Organisation {
            id: "x".into(),
            name: format!("the {kind}"),
            kind,
            district_code: district.map(str::to_owned),
        },
    }
}

fn vinh() -> Caller {
    caller(OrgKind::DistrictCommittee, Some("412"), Role::Editor)
}

/// The refusal's words, or "ok".
fn answer(caller: &Caller, action: &Action) -> String {
    let map = map();
    match Policy::new(&map).check(caller, action) {
        Ok(()) => "ok".into(),
        Err(refusal) => refusal.to_string(),
    }
}

fn boundaries(level: Level, codes: &[&str], parents: &[&str]) -> Place {
    Place::Boundaries {
        level,
        codes: codes.iter().map(|c| (*c).to_owned()).collect(),
        parents: parents.iter().map(|c| (*c).to_owned()).collect(),
        outlines: Vec::new(),
    }
}

#[test]
fn each_kind_writes_what_it_keeps_and_nothing_else() {
    let anywhere = |entity| Action::new(entity, Place::Anywhere);
    for (kind, entities) in KEEPS {
        let c = caller(kind, kind.is_per_district().then_some("412"), Role::Editor);
        for entity in Entity::ALL {
            let got = answer(&c, &anywhere(entity));
            assert_eq!(
                got == "ok",
                entities.contains(&entity),
                "{kind} {entity}: {got}"
            );
        }
        let viewer = caller(kind, kind.is_per_district().then_some("412"), Role::Viewer);
        assert!(answer(&viewer, &anywhere(entities[0])).contains("viewer"));
    }
    assert_eq!(
        answer(&vinh(), &anywhere(Entity::Checkpoints)),
        "the district_committee (district_committee) may not write checkpoints: it is kept by police, military and the provincial office"
    );
    let labour = caller(OrgKind::Labour, None, Role::Editor);
    assert!(answer(&labour, &anywhere(Entity::Directives))
        .ends_with("only the provincial office keeps it"));
}

#[test]
fn a_district_writes_inside_its_district_only() {
    let cases: [(&str, Place, &str); 12] = [
        (
            "a zone inside",
            Place::Area(square(105.02, 19.02, 0.01)),
            "ok",
        ),
        (
            "a sliver over the border",
            Place::Area(square(105.09001, 19.02, 0.01)),
            "ok",
        ),
        (
            "a zone over the border",
            Place::Area(square(105.095, 19.02, 0.02)),
            "reaches 1.6 km past its border, into the 413 (413)",
        ),
        // The whole district and a strip of the neighbour: a small share, refused all the same.
        (
            "the district and a strip",
            Place::Area(square(105.0, 19.0, 0.1005)),
            "reaches 76 m past its border",
        ),
        ("a point in", Place::Point(Point::new(105.05, 19.05)), "ok"),
        (
            "a point on the border road",
            Place::Point(Point::new(105.1003, 19.05)),
            "ok",
        ),
        (
            "a point next door",
            Place::Point(Point::new(105.15, 19.05)),
            "lies in the 413 (413)",
        ),
        (
            "a circle next door",
            Place::Circle(Point::new(105.0987, 19.05), 5_000.0),
            "reaches 4.",
        ),
        (
            "a small circle by the border",
            Place::Circle(Point::new(105.0987, 19.05), 150.0),
            "ok",
        ),
        (
            "a neighbour's hamlet by code",
            Place::Units(vec!["17902-01".into(), "17833-02".into()]),
            "the 17833-02 (17833-02) lies in the 413 (413), not in 412",
        ),
        (
            "a neighbour's commune",
            Place::Commune("17833".into()),
            "not in 412",
        ),
        ("one's own commune", Place::Commune("17902".into()), "ok"),
    ];
    for (case, place, expected) in cases {
        let got = answer(&vinh(), &Action::new(Entity::LockdownZones, place));
        if expected == "ok" {
            assert_eq!(got, "ok", "{case}");
        } else {
            assert!(got.contains(expected), "{case}: {got}");
        }
    }
    // The province-wide write anywhere.
    let cdc = caller(OrgKind::Cdc, None, Role::Editor);
    let far = Action::new(Entity::TestingSites, Place::Point(Point::new(107.0, 19.0)));
    assert_eq!(answer(&cdc, &far), "ok");
}

#[test]
fn boundaries_carry_no_other_districts_unit() {
    let drawn = |x: f64| Place::Boundaries {
        level: Level::Hamlet,
        codes: vec!["17902-01".into()],
        parents: vec!["17902".into()],
        outlines: vec![("17902-01".into(), square(x, 19.01, 0.02))],
    };
    let cases: [(&str, Place, &str); 9] = [
        ("an outline at home", drawn(105.02), "ok"),
        // The right code and parent, drawn 2 km into the neighbour.
        (
            "an outline reaching next door",
            drawn(105.09),
            "hamlet 17902-01 reaches",
        ),
        (
            "a parent that is no more",
            boundaries(Level::Hamlet, &["17902-01"], &["17999"]),
            "\"17999\" lies in no district",
        ),
        (
            "own hamlets",
            boundaries(Level::Hamlet, &["17902-01", "17902-07"], &["17902"]),
            "ok",
        ),
        // The neighbour's hamlet code, given one's own commune as parent.
        (
            "a neighbour's hamlet moved in",
            boundaries(Level::Hamlet, &["17833-02"], &["17902"]),
            "17833-02 (17833-02) lies in the 413 (413), not in 412",
        ),
        (
            "a new hamlet coded in the neighbour's commune",
            boundaries(Level::Hamlet, &["17833-09"], &["17902"]),
            "not in 412",
        ),
        (
            "a neighbour's commune moved in",
            boundaries(Level::Commune, &["17833"], &["412"]),
            "not in 412",
        ),
        (
            "into the neighbour's commune",
            boundaries(Level::Hamlet, &["17902-09"], &["17833"]),
            "not in 412",
        ),
        (
            "districts",
            boundaries(Level::District, &["412"], &["40"]),
            "district boundaries are the provincial office's",
        ),
    ];
    for (case, place, expected) in cases {
        let got = answer(&vinh(), &Action::new(Entity::Boundaries, place));
        if expected == "ok" {
            assert_eq!(got, "ok", "{case}");
        } else {
            assert!(got.contains(expected), "{case}: {got}");
        }
    }
}

#[test]
fn checkpoints_and_camps_are_changed_by_who_manages_them() {
    let at = Place::Point(Point::new(105.05, 19.05));
    let checkpoint = |manager: &str| {
        Action::new(Entity::Checkpoints, at.clone()).managed_by(Some(manager.to_owned()))
    };
    let police = caller(OrgKind::Police, None, Role::Editor);
    assert_eq!(answer(&police, &checkpoint("police")), "ok");
    assert_eq!(
        answer(&police, &checkpoint("military")),
        "the checkpoint is managed by military; only they or the provincial office may change it"
    );
    let office = caller(OrgKind::ProvincialOffice, None, Role::Editor);
    assert_eq!(answer(&office, &checkpoint("military")), "ok");
    let health = caller(OrgKind::DistrictHealthCentre, Some("412"), Role::Editor);
    let camp = Action::new(Entity::QuarantineCamps, at).managed_by(Some("military".into()));
    assert!(answer(&health, &camp).contains("managed by military"));
}

#[test]
fn districts_are_found_through_parents() {
    let map = map();
    assert_eq!(
        map.district_of("17902-01").map(|d| d.code.as_str()),
        Some("412")
    );
    assert_eq!(map.district_of("412").map(|d| d.code.as_str()), Some("412"));
    assert!(map.district_of("99999").is_none());
    assert_eq!(map.districts().len(), 2);
}
