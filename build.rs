// The migrations are embedded by `sqlx::migrate!` at compile time; without this, a new file in
// migrations/ (a merge, a checkout) would not rebuild the crate and tests would run stale schema.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
