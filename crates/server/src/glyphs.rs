//! Font glyphs for map labels (`/fonts/{fontstack}/{start}-{end}.pbf`), rendered as signed
//! distance fields from the TrueType fonts in a folder by the martin project's font code
//! (`martin-core`), once per range, then kept. MapLibre needs them to draw any label; with
//! them served here, the map draws Vietnamese names without fetching anything from the
//! internet.

use martin_core::fonts::{FontError, FontSources};
use std::path::Path;
use std::sync::Arc;

/// Where Debian's `fonts-dejavu-core` puts DejaVu Sans, whose glyphs cover Vietnamese.
pub const DEFAULT_FONT_DIR: &str = "/usr/share/fonts/truetype/dejavu";

/// The font stack the style labels with.
pub const LABEL_FONT: &str = "DejaVu Sans Book";

/// Glyph ranges, rendered on demand and cached.
pub struct Glyphs {
    sources: FontSources,
    ranges: moka::sync::Cache<(String, u32), Arc<Vec<u8>>>,
}

impl std::fmt::Debug for Glyphs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Glyphs")
            .field("fonts", &self.sources.get_catalog().len())
            .finish()
    }
}

/// A glyph request that cannot be answered.
#[derive(Debug, thiserror::Error)]
pub enum GlyphError {
    /// The font stack names a font that is not loaded.
    #[error("no font {0:?} here; use {LABEL_FONT:?}")]
    UnknownFont(String),
    /// The range is not a 256-code-point block.
    #[error("{0}")]
    Range(String),
    /// Rendering failed.
    #[error("rendering glyphs: {0}")]
    Render(FontError),
}

impl Glyphs {
    /// Loads every font in `dir` (and below). A missing folder gives no fonts, not an error:
    /// the map then draws without labels.
    ///
    /// # Errors
    /// A font file cannot be read.
    pub fn from_dir(dir: &Path) -> Result<Self, FontError> {
        let mut sources = FontSources::default();
        if dir.is_dir() {
            sources.recursively_add_directory(dir.to_path_buf())?;
        } else {
            tracing::warn!(dir = %dir.display(), "no font folder: labels will not be drawn");
        }
        Ok(Glyphs {
            sources,
            ranges: moka::sync::Cache::new(1024),
        })
    }

    /// No fonts: labels are not drawn.
    #[must_use]
    pub fn empty() -> Self {
        Glyphs {
            sources: FontSources::default(),
            ranges: moka::sync::Cache::new(1024),
        }
    }

    /// Names of the fonts loaded.
    #[must_use]
    pub fn fonts(&self) -> Vec<String> {
        let mut names: Vec<String> = self.sources.get_catalog().into_keys().collect();
        names.sort();
        names
    }

    /// The glyphs of `start..=end` for a comma-separated font stack.
    ///
    /// # Errors
    /// Unknown font, a range that is not one 256-code-point block, or rendering failed.
    pub fn range(&self, stack: &str, start: u32, end: u32) -> Result<Arc<Vec<u8>>, GlyphError> {
        let key = (stack.to_owned(), start);
        if let Some(hit) = self
            .ranges
            .get(&key)
            .filter(|_| end == start.saturating_add(255))
        {
            return Ok(hit);
        }
        let bytes = self
            .sources
            .get_font_range(stack, start, end)
            .map_err(|e| match e {
                FontError::FontNotFound(name) => GlyphError::UnknownFont(name),
                FontError::InvalidFontRangeStartEnd { .. }
                | FontError::InvalidFontRangeStart(_)
                | FontError::InvalidFontRangeEnd(_)
                | FontError::InvalidFontRange(..)
                | FontError::TooManyFontIds { .. } => GlyphError::Range(e.to_string()),
                other => GlyphError::Render(other),
            })?;
        let bytes = Arc::new(bytes);
        self.ranges.insert(key, Arc::clone(&bytes));
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dejavu_covers_vietnamese() {
        let glyphs = Glyphs::from_dir(Path::new(DEFAULT_FONT_DIR)).unwrap();
        assert!(
            glyphs.fonts().iter().any(|f| f == LABEL_FONT),
            "{:?}",
            glyphs.fonts()
        );
        // Latin Extended Additional holds ạ, ả, ấ, ầ … (U+1EA0–U+1EF9).
        let vietnamese = glyphs.range(LABEL_FONT, 7680, 7935).unwrap();
        assert!(vietnamese.len() > 10_000, "{} bytes", vietnamese.len());
        assert!(matches!(
            glyphs.range("Comic Sans", 0, 255),
            Err(GlyphError::UnknownFont(_))
        ));
        assert!(matches!(
            glyphs.range(LABEL_FONT, 1, 256),
            Err(GlyphError::Range(_))
        ));
    }
}
