//! JSON Schemas of the files nines writes, generated from the types that
//! write them (with `schemars`, for what nines *writes*: every field it
//! always writes is required). The repository ships them in `schemas/`
//! (`report.schema.json`, `check.schema.json`); a test checks that the
//! shipped files equal these and that real outputs validate against them
//! (`NINES_BLESS=1 cargo test --release --test integration schema`
//! rewrites the shipped files after a change to the types).

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;

use super::Report;
use super::check::CheckJson;

/// The schema of `T` as nines writes it, as pretty JSON ending in a newline.
fn schema_of<T: JsonSchema>() -> String {
    let schema = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<T>();
    let mut text = serde_json::to_string_pretty(&schema).expect("schemas are plain JSON");
    text.push('\n');
    text
}

/// The JSON Schema of the run report (`nines run --json`, `nines merge
/// --json`, `nines check --report-json`), `schemas/report.schema.json`.
pub fn report_schema() -> String {
    schema_of::<Report>()
}

/// The JSON Schema of the check verdicts (`nines check --json`),
/// `schemas/check.schema.json`.
pub fn check_schema() -> String {
    schema_of::<CheckJson>()
}

/// Every shipped schema: (file name under `schemas/`, its text).
pub fn schemas() -> [(&'static str, String); 2] {
    [
        ("report.schema.json", report_schema()),
        ("check.schema.json", check_schema()),
    ]
}
