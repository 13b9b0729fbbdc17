//! Replies to data subjects: the templates they are written from, and (with the outbox in
//! `crate::store::outbox`) their delivery over SMTP.

pub mod inbox;
pub mod smtp;
pub mod templates;
