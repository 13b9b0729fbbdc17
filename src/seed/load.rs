//! Loading: requests through the intake's bulk path, the ledger batch by batch with its
//! progress in `dsrdesk_meta`, idempotent and resumable.

use super::*;

impl Desk {
    /// Whether the database holds requests from anything but `seed`.
    pub async fn holds_real_requests(&self) -> Result<bool> {
        let any: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM requests)").fetch_one(self.pool()).await?;
        if !any {
            return Ok(false);
        }
        let seeded: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM dsrdesk_meta WHERE key = 'seeded')")
                .fetch_one(self.pool())
                .await?;
        Ok(!seeded)
    }

    /// Fill the queue with synthetic requests. Refuses a database with real requests unless forced.
    /// Each batch of 10,000 is one transaction; returns how many were created. The requesters are
    /// persons of the reference ledger that [`Desk::seed_ledger`] fills from the same options.
    pub async fn seed(
        &self,
        options: &SeedOptions,
        now: DateTime<Utc>,
        mut progress: impl FnMut(u64),
    ) -> Result<u64> {
        if !options.force && self.holds_real_requests().await? {
            return Err(Error::Invalid(
                "this database holds requests that did not come from `dsrdesk seed`; refusing to mix demo data into it (use --force if you mean it)".into(),
            ));
        }
        if options.operators.is_empty() {
            return Err(Error::Invalid("seed needs at least one operator name".into()));
        }
        sqlx::query("INSERT INTO dsrdesk_meta (key, value) VALUES ('seeded', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value")
            .bind(now.to_rfc3339())
            .execute(self.pool())
            .await?;
        const BATCH: u64 = 10_000;
        let mut created = 0;
        let mut start = 0;
        while start < options.requests {
            let end = (start + BATCH).min(options.requests);
            // One generator per batch, seeded from (seed, batch): batches are independent.
            let mut rng = ChaCha8Rng::seed_from_u64(options.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ start);
            let mut batch: Vec<Generated> =
                (start..end).map(|i| generate(self, &mut rng, i, options, now)).collect();
            batch.sort_by_key(|g| g.record.received_at);
            created += self.store_generated(&mut batch).await?;
            progress(end);
            start = end;
        }
        store::compact_open_counts(self.pool(), 0).await?;
        Ok(created)
    }

    async fn store_generated(&self, batch: &mut [Generated]) -> Result<u64> {
        let mut tx = self.pool().begin().await?;
        let external: Vec<String> = batch.iter().filter_map(|g| g.record.external_id.clone()).collect();
        let present = store::existing_external_ids(&mut tx, &external).await?;
        let mut per_year: BTreeMap<i32, i64> = BTreeMap::new();
        for g in batch.iter() {
            *per_year.entry(g.record.received_on.year()).or_default() += 1;
        }
        let mut next = BTreeMap::new();
        for (year, count) in per_year {
            next.insert(year, store::reserve_reference_numbers(&mut tx, year, count).await?);
        }
        let mut records = Vec::new();
        let mut histories = Vec::new();
        for g in batch.iter_mut() {
            if g.record.external_id.as_ref().is_some_and(|id| present.contains(id)) {
                continue;
            }
            let year = g.record.received_on.year();
            let n = next.get_mut(&year).expect("reserved");
            g.record.reference = Reference { year, number: *n }.to_string();
            *n += 1;
            records.push(g.record.clone());
            histories.push(std::mem::take(&mut g.events));
        }
        let inserted = store::insert_requests(&mut tx, &records).await?;
        let ids: std::collections::HashMap<String, i64> =
            inserted.into_iter().map(|(id, r)| (r, id)).collect();
        let mut events = Vec::new();
        for (record, history) in records.iter().zip(histories) {
            let Some(&id) = ids.get(&record.reference) else { continue };
            for (at, actor, action, details) in history {
                events.push(NewEvent {
                    request_id: id,
                    effective_at: at,
                    recorded_at: Some(at),
                    actor: actor.clone(),
                    actor_client: None,
                    action,
                    details,
                });
            }
        }
        store::insert_events(&mut tx, &events).await?;
        tx.commit().await?;
        Ok(ids.len() as u64)
    }
}

/// Persons per batch (and per transaction), with all their rows.
pub const LEDGER_BATCH: u64 = 10_000;

/// Batches loaded at once, each on its own connection.
pub(super) const LEDGER_WRITERS: usize = 2;

// ---------------------------------------------------------------------------------------------
// Loading

/// What `dsrdesk_meta.ledger_seeded` records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct LedgerMeta {
    pub(super) seed: u64,
    pub(super) persons: u64,
    pub(super) complete: bool,
}

/// Progress of [`Desk::seed_ledger`], after each batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerProgress {
    pub persons_done: u64,
    pub persons_total: u64,
    /// Rows written by this run so far.
    pub rows: u64,
}

/// What [`Desk::seed_ledger`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LedgerSeeded {
    /// Persons written by this run (0 when the ledger was already seeded).
    pub persons: u64,
    /// Rows written by this run, in all ledger tables.
    pub rows: u64,
    /// The ledger already held this seed's persons: nothing was written.
    pub already_seeded: bool,
}

pub(super) const ANALYZE_LEDGER: &str = "ANALYZE ledger.clients, ledger.persons, ledger.contact_details, ledger.cases, \
     ledger.case_parties, ledger.payments, ledger.letters, ledger.calls, ledger.credit_lookups, \
     ledger.aml_checks, ledger.marketing_preferences";

/// Where the ledger stands for a seed and size.
pub(super) enum LedgerState {
    Empty,
    /// The same seed and size, not finished: resume.
    Interrupted,
    Seeded,
}

impl Desk {
    /// Whether [`Desk::seed_ledger`] with `options` would refuse, told before anything is written:
    /// `dsrdesk seed` asks before it adds requests, so a refused ledger leaves the queue as it was.
    pub async fn check_seed_ledger(&self, options: &SeedOptions) -> Result<()> {
        self.ledger_state(options).await.map(|_| ())
    }

    async fn ledger_state(&self, options: &SeedOptions) -> Result<LedgerState> {
        let recorded: Option<String> =
            sqlx::query_scalar("SELECT value FROM dsrdesk_meta WHERE key = 'ledger_seeded'")
                .fetch_optional(self.pool())
                .await?;
        let Some(text) = recorded else {
            let any: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM ledger.persons) OR EXISTS (SELECT 1 FROM ledger.clients)",
            )
            .fetch_one(self.pool())
            .await?;
            if any {
                return Err(Error::Invalid(
                    "the ledger holds data that did not come from `dsrdesk seed`; refusing to mix demo data into it".into(),
                ));
            }
            return Ok(LedgerState::Empty);
        };
        let m: LedgerMeta = serde_json::from_str(&text).map_err(|e| {
            Error::Invalid(format!("dsrdesk_meta 'ledger_seeded' is not what dsrdesk wrote ({e}): {text}"))
        })?;
        if (m.seed, m.persons) != (options.seed, options.persons) {
            return Err(Error::Invalid(format!(
                "the ledger already holds seed {} with {} persons; refusing to mix seed {} with {} persons into it (ids would collide): use a fresh database",
                m.seed, m.persons, options.seed, options.persons
            )));
        }
        Ok(if m.complete { LedgerState::Seeded } else { LedgerState::Interrupted })
    }

    /// Fill the reference ledger with `options.persons` persons of `options.seed` and everything
    /// about them, consistently with the requests [`Desk::seed`] makes from the same options.
    /// Dates are relative to `now` (the Swedish local date), like the requests'.
    pub async fn seed_ledger(
        &self,
        options: &SeedOptions,
        now: DateTime<Utc>,
        mut progress: impl FnMut(LedgerProgress),
    ) -> Result<LedgerSeeded> {
        let wanted = LedgerMeta { seed: options.seed, persons: options.persons, complete: true };
        let mut result = LedgerSeeded::default();
        match self.ledger_state(options).await? {
            LedgerState::Seeded => return Ok(LedgerSeeded { already_seeded: true, ..Default::default() }),
            LedgerState::Interrupted => {} // resume below
            LedgerState::Empty => {
                let clients = clients(options.seed);
                let mut tx = self.pool().begin().await?;
                let started = LedgerMeta { complete: false, ..wanted };
                sqlx::query("INSERT INTO dsrdesk_meta (key, value) VALUES ('ledger_seeded', $1)")
                    .bind(serde_json::to_string(&started).expect("json"))
                    .execute(&mut *tx)
                    .await?;
                result.rows += copy_table(&mut tx, &encode_clients(&clients)).await?;
                tx.commit().await?;
            }
        }

        // Batches a previous, interrupted run completed (each was one transaction).
        let done: BTreeSet<i64> =
            sqlx::query_scalar("SELECT DISTINCT (id - 1) / $1 FROM ledger.persons WHERE id BETWEEN 1 AND $2")
                .bind(LEDGER_BATCH as i64)
                .bind(options.persons as i64)
                .fetch_all(self.pool())
                .await?
                .into_iter()
                .collect();
        let today = Jurisdiction::Sweden.local_date(now);
        let seed = options.seed;
        let clients = Arc::new(clients(seed));
        let todo: Vec<(u64, u64)> = (0..options.persons.div_ceil(LEDGER_BATCH))
            .filter(|b| !done.contains(&(*b as i64)))
            .map(|b| (b * LEDGER_BATCH, ((b + 1) * LEDGER_BATCH).min(options.persons)))
            .collect();
        // Batches in flight at once, each generated (and encoded) on a blocking thread, then copied
        // on its own connection in its own transaction: while one batch is being generated or
        // checked by the server, another is too. Batches are independent, so order does not matter.
        let load = |(start, end): (u64, u64)| {
            let clients = Arc::clone(&clients);
            let pool = self.pool().clone();
            async move {
                let tables = tokio::task::spawn_blocking(move || {
                    encode_batch(&generate_batch(seed, &clients, start, end, today))
                })
                .await
                .map_err(|e| Error::Invalid(format!("ledger generator: {e}")))?;
                let mut tx = pool.begin().await?;
                let mut rows = 0;
                for table in &tables {
                    rows += copy_table(&mut tx, table).await?;
                }
                tx.commit().await?;
                Ok::<_, Error>((end - start, rows))
            }
        };
        let mut persons_done = options.persons - todo.iter().map(|(start, end)| end - start).sum::<u64>();
        let mut loads = stream::iter(todo).map(load).buffer_unordered(LEDGER_WRITERS);
        while let Some(loaded) = loads.next().await {
            let (persons, rows) = loaded?;
            result.persons += persons;
            result.rows += rows;
            persons_done += persons;
            progress(LedgerProgress { persons_done, persons_total: options.persons, rows: result.rows });
        }
        sqlx::query("UPDATE dsrdesk_meta SET value = $1 WHERE key = 'ledger_seeded'")
            .bind(serde_json::to_string(&wanted).expect("json"))
            .execute(self.pool())
            .await?;
        // Fresh statistics, so queries against the ledger are planned for its real size at once.
        sqlx::query(ANALYZE_LEDGER).execute(self.pool()).await?;
        Ok(result)
    }
}
