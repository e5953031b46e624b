//! `covidmap serve`: connect (starting the local cluster if needed), load the sample into an
//! empty database when this is the demo, serve until Ctrl-C or SIGTERM, then stop what was
//! started.

use crate::args::{Global, ServeArgs};
use crate::{database, sample};
use anyhow::Context;
use covidmap_store::{Contents, StoreError};
use std::sync::Arc;

pub async fn serve(global: &Global, args: ServeArgs) -> anyhow::Result<()> {
    let db = database::open(global).await?;
    // The demo is the local cluster (`make run`) or an explicit --sample; a database named
    // by DATABASE_URL is someone's real one unless told otherwise. Marking the database as
    // the demo's decides, in one transaction, whether it may be.
    let demo = args.sample || (db.local && !args.no_sample);
    let marked = if demo {
        Some(db.store.mark_sample(sample::SAMPLE_SEED).await)
    } else {
        None
    };
    match marked {
        Some(Ok(true)) => {
            eprintln!(
                "empty database: loading the generated sample from {}",
                global.data_dir.display()
            );
            sample::load(&db.store, &global.data_dir).await?;
        }
        // A sample loaded before the layers existed gets its sample layers too.
        Some(Ok(false)) => sample::load_layers(&db.store).await?,
        // The local cluster holding real data is served as it is; --sample is refused.
        Some(Err(StoreError::HoldsRealData { .. })) if !args.sample => {}
        Some(Err(e)) => return Err(e).context("loading the sample"),
        None => match db.store.contents().await? {
            Contents::Sample => eprintln!("warning: the database holds the generated sample, not real data; the pages and answers say so"),
            Contents::Empty => eprintln!(
                "the database holds nothing yet: load the province's boundaries with `covidmap ingest FILE --level province|district|commune|hamlet` (the pages are empty until then)"
            ),
            Contents::Real { .. } => {}
        },
    }
    let backend = Arc::new(
        covidmap_live::LiveData::load_with_cache(db.store.clone(), args.tile_cache_mb << 20)
            .await?,
    );
    // Checked before serving: districts without their province would give a map with no
    // outline, no title and no first view.
    let snapshot = backend.snapshot();
    let region = snapshot.region();
    region.check(snapshot.units())?;
    if let Some(name) = region.name() {
        eprintln!("serving {name}");
    }
    let feed = Arc::clone(&backend).follow_changes();
    let retention = args
        .change_log_days
        .map(|days| tokio::spawn(keep_change_log(db.store.clone(), days)));
    // Listening for SIGTERM before the port opens: a signal that comes as soon as the server
    // answers must stop it cleanly, not kill it.
    let shutdown = shutdown_signal()?;
    let listener = covidmap_server::listen::bind(args.bind)
        .with_context(|| format!("binding {}", args.bind))?;
    println!("covidmap serving on http://{}", listener.local_addr()?);
    let glyphs = covidmap_server::glyphs::Glyphs::from_dir(&args.font_dir)
        .with_context(|| format!("reading fonts in {}", args.font_dir.display()))?;
    for problem in covidmap_server::pages::missing(&args.web_dir) {
        eprintln!("warning: the map pages will not work: {problem}");
    }
    let limits = limits(&args);
    tracing::info!(?limits, "serving");
    let assets = covidmap_server::Assets {
        glyphs: Arc::new(glyphs),
        web_dir: args.web_dir,
    };
    let stopping = Arc::clone(&backend);
    let own_address = listener.local_addr()?;
    let loopback = if args.webhooks_on_loopback {
        covidmap_core::callback::Loopback::Allowed
    } else {
        covidmap_core::callback::Loopback::Refused
    };
    let settings = covidmap_server::Settings {
        utc_offset: args.utc_offset,
        max_change_streams: args.max_change_streams,
        webhook_loopback: loopback,
        own_address: Some(own_address),
    };
    let deliveries = covidmap_webhooks::Deliveries::new(
        Arc::clone(&backend),
        covidmap_webhooks::DeliverySettings {
            node: covidmap_store::new_id("node")?,
            public_url: args
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{own_address}")),
            loopback,
            own: vec![own_address],
        },
    )
    .run();
    let app = covidmap_server::app_with(backend, assets, settings);
    covidmap_server::listen::serve(listener, app, limits, async move {
        shutdown.await;
        // Open change streams would keep the server waiting for them.
        stopping.close_changes();
    })
    .await?;
    // Stopped before the pool closes, or it would report the closed pool as a failure.
    feed.abort();
    deliveries.abort();
    if let Some(retention) = retention {
        retention.abort();
    }
    db.store.close().await;
    if let Some(cluster) = db.started {
        tokio::task::spawn_blocking(move || cluster.stop()).await??;
        eprintln!("local PostGIS stopped");
    }
    Ok(())
}

/// Drops, every hour, the changes older than `days`.
async fn keep_change_log(store: covidmap_store::Store, days: u32) {
    let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        let before = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
        match store.trim_change_log(before).await {
            Ok(0) => {}
            Ok(dropped) => tracing::info!(dropped, days, "old changes dropped from the change log"),
            Err(e) => {
                tracing::warn!(error = %e, "the change log could not be trimmed; retrying in an hour")
            }
        }
    }
}

/// The listener's limits from the flags, the connections capped below the file descriptors
/// the process may open (raised to the system's hard limit first).
fn limits(args: &ServeArgs) -> covidmap_server::listen::Limits {
    // Each connection is a descriptor; the database pool, fonts and logs need some too.
    const RESERVED_DESCRIPTORS: u64 = 256;
    let descriptors = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let fit = usize::try_from(descriptors.saturating_sub(RESERVED_DESCRIPTORS).max(64))
        .unwrap_or(usize::MAX);
    let asked = usize::try_from(args.max_connections).unwrap_or(usize::MAX);
    if asked > fit {
        eprintln!(
            "warning: --max-connections {} is more than the {descriptors} file descriptors allow; serving at most {fit}",
            args.max_connections
        );
    }
    covidmap_server::listen::Limits {
        max_connections: asked.min(fit),
        header_timeout: std::time::Duration::from_secs(args.header_timeout_s),
        drain: std::time::Duration::from_secs(args.drain_s),
    }
}

/// Ctrl-C or SIGTERM; the handlers are installed when this is called, not when it is first
/// awaited.
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt()).context("listening for Ctrl-C")?;
    let mut terminate = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    Ok(async move {
        tokio::select! { _ = interrupt.recv() => {}, _ = terminate.recv() => {} }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
