// `sqlx::migrate!` embeds the migrations when the crate is built: rebuild when one is added.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
