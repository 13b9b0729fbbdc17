//! dsrdesk: the DPO's desk for GDPR data-subject requests.
//!
//! `domain` decides (pure), `service` carries out use cases in transactions, `store` talks SQL,
//! and the front ends (`cli`, later `tui`) only translate between people and the service.

pub mod cli;
pub mod config;
pub mod datamap;
pub mod domain;
pub mod error;
pub mod export;
pub mod logging;
pub mod mail;
pub mod seed;
pub mod service;
pub mod store;
#[doc(hidden)]
pub mod testing;
pub mod tui;

pub use error::{Error, Result};
