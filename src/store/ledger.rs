//! Reading and changing a subject's data in the agency's ledger, only through the data map.
//!
//! Every statement is built from the map: the `select`s run as written (wrapped so each row comes
//! back as one JSON object), and changes are `DELETE`/`UPDATE` on the map's table, key and columns.
//! Those names were checked to be plain identifiers when the map was parsed and are checked
//! against the catalog here; values are always bound, never spliced.

use crate::datamap::{DataMap, Source};
use crate::domain::plan::RowFacts;
use crate::error::{Error, Result};
use chrono::NaiveDate;
use serde_json::{Map, Value};
use sqlx::postgres::PgTypeInfo;
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Column, Executor, PgConnection, PgPool, SqlSafeStr, Statement, TypeInfo};
use std::collections::BTreeMap;

/// One row of a source: its key, the facts the plan needs, and the subject's data.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRow {
    pub facts: RowFacts,
    /// The data columns in the order `select` returns them.
    pub data: Vec<(String, Value)>,
}

/// What the catalog says about a source's table: the SQL types to cast bound text to.
#[derive(Debug, Clone, Default)]
pub struct TableTypes {
    pub key_type: String,
    pub subject_type: Option<String>,
    pub column_types: BTreeMap<String, String>,
}

/// The data map, checked against this database.
#[derive(Debug, Clone)]
pub struct CheckedMap {
    pub tables: BTreeMap<String, TableTypes>,
    /// Per source, the data columns `select` returns, in order.
    pub data_columns: BTreeMap<String, Vec<String>>,
}

fn quote(identifier: &str) -> String {
    // Identifiers were checked to be [a-z_][a-z0-9_]* (datamap::is_identifier); quoting keeps
    // reserved words ("key", "role") working.
    identifier.split('.').map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(".")
}

fn wrap_select(select: &str) -> String {
    format!("SELECT row_to_json(dsrdesk_row) FROM (\n{}\n) AS dsrdesk_row", select.trim_end())
}

fn map_error(map: &DataMap, message: String) -> Error {
    Error::Invalid(format!("data map {}: {message}", map.describe_origin()))
}

async fn describe_columns(
    conn: &mut PgConnection,
    sql: &str,
    params: usize,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let text = PgTypeInfo::with_name("text");
    let types = vec![text; params];
    let statement = conn.prepare_with(AssertSqlSafe(sql.to_string()).into_sql_str(), &types).await?;
    Ok(statement.columns().iter().map(|c| (c.name().to_string(), c.type_info().name().to_string())).collect())
}

/// Check every source against the catalog and prepare every query, so that a wrong table,
/// column or query is reported when dsrdesk starts.
pub async fn check_data_map(pool: &PgPool, map: &DataMap) -> Result<CheckedMap> {
    let mut conn = pool.acquire().await?;
    let mut tables = BTreeMap::new();
    let mut data_columns = BTreeMap::new();
    let columns = describe_columns(&mut conn, &map.subjects.candidates, 3)
        .await
        .map_err(|e| map_error(map, format!("[subjects] candidates: {}", db_message(&e))))?;
    for needed in ["person_id", "name", "personal_number", "email", "address", "phone", "role"] {
        if !columns.iter().any(|(c, _)| c == needed) {
            return Err(map_error(map, format!("[subjects] candidates must return a column \"{needed}\"")));
        }
    }
    for s in &map.sources {
        let at = |m: String| map_error(map, format!("[[source]] \"{}\": {m}", s.name));
        let catalog: Vec<(String, String, bool)> = sqlx::query_as(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull
             FROM pg_attribute a
             WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
        )
        .bind(&s.table)
        .fetch_all(&mut *conn)
        .await?;
        if catalog.is_empty() {
            return Err(at(format!("table \"{}\" does not exist (or has no columns)", s.table)));
        }
        let type_of =
            |column: &str| catalog.iter().find(|(c, _, _)| c == column).map(|(_, t, n)| (t.clone(), *n));
        let key_type =
            type_of(&s.key).ok_or_else(|| at(format!("key column \"{}\" not in {}", s.key, s.table)))?.0;
        let mut types = TableTypes { key_type, ..TableTypes::default() };
        if let Some(c) = &s.subject_column {
            types.subject_type =
                Some(type_of(c).ok_or_else(|| at(format!("subject_column \"{c}\" not in {}", s.table)))?.0);
        }
        if let Some(c) = &s.restricted_column {
            let (t, _) =
                type_of(c).ok_or_else(|| at(format!("restricted_column \"{c}\" not in {}", s.table)))?;
            if !t.starts_with("timestamp") {
                return Err(at(format!("restricted_column \"{c}\" is {t}; it must be a timestamp")));
            }
        }
        for c in &s.anonymise {
            let (t, not_null) =
                type_of(c).ok_or_else(|| at(format!("anonymise column \"{c}\" not in {}", s.table)))?;
            if not_null {
                return Err(at(format!("anonymise column \"{c}\" is NOT NULL; anonymising sets it to NULL")));
            }
            types.column_types.insert(c.clone(), t);
        }
        let columns = describe_columns(&mut conn, &s.select, 1)
            .await
            .map_err(|e| at(format!("select does not prepare: {}", db_message(&e))))?;
        if !columns.iter().any(|(c, _)| c == "row_id") {
            return Err(at("select must return row_id".into()));
        }
        for (column, ty) in &columns {
            let expected = match column.as_str() {
                "claim_open" | "at_enforcement_or_court" | "restricted" => Some("BOOL"),
                "case_closed_on" | "paid_in_full_on" | "financial_year_end" | "relationship_ended" => {
                    Some("DATE")
                }
                "row_id" | "processor_client" => Some("TEXT"),
                _ => None,
            };
            if let Some(expected) = expected
                && ty != expected
            {
                return Err(at(format!("select returns {column} as {ty}; it must be {expected}")));
            }
        }
        // Art. 19: a recipient is told only of rows whose `when` column is true; a misspelt or
        // missing column would be read as "never sent" and the recipient never told.
        for r in &s.recipients {
            let Some(when) = &r.when else { continue };
            match columns.iter().find(|(c, _)| c == when) {
                None => {
                    return Err(at(format!(
                        "recipient \"{}\": when = \"{when}\" is not a column select returns (it returns: {})",
                        r.name,
                        columns
                            .iter()
                            .map(|(c, _)| c.as_str())
                            .filter(|c| c.starts_with("disclosed_"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                Some((_, ty)) if ty != "BOOL" => {
                    return Err(at(format!(
                        "recipient \"{}\": select returns {when} as {ty}; it must be BOOL (true for the rows sent)",
                        r.name
                    )));
                }
                Some(_) => {}
            }
        }
        for c in &s.rectify {
            let (t, _) =
                type_of(c).ok_or_else(|| at(format!("rectify column \"{c}\" not in {}", s.table)))?;
            if !columns.iter().any(|(name, _)| name == c) {
                return Err(at(format!(
                    "rectify column \"{c}\" must also be returned by select (to show its value)"
                )));
            }
            types.column_types.insert(c.clone(), t);
        }
        data_columns.insert(
            s.name.clone(),
            columns.iter().map(|(c, _)| c.clone()).filter(|c| Source::is_data_column(c)).collect(),
        );
        tables.insert(s.name.clone(), types);
    }
    let marketing = describe_columns(&mut conn, &map.marketing.opt_out, 1).await;
    if let Err(e) = marketing {
        return Err(map_error(map, format!("[marketing] opt_out does not prepare: {}", db_message(&e))));
    }
    Ok(CheckedMap { tables, data_columns })
}

fn db_message(e: &sqlx::Error) -> String {
    match e.as_database_error() {
        Some(d) => d.message().to_string(),
        None => e.to_string(),
    }
}

fn date_fact(object: &RowObject, key: &str) -> Result<Option<NaiveDate>> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        // ISO 8601, as PostgreSQL's JSON writes a date (FromStr needs no format string parsed
        // for each of a large export's cells).
        Some(Value::String(s)) => s
            .parse::<NaiveDate>()
            .map(Some)
            .map_err(|_| Error::Invalid(format!("data map fact {key} = {s:?} is not a date"))),
        Some(other) => Err(Error::Invalid(format!("data map fact {key} = {other} is not a date"))),
    }
}

fn bool_fact(object: &RowObject, key: &str) -> bool {
    matches!(object.get(key), Some(Value::Bool(true)))
}

/// A row as `row_to_json` writes it: its columns in the select's order. Read as a list rather
/// than as serde_json's sorted map, which cost an export of 100,000 rows a sorted insert and a
/// sorted removal of every cell.
struct RowObject(Vec<(String, Value)>);

impl RowObject {
    /// The column's value; the last one of that name, as a JSON object keeps it.
    fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.0.iter_mut().rev().find(|(k, _)| k == key).map(|(_, v)| std::mem::take(v))
    }
}

impl<'de> serde::Deserialize<'de> for RowObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Columns;
        impl<'de> serde::de::Visitor<'de> for Columns {
            type Value = RowObject;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a row as a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<RowObject, A::Error> {
                let mut columns = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    columns.push(entry);
                }
                Ok(RowObject(columns))
            }
        }
        deserializer.deserialize_map(Columns)
    }
}

/// Read one subject's rows of one source.
pub async fn rows_of(
    conn: &mut PgConnection,
    source: &Source,
    data_columns: &[String],
    person_id: &str,
) -> Result<Vec<SourceRow>> {
    let objects: Vec<Json<RowObject>> = sqlx::query_scalar(AssertSqlSafe(wrap_select(&source.select)))
        .bind(person_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::Invalid(format!("data map source \"{}\": {}", source.name, db_message(&e))))?;
    objects.into_iter().map(|Json(object)| source_row(source, data_columns, object)).collect()
}

/// One subject's rows of one source as `select` returns them, every column (facts, data and the
/// `disclosed_*` columns that say which recipient received the row, Art. 19).
pub async fn raw_rows_of(
    conn: &mut PgConnection,
    source: &Source,
    person_id: &str,
) -> Result<Vec<serde_json::Map<String, Value>>> {
    let objects: Vec<Value> = sqlx::query_scalar(AssertSqlSafe(wrap_select(&source.select)))
        .bind(person_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::Invalid(format!("data map source \"{}\": {}", source.name, db_message(&e))))?;
    Ok(objects
        .into_iter()
        .filter_map(|o| match o {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .collect())
}

/// A client's privacy contact through the data map's `[clients]` query, when it has one.
pub async fn client_contact(conn: &mut PgConnection, map: &DataMap, client: &str) -> Result<Option<String>> {
    let Some(lookup) = &map.clients else { return Ok(None) };
    let objects: Vec<Value> = sqlx::query_scalar(AssertSqlSafe(wrap_select(&lookup.contact)))
        .bind(client)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::Invalid(format!("data map [clients]: {}", db_message(&e))))?;
    Ok(objects.into_iter().find_map(|o| o.get("contact").and_then(Value::as_str).map(str::to_string)))
}

/// One JSON object of a source's `select` as a row: its facts and its data columns in order.
fn source_row(source: &Source, data_columns: &[String], mut object: RowObject) -> Result<SourceRow> {
    let row_id = match object.get("row_id") {
        Some(Value::String(s)) => s.clone(),
        other => {
            return Err(Error::Invalid(format!(
                "data map source \"{}\": row_id is {other:?}, expected text",
                source.name
            )));
        }
    };
    let facts = RowFacts {
        row_id,
        claim_open: bool_fact(&object, "claim_open"),
        at_enforcement_or_court: bool_fact(&object, "at_enforcement_or_court"),
        case_closed_on: date_fact(&object, "case_closed_on")?,
        paid_in_full_on: date_fact(&object, "paid_in_full_on")?,
        financial_year_end: date_fact(&object, "financial_year_end")?,
        relationship_ended: date_fact(&object, "relationship_ended")?,
        processor_client: object.get("processor_client").and_then(Value::as_str).map(str::to_string),
        restricted: bool_fact(&object, "restricted"),
    };
    let data = data_columns.iter().map(|c| (c.clone(), object.take(c).unwrap_or(Value::Null))).collect();
    Ok(SourceRow { facts, data })
}

/// Stream one subject's rows of one source as the database sends them (a server-side portal, not
/// `fetch_all`), so an export holds one row at a time whatever the subject's row count. Run it in
/// a REPEATABLE READ transaction when several reads must see the same snapshot.
pub fn stream_rows<'c>(
    conn: &'c mut PgConnection,
    source: &'c Source,
    data_columns: &'c [String],
    person_id: &'c str,
) -> impl futures_util::Stream<Item = Result<SourceRow>> + Send + 'c {
    use futures_util::StreamExt;
    sqlx::query_scalar::<_, Json<RowObject>>(AssertSqlSafe(wrap_select(&source.select)))
        .bind(person_id)
        .fetch(conn)
        .map(move |object| match object {
            Ok(Json(object)) => source_row(source, data_columns, object),
            Err(e) => Err(Error::Invalid(format!("data map source \"{}\": {}", source.name, db_message(&e)))),
        })
}

/// Candidate persons for a requester, as JSON objects (columns per `[subjects] candidates`).
pub async fn candidates(
    conn: &mut PgConnection,
    map: &DataMap,
    personal_number: Option<&str>,
    email: Option<&str>,
    name: Option<&str>,
) -> Result<Vec<Map<String, Value>>> {
    let objects: Vec<Value> = sqlx::query_scalar(AssertSqlSafe(wrap_select(&map.subjects.candidates)))
        .bind(personal_number)
        .bind(email)
        .bind(name)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::Invalid(format!("data map [subjects] candidates: {}", db_message(&e))))?;
    Ok(objects
        .into_iter()
        .filter_map(|v| match v {
            Value::Object(o) => Some(o),
            _ => None,
        })
        .collect())
}

/// The WHERE clause that picks rows of a source by key (and subject): `$1` keys as text[], `$2`
/// the person's id as text.
fn row_filter(source: &Source, types: &TableTypes) -> String {
    let mut clause = format!("{} = ANY(CAST($1 AS text[])::{}[])", quote(&source.key), types.key_type);
    if let (Some(column), Some(ty)) = (&source.subject_column, &types.subject_type) {
        clause.push_str(&format!(" AND {} = CAST($2 AS text)::{ty}", quote(column)));
    } else {
        clause.push_str(" AND $2::text IS NOT NULL");
    }
    clause
}

/// What one change statement did.
pub async fn delete_rows(
    conn: &mut PgConnection,
    source: &Source,
    types: &TableTypes,
    person_id: &str,
    keys: &[String],
) -> Result<u64> {
    if keys.is_empty() {
        return Ok(0);
    }
    let sql = format!("DELETE FROM {} WHERE {}", quote(&source.table), row_filter(source, types));
    Ok(sqlx::query(AssertSqlSafe(sql)).bind(keys).bind(person_id).execute(&mut *conn).await?.rows_affected())
}

pub async fn anonymise_rows(
    conn: &mut PgConnection,
    source: &Source,
    types: &TableTypes,
    person_id: &str,
    keys: &[String],
) -> Result<u64> {
    if keys.is_empty() || source.anonymise.is_empty() {
        return Ok(0);
    }
    let set: Vec<String> = source.anonymise.iter().map(|c| format!("{} = NULL", quote(c))).collect();
    let sql =
        format!("UPDATE {} SET {} WHERE {}", quote(&source.table), set.join(", "), row_filter(source, types));
    Ok(sqlx::query(AssertSqlSafe(sql)).bind(keys).bind(person_id).execute(&mut *conn).await?.rows_affected())
}

/// Set (or with `restricted = false`, clear) the restriction mark. Rows already in that state are
/// left alone, so the count is what changed.
pub async fn mark_restricted(
    conn: &mut PgConnection,
    source: &Source,
    types: &TableTypes,
    person_id: &str,
    keys: &[String],
    restricted: bool,
) -> Result<u64> {
    let Some(column) = &source.restricted_column else { return Ok(0) };
    if keys.is_empty() {
        return Ok(0);
    }
    let (value, only) = if restricted { ("now()", "IS NULL") } else { ("NULL", "IS NOT NULL") };
    let sql = format!(
        "UPDATE {} SET {c} = {value} WHERE {} AND {c} {only}",
        quote(&source.table),
        row_filter(source, types),
        c = quote(column)
    );
    Ok(sqlx::query(AssertSqlSafe(sql)).bind(keys).bind(person_id).execute(&mut *conn).await?.rows_affected())
}

/// Rectify one column of one row: returns the old value (as text), after locking the row.
pub async fn rectify_column(
    conn: &mut PgConnection,
    source: &Source,
    types: &TableTypes,
    person_id: &str,
    key: &str,
    column: &str,
    new_value: Option<&str>,
) -> Result<Option<Option<String>>> {
    let column_type = types
        .column_types
        .get(column)
        .ok_or_else(|| Error::Invalid(format!("\"{column}\" of {} cannot be rectified", source.name)))?;
    // The intake rules for the same kind of value (Issue 14 §5): a correction cannot store what
    // intake refuses (escape sequences, CR/LF in an e-mail, 100,000 characters, nothing visible).
    if let Some(value) = new_value {
        crate::domain::intake::check_field_value(column, value)
            .map_err(|why| Error::Invalid(format!("{}.{column}: {why}", source.name)))?;
    }
    let keys = vec![key.to_string()];
    let select = format!(
        "SELECT {c}::text FROM {} WHERE {} FOR UPDATE",
        quote(&source.table),
        row_filter(source, types),
        c = quote(column)
    );
    let old: Option<Option<String>> = sqlx::query_scalar(AssertSqlSafe(select))
        .bind(&keys)
        .bind(person_id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(old) = old else { return Ok(None) };
    let update = format!(
        "UPDATE {} SET {c} = CAST($3 AS text)::{column_type} WHERE {}",
        quote(&source.table),
        row_filter(source, types),
        c = quote(column)
    );
    sqlx::query(AssertSqlSafe(update))
        .bind(&keys)
        .bind(person_id)
        .bind(new_value)
        .execute(&mut *conn)
        .await
        .map_err(|e| Error::Invalid(format!("{}.{column}: {}", source.name, db_message(&e))))?;
    Ok(Some(old))
}

/// Erase the person's marketing data with the data map's `[marketing] erase` (agency policy).
pub async fn erase_marketing(conn: &mut PgConnection, map: &DataMap, person_id: &str) -> Result<Option<u64>> {
    let Some(sql) = &map.marketing.erase else { return Ok(None) };
    Ok(Some(
        sqlx::query(AssertSqlSafe(sql.clone())).bind(person_id).execute(&mut *conn).await?.rows_affected(),
    ))
}

pub async fn opt_out_of_marketing(conn: &mut PgConnection, map: &DataMap, person_id: &str) -> Result<u64> {
    Ok(sqlx::query(AssertSqlSafe(map.marketing.opt_out.clone()))
        .bind(person_id)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}
