//! Loading the sample data into an empty database: the province outline, the real
//! districts, and the generated communes and hamlets, all through the upload workflow.

use crate::demo_data::{self, COMMUNES, COMMUNES_2025, DISTRICTS, HAMLETS, PROVINCE, UNIT_CHANGES};
use anyhow::Context as _;
use covidmap_core::Level;
use covidmap_store::{Author, Store};
use covidmap_upload::{unguarded, upload, UploadRequest};
use std::path::Path;

/// Seed of the committed sample data.
pub const SAMPLE_SEED: u64 = 2021;

pub async fn load(store: &Store, data_dir: &Path) -> anyhow::Result<()> {
    let generated = data_dir.join("generated");
    if !generated.join(COMMUNES_2025).exists() {
        let (d, g) = (data_dir.to_owned(), generated.clone());
        tokio::task::spawn_blocking(move || demo_data::generate(&d, &g, SAMPLE_SEED)).await??;
    }
    // The uploads are the provincial office's, each with its audit entry, as an upload through
    // the API would be.
    let offices = covidmap_demo::organisations(&[]);
    for org in &offices {
        store.add_organisation(org).await?;
    }
    let office = offices
        .iter()
        .find(|o| o.kind == covidmap_core::agency::OrgKind::ProvincialOffice)
        .context("the sample's organisations have no provincial office")?;
    let author = Author::of(office, None);
    let files = [
        (data_dir.join(PROVINCE), Level::Province),
        (data_dir.join(DISTRICTS), Level::District),
        (generated.join(COMMUNES), Level::Commune),
        (generated.join(HAMLETS), Level::Hamlet),
    ];
    for (path, level) in files {
        let mut request = UploadRequest::new(path.clone(), level, "sample data");
        request.author = Some(author.clone());
        let started = std::time::Instant::now();
        let report = upload(store, request, unguarded()).await?;
        eprintln!(
            "loaded {} {level} unit(s) from {} in {:.1} s",
            report.plan.units,
            path.display(),
            started.elapsed().as_secs_f64()
        );
    }
    // The province's real administrative changes, so that former names resolve.
    let changes = data_dir.join(UNIT_CHANGES);
    let file = crate::unit_changes::read_file(&changes)?;
    crate::unit_changes::load(store, file, &author, &changes).await?;
    load_layers(store).await
}

/// The province's agencies, and sample lockdown zones, points, facilities and commune
/// levels over the units loaded.
pub async fn load_layers(store: &Store) -> anyhow::Result<()> {
    // Each once: those already there are kept as they are.
    let districts = store.current_units(Level::District).await?;
    let organisations = covidmap_demo::organisations(&districts);
    for org in &organisations {
        store.add_organisation(org).await?;
    }
    eprintln!("{} organisations", organisations.len());
    if store.figures_empty().await? {
        let units = store.all_current_units().await?;
        let figures =
            tokio::task::spawn_blocking(move || covidmap_demo::figures(&units, SAMPLE_SEED))
                .await?;
        store.insert_figures(&figures, "sample data").await?;
        eprintln!("loaded {} days of commune figures", figures.len());
    }
    if !store.layers_empty().await? {
        return Ok(());
    }
    let units = store.all_current_units().await?;
    let layers =
        tokio::task::spawn_blocking(move || covidmap_demo::layers(&units, SAMPLE_SEED)).await?;
    store.insert_layers(&layers, "sample data").await?;
    eprintln!(
        "loaded sample layers: {} lockdown zones, {} lockdown points, {} facilities, {} commune levels",
        layers.zones.len(),
        layers.points.len(),
        layers.facilities.len(),
        layers.commune_levels.len()
    );
    Ok(())
}
