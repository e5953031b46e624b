//! The province's agencies: the provincial bodies, and a people's committee and a health
//! centre for every district. Public bodies only; nobody's name.

use covidmap_core::agency::{OrgKind, Organisation};
use covidmap_core::AdminUnit;

/// The provincial bodies: id, name, kind.
const PROVINCIAL: [(&str, &str, OrgKind); 6] = [
    (
        "ubnd-tinh",
        "Văn phòng UBND tỉnh Nghệ An",
        OrgKind::ProvincialOffice,
    ),
    (
        "cdc",
        "Trung tâm Kiểm soát bệnh tật (CDC) Nghệ An",
        OrgKind::Cdc,
    ),
    ("cong-an", "Công an tỉnh Nghệ An", OrgKind::Police),
    (
        "quan-su",
        "Bộ Chỉ huy Quân sự tỉnh Nghệ An",
        OrgKind::Military,
    ),
    (
        "so-cong-thuong",
        "Sở Công Thương Nghệ An",
        OrgKind::IndustryTrade,
    ),
    (
        "so-lao-dong",
        "Sở Lao động – Thương binh và Xã hội Nghệ An",
        OrgKind::Labour,
    ),
];

/// "Huyện Nghi Lộc" → "huyện Nghi Lộc", as it reads after "UBND".
fn in_a_title(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

/// The provincial bodies, then each district's committee (`ubnd-<code>`) and health centre
/// (`ttyt-<code>`), for the districts given.
#[must_use]
pub fn organisations(districts: &[AdminUnit]) -> Vec<Organisation> {
    let provincial = PROVINCIAL.iter().map(|(id, name, kind)| Organisation {
        id: (*id).to_owned(),
        name: (*name).to_owned(),
        kind: *kind,
        district_code: None,
    });
    let local = districts.iter().flat_map(|d| {
        let title = in_a_title(&d.name);
        [
            Organisation {
                id: format!("ubnd-{}", d.code),
                name: format!("UBND {title}"),
                kind: OrgKind::DistrictCommittee,
                district_code: Some(d.code.clone()),
            },
            Organisation {
                id: format!("ttyt-{}", d.code),
                name: format!("Trung tâm Y tế {title}"),
                kind: OrgKind::DistrictHealthCentre,
                district_code: Some(d.code.clone()),
            },
        ]
    });
    provincial.chain(local).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn district_bodies_are_named_after_their_district() {
        assert_eq!(in_a_title("Thành phố Vinh"), "thành phố Vinh");
        assert_eq!(in_a_title(""), "");
    }
}
