//! The TUI's own queue reads (both directions, other orders, counts) agree with the service's
//! `Desk::queue`, the CLI's list, for every filter.

mod tui_support;

use dsrdesk::domain::{RequestKind, RequestStatus};
use dsrdesk::store::requests::{AssigneeFilter, QueueQuery};
use dsrdesk::store::shift::{Direction, QueueOrder, SortField};
use tui_support::*;

fn queries() -> Vec<QueueQuery> {
    let base = QueueQuery { limit: 10_000, ..QueueQuery::default() };
    vec![
        base.clone(),
        QueueQuery { include_closed: true, ..base.clone() },
        QueueQuery { kind: Some(RequestKind::Erasure), ..base.clone() },
        QueueQuery { include_closed: true, status: Some(RequestStatus::Answered), ..base.clone() },
        QueueQuery { assignee: AssigneeFilter::Is("anna.dpo".into()), include_closed: true, ..base.clone() },
        QueueQuery { assignee: AssigneeFilter::Unassigned, ..base.clone() },
        QueueQuery { due_before: Some(fixed_now().date_naive()), ..base.clone() },
        QueueQuery { search: Some("lind".into()), include_closed: true, ..base.clone() },
        QueueQuery { search: Some("100%_\\".into()), ..base.clone() },
    ]
}

fn refs(items: &[dsrdesk::service::QueueItem]) -> Vec<String> {
    items.iter().map(|i| i.record.reference.clone()).collect()
}

#[tokio::test]
async fn every_direction_and_order_reads_what_the_cli_lists() {
    let (_db, desk) = seeded().await;
    let now = fixed_now();
    for q in queries() {
        let all = desk.queue(&q, now).await.unwrap();
        let count = desk.queue_count(&q).await.unwrap();
        assert_eq!(count as usize, all.len(), "{q:?}");
        // Backwards from the end, in pages of 7, gives the same rows.
        let mut back = vec![];
        let mut cursor = None;
        loop {
            let page = QueueQuery { after: cursor, limit: 7, ..q.clone() };
            let rows =
                desk.queue_slice(&page, QueueOrder::default(), Direction::Backward, now).await.unwrap();
            if rows.is_empty() {
                break;
            }
            cursor = Some((rows[0].record.due_on, rows[0].record.id));
            let mut rows = rows;
            rows.extend(back);
            back = rows;
        }
        assert_eq!(refs(&back), refs(&all), "{q:?}");
        assert_eq!(back, all, "same rows, same countdowns");
        // Inclusive from the first row is the whole list again.
        if let Some(first) = all.first() {
            let page = QueueQuery { after: Some((first.record.due_on, first.record.id)), ..q.clone() };
            let from = desk
                .queue_slice(&page, QueueOrder::default(), Direction::Forward { inclusive: true }, now)
                .await
                .unwrap();
            assert_eq!(refs(&from), refs(&all), "{q:?}");
        }
        // By date received, newest first: the same set, in that order.
        let order = QueueOrder { field: SortField::Received, descending: true };
        let newest = desk.queue_slice(&q, order, Direction::Forward { inclusive: false }, now).await.unwrap();
        let mut expected = all.clone();
        expected.sort_by_key(|i| std::cmp::Reverse((i.record.received_on, i.record.id)));
        assert_eq!(refs(&newest), refs(&expected), "{q:?}");
    }
}
