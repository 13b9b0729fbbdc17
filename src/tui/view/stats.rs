//! The statistics screen (issue 17 §1): received and answered per month as bars, the share
//! answered within the legal deadline as a gauge, the daily intake of the last 90 days as a
//! sparkline, and the table by right. Every figure is also written as text: readable without colour.

use super::*;
use crate::domain::report::{Figures, Report};
use crate::tui::action::StatsData;
use ratatui::widgets::{Bar, BarChart, BarGroup, Gauge, Sparkline};

pub(super) fn draw_stats(frame: &mut Frame, app: &App, area: Rect) {
    let theme = &app.settings.theme;
    let Some(data) = &app.stats.load.data else {
        let text = match &app.stats.load.error {
            Some(e) => format!(" The statistics could not be loaded: {}", escape_line(e)),
            None => " Counting …".to_string(),
        };
        frame.render_widget(Paragraph::new(text).block(block(theme, " Statistics ", false)), area);
        return;
    };
    let r = &data.report;
    let title = format!(" Statistics {} – {} (from the event history) ", r.period.from, r.period.to);
    let outer = block(theme, title, false);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let table_height = RequestKind::ALL.len() as u16 + 2;
    let tall = inner.height >= 30;
    let [bars, gauge, spark, table] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(if tall { 3 } else { 1 }),
        Constraint::Length(if tall { 5 } else { 3 }),
        Constraint::Length(table_height),
    ])
    .areas(inner);
    draw_months(frame, theme, r, bars);
    draw_on_time(frame, theme, &r.total, gauge, tall);
    draw_intake(frame, theme, data, spark);
    draw_table(frame, theme, r, table);
}

/// Received (r) beside answered (a), one pair of bars per month; the numbers on the bars.
fn draw_months(frame: &mut Frame, theme: &Theme, r: &Report, area: Rect) {
    if area.height < 3 {
        return;
    }
    let months = r.by_month.len().max(1) as u16;
    // Per month two bars, each followed by a blank column, and one more before the next month
    // when there is room; bars at least 2 wide so the numbers on them (up to 99) fit.
    let per_month = area.width / months;
    let (bar_width, group_gap) = match per_month.saturating_sub(3) / 2 {
        w if w >= 2 => (w, 1),
        _ => (2, 0),
    };
    let mut chart = BarChart::default()
        .block(Block::default().title(Line::styled("received (r) and answered (a) per month", theme.heading)))
        .bar_width(bar_width)
        .bar_gap(1)
        .group_gap(group_gap)
        .value_style(theme.label.add_modifier(Modifier::REVERSED))
        .label_style(theme.dim);
    for (month, f) in &r.by_month {
        let short = month.get(5..).unwrap_or(month);
        let bars = [
            Bar::default().value(f.received).label(Line::from("r")).style(theme.normal),
            Bar::default().value(f.answered).label(Line::from("a")).style(theme.ok),
        ];
        chart = chart.data(BarGroup::default().label(Line::from(short.to_string())).bars(&bars));
    }
    frame.render_widget(chart, area);
}

fn draw_on_time(frame: &mut Frame, theme: &Theme, total: &Figures, area: Rect, tall: bool) {
    let label = match total.on_time_share {
        Some(share) => format!(
            "answered on time (Art. 12(3)): {:.1}% — {} of {}",
            share * 100.0,
            total.answered_on_time,
            total.answered
        ),
        None => "answered on time: nothing answered yet this year".to_string(),
    };
    let mut gauge = Gauge::default()
        .ratio(total.on_time_share.unwrap_or(0.0).clamp(0.0, 1.0))
        .label(label)
        .use_unicode(true)
        .gauge_style(theme.ok);
    if tall {
        gauge = gauge.block(Block::default().borders(Borders::TOP).border_style(theme.border));
    }
    frame.render_widget(gauge, area);
}

fn draw_intake(frame: &mut Frame, theme: &Theme, data: &StatsData, area: Rect) {
    // The newest day at the right edge; as many of the 90 days as the width holds.
    let days = &data.daily[data.daily.len().saturating_sub(area.width as usize)..];
    let values: Vec<u64> = days.iter().map(|(_, n)| *n).collect();
    let max = values.iter().copied().max().unwrap_or(0);
    let total: u64 = values.iter().sum();
    let from = days.first().map(|(d, _)| d.to_string()).unwrap_or_default();
    let title =
        format!("received per day, {} days from {from}: {total} in all, at most {max} a day", values.len());
    let spark = Sparkline::default()
        .block(Block::default().title(Line::styled(title, theme.heading)))
        .data(&values)
        .style(theme.normal);
    frame.render_widget(spark, area);
}

fn pct(share: Option<f64>) -> String {
    share.map(|s| format!("{:.0}%", s * 100.0)).unwrap_or_else(|| "–".into())
}

fn draw_table(frame: &mut Frame, theme: &Theme, r: &Report, area: Rect) {
    let wide = area.width >= 120;
    type Cell = fn(&Figures) -> String;
    let mut columns: Vec<(&str, u16, Cell)> = vec![
        ("recv", 5, |f| f.received.to_string()),
        ("answ", 5, |f| f.answered.to_string()),
        ("on time", 7, |f| pct(f.on_time_share)),
        ("target", 6, |f| pct(f.within_target_share)),
        ("ext", 4, |f| f.extended.to_string()),
        ("refused", 7, |f| f.refused.to_string()),
        ("open", 5, |f| f.open_at_end.to_string()),
        ("overdue", 7, |f| f.overdue_at_end.to_string()),
    ];
    if wide {
        columns.extend::<[(&str, u16, Cell); 6]>([
            ("paused", 6, |f| f.paused.to_string()),
            ("fwd", 4, |f| f.forwarded.to_string()),
            ("withdrawn", 9, |f| f.withdrawn.to_string()),
            ("days md", 7, |f| f.days_to_answer.map(|d| d.median.to_string()).unwrap_or_else(|| "–".into())),
            ("p90", 4, |f| f.days_to_answer.map(|d| d.p90.to_string()).unwrap_or_else(|| "–".into())),
            ("max", 4, |f| f.days_to_answer.map(|d| d.max.to_string()).unwrap_or_else(|| "–".into())),
        ]);
    }
    let name_width: u16 = if wide { 24 } else { 14 };
    let row = |name: String, f: &Figures| {
        Row::new(std::iter::once(name).chain(columns.iter().map(|(_, _, cell)| cell(f))).collect::<Vec<_>>())
    };
    let name = |k: RequestKind| {
        if wide { format!("{} ({})", k.as_str(), k.article()) } else { k.as_str().to_string() }
    };
    let mut rows: Vec<Row> = r.by_right.iter().map(|(k, f)| row(name(*k), f)).collect();
    rows.push(row("all".into(), &r.total).style(theme.heading));
    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(name_width))
        .chain(columns.iter().map(|(_, w, _)| Constraint::Length(*w)))
        .collect();
    let header: Vec<&str> = std::iter::once("right").chain(columns.iter().map(|(h, _, _)| *h)).collect();
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.label.add_modifier(Modifier::UNDERLINED)))
        .column_spacing(1);
    frame.render_widget(table, area);
}
