//! Bodies read as agencies send them, and refused field by field.

use crate::*;
use chrono::{DateTime, Utc};
use covidmap_core::layers::FacilityKind;
use covidmap_lookup::Snapshot;
use serde_json::json;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2021-09-13T08:00:00+07:00")
        .unwrap()
        .with_timezone(&Utc)
}

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn a_drawn_zone_reads_with_its_declaration() {
    let body = json!({
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[[105.6, 18.6], [105.61, 18.6], [105.61, 18.61], [105.6, 18.6]]]},
        "properties": {"name": "Phong toả <b>khối 3</b>'; DROP TABLE x;--", "level": 4, "reason": "ca mắc",
                       "started_at": "2021-09-13T08:00:00+07:00", "planned_end": "2021-09-27T08:00:00+07:00"}
    });
    let z = zone_request(&body, &Snapshot::new(vec![]), now()).unwrap();
    assert_eq!(
        z.declared.name, "Phong toả <b>khối 3</b>'; DROP TABLE x;--",
        "text is kept as sent"
    );
    assert_eq!((z.declared.level, z.id), (4, None));
    assert!(matches!(z.area, ZoneArea::Drawn(_)));
}

#[test]
fn every_bad_field_is_named_at_once() {
    let body = json!({
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[[105.6, 18.6], [105.61, 18.61], [105.61, 18.6], [105.6, 18.61], [105.6, 18.6]]]},
        "properties": {"name": "", "level": 5, "started_at": "yesterday",
                       "planned_end": "2021-09-01T00:00:00Z", "levle": 3, "id": "Bad Id"}
    });
    let errors = zone_request(&body, &Snapshot::new(vec![]), now()).unwrap_err();
    assert_eq!(
        fields(&errors),
        [
            "properties.id",
            "properties.name",
            "properties.level",
            "properties.reason",
            "properties.started_at",
            "geometry",
            "properties.levle"
        ],
        "{errors:#?}"
    );
    assert!(
        errors[5].message.starts_with("is not a valid polygon"),
        "{}",
        errors[5].message
    );
}

#[test]
fn end_before_start_and_unknown_codes_are_refused() {
    let body = json!({
        "type": "Feature", "geometry": null,
        "properties": {"name": "x", "level": 3, "reason": "r", "started_at": "2021-09-13T08:00:00+07:00",
                       "planned_end": "2021-09-12T08:00:00+07:00", "unit_codes": ["nope", 7]}
    });
    let errors = zone_request(&body, &Snapshot::new(vec![]), now()).unwrap_err();
    assert_eq!(
        fields(&errors),
        [
            "properties.planned_end",
            "properties.unit_codes[0]",
            "properties.unit_codes[1]"
        ],
        "{errors:#?}"
    );
}

#[test]
fn camps_cannot_hold_more_than_their_capacity() {
    let body = json!({
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [105.6, 18.7]},
        "properties": {"name": "Khu cách ly KTX", "status": "open", "capacity": 100, "occupancy": 120}
    });
    let errors = facility_request(FacilityKind::QuarantineCamp, &body).unwrap_err();
    assert_eq!(fields(&errors), ["properties.occupancy"]);
    let negative = json!({
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [105.6, 18.7]},
        "properties": {"name": "x", "status": "open", "capacity": -1, "occupancy": 0}
    });
    let errors = facility_request(FacilityKind::QuarantineCamp, &negative).unwrap_err();
    assert_eq!(fields(&errors), ["properties.capacity"]);
    assert_eq!(errors[0].message, "is -1; must be from 0 to 2147483647");
}

#[test]
fn figures_cannot_be_negative_or_dated_ahead() {
    let errors =
        figures_request(&json!({"new_cases": 3, "active": -1, "recovered": 0, "deaths": 0}))
            .unwrap_err();
    assert_eq!(fields(&errors), ["active", "in_quarantine"]);
    let today = chrono::NaiveDate::from_ymd_opt(2021, 9, 13).unwrap();
    assert!(figures_day("2021-09-13", today).is_ok());
    let ahead = figures_day("2021-09-14", today).unwrap_err();
    assert_eq!(
        ahead.message,
        "2021-09-14 is in the future (today is 2021-09-13 in the province)"
    );
    assert!(figures_day("13/09/2021", today).is_err());
    assert!(figures_day("2019-12-31", today).is_err());
    assert_eq!(workers_request(&json!({"arrived": 12})), Ok(12));
}

#[test]
fn documents_need_their_particulars_and_a_web_link() {
    let today = chrono::NaiveDate::from_ymd_opt(2021, 9, 13).unwrap();
    let ok = json!({"kind": "directive", "number": "15/CT-UBND", "title": "Về việc thực hiện giãn cách",
                        "issued_on": "2021-09-10", "issuer": "UBND tỉnh Nghệ An", "link": "https://nghean.gov.vn/ct15"});
    let d = document_request(&ok, today).unwrap();
    assert_eq!((d.number.as_str(), d.summary.as_str()), ("15/CT-UBND", ""));
    let bad = json!({"kind": "rumour", "number": "", "title": "x", "issued_on": "2021-12-01",
                         "issuer": "x", "link": "javascript:alert(1)"});
    let errors = document_request(&bad, today).unwrap_err();
    assert_eq!(fields(&errors), ["kind", "number", "issued_on", "link"]);
}

#[test]
fn not_a_feature_says_what_to_send() {
    let errors = facility_request(FacilityKind::TestingSite, &json!([1, 2])).unwrap_err();
    assert_eq!(fields(&errors), ["body"]);
    let errors = level_request(&json!({"level": "4", "active_cases": -3})).unwrap_err();
    assert_eq!(fields(&errors), ["level", "active_cases"]);
}
