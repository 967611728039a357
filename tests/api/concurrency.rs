//! Requests racing each other (docs/architecture.md §4, §6): two officials approving at once give one
//! certificate, and concurrent drafts get distinct numbers.

use std::collections::HashSet;
use std::sync::Arc;

use crate::both_backends;
use crate::helpers::{accounts, spawn_app, spawn_app_with, Backend};

/// Rounds per backend: each races a fresh case, so a lost race shows up reliably.
const ROUNDS: usize = 5;

async fn two_officials_approving_at_once_issue_one_certificate(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("钱一").await;
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let first = app.login_staff("official", accounts::TOWNSHIP).await;
    let second = app
        .add_staff("official", accounts::TOWNSHIP, "雁鸣湖镇第二经办人")
        .await;
    for round in 0..ROUNDS {
        let submitted = app.submitted(&resident, "courier").await;
        let accepted = app.act_ok(&village, &submitted, "accept", None).await;
        let at_township = app.act_ok(&village, &accepted, "approve", None).await;
        assert_eq!(at_township["current_step"], 1);

        let (a, b) = tokio::join!(
            app.act(&first, &at_township, "approve", None),
            app.act(&second, &at_township, "approve", None),
        );
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [200, 409],
            "{:?} round {round}: one wins, one is told it changed: {} / {}",
            app.backend,
            a.body,
            b.body
        );
        let (won, lost) = if a.status == 200 { (a, b) } else { (b, a) };
        assert_eq!(won.body["status"], "dispatched");
        lost.error(409, "conflict");

        let id = at_township["id"].as_str().unwrap();
        assert_eq!(app.certificate_rows(id).await, 1, "round {round}");
        assert_eq!(app.dispatch_rows(id).await, 1, "round {round}");
        let seen = app.detail(&resident, &at_township).await;
        let approvals = seen["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "approve")
            .count();
        assert_eq!(approvals, 2, "village + one township approval");
        assert_eq!(seen["version"], won.body["version"]);
        // The loser's PDF, drawn before its transaction found the case changed, is gone.
        assert_eq!(
            crate::storage::files_under(&app.data_dir().join("blobs/certificates")).len(),
            round + 1,
            "round {round}: one stored PDF per certificate"
        );
    }
}
both_backends!(two_officials_approving_at_once_issue_one_certificate);

async fn one_official_approving_twice_at_once_issues_one_certificate(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("钱二").await;
    let village = app.login_staff("official", accounts::VILLAGE).await;
    // The same official signed in on two devices.
    let first = app.login_staff("official", accounts::TOWNSHIP).await;
    let second = app.login_staff("official", accounts::TOWNSHIP).await;
    for round in 0..ROUNDS {
        let submitted = app.submitted(&resident, "pickup").await;
        let accepted = app.act_ok(&village, &submitted, "accept", None).await;
        let at_township = app.act_ok(&village, &accepted, "approve", None).await;
        let (a, b) = tokio::join!(
            app.act(&first, &at_township, "approve", None),
            app.act(&second, &at_township, "approve", None),
        );
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "round {round}");
        let id = at_township["id"].as_str().unwrap();
        assert_eq!(app.certificate_rows(id).await, 1, "round {round}");
        assert_eq!(app.dispatch_rows(id).await, 0, "pick-up: no dispatch");
    }
}
both_backends!(one_official_approving_twice_at_once_issues_one_certificate);

async fn concurrent_drafts_get_distinct_numbers(backend: Backend) {
    const DRAFTS: usize = 20;
    // Each draft uploads its documents at once: lift the per-account upload limit (2),
    // which is not what this test is about.
    let app = Arc::new(spawn_app_with(backend, |s| s.uploads_per_account = DRAFTS).await);
    let (a, _, _) = app.new_resident("孙一").await;
    let (b, _, _) = app.new_resident("孙二").await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..DRAFTS {
        let app = Arc::clone(&app);
        let token = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.spawn(async move { app.draft(&token, "pickup").await });
    }
    let mut numbers = HashSet::new();
    let mut ids = HashSet::new();
    while let Some(done) = tasks.join_next().await {
        let draft = done.expect("draft task");
        numbers.insert(draft["number"].as_str().unwrap().to_owned());
        ids.insert(draft["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), DRAFTS);
    assert_eq!(numbers.len(), DRAFTS, "distinct numbers: {numbers:?}");
    // Each resident sees exactly their own ten.
    for token in [&a, &b] {
        assert_eq!(app.listed_ids(token).await.len(), DRAFTS / 2);
    }
}
both_backends!(concurrent_drafts_get_distinct_numbers);

/// An office approving many cases at once (several officials, or one in several
/// tabs): every approval issues, none is told to retry, the numbers run on without a
/// gap, and each certificate has exactly one stored PDF. Each approval draws its PDF
/// with the number it expects; the others keep taking that number, so the last try
/// draws it inside the transaction.
async fn many_approvals_at_once_in_one_office_all_issue(backend: Backend) {
    const CASES: usize = 12;
    let app = Arc::new(spawn_app(backend).await);
    let (resident, _, _) = app.new_resident("钱三").await;
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let mut ready = Vec::new();
    for _ in 0..CASES {
        let submitted = app.submitted(&resident, "pickup").await;
        let accepted = app.act_ok(&village, &submitted, "accept", None).await;
        ready.push(app.act_ok(&village, &accepted, "approve", None).await);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for case in ready.clone() {
        let (app, token) = (Arc::clone(&app), township.clone());
        tasks.spawn(async move { app.act(&token, &case, "approve", None).await });
    }
    while let Some(done) = tasks.join_next().await {
        let r = done.expect("approval task");
        assert_eq!(r.status, 200, "{:?}: {}", app.backend, r.body);
    }
    let mut numbers = Vec::new();
    for case in &ready {
        let seen = app.detail(&resident, case).await;
        numbers.push(seen["certificate"]["number"].as_str().unwrap().to_owned());
    }
    numbers.sort();
    let seqs: Vec<u32> = numbers
        .iter()
        .map(|n| n.rsplit('-').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(seqs, (1..=CASES as u32).collect::<Vec<_>>(), "{numbers:?}");
    assert_eq!(
        crate::storage::files_under(&app.data_dir().join("blobs/certificates")).len(),
        CASES,
        "one stored PDF per certificate"
    );
}
both_backends!(many_approvals_at_once_in_one_office_all_issue);
