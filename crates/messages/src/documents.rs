//! Directive documents and support policies: their particulars.

use crate::fields::{id_field, read_all, Fields};
use crate::{FieldError, MAX_NAME};

use serde_json::Value;

/// A document's particulars as sent: everything but its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRequest {
    /// The id asked for, if any.
    pub id: Option<String>,
    /// Directive or support policy.
    pub kind: covidmap_core::documents::DocumentKind,
    /// Its number.
    pub number: String,
    /// Its title.
    pub title: String,
    /// When it was signed.
    pub issued_on: chrono::NaiveDate,
    /// Who issued it.
    pub issuer: String,
    /// Summary.
    pub summary: String,
    /// Where it is published.
    pub link: Option<String>,
}

/// Reads a document's particulars; `today` bounds the date it was signed.
///
/// # Errors
/// Every problem found.
pub fn document_request(
    body: &Value,
    today: chrono::NaiveDate,
) -> Result<DocumentRequest, Vec<FieldError>> {
    read_all(|errors| {
        Fields::new(Some(body), "", errors).and_then(|mut p| {
            let id = id_field(&mut p);
            let kind = p
                .one_of("kind", &["directive", "support_policy"])
                .and_then(|k| k.parse().ok());
            let number = p.text("number", 100);
            let title = p.text("title", 500);
            let issued_on = p.required("issued_on").and_then(|v| {
                match v
                    .as_str()
                    .map(|t| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d"))
                {
                    Some(Ok(d)) if d <= today => Some(d),
                    Some(Ok(d)) => {
                        p.error("issued_on", format!("{d} is in the future"));
                        None
                    }
                    _ => {
                        p.error("issued_on", "must be a date like 2021-09-13");
                        None
                    }
                }
            });
            let issuer = p.text("issuer", MAX_NAME);
            let summary = match p.get("summary") {
                None => Some(String::new()),
                Some(v) => p.text_value("summary", v, 5000),
            };
            let link = match p.get("link") {
                None => Some(None),
                Some(v) => match v.as_str() {
                    Some(l)
                        if (l.starts_with("https://") || l.starts_with("http://"))
                            && l.len() <= 500
                            && !l.chars().any(|c| c.is_whitespace() || c.is_control()) =>
                    {
                        Some(Some(l.to_owned()))
                    }
                    _ => {
                        p.error(
                            "link",
                            "must be an http:// or https:// address of at most 500 characters",
                        );
                        None
                    }
                },
            };
            p.finish(errors);
            Some(DocumentRequest {
                id: id?,
                kind: kind?,
                number: number?,
                title: title?,
                issued_on: issued_on?,
                issuer: issuer?,
                summary: summary?,
                link: link?,
            })
        })
    })
}
