//! Public status lookup: the right pair shows the timeline; a wrong pair and an
//! unknown number are answered identically; lookups are rate-limited.

use crate::both_backends;
use crate::helpers::{spawn_app_with, Backend};

async fn track_shows_timeline_only_for_the_right_pair(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.track_rate_limit = 12).await;
    let (resident, phone, id_number) = app.new_resident("王小明").await;
    let done = app.issued(&resident, "courier").await;
    let number = done["number"].as_str().unwrap();

    let r = app
        .get(
            &format!("/api/v1/track?number={number}&phone={phone}"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "dispatched");
    assert_eq!(r.body["status_label"], "配送中");
    let actions: Vec<&str> = r.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["create", "submit", "accept", "approve", "approve", "issue", "dispatch"]
    );
    // Nothing personal beyond what was typed.
    let text = r.body.to_string();
    for secret in [id_number.as_str(), "王小明", "三组12号", "13912345678"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    // The delivery phone works too (lower-case number and spaces are forgiven).
    let r = app
        .get(
            &format!(
                "/api/v1/track?number=%20{}&phone=139%201234%205678",
                number.to_lowercase()
            ),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let wrong = app
        .get(
            &format!("/api/v1/track?number={number}&phone=13800000000"),
            None,
        )
        .await;
    let unknown = app
        .get("/api/v1/track?number=ZM2026999999&phone=13800000000", None)
        .await;
    wrong.error(404, "not_found");
    assert_eq!(
        (wrong.status, &wrong.body),
        (unknown.status, &unknown.body),
        "a wrong pair looks like an unknown number"
    );
    app.get("/api/v1/track?number=&phone=12", None)
        .await
        .field_error("phone");

    // 5 lookups so far from this address; the limit is 12 per window.
    for _ in 0..7 {
        let r = app
            .get("/api/v1/track?number=ZM2026999999&phone=13800000000", None)
            .await;
        assert_eq!(r.status, 404);
    }
    let blocked = app
        .get(
            &format!("/api/v1/track?number={number}&phone={phone}"),
            None,
        )
        .await;
    blocked.error(429, "too_many_requests");
}
both_backends!(track_shows_timeline_only_for_the_right_pair);
