//! `--config FILE` (or `COVIDMAP_CONFIG`): the settings of every command in one TOML file,
//! under the flags and the environment. A flag wins over the environment, the environment
//! over the file, the file over the defaults: the file's values are handed to the same
//! environment variables the flags read, where those are unset, so every value is checked
//! by the flag's own rules.

use anyhow::Context as _;
use serde::Deserialize;
use std::path::Path;

/// The file. Keys it does not know are refused by name: a misspelt setting would otherwise
/// be silently ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    database_url: Option<String>,
    data_dir: Option<String>,
    pg_port: Option<u16>,
    /// A tracing filter, as `COVIDMAP_LOG`.
    log: Option<String>,
    serve: Option<Serve>,
}

/// `[serve]`: `covidmap serve`'s settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Serve {
    bind: Option<String>,
    tile_cache_mb: Option<u64>,
    max_connections: Option<u32>,
    header_timeout_s: Option<u64>,
    drain_s: Option<u64>,
    max_change_streams: Option<u32>,
    utc_offset: Option<String>,
    font_dir: Option<String>,
    web_dir: Option<String>,
}

/// Reads the file and sets, for each value it holds, the variable its flag reads when that
/// is not set already.
///
/// # Errors
/// The file cannot be read, is not TOML, or holds a key or a type it should not; the message
/// names the file, the key and the line.
pub fn apply(path: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the configuration file {}", path.display()))?;
    let config: Config = toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "the configuration file {} is wrong: {e}\nthe keys are database_url, data_dir, pg_port, log, and under [serve] bind, tile_cache_mb, max_connections, header_timeout_s, drain_s, max_change_streams, utc_offset, font_dir, web_dir",
            path.display()
        )
    })?;
    let serve = config.serve.as_ref();
    let settings: [(&str, Option<String>); 13] = [
        ("DATABASE_URL", config.database_url.clone()),
        ("COVIDMAP_DATA_DIR", config.data_dir.clone()),
        ("COVIDMAP_PG_PORT", config.pg_port.map(|v| v.to_string())),
        ("COVIDMAP_LOG", config.log.clone()),
        ("COVIDMAP_BIND", serve.and_then(|s| s.bind.clone())),
        (
            "COVIDMAP_TILE_CACHE_MB",
            serve.and_then(|s| s.tile_cache_mb).map(|v| v.to_string()),
        ),
        (
            "COVIDMAP_MAX_CONNECTIONS",
            serve.and_then(|s| s.max_connections).map(|v| v.to_string()),
        ),
        (
            "COVIDMAP_HEADER_TIMEOUT_S",
            serve
                .and_then(|s| s.header_timeout_s)
                .map(|v| v.to_string()),
        ),
        (
            "COVIDMAP_DRAIN_S",
            serve.and_then(|s| s.drain_s).map(|v| v.to_string()),
        ),
        (
            "COVIDMAP_MAX_CHANGE_STREAMS",
            serve
                .and_then(|s| s.max_change_streams)
                .map(|v| v.to_string()),
        ),
        (
            "COVIDMAP_UTC_OFFSET",
            serve.and_then(|s| s.utc_offset.clone()),
        ),
        ("COVIDMAP_FONT_DIR", serve.and_then(|s| s.font_dir.clone())),
        ("COVIDMAP_WEB_DIR", serve.and_then(|s| s.web_dir.clone())),
    ];
    for (variable, value) in settings {
        if let Some(value) = value {
            if std::env::var_os(variable).is_none() {
                // Before any thread is started (main calls this first).
                std::env::set_var(variable, value);
            }
        }
    }
    Ok(())
}
