//! Directive documents and support policies: versioned writes with audit entries, the PDF
//! beside the particulars, and the public list.

use crate::edits::{action, audit, close_current, conflict, Author, Edited, Write};
use crate::{Result, Store, StoreError};
use covidmap_core::documents::{Document, DocumentKind};
use serde_json::Value;

/// A document's PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdf {
    /// The file's name as uploaded.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The version a write replaces (from its audit JSON).
fn replaced_version(before: Option<&Value>) -> Option<i64> {
    before?.get("version_id")?.as_i64()
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
        let table = "documents";
        let mut tx = self.pool.begin().await?;
        let before = close_current(&mut tx, table, &doc.id, write).await?;
        sqlx::query(
            "INSERT INTO documents (id, kind, number, title, issued_on, issuer, summary, link, pdf, pdf_name, changed_by) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, \
                    (SELECT pdf FROM documents WHERE version_id = $9), (SELECT pdf_name FROM documents WHERE version_id = $9), $10",
        )
        .bind(&doc.id)
        .bind(doc.kind.as_str())
        .bind(&doc.number)
        .bind(&doc.title)
        .bind(doc.issued_on)
        .bind(&doc.issuer)
        .bind(&doc.summary)
        .bind(&doc.link)
        .bind(replaced_version(before.as_ref()))
        .bind(&author.org_name)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict(table, &doc.id, e))?;
        let edited = audit(
            &mut tx,
            table,
            &doc.id,
            action(before.as_ref()),
            author,
            before,
        )
        .await?;
        tx.commit().await?;
        Ok(edited)
    }

    /// Attaches a PDF to a document, as a new version.
    ///
    /// # Errors
    /// [`StoreError::NotCurrent`] when there is no such document; the database refuses a
    /// file that is not a PDF or is over 10 MB.
    pub async fn put_document_pdf(&self, id: &str, pdf: &Pdf, author: &Author) -> Result<Edited> {
        let table = "documents";
        let mut tx = self.pool.begin().await?;
        let before = close_current(&mut tx, table, id, Write::Update).await?;
        sqlx::query(
            "INSERT INTO documents (id, kind, number, title, issued_on, issuer, summary, link, pdf, pdf_name, changed_by) \
             SELECT id, kind, number, title, issued_on, issuer, summary, link, $2, $3, $4 FROM documents WHERE version_id = $1",
        )
        .bind(replaced_version(before.as_ref()))
        .bind(&pdf.bytes)
        .bind(&pdf.name)
        .bind(&author.org_name)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict(table, id, e))?;
        let edited = audit(&mut tx, table, id, "attach_pdf", author, before).await?;
        tx.commit().await?;
        Ok(edited)
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
