//! Pure domain logic: no I/O, no clock reads, no SQL.
//!
//! Callers pass `today` and every other fact in; functions here only decide.
//! Each legal rule names its source in a comment and has a test named after its case.

pub mod calendar;
pub mod deadline;
pub mod holds;
pub mod identity;
pub mod inbox;
pub mod intake;
pub mod jurisdiction;
pub mod kind;
pub mod matching;
pub mod plan;
pub mod reference;
pub mod report;
pub mod residence;
pub mod retention;
pub mod search;
pub mod status;
pub mod text;
pub mod verification;

pub use jurisdiction::Jurisdiction;
pub use kind::RequestKind;
pub use status::RequestStatus;
