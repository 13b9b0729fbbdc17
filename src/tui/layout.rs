//! Geometry that both the reducer and the views need, computed from state alone.

/// The smallest terminal the desk draws in.
pub const MIN_WIDTH: u16 = 80;

pub const MIN_HEIGHT: u16 = 24;

/// Table rows the queue shows at a terminal height: title bar, filter line, table header and
/// status line take four. The view draws exactly this many.
pub fn queue_table_rows(height: u16) -> usize {
    height.saturating_sub(4).max(1) as usize
}
