//! Directive documents and support policies: versioned writes with audit entries, the PDF
//! beside the particulars, and the public list.

use crate::edits::{Author, Edited, Version, Write};
use crate::{Result, Store, StoreError};
use covidmap_core::documents::{Document, DocumentKind};
use covidmap_core::Entity;
use serde_json::Value;

/// A document's PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdf {
    /// The file's name as uploaded.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl Store {
    /// Writes a document's particulars; a new version keeps the PDF it had.
    ///
    /// # Errors
    /// The database refuses it or fails; [`StoreError::Exists`] / [`StoreError::NotCurrent`]
    /// as `write` asks.
    pub async fn put_document(
        &self,
        doc: &Document,
        write: Write,
        author: &Author,
    ) -> Result<Edited> {
        // The version replaced is the newest closed one: its PDF stays.
        let insert = sqlx::query(
            "INSERT INTO documents (id, kind, number, title, issued_on, issuer, summary, link, pdf, pdf_name, changed_by) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, replaced.pdf, replaced.pdf_name, $9 \
             FROM (SELECT 1) one LEFT JOIN (SELECT pdf, pdf_name FROM documents WHERE id = $1 AND valid_to IS NOT NULL \
                                            ORDER BY version_id DESC LIMIT 1) replaced ON true",
        )
        .bind(&doc.id)
        .bind(doc.kind.as_str())
        .bind(&doc.number)
        .bind(&doc.title)
        .bind(doc.issued_on)
        .bind(&doc.issuer)
        .bind(&doc.summary)
        .bind(&doc.link)
        .bind(&author.org_name);
        let version = Version {
            entity: doc.kind.entity(),
            id: &doc.id,
            write,
            insert,
            action: None,
        };
        self.write_one(version, author).await
    }

    /// Attaches a PDF to a document, as a new version.
    ///
    /// # Errors
    /// [`StoreError::NotCurrent`] when there is no such document; the database refuses a
    /// file that is not a PDF or is over 10 MB.
    pub async fn put_document_pdf(&self, id: &str, pdf: &Pdf, author: &Author) -> Result<Edited> {
        // The particulars of the version just closed, with the new file.
        let insert = sqlx::query(
            "INSERT INTO documents (id, kind, number, title, issued_on, issuer, summary, link, pdf, pdf_name, changed_by) \
             SELECT id, kind, number, title, issued_on, issuer, summary, link, $2, $3, $4 FROM documents \
             WHERE id = $1 AND valid_to IS NOT NULL ORDER BY version_id DESC LIMIT 1",
        )
        .bind(id)
        .bind(&pdf.bytes)
        .bind(&pdf.name)
        .bind(&author.org_name);
        let version = Version {
            // Either document entity names the table; the kind is the version's own.
            entity: Entity::Directives,
            id,
            write: Write::Update,
            insert,
            action: Some("attach_pdf"),
        };
        self.write_one(version, author).await
    }

    /// The kind of a current document, `None` when there is none.
    ///
    /// # Errors
    /// The database fails or holds an unknown kind.
    pub async fn document_kind(&self, id: &str) -> Result<Option<DocumentKind>> {
        let kind: Option<String> =
            sqlx::query_scalar("SELECT kind FROM documents WHERE id = $1 AND valid_to IS NULL")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        kind.map(|k| {
            k.parse().map_err(|_| StoreError::Unknown {
                code: id.to_owned(),
                what: "document kind",
                value: k,
            })
        })
        .transpose()
    }

    /// Current documents, newest first, as JSON (no PDF bytes: `has_pdf` says whether there
    /// is one), and how many match.
    ///
    /// # Errors
    /// The database fails.
    pub async fn documents(
        &self,
        kind: Option<DocumentKind>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Value>, i64)> {
        let (matched, list): (i64, Option<Value>) = sqlx::query_as(
            "WITH matching AS (SELECT * FROM documents WHERE valid_to IS NULL AND ($1::text IS NULL OR kind = $1))
             SELECT (SELECT count(*) FROM matching),
                    (SELECT jsonb_agg(jsonb_build_object('id', id, 'kind', kind, 'number', number, 'title', title,
                        'issued_on', issued_on, 'issuer', issuer, 'summary', summary, 'link', link,
                        'has_pdf', pdf IS NOT NULL, 'changed_by', changed_by, 'valid_from', valid_from)
                        ORDER BY issued_on DESC, id)
                     FROM (SELECT * FROM matching ORDER BY issued_on DESC, id LIMIT $2 OFFSET $3) page)",
        )
        .bind(kind.map(DocumentKind::as_str))
        .bind(limit)
        .bind(offset)
        .fetch_one(&self.pool)
        .await?;
        let list = match list {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        Ok((list, matched))
    }

    /// A current document's PDF.
    ///
    /// # Errors
    /// The database fails.
    pub async fn document_pdf(&self, id: &str) -> Result<Option<Pdf>> {
        let row: Option<(Vec<u8>, Option<String>)> = sqlx::query_as(
            "SELECT pdf, pdf_name FROM documents WHERE id = $1 AND valid_to IS NULL AND pdf IS NOT NULL",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(bytes, name)| Pdf {
            name: name.unwrap_or_else(|| format!("{id}.pdf")),
            bytes,
        }))
    }
}
