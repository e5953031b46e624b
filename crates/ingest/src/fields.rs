//! Which attribute fields hold the name, code, parent code and unit type. Common names are
//! recognised; flags override.

use crate::error::{IngestError, Problem, Result};
use covidmap_core::Level;
use serde::Serialize;

/// Field names to use, as given on the command line (`None`: detect).
#[derive(Debug, Clone, Default)]
pub struct FieldFlags {
    /// `--name-field`
    pub name: Option<String>,
    /// `--code-field`
    pub code: Option<String>,
    /// `--parent-field`
    pub parent: Option<String>,
}

/// The fields in use for one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldMap {
    /// Field holding the unit's name.
    pub name: String,
    /// Field holding the unit's code, if any.
    pub code: Option<String>,
    /// Field holding the parent unit's code, if any.
    pub parent: Option<String>,
    /// Field holding the unit type (huyện, xã, xóm…), if any.
    pub unit_type: Option<String>,
}

const NAME_FIELDS: [&str; 14] = [
    "ten",
    "name",
    "ten_dvhc",
    "tendvhc",
    "ten_xa",
    "tenxa",
    "ten_huyen",
    "tenhuyen",
    "ten_thon",
    "ten_xom",
    "ten_khoi",
    "ten_ban",
    "name_3",
    "name_2",
];
const TYPE_FIELDS: [&str; 7] = [
    "type",
    "loai",
    "loai_dvhc",
    "cap",
    "unit_type",
    "type_3",
    "type_2",
];

fn code_fields(level: Level) -> &'static [&'static str] {
    match level {
        Level::Province => &["code", "ma", "ma_tinh", "matinh", "ma_dvhc", "gso_code"],
        Level::District => &[
            "code", "ma", "ma_huyen", "mahuyen", "ma_dvhc", "madvhc", "gso_code",
        ],
        Level::Commune => &[
            "code", "ma", "ma_xa", "maxa", "ma_dvhc", "madvhc", "gso_code",
        ],
        Level::Hamlet => &[
            "code", "ma", "ma_thon", "ma_xom", "ma_khoi", "ma_ban", "ma_dvhc",
        ],
    }
}

fn parent_fields(level: Level) -> &'static [&'static str] {
    match level {
        Level::Province => &[],
        Level::District => &[
            "parent_code",
            "parent",
            "ma_tinh",
            "matinh",
            "province_code",
        ],
        Level::Commune => &[
            "parent_code",
            "parent",
            "ma_huyen",
            "mahuyen",
            "district_code",
        ],
        Level::Hamlet => &[
            "parent_code",
            "parent_cod",
            "parent",
            "ma_xa",
            "maxa",
            "commune_code",
        ],
    }
}

/// Maps the file's fields, honouring flags and refusing flags that name missing fields.
pub(crate) fn map_fields(
    file: &str,
    available: &[String],
    level: Level,
    flags: &FieldFlags,
) -> Result<FieldMap> {
    let pick =
        |flag: &Option<String>, flag_name: &str, candidates: &[&str]| -> Result<Option<String>> {
            match flag {
                Some(wanted) => find(available, &[wanted.as_str()])
                    .map(Some)
                    .ok_or_else(|| {
                        IngestError::file(
                            file,
                            Problem::file(
                                format!(
                                "{flag_name} {wanted:?} is not a field of this file (fields: {})",
                                available.join(", ")
                            ),
                                format!("pass one of the listed fields to {flag_name}"),
                            )
                            .in_field(wanted),
                        )
                    }),
                None => Ok(find(available, candidates)),
            }
        };
    let name = pick(&flags.name, "--name-field", &NAME_FIELDS)?.ok_or_else(|| {
        IngestError::file(
            file,
            Problem::file(
                format!(
                    "no name field found (looked for {}; fields: {})",
                    NAME_FIELDS.join(", "),
                    available.join(", ")
                ),
                "pass --name-field FIELD",
            ),
        )
    })?;
    let code = pick(&flags.code, "--code-field", code_fields(level))?;
    let parent = pick(&flags.parent, "--parent-field", parent_fields(level))?
        .filter(|p| Some(p) != code.as_ref());
    let unit_type = find(available, &TYPE_FIELDS);
    Ok(FieldMap {
        name,
        code,
        parent,
        unit_type,
    })
}

/// The first candidate present, matched without regard to case; returns the file's spelling.
fn find(available: &[String], candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .find_map(|c| available.iter().find(|a| a.eq_ignore_ascii_case(c)))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn common_fields_are_detected() {
        let gadm = names(&["ID_0", "NAME_2", "ID_3", "NAME_3", "TYPE_3"]);
        let map = map_fields("f", &gadm, Level::District, &FieldFlags::default()).unwrap();
        assert_eq!(map.name, "NAME_3");
        assert_eq!(map.code, None);
        assert_eq!(map.unit_type.as_deref(), Some("TYPE_3"));

        let vn = names(&["MA_XA", "TEN_XA", "MA_HUYEN"]);
        let map = map_fields("f", &vn, Level::Commune, &FieldFlags::default()).unwrap();
        assert_eq!(
            (
                map.name.as_str(),
                map.code.as_deref(),
                map.parent.as_deref()
            ),
            ("TEN_XA", Some("MA_XA"), Some("MA_HUYEN"))
        );
    }

    #[test]
    fn flags_override_and_missing_flag_fields_are_refused() {
        let fields = names(&["code", "name", "ten_goi"]);
        let flags = FieldFlags {
            name: Some("TEN_GOI".into()),
            ..FieldFlags::default()
        };
        assert_eq!(
            map_fields("f", &fields, Level::Hamlet, &flags)
                .unwrap()
                .name,
            "ten_goi"
        );
        let bad = FieldFlags {
            code: Some("ma_so".into()),
            ..FieldFlags::default()
        };
        let err = map_fields("f.shp", &fields, Level::Hamlet, &bad)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--code-field \"ma_so\" is not a field"),
            "{err}"
        );
        assert!(map_fields("f", &names(&["id"]), Level::Hamlet, &FieldFlags::default()).is_err());
    }
}
