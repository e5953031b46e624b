//! Sample operational layers on top of the sample units: lockdown zones (whole hamlets and
//! communes), lockdown points, checkpoints on district boundaries, quarantine camps, a
//! testing site per commune, essential services, and commune epidemic levels. Deterministic.

use chrono::{DateTime, Duration, TimeZone, Utc};
use covidmap_core::layers::{
    CommuneLevel, Declaration, Facility, FacilityKind, Layers, LockdownPoint, LockdownZone,
};
use covidmap_core::{AdminUnit, Level};
use geo::{InteriorPoint, Point};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

const REASONS: [&str; 4] = [
    "Ca mắc COVID-19 trong cộng đồng",
    "Chùm ca bệnh chưa rõ nguồn lây",
    "Nhiều F1 liên quan ổ dịch",
    "Ca bệnh từ vùng dịch trở về",
];
const SERVICES: [(&str, &str); 6] = [
    ("market", "Chợ"),
    ("grocery", "Cửa hàng tạp hoá"),
    ("pharmacy", "Nhà thuốc"),
    ("petrol", "Cây xăng"),
    ("supermarket", "Siêu thị"),
    ("bank", "Ngân hàng"),
];

/// The day the portal went live; sample measures are dated around it.
fn portal_day() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 9, 12, 17, 0, 0)
        .single()
        .unwrap_or_default()
}

/// Sample layers over the given units (province, districts, communes, hamlets).
#[must_use]
pub fn layers(units: &[AdminUnit], seed: u64) -> Layers {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6c61_7965_7273);
    let of = |level: Level| units.iter().filter(move |u| u.level == level);
    let name_of = |code: &Option<String>| {
        code.as_deref()
            .and_then(|c| units.iter().find(|u| u.code == c))
            .map_or(String::new(), |u| u.name.clone())
    };
    let mut out = Layers::default();

    for hamlet in of(Level::Hamlet) {
        if rng.random_bool(0.035) {
            let name = format!(
                "Phong toả {}, {}",
                hamlet.name,
                name_of(&hamlet.parent_code)
            );
            out.zones
                .push(zone(&mut rng, &hamlet.code, name, hamlet, units));
        }
    }
    for commune in of(Level::Commune) {
        if rng.random_bool(0.008) {
            out.zones.push(zone(
                &mut rng,
                &commune.code,
                format!("Phong toả toàn bộ {}", commune.name),
                commune,
                units,
            ));
        }
    }
    let hamlets: Vec<&AdminUnit> = of(Level::Hamlet).collect();
    for n in 1..=25 {
        let hamlet = hamlets[rng.random_range(0..hamlets.len())];
        let Some(location) = hamlet.geometry.interior_point() else {
            continue;
        };
        out.points.push(LockdownPoint {
            id: format!("point-{n:03}"),
            name: format!("Điểm phong toả số {n}, {}", hamlet.name),
            declaration: declaration(&mut rng, committee(hamlet, units)),
            location,
            radius_m: f64::from(rng.random_range(1..=6_u32) * 50),
        });
    }
    for district in of(Level::District) {
        facilities_of_district(&mut rng, district, units, &mut out.facilities);
    }
    let locked: HashSet<&str> = out
        .zones
        .iter()
        .filter(|z| z.declaration.active)
        .flat_map(|z| z.unit_codes.iter().map(String::as_str))
        .collect();
    // A commune is locked down when a zone covers it or one of its hamlets.
    let locked_communes: HashSet<&str> = of(Level::Hamlet)
        .filter(|h| locked.contains(h.code.as_str()))
        .filter_map(|h| h.parent_code.as_deref())
        .chain(locked.iter().copied())
        .collect();
    for commune in of(Level::Commune) {
        let has_lockdown = locked_communes.contains(commune.code.as_str());
        let level = if has_lockdown {
            4
        } else {
            [1, 1, 1, 1, 2, 2, 3][rng.random_range(0..7)]
        };
        let active_cases = match level {
            4 => rng.random_range(10..120),
            3 => rng.random_range(3..20),
            2 => rng.random_range(1..5),
            _ => 0,
        };
        out.commune_levels.push(CommuneLevel {
            commune_code: commune.code.clone(),
            level,
            active_cases,
        });
    }
    out.last_changed = Some(portal_day());
    out
}

fn declaration(rng: &mut ChaCha8Rng, declared_by: String) -> Declaration {
    let started_at = portal_day() - Duration::days(rng.random_range(0..20))
        + Duration::hours(rng.random_range(6..20));
    let active = rng.random_bool(0.8);
    Declaration {
        level: if rng.random_bool(0.8) { 4 } else { 3 },
        active,
        reason: REASONS[rng.random_range(0..REASONS.len())].to_owned(),
        declared_by,
        started_at,
        planned_end: Some(started_at + Duration::days([14, 21][rng.random_range(0..2)])),
        lifted_at: (!active).then(|| started_at + Duration::days(rng.random_range(7..14))),
    }
}

/// Who declares: the people's committee of the district the unit lies in.
fn committee(unit: &AdminUnit, units: &[AdminUnit]) -> String {
    let mut current = Some(unit);
    while let Some(u) = current {
        if u.level == Level::District {
            return format!("UBND {}", u.name);
        }
        current = u
            .parent_code
            .as_deref()
            .and_then(|code| units.iter().find(|p| p.code == code));
    }
    "UBND tỉnh Nghệ An".to_owned()
}

fn zone(
    rng: &mut ChaCha8Rng,
    code: &str,
    name: String,
    unit: &AdminUnit,
    units: &[AdminUnit],
) -> LockdownZone {
    LockdownZone {
        id: format!("zone-{code}"),
        name,
        declaration: declaration(rng, committee(unit, units)),
        unit_codes: vec![code.to_owned()],
        area: unit.geometry.clone(),
    }
}

fn facilities_of_district(
    rng: &mut ChaCha8Rng,
    district: &AdminUnit,
    units: &[AdminUnit],
    out: &mut Vec<Facility>,
) {
    let facility = |kind, id: String, name: String, location: Point<f64>, status: &str| Facility {
        kind,
        id,
        name,
        location,
        outline: None,
        status: status.to_owned(),
        managed_by: None,
        category: None,
        capacity: None,
        occupancy: None,
    };
    // Checkpoints where roads cross the district's boundary: sample boundary vertices.
    let ring: Vec<Point<f64>> = district
        .geometry
        .0
        .first()
        .map(|p| p.exterior().points().collect())
        .unwrap_or_default();
    for n in 1..=3 {
        if ring.is_empty() {
            break;
        }
        let mut c = facility(
            FacilityKind::Checkpoint,
            format!("checkpoint-{}-{n}", district.code),
            format!("Chốt kiểm soát số {n}, {}", district.name),
            ring[rng.random_range(0..ring.len())],
            "active",
        );
        c.managed_by = Some(["police", "military", "district"][n % 3].to_owned());
        out.push(c);
    }
    let communes: Vec<&AdminUnit> = units
        .iter()
        .filter(|u| u.level == Level::Commune && u.parent_code.as_ref() == Some(&district.code))
        .collect();
    for (i, commune) in communes.iter().enumerate() {
        let Some(centre) = commune.geometry.interior_point() else {
            continue;
        };
        out.push(facility(
            FacilityKind::TestingSite,
            format!("testing-{}", commune.code),
            format!("Trạm y tế {}", commune.name),
            centre,
            "open",
        ));
        if i < 2 && rng.random_bool(0.7) {
            let mut camp = facility(
                FacilityKind::QuarantineCamp,
                format!("camp-{}", commune.code),
                format!("Khu cách ly tập trung {}", commune.name),
                centre,
                "open",
            );
            let capacity = rng.random_range(2..30) * 50;
            camp.capacity = Some(capacity);
            camp.occupancy = Some(rng.random_range(0..=capacity));
            camp.managed_by = Some(
                if rng.random_bool(0.5) {
                    "military"
                } else {
                    "health"
                }
                .to_owned(),
            );
            out.push(camp);
        }
        let hamlets: Vec<&AdminUnit> = units
            .iter()
            .filter(|u| u.parent_code.as_ref() == Some(&commune.code))
            .collect();
        for n in 0..rng.random_range(0..3) {
            let Some(hamlet) = hamlets.get(rng.random_range(0..hamlets.len().max(1))) else {
                break;
            };
            let Some(at) = hamlet.geometry.interior_point() else {
                continue;
            };
            let (category, label) = SERVICES[rng.random_range(0..SERVICES.len())];
            let mut s = facility(
                FacilityKind::EssentialService,
                format!("service-{}-{n}", commune.code),
                format!("{label} {}", hamlet.name),
                at,
                if rng.random_bool(0.9) {
                    "open"
                } else {
                    "closed"
                },
            );
            s.category = Some(category.to_owned());
            out.push(s);
        }
    }
}

/// Sample daily figures: the two weeks up to the day the portal went live, for every
/// commune, in a wave that rises and falls at a pace of the commune's own.
#[must_use]
pub fn figures(units: &[AdminUnit], seed: u64) -> Vec<covidmap_core::figures::DailyFigures> {
    use covidmap_core::figures::{CaseCounts, DailyFigures};
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6669_6775_7265);
    let last = portal_day().date_naive() + Duration::days(1);
    let mut out = Vec::new();
    for commune in units.iter().filter(|u| u.level == Level::Commune) {
        let intensity: f64 = rng.random_range(0.0..3.0);
        let (mut active, mut quarantine) = (0_i32, rng.random_range(0..40));
        for back in (0..14).rev() {
            let day = last - Duration::days(back);
            let wave = (f64::from(14 - i32::try_from(back).unwrap_or(0)) / 14.0
                * std::f64::consts::PI)
                .sin();
            #[allow(clippy::cast_possible_truncation)] // a handful of cases
            let new_cases = (intensity * wave * rng.random_range(0.0..2.0)).round() as i32;
            let recovered = if active > 0 {
                rng.random_range(0..=active.min(3))
            } else {
                0
            };
            let deaths = i32::from(active > 5 && rng.random_bool(0.02));
            active = (active + new_cases - recovered - deaths).max(0);
            quarantine = (quarantine + new_cases * 8 - rng.random_range(0..10)).max(0);
            out.push(DailyFigures {
                commune_code: commune.code.clone(),
                day,
                counts: CaseCounts {
                    new_cases,
                    active,
                    recovered,
                    deaths,
                    in_quarantine: quarantine,
                },
            });
        }
    }
    out
}
