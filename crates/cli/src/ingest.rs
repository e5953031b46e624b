//! `covidmap ingest`: one boundary file into the database (or a dry run).

use crate::args::{Global, IngestArgs};
use crate::database;
use covidmap_ingest::legacy::TextEncoding;
use covidmap_ingest::{FieldFlags, ReadOptions};
use covidmap_upload::{unguarded, upload, UploadReport, UploadRequest};

pub async fn ingest(global: &Global, args: IngestArgs) -> anyhow::Result<()> {
    let encoding = args
        .encoding
        .as_deref()
        .map(str::parse::<TextEncoding>)
        .transpose()?;
    let level = args.level;
    let mut request = UploadRequest::new(args.file.clone(), level, args.by);
    request.read = ReadOptions {
        level,
        fields: FieldFlags {
            name: args.name_field,
            code: args.code_field,
            parent: args.parent_field,
        },
        source_crs: args.source_crs,
        encoding,
    };
    request.parent = args.parent;
    request.dry_run = args.dry_run;
    request.two_tier = args.two_tier;
    // An operator at the command line answers for the whole province.
    let db = database::open(global).await?;
    // Real boundaries beside generated ones would pass for real data, and the sample's
    // lockdowns and figures would be published over them.
    if db.store.is_sample().await? && !args.into_sample {
        db.store.close().await;
        anyhow::bail!(
            "the database holds the generated sample of the demo: real boundaries go into a database of their own (set DATABASE_URL to an empty database, or remove {} after stopping the server); only the demo's own files go in, with --into-sample",
            global.data_dir.join("pg").display()
        );
    }
    // And the demo's files never reach a database that is not the sample's.
    if args.into_sample && !db.store.is_sample().await? {
        db.store.close().await;
        anyhow::bail!(
            "--into-sample loads the demo's own files into the sample's database, and this database does not hold the sample: leave the flag out for real boundaries"
        );
    }
    let report = upload(&db.store, request, unguarded()).await;
    db.store.close().await;
    let report = report?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(())
}

pub fn print_report(r: &UploadReport) {
    let f = &r.file;
    println!(
        "{}: {} unit(s) at level {} read with {}",
        f.file, r.plan.units, r.plan.level, f.driver
    );
    println!("  CRS: {}", f.source_crs);
    println!("  text: {} ({})", f.encoding.encoding, f.encoding.how);
    let fields = &f.fields;
    println!(
        "  fields: name={} code={} parent={} type={}",
        fields.name,
        fields.code.as_deref().unwrap_or("-"),
        fields.parent.as_deref().unwrap_or("-"),
        fields.unit_type.as_deref().unwrap_or("-")
    );
    for note in f.notes.iter().chain(&r.plan.notes) {
        println!("  note: {note}");
    }
    let d = &r.applied.diff;
    println!(
        "  added {}, changed {}, removed {}, unchanged {}",
        d.added.len(),
        d.changed.len(),
        d.removed.len(),
        d.unchanged
    );
    let show = |label: &str, codes: Vec<String>| {
        if !codes.is_empty() {
            let more = if codes.len() > 20 {
                format!(" … and {} more", codes.len() - 20)
            } else {
                String::new()
            };
            println!(
                "    {label}: {}{more}",
                codes.into_iter().take(20).collect::<Vec<_>>().join(", ")
            );
        }
    };
    show("added", d.added.clone());
    show(
        "changed",
        d.changed
            .iter()
            .map(|c| format!("{} ({})", c.code, c.fields.join("+")))
            .collect(),
    );
    show("removed", d.removed.clone());
    match r.applied.upload_id {
        Some(id) => println!("  committed as upload {id}"),
        None => println!("  dry run: nothing written"),
    }
}
