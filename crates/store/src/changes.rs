//! The change feed: a LISTEN connection on `covidmap_changes`, which the database notifies
//! when a transaction that wrote units commits (migration 0002, a statement trigger).

use crate::error::Result;
use crate::Store;
use sqlx::postgres::PgListener;

/// The notification channel.
pub const CHANNEL: &str = "covidmap_changes";

/// A listening connection.
pub struct ChangeFeed {
    listener: PgListener,
}

impl ChangeFeed {
    /// Waits for the next committed change and returns the table that changed; `None` when
    /// the connection was lost (changes may have been missed: reload everything; the next
    /// call reconnects).
    ///
    /// # Errors
    /// Reconnecting failed.
    pub async fn next(&mut self) -> Result<Option<String>> {
        Ok(self
            .listener
            .try_recv()
            .await?
            .map(|n| n.payload().to_owned()))
    }

    /// The changes already received, without waiting: the tables they touched (one reload
    /// covers them all).
    pub fn drain(&mut self) -> Vec<String> {
        std::iter::from_fn(|| self.listener.next_buffered())
            .map(|n| n.payload().to_owned())
            .collect()
    }
}

impl Store {
    /// Starts listening for changes.
    ///
    /// # Errors
    /// The database cannot be reached.
    pub async fn changes(&self) -> Result<ChangeFeed> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(ChangeFeed { listener })
    }
}
