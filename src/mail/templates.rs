//! Reply templates: one file per purpose and language, checked when loaded.
