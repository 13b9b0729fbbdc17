//! The statistics screen's state (issue 17 §1): this year's report and the last 90 days' intake,
//! loaded when the screen is opened or refreshed. It has no keys of its own.

use super::*;
use crate::tui::action::StatsData;

#[derive(Debug, Clone, Default)]
pub struct StatsState {
    pub load: Loadable<StatsData, String>,
}

impl App {
    /// Load the figures when the screen needs them: this year as the Swedish controller counts
    /// it (the two controllers' dates differ by an hour at most).
    pub(super) fn load_stats(&mut self) -> Vec<Effect> {
        if self.stats.load.start() {
            vec![Effect::LoadStats { today: Jurisdiction::Sweden.local_date(self.now) }]
        } else {
            vec![]
        }
    }

    pub(super) fn stats_loaded(&mut self, result: Result<Box<StatsData>, Failure>) -> Vec<Effect> {
        self.stats.load.finish(result.map_err(|e| e.message), true);
        vec![]
    }
}
