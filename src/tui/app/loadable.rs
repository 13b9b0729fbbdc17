//! What a screen loads from the desk, and the four states it can be in, written once: the data,
//! a load under way, gone stale, failed.

/// A screen's data from the desk (the overview, a request, a subject screen).
#[derive(Debug, Clone)]
pub struct Loadable<T, E> {
    pub data: Option<Box<T>>,
    /// A load is under way: one at a time; a change meanwhile loads again when this one is in.
    pub loading: bool,
    /// Something changed since it was loaded.
    pub stale: bool,
    pub error: Option<E>,
}

impl<T, E> Default for Loadable<T, E> {
    fn default() -> Self {
        Loadable { data: None, loading: false, stale: false, error: None }
    }
}

impl<T, E> Loadable<T, E> {
    /// Whether to load now: never while a load is under way; when nothing is there yet or it went
    /// stale. A load started is marked as under way.
    pub fn start(&mut self) -> bool {
        if self.loading {
            return false;
        }
        if self.data.is_none() || self.stale {
            self.stale = false;
            self.loading = true;
            true
        } else {
            false
        }
    }

    /// A load came in. With `keep_on_error` what was shown stays (with the error beside it);
    /// without, the error is shown alone.
    pub fn finish(&mut self, result: Result<Box<T>, E>, keep_on_error: bool) {
        self.loading = false;
        match result {
            Ok(data) => {
                self.data = Some(data);
                self.error = None;
            }
            Err(e) => {
                if !keep_on_error {
                    self.data = None;
                }
                self.error = Some(e);
            }
        }
    }
}
