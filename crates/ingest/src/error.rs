//! Why a file is refused: each problem names the file, the feature, the field and the fix.

use serde::Serialize;
use std::fmt;

/// Result of ingest operations.
pub type Result<T, E = IngestError> = std::result::Result<T, E>;

/// A file that cannot be ingested. Nothing is written when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file as a whole cannot be used (unreadable, incomplete, wrong CRS…).
    #[error("{file}: {problem}")]
    File {
        /// The file as the user named it.
        file: String,
        /// What is wrong and how to fix it.
        problem: Problem,
    },
    /// Some features are wrong; every one found is listed.
    #[error("{file}: refused, {} problem(s):{}", problems.len(), list(problems))]
    Features {
        /// The file as the user named it.
        file: String,
        /// Each problem found.
        problems: Vec<Problem>,
    },
}

impl IngestError {
    /// Every problem this error reports.
    #[must_use]
    pub fn problems(&self) -> Vec<&Problem> {
        match self {
            IngestError::File { problem, .. } => vec![problem],
            IngestError::Features { problems, .. } => problems.iter().collect(),
        }
    }

    pub(crate) fn file(file: &str, problem: Problem) -> Self {
        IngestError::File {
            file: file.to_owned(),
            problem,
        }
    }
}

/// One thing wrong with a file, with where it is and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// 1-based feature number in the file, when the problem is in one feature.
    pub feature: Option<usize>,
    /// The attribute field involved, if any.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

impl Problem {
    /// A problem with the whole file.
    pub fn file(message: impl Into<String>, fix: impl Into<String>) -> Self {
        Problem {
            feature: None,
            field: None,
            message: message.into(),
            fix: fix.into(),
        }
    }

    /// A problem with one feature.
    pub fn feature(index: usize, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Problem {
            feature: Some(index),
            field: None,
            message: message.into(),
            fix: fix.into(),
        }
    }

    /// The same problem, naming a field.
    #[must_use]
    pub fn in_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.feature, &self.field) {
            (Some(n), Some(field)) => write!(f, "feature {n}, field `{field}`: ")?,
            (Some(n), None) => write!(f, "feature {n}: ")?,
            (None, Some(field)) => write!(f, "field `{field}`: ")?,
            (None, None) => {}
        }
        write!(f, "{}. Fix: {}", self.message, self.fix)
    }
}

const LISTED: usize = 20;

fn list(problems: &[Problem]) -> String {
    let mut out: String = problems
        .iter()
        .take(LISTED)
        .map(|p| format!("\n  - {p}"))
        .collect();
    if problems.len() > LISTED {
        out.push_str(&format!("\n  … and {} more", problems.len() - LISTED));
    }
    out
}
