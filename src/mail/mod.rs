//! Replies to data subjects: the templates they are written from, and (with the outbox in
//! `crate::store::outbox`) their delivery over SMTP.

pub mod templates;
pub mod smtp;
