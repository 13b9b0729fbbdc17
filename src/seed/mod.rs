//! Seeding (`dsrdesk seed`, the demo, the benchmarks): a deterministic synthetic world, kept out
//! of the use cases. The synthetic data (`people`, `requests`, `ledger`, `history`), its COPY
//! encoding (`copy`) and the loading (`load`) each have a file.
//!
//! Deterministic synthetic requests for demos and benchmarks.
//!
//! Every requester is a person of the seeded world ([`ledger_person`]), the same persons the
//! reference ledger is filled with (`ledger`), so a request can be matched against the
//! ledger the way a real one would. The same seed and the same day give the same requests. Dates are relative to `now`, so a demo
//! always shows requests that are overdue, due today and due later. Every request is stored with
//! the events that explain its state, through the same bulk path as intake.
//!
//! The reference ledger (migration 0005), filled deterministically and consistently with the
//! seeded requests: ledger person `i` is [`ledger_person`]`(seed, i)`, the same function the
//! request seeder draws its requesters from, so a request's name, e-mail, personal number and
//! address are what the ledger holds about that person.
//!
//! Generation is pure. A batch of persons `start..end` and everything about them — cases and the
//! other parties on them, payments, letters, calls, further contact details, credit look-ups, AML
//! checks, marketing preferences — comes from a generator seeded with (seed, batch index), so
//! batches are independent of each other. Loading is `COPY ... FROM STDIN` in text format, one
//! transaction per batch, while the next batch is generated on another thread.
//!
//! Idempotence: the `dsrdesk_meta` key `ledger_seeded` records `{seed, persons, complete}`.
//! Seeding the same seed and size again adds nothing; an interrupted run is resumed batch by batch
//! (a batch is one transaction, so it is either all there or not at all); a different seed or size,
//! or a ledger that holds rows `dsrdesk seed` did not write, is refused: the ids would collide and
//! two synthetic worlds would be mixed.

pub mod copy;
pub mod history;
pub mod ledger;
pub mod load;
pub mod people;
pub mod requests;
#[cfg(test)]
mod tests;

use copy::*;
use history::*;
pub use ledger::CLIENTS;
use ledger::*;
pub use load::{LEDGER_BATCH, LedgerSeeded};
use people::*;
pub use people::{
    SeedPerson, finnish_hetu, ledger_person, swedish_coordination_number, swedish_personal_number,
};
use requests::*;
pub use requests::{DEFAULT_OPERATORS, SeedOptions, demo_operators, requester_index};

use crate::domain::deadline::{self, DeadlineFacts};
use crate::domain::intake::{Channel, Language, NewRequest, Requester};
use crate::domain::reference::Reference;
use crate::domain::{Jurisdiction, RequestKind, RequestStatus};
use crate::error::{Error, Result};
use crate::service::{Desk, Operator};
use crate::store::requests::{self as store, NewEvent, RequestRecord};
use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, TimeZone, Utc};
use futures_util::{StreamExt, stream};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgConnection;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
