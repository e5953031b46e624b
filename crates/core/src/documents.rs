//! Directive documents and support-policy notices, as the province publishes them.

use chrono::NaiveDate;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Chỉ thị / công văn: a directive of the provincial people's committee.
    Directive,
    /// Chính sách hỗ trợ: a support policy (returning workers, people in hardship).
    SupportPolicy,
}

impl DocumentKind {
    /// Both kinds.
    pub const ALL: [DocumentKind; 2] = [DocumentKind::Directive, DocumentKind::SupportPolicy];

    /// The name used in the database and the API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Directive => "directive",
            DocumentKind::SupportPolicy => "support_policy",
        }
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DocumentKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DocumentKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown document kind {s:?}; directive or support_policy"))
    }
}

/// A document's particulars (its PDF, if any, is stored beside them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Document {
    /// Stable id.
    pub id: String,
    /// Directive or support policy.
    pub kind: DocumentKind,
    /// Its number, e.g. "15/CT-UBND".
    pub number: String,
    /// Its title.
    pub title: String,
    /// The day it was signed.
    pub issued_on: NaiveDate,
    /// Who issued it, e.g. "UBND tỉnh Nghệ An".
    pub issuer: String,
    /// A short summary.
    pub summary: String,
    /// Where the full text is published, if elsewhere.
    pub link: Option<String>,
}
