//! Command-line flags.

use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};
use covidmap_core::Level;
use std::net::SocketAddr;
use std::path::PathBuf;

/// covidmap: GIS data and map tiles for a provincial COVID-19 portal.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Args {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Settings every command shares.
#[derive(Debug, ClapArgs)]
pub struct Global {
    /// PostgreSQL/PostGIS to use; when unset a local cluster under DATA_DIR/pg is started.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Folder with the sample data and the local cluster.
    #[arg(long, env = "COVIDMAP_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
    /// Port of the local cluster.
    #[arg(long, env = "COVIDMAP_PG_PORT", default_value_t = 55432, global = true)]
    pub pg_port: u16,
    /// A TOML file of settings (the flags' names; `[serve]` for serve's), under the flags and
    /// the environment.
    #[arg(long, env = "COVIDMAP_CONFIG", global = true)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (into an empty local cluster, or with --sample, loads the sample first).
    Serve(ServeArgs),
    /// Load a boundary file (shapefile, zip, GeoJSON, GeoPackage, KML, TAB/MIF, CSV).
    Ingest(IngestArgs),
    /// Load a file of administrative changes (communes merged, renamed, split or moved;
    /// districts abolished): CSV, or JSON (`.json`).
    UnitChanges(UnitChangesArgs),
    /// Manage the local PostGIS cluster under DATA_DIR/pg.
    Db(DbArgs),
    /// Generate the sample communes and hamlets into DATA_DIR/generated.
    DemoData(DemoDataArgs),
    /// Write every tile of the province to an MBTiles or PMTiles archive (static hosting).
    Export(ExportArgs),
    /// The agencies that keep the map.
    Org(OrgArgs),
    /// The agencies' API tokens.
    Token(TokenArgs),
    /// Who must keep which layer current, and how often (`GET /api/v1/freshness`).
    Duties(DutiesArgs),
}

#[derive(Debug, ClapArgs)]
pub struct DutiesArgs {
    #[command(subcommand)]
    pub action: DutiesAction,
}

#[derive(Debug, Subcommand)]
pub enum DutiesAction {
    /// List the duties.
    List,
    /// Set a duty (or a new cadence for one).
    Set {
        /// The layer: daily_figures, testing_sites, checkpoints …
        entity: String,
        /// The kind of organisation that keeps it: district_health_centre, police …
        kind: String,
        /// daily@HH:MM (each commune's figures for the day by that local time; daily
        /// figures only) or <n>d (a change at least every n days).
        every: String,
    },
    /// Remove a duty.
    Remove {
        /// The layer.
        entity: String,
        /// The kind of organisation.
        kind: String,
    },
}

#[derive(Debug, ClapArgs)]
pub struct OrgArgs {
    #[command(subcommand)]
    pub action: OrgAction,
}

#[derive(Debug, Subcommand)]
pub enum OrgAction {
    /// List the organisations.
    List,
    /// Add an organisation.
    Add {
        /// Short id: lower-case letters, digits and dashes (`ubnd-412`).
        #[arg(long)]
        id: String,
        /// Its name ("UBND thành phố Vinh").
        #[arg(long)]
        name: String,
        /// provincial_office, district_committee, district_health_centre, cdc, police,
        /// military, industry_trade or labour.
        #[arg(long)]
        kind: covidmap_core::agency::OrgKind,
        /// Its district's code (district committees and health centres only).
        #[arg(long)]
        district: Option<String>,
    },
}

#[derive(Debug, ClapArgs)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub action: TokenAction,
}

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Make a token; it is printed once and only its hash is kept.
    Create {
        /// The organisation it acts for (see `covidmap org list`).
        #[arg(long)]
        org: String,
        /// editor (writes what the organisation may) or viewer (reads its history).
        #[arg(long)]
        role: covidmap_core::agency::Role,
        /// What it is for ("operations desk").
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List tokens (never their secrets), with when each was last used.
    List {
        /// Only this organisation's.
        #[arg(long)]
        org: Option<String>,
    },
    /// Revoke a token by its number; it stops working at once.
    Revoke {
        /// The token's number, from `covidmap token list`.
        id: i64,
    },
}

#[derive(Debug, ClapArgs)]
pub struct ExportArgs {
    /// Archive format.
    #[arg(long, value_enum)]
    pub format: ArchiveFormat,
    /// Lowest zoom written.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=18))]
    pub minzoom: u8,
    /// Highest zoom written (z14 is about 8 000 tiles for the province; z18 over 1.5 million).
    #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u8).range(0..=18))]
    pub maxzoom: u8,
    /// The archive to write (must not exist).
    pub out: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ArchiveFormat {
    Mbtiles,
    Pmtiles,
}

#[derive(Debug, ClapArgs)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "COVIDMAP_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Load the generated sample into the database if it holds nothing at all (the default
    /// only for the local cluster; refused for a database that holds real data).
    #[arg(long, conflicts_with = "no_sample")]
    pub sample: bool,
    /// Never load the sample, not even into an empty local cluster.
    #[arg(long)]
    pub no_sample: bool,
    /// Folder of TrueType fonts for map labels (DejaVu Sans covers Vietnamese).
    #[arg(long, env = "COVIDMAP_FONT_DIR", default_value = covidmap_server::glyphs::DEFAULT_FONT_DIR)]
    pub font_dir: PathBuf,
    /// Folder of the web pages and their front-end packages (the checkout's `web/`).
    #[arg(long, env = "COVIDMAP_WEB_DIR", default_value = covidmap_server::pages::DEFAULT_WEB_DIR)]
    pub web_dir: PathBuf,
    /// Open connections at most; one more is answered 503 and closed at once.
    #[arg(long, env = "COVIDMAP_MAX_CONNECTIONS", default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Seconds a connection has to send its request headers, from when it opens or goes idle
    /// between requests; then it is closed.
    #[arg(long, env = "COVIDMAP_HEADER_TIMEOUT_S", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout_s: u64,
    /// Seconds open requests have to finish on Ctrl-C / SIGTERM before they are closed.
    #[arg(long, env = "COVIDMAP_DRAIN_S", default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub drain_s: u64,
    /// Change streams (`/api/v1/changes`, one per open page) at most; one more is answered
    /// 503 at once.
    #[arg(long, env = "COVIDMAP_MAX_CHANGE_STREAMS", default_value_t = covidmap_server::DEFAULT_MAX_CHANGE_STREAMS, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_change_streams: u32,
    /// The provinces' offset from UTC, which decides what "today" is for figures and
    /// documents (Vietnam: +07:00 all year).
    #[arg(long, env = "COVIDMAP_UTC_OFFSET", default_value_t = covidmap_server::VIETNAM, value_parser = utc_offset)]
    pub utc_offset: chrono::FixedOffset,
    /// Memory for cached tiles, in MiB.
    #[arg(long, env = "COVIDMAP_TILE_CACHE_MB", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=65_536))]
    pub tile_cache_mb: u64,
    /// Days the change log keeps (`/api/v1/changes`, the streams and webhooks resume from
    /// it); unset: for ever. Checked hourly.
    #[arg(long, env = "COVIDMAP_CHANGE_LOG_DAYS", value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub change_log_days: Option<u32>,
    /// The service's public URL (`https://covid.nghean.gov.vn`), which change events name
    /// their sources by; default: the address it serves on.
    #[arg(long, env = "COVIDMAP_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Let webhooks call receivers on this machine's loopback (never the server's own port).
    #[arg(long, env = "COVIDMAP_WEBHOOKS_ON_LOOPBACK")]
    pub webhooks_on_loopback: bool,
}

/// An offset from UTC as `+07:00`, within a day.
fn utc_offset(text: &str) -> Result<chrono::FixedOffset, String> {
    text.parse::<chrono::FixedOffset>().map_err(|_| {
        format!("{text:?} is not an offset from UTC: write it as +07:00 (Vietnam) or -05:30")
    })
}

#[derive(Debug, ClapArgs)]
pub struct IngestArgs {
    /// The boundary file.
    pub file: PathBuf,
    /// Level of the units in the file: the province's outline first (its code is the
    /// GSO code, e.g. 40), then districts, communes, hamlets.
    #[arg(long)]
    pub level: Level,
    /// Code of the unit every feature lies in (otherwise from a parent field or by position).
    #[arg(long)]
    pub parent: Option<String>,
    /// Field holding the unit name.
    #[arg(long)]
    pub name_field: Option<String>,
    /// Field holding the unit code.
    #[arg(long)]
    pub code_field: Option<String>,
    /// Field holding the parent unit's code.
    #[arg(long)]
    pub parent_field: Option<String>,
    /// CRS of the coordinates, overriding the file's (e.g. EPSG:9208).
    #[arg(long)]
    pub source_crs: Option<String>,
    /// Text encoding of the attributes: utf-8, tcvn3, vni, windows-1258 (default: detect).
    #[arg(long)]
    pub encoding: Option<String>,
    /// Report what would change without writing.
    #[arg(long)]
    pub dry_run: bool,
    /// Communes put directly in a province (`--parent 40`) that still has districts: move
    /// the province to two tiers (every commune replaced, the districts closed).
    #[arg(long)]
    pub two_tier: bool,
    /// The file is the demo's own (`data/generated/communes_2025.geojson`, the sample moved to
    /// two tiers): load it into the sample's database, which refuses every other file.
    #[arg(long)]
    pub into_sample: bool,
    /// Who is uploading, recorded with every unit.
    #[arg(long, env = "COVIDMAP_UPLOADED_BY", default_value = "cli")]
    pub by: String,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, ClapArgs)]
pub struct UnitChangesArgs {
    /// The file: CSV with a header (effective, act, kind, predecessor_code,
    /// predecessor_name, predecessor_parent_code, successor_code, successor_name, source), or
    /// JSON with the same keys.
    pub file: PathBuf,
    /// The organisation that answers for them (default: the provincial office).
    #[arg(long)]
    pub org: Option<String>,
}

#[derive(Debug, ClapArgs)]
pub struct DbArgs {
    #[command(subcommand)]
    pub action: DbAction,
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum DbAction {
    /// Create (first time) and start the cluster.
    Start,
    /// Stop the cluster cleanly.
    Stop,
    /// Say whether it runs, and its URL.
    Status,
}

#[derive(Debug, ClapArgs)]
pub struct DemoDataArgs {
    /// Seed: the same seed gives the same files.
    #[arg(long, default_value_t = 2021)]
    pub seed: u64,
    /// Output folder (default DATA_DIR/generated).
    #[arg(long)]
    pub out: Option<PathBuf>,
}
