//! Errors of the store.

/// Result of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What can go wrong talking to PostGIS or running the local cluster.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed a query.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A value of a query could not be encoded for the database.
    #[error("encoding a query's value: {0}")]
    Encode(String),
    /// A migration failed.
    #[error("applying migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored geometry could not be decoded.
    #[error("unit {code}: stored geometry is not a MultiPolygon ({reason})")]
    Geometry {
        /// Unit code.
        code: String,
        /// Why.
        reason: String,
    },
    /// A value in the database is not one the code knows.
    #[error("unit {code}: unknown {what} {value:?} in the database")]
    Unknown {
        /// Unit code.
        code: String,
        /// Which column.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// The changes after a position were dropped by the log's retention.
    #[error("changes up to {through} are no longer kept in the change log")]
    Trimmed {
        /// Changes up to this id were dropped.
        through: i64,
    },
    /// A change-log row names what this code does not know (written by a newer version).
    #[error("the change log holds {0}")]
    Logged(#[from] covidmap_core::change_log::UnknownLogged),
    /// An upload would close units that still have current children.
    #[error("removing {parents} would leave {children} unit(s) below them without a parent (e.g. {example}); upload their new boundaries first, or keep the removed units in the file")]
    WouldOrphan {
        /// Codes that would be removed.
        parents: String,
        /// How many children would be orphaned.
        children: i64,
        /// One orphan.
        example: String,
    },
    /// An incoming code belongs to a unit of another level.
    #[error("code {code} already belongs to a {level} unit; codes are unique across levels")]
    CodeTaken {
        /// The code.
        code: String,
        /// The other unit's level.
        level: String,
    },
    /// Another write of the same entity won.
    #[error(
        "{entity} {id:?} was written by someone else at the same moment; read it again and retry"
    )]
    Conflict {
        /// The table.
        entity: String,
        /// The entity's id.
        id: String,
    },
    /// A creation named an id that is current.
    #[error("{entity} {id:?} exists; change it with PUT, or leave the id out to get a new one")]
    Exists {
        /// The table.
        entity: String,
        /// The id.
        id: String,
    },
    /// An update named the version the client read (`If-Match`), and another is current now.
    #[error("{entity} {id:?} changed since version {seen} was read (its ETag); read it again and redo the edit on what it is now")]
    Stale {
        /// The table.
        entity: String,
        /// The id.
        id: String,
        /// The version the client read.
        seen: i64,
    },
    /// An update named an id that is not current.
    #[error("there is no current {entity} {id:?}")]
    NotCurrent {
        /// The table.
        entity: String,
        /// The id.
        id: String,
    },
    /// A lift of a declaration lifted already.
    #[error("{entity} {id:?} is lifted already")]
    AlreadyLifted {
        /// The table.
        entity: String,
        /// The id.
        id: String,
    },
    /// A revert named a version the entity never had.
    #[error(
        "{entity} {id:?} has no version {version_id}; `GET /api/v1/history` lists its versions"
    )]
    NoSuchVersion {
        /// The table.
        entity: String,
        /// The entity's id.
        id: String,
        /// The version asked for.
        version_id: i64,
    },
    /// The units changed since the dry run the commit was meant to apply.
    #[error("the boundaries changed since the dry run (someone else uploaded); run the dry run again and check its changes")]
    DiffChanged,
    /// No upload has that number.
    #[error("there is no upload {0}; GET /api/v1/history?entity=boundaries lists them")]
    NoSuchUpload(i64),
    /// A unit an upload touched was changed again later.
    #[error(
        "unit {code} was changed again after upload {upload_id}; revert the later upload first"
    )]
    ChangedSince {
        /// The unit.
        code: String,
        /// The upload being reverted.
        upload_id: i64,
    },
    /// No organisation has the id given.
    #[error("no organisation has the id {0:?}; `covidmap org list` lists them")]
    NoSuchOrganisation(String),
    /// The operating system's random source failed.
    #[error("the system's random source failed: {0}")]
    Random(String),
    /// The sample was to be loaded into a database that holds real data.
    #[error("the database holds real data ({what} has rows): the generated sample goes only into a database that holds nothing at all, never beside real data; point DATABASE_URL at an empty database for the demo")]
    HoldsRealData {
        /// The first table found holding rows.
        what: &'static str,
    },
    /// No PostgreSQL server programs are installed.
    #[error("no PostgreSQL server found under /usr/lib/postgresql; install postgresql-15-postgis-3 (make run does) or set DATABASE_URL")]
    NoPostgres,
    /// The local cluster could not be created, started or stopped.
    #[error("local PostGIS in {dir}: {step} failed: {output}")]
    Cluster {
        /// Cluster folder.
        dir: String,
        /// What was being done.
        step: String,
        /// What the program printed.
        output: String,
    },
}

impl StoreError {
    /// The database's words when it refused a value the request carried (SQLSTATE classes 22,
    /// data exception: a NUL byte, text too long, a number out of range; and 23, a
    /// constraint) rather than failing: the caller's request, not the database, is at fault.
    #[must_use]
    pub fn refused_value(&self) -> Option<String> {
        let StoreError::Database(sqlx::Error::Database(e)) = self else {
            return None;
        };
        let code = e.code()?;
        (code.starts_with("22") || code.starts_with("23")).then(|| e.message().to_owned())
    }

    /// Why the database could not evaluate a query a request shaped (a division by zero, a
    /// geometry that does not parse or whose rings do not close): the request's fault.
    #[must_use]
    pub fn refused_query(&self) -> Option<String> {
        let StoreError::Database(sqlx::Error::Database(e)) = self else {
            return None;
        };
        let code = e.code()?;
        let geometry = code == "XX000" && e.message().to_lowercase().contains("geometr");
        (code.starts_with("22") || geometry).then(|| e.message().to_owned())
    }
}
