//! The shift overview's state: its three lists and which one has the focus.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Urgent,
    Mine,
    Changes,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Urgent, Pane::Mine, Pane::Changes];
    pub(super) fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Clone, Default)]
pub struct OverviewState {
    pub load: Loadable<OverviewData, String>,
    pub focus: Pane,
    pub selected: [usize; 3],
    pub by_assignee: bool,
    /// Which page of the by-assignee table is shown, when it has more rows than fit.
    pub assignee_page: usize,
}

impl OverviewState {
    pub(super) fn pane_len(&self, pane: Pane) -> usize {
        self.load.data.as_ref().map_or(0, |d| match pane {
            Pane::Urgent => d.urgent.len(),
            Pane::Mine => d.mine.len(),
            Pane::Changes => d.changes.items.len(),
        })
    }

    pub fn selected_reference(&self) -> Option<String> {
        let d = self.load.data.as_ref()?;
        let i = self.selected[self.focus.index()];
        match self.focus {
            Pane::Urgent => d.urgent.get(i).map(|q| q.record.reference.clone()),
            Pane::Mine => d.mine.get(i).map(|q| q.record.reference.clone()),
            Pane::Changes => d.changes.items.get(i).map(|c| c.reference.clone()),
        }
    }
}

impl App {
    /// The overview's own keys: the focused list, the breakdown, the last-seen mark.
    pub(super) fn overview_action(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::NextPane | Action::PrevPane => {
                let forward = matches!(action, Action::NextPane);
                let i = self.overview.focus.index();
                self.overview.focus = Pane::ALL[if forward { (i + 1) % 3 } else { (i + 2) % 3 }];
                vec![]
            }
            // `b`: by kind → by assignee, page by page → by kind (at 80 columns, where one table
            // shows at a time); on a wide screen both show, and `b` turns the assignee pages.
            Action::ToggleBreakdown => {
                let operators = self.overview.load.data.as_ref().map_or(0, |d| d.overview.by_assignee.len());
                let pages = crate::tui::layout::overview_assignee_pages(self.size, operators);
                let o = &mut self.overview;
                if self.size.0 >= crate::tui::layout::WIDE {
                    if pages == 1 {
                        self.info(StatusKind::Info, "every assignee is shown");
                    } else {
                        o.assignee_page = (o.assignee_page + 1) % pages;
                    }
                } else if !o.by_assignee {
                    o.by_assignee = true;
                    o.assignee_page = 0;
                } else if o.assignee_page + 1 < pages {
                    o.assignee_page += 1;
                } else {
                    o.by_assignee = false;
                    o.assignee_page = 0;
                }
                vec![]
            }
            Action::MarkSeen => match self.overview.load.data.as_ref().and_then(|d| d.changes.newest) {
                Some(up_to) => vec![Effect::MarkSeen { up_to }],
                None => {
                    self.info(StatusKind::Info, "nothing new to mark seen");
                    vec![]
                }
            },
            _ => vec![],
        }
    }
}
