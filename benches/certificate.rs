//! Certificate rendering speed, size and memory (issue 5).
//!
//! `cargo bench --bench certificate` prints, besides criterion's own estimate:
//! median and p95 of 1,000 single renders, file size (with and without the
//! fallback faces of issue 19), resident memory after 1k /
//! 5k / 10k certificates (flat means no growth per certificate), peak RSS, and a
//! batch of 1,000 on all cores.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use criterion::{criterion_group, Criterion};
use zhengming::domain::cert_type::{seed_types, CertificateType};
use zhengming::pdf::{CertFont, Layouts};
use zhengming::verify::KeyRing;
use zhengming::workflow::issue::{render_signed, CertificateFacts};

struct Env {
    font: CertFont,
    layouts: Layouts,
    keys: KeyRing,
    t: CertificateType,
    values: BTreeMap<String, String>,
    /// The same with a name needing the fallback faces (Ext A and B, issue 19).
    rare: BTreeMap<String, String>,
    /// A name from Extensions G and H, the chain's third face.
    gh: BTreeMap<String, String>,
}

fn env() -> Env {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let t = seed_types()
        .into_iter()
        .find(|t| t.code == "poverty")
        .expect("poverty type");
    let mut values = BTreeMap::new();
    for p in t.placeholders() {
        let v = match p.as_str() {
            "subject_name" => "张伟",
            "subject_id_number" => "22240319900101123X",
            "county_name" => "敦化市",
            "township_name" => "大石头镇",
            "village_name" => "新华村",
            "hardship_detail" => "家中两位老人常年卧病在床，需要长期照料和治疗",
            _ => "三",
        };
        values.insert(p, v.to_owned());
    }
    let mut rare = values.clone();
    rare.insert("subject_name".into(), "刘䶮𠮷".into());
    let mut gh = values.clone();
    gh.insert("subject_name".into(), "王𰀀\u{31350}".into());
    Env {
        rare,
        gh,
        font: CertFont::load(&root.join("fonts/uming.ttc")).expect("font"),
        layouts: Layouts::load(&root.join("templates")).expect("layouts"),
        keys: KeyRing::from_seed([5; 32]),
        t,
        values,
    }
}

fn one(e: &Env, n: usize) -> Vec<u8> {
    render(e, &e.values, n)
}

fn render(e: &Env, values: &BTreeMap<String, String>, n: usize) -> Vec<u8> {
    let number = format!("222403100-2026-{n:05}");
    render_signed(
        &e.font,
        &e.layouts,
        &e.keys,
        "https://zm.example.cn",
        &CertificateFacts {
            cert_type: &e.t,
            number: &number,
            office_code: "222403100",
            office: "敦化市大石头镇人民政府",
            issue_day: NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
            issued_at: None,
            values,
            purpose: "申请助学贷款",
        },
    )
    .expect("renders")
    .pdf
}

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn bench(c: &mut Criterion) {
    let e = env();
    c.bench_function("certificate_render_sign", |b| {
        let mut n = 0;
        b.iter(|| {
            n += 1;
            one(&e, n)
        })
    });
    c.bench_function("certificate_render_sign_fallback", |b| {
        let mut n = 0;
        b.iter(|| {
            n += 1;
            render(&e, &e.rare, n)
        })
    });
}

fn report() {
    let e = env();
    let t0 = Instant::now();
    let _ = env();
    println!("font parse + layouts + keys: {:?}", t0.elapsed());

    let mut times: Vec<Duration> = (0..1000)
        .map(|n| {
            let t = Instant::now();
            std::hint::black_box(one(&e, n));
            t.elapsed()
        })
        .collect();
    times.sort();
    let size = one(&e, 1).len();
    println!(
        "single: median {:.2} ms, p95 {:.2} ms, size {} bytes",
        times[500].as_secs_f64() * 1e3,
        times[950].as_secs_f64() * 1e3,
        size
    );

    let mut times: Vec<Duration> = (0..1000)
        .map(|n| {
            let t = Instant::now();
            std::hint::black_box(render(&e, &e.rare, n));
            t.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "with fallback (刘䶮𠮷): median {:.2} ms, p95 {:.2} ms, size {} bytes",
        times[500].as_secs_f64() * 1e3,
        times[950].as_secs_f64() * 1e3,
        render(&e, &e.rare, 1).len()
    );

    // The first certificate with G/H pays for cutting that face's part: not timed.
    render(&e, &e.gh, 0);
    let mut times: Vec<Duration> = (0..1000)
        .map(|n| {
            let t = Instant::now();
            std::hint::black_box(render(&e, &e.gh, n));
            t.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "with Ext G/H (王𰀀\u{31350}): median {:.2} ms, p95 {:.2} ms, size {} bytes",
        times[500].as_secs_f64() * 1e3,
        times[950].as_secs_f64() * 1e3,
        render(&e, &e.gh, 1).len()
    );

    for n in 1..=10_000 {
        std::hint::black_box(one(&e, n));
        if n == 1000 || n == 5000 || n == 10_000 {
            println!(
                "after {n:>6} certificates: RSS {} KB, peak {} KB",
                status_kb("VmRSS:"),
                status_kb("VmHWM:")
            );
        }
    }

    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let t = Instant::now();
    std::thread::scope(|s| {
        for k in 0..threads {
            let e = &e;
            s.spawn(move || {
                for n in (k..1000).step_by(threads) {
                    std::hint::black_box(one(e, n));
                }
            });
        }
    });
    let batch = t.elapsed();
    println!(
        "batch of 1000 on {threads} threads: {:.2} s ({:.2} ms per certificate)",
        batch.as_secs_f64(),
        batch.as_secs_f64() * 1e3 / 1000.0
    );
    println!("peak RSS {} KB", status_kb("VmHWM:"));
}

criterion_group!(benches, bench);

fn main() {
    benches();
    if std::env::args().all(|a| a != "--list") {
        report();
    }
    Criterion::default().configure_from_args().final_summary();
}
