//! Group commit: several write transactions share one commit, and one that fails takes nothing of
//! its neighbours' work with it.
use crate::support::{TestApp, T0};
use zhiyan::domain::item::Item;
use zhiyan::service::ChainStatus;
use zhiyan::store::{NewEvent, Sealed, StoreError};

fn event(kind: &str) -> NewEvent {
    NewEvent {
        kind: kind.into(),
        actor_role: "system".into(),
        detail: "{}".into(),
        at: T0,
        ..NewEvent::default()
    }
}

/// A holds the writer; B, C and D queue behind it. A, B and D succeed, C fails (its report id is
/// taken) after appending an event. A's commit waits for the batch, which B and D join and C leaves:
/// one commit carries A, B and D; C's half-done work is rolled back to its savepoint, not the batch,
/// and D's event follows B's in the chain (the batch's cached chain head went back with C).
async fn a_failure_leaves_its_neighbours_committed(app: TestApp) {
    let (taken, _) = app.submit("other", "xinhe", None).await;
    let store = app.store.clone();
    let before = store.write_stats().await;
    let size = app.chain_length().await;

    let mut a = store.begin().await.unwrap();
    a.append_event(event("batch_a")).await.unwrap();
    let b = tokio::spawn({
        let store = store.clone();
        async move {
            let mut t = store.begin().await?;
            t.append_event(event("batch_b")).await?;
            t.commit().await
        }
    });
    let c = tokio::spawn({
        let store = store.clone();
        async move {
            let mut t = store.begin().await?;
            t.append_event(event("batch_c")).await?;
            let item = Item::received(
                taken,
                "other".into(),
                "xinhe".into(),
                None,
                "education".into(),
                false,
                T0,
                T0,
            );
            let sealed = Sealed {
                key_id: "k".into(),
                title: vec![0],
                body: vec![0],
            };
            t.insert_item(&item, &[7; 32], &sealed).await?;
            t.commit().await
        }
    });
    // B and C wait behind A before D is sent, so D comes after C; all three before A commits, so
    // they are in A's batch (no sleeping: the writer says).
    while store.write_queue() < 2 {
        tokio::task::yield_now().await;
    }
    let d = tokio::spawn({
        let store = store.clone();
        async move {
            let mut t = store.begin().await?;
            t.append_event(event("batch_d")).await?;
            t.commit().await
        }
    });
    while store.write_queue() < 3 {
        tokio::task::yield_now().await;
    }
    a.commit().await.unwrap();
    b.await.unwrap().unwrap();
    assert!(matches!(c.await.unwrap(), Err(StoreError::Conflict)));
    d.await.unwrap().unwrap();

    let after = store.write_stats().await;
    assert_eq!(
        after.batches - before.batches,
        1,
        "A, B and D share one commit"
    );
    assert_eq!(after.requests - before.requests, 3);
    let kinds: Vec<String> = store
        .events_after(size, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        ["batch_a", "batch_b", "batch_d"],
        "C's event went with C"
    );
    assert!(matches!(
        app.service.verify_chain().await.unwrap(),
        ChainStatus::Valid { .. }
    ));
}
both_backends!(
    failure_in_a_batch,
    a_failure_leaves_its_neighbours_committed
);
