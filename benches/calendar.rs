//! Working days in a loaded year against the same computation in a year counted
//! provisionally (issue 13): a deadline (5 working days) and a year's working days, plus
//! the statutory days of one year computed from the lunar calendar (what the cached
//! table costs on first use, once per process, for 2000–2100).
//!
//! `cargo bench --bench calendar`

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use zhengming::domain::calendar::{seed_holidays, WorkCalendar};
use zhengming::domain::statutory;

fn bench(c: &mut Criterion) {
    let cal = WorkCalendar::from_holidays(&seed_holidays());
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    // Warm the statutory table so the per-day cost is measured, not the first use.
    assert!(statutory::is_day_off(d(2027, 1, 1)));
    let mut g = c.benchmark_group("calendar");
    g.bench_function("due_5_days_loaded_2026", |b| {
        b.iter(|| cal.due(black_box(d(2026, 9, 30)), 5))
    });
    g.bench_function("due_5_days_provisional_2027", |b| {
        b.iter(|| cal.due(black_box(d(2027, 9, 30)), 5))
    });
    g.bench_function("year_loaded_2026", |b| {
        b.iter(|| cal.working_days_between(black_box(d(2025, 12, 31)), d(2026, 12, 31)))
    });
    g.bench_function("year_provisional_2027", |b| {
        b.iter(|| cal.working_days_between(black_box(d(2026, 12, 31)), d(2027, 12, 31)))
    });
    g.bench_function("statutory_days_of_one_year", |b| {
        b.iter(|| statutory::days_off(black_box(2031)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
