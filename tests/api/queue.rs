//! The official's open queue (issue 20): both open statuses by deadline, as the office
//! page and API clients ask for them, read one status at a time and merged. What the
//! official sees must be exactly the open part of the whole queue, in the same order,
//! page after page.

use serde_json::Value;

use crate::both_backends;
use crate::helpers::{accounts, spawn_app, Backend};

fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .expect("items")
        .iter()
        .map(|a| a["id"].as_str().expect("id").to_owned())
        .collect()
}

async fn the_open_queue_merges_both_statuses_by_deadline_page_by_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("甲").await;
    let village = app.login_staff("official", accounts::VILLAGE).await;
    // Interleave the two open statuses, and one case that is no longer open.
    let mut open = Vec::new();
    for i in 0..5 {
        let case = app.submitted(&resident, "pickup").await;
        let case = if i % 2 == 1 {
            app.act_ok(&village, &case, "accept", None).await
        } else {
            case
        };
        open.push(case["id"].as_str().unwrap().to_owned());
    }
    let done = app.issued(&resident, "pickup").await;

    // The whole queue (one query over every status) is the reference order.
    let all = app
        .get("/api/v1/applications?limit=100", Some(&village))
        .await;
    assert_eq!(all.status, 200, "{}", all.body);
    let expected: Vec<String> = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["status"] == "submitted" || a["status"] == "under_review")
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(expected.len(), 5, "{}", all.body);
    assert!(expected.iter().all(|id| open.contains(id)));

    // Two rows a page: every page mixes or splits the statuses differently.
    let mut seen = Vec::new();
    let mut path = "/api/v1/applications?status=submitted,under_review&limit=2".to_owned();
    loop {
        let r = app.get(&path, Some(&village)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        seen.extend(ids(&r.body["items"]));
        match r.body["next_cursor"].as_str() {
            Some(c) if !c.is_empty() => {
                path = format!(
                    "/api/v1/applications?status=submitted,under_review&limit=2&cursor={c}"
                );
            }
            _ => break,
        }
        assert!(seen.len() <= 5, "paging does not end: {seen:?}");
    }
    assert_eq!(seen, expected);
    assert!(!seen.contains(&done["id"].as_str().unwrap().to_owned()));

    // The overdue filter (none is overdue yet) and a type the cases are not of: empty.
    let r = app
        .get("/api/v1/applications?overdue=true", Some(&village))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(ids(&r.body["items"]), Vec::<String>::new());
    let r = app
        .get(
            "/api/v1/applications?status=submitted,under_review&type=poverty",
            Some(&village),
        )
        .await;
    assert_eq!(ids(&r.body["items"]), Vec::<String>::new());
    // The same type filter with the cases' type: all five, in order.
    let r = app
        .get(
            "/api/v1/applications?status=submitted,under_review&type=residence&limit=100",
            Some(&village),
        )
        .await;
    assert_eq!(ids(&r.body["items"]), expected);
}
both_backends!(the_open_queue_merges_both_statuses_by_deadline_page_by_page);

/// The office page's village filter offers the villages of the official's own area
/// (read by a range on the code, not by loading every jurisdiction), none of another's.
async fn office_page_offers_the_villages_of_its_area(backend: Backend) {
    let app = spawn_app(backend).await;
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let page = app.get("/office", Some(&township)).await;
    assert_eq!(page.status, 200);
    let html = page.body.as_str().expect("html");
    let option = |code: &str| format!("<option value=\"{code}\"");
    assert!(html.contains(&option(accounts::VILLAGE)), "{html}");
    assert!(html.contains(&option(accounts::OTHER_VILLAGE_SAME_TOWNSHIP)));
    assert!(!html.contains(&option(accounts::OTHER_TOWNSHIP_VILLAGE)));
    assert!(
        !html.contains(&option(accounts::TOWNSHIP)),
        "no township among villages"
    );
}
both_backends!(office_page_offers_the_villages_of_its_area);
