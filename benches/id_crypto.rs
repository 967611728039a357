//! ID numbers at rest (issue 14): one value encrypted and decrypted (AES-256-GCM, a
//! fresh nonce each time, base64url), and one blind index (HMAC-SHA256) — what a list
//! row, a registration or a search costs on top of the query.
//!
//! `cargo bench --bench id_crypto`

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use zhengming::crypto::DataKeys;

fn bench(c: &mut Criterion) {
    let keys = DataKeys::from_keys([7; 32], [9; 32]);
    let id = "22240319800101001X";
    let sealed = keys.seal(id);
    let mut g = c.benchmark_group("id_crypto");
    g.bench_function("seal_and_open", |b| {
        b.iter(|| keys.open(&keys.seal(black_box(id))).unwrap())
    });
    g.bench_function("open", |b| {
        b.iter(|| keys.open(black_box(&sealed)).unwrap())
    });
    g.bench_function("blind_index", |b| {
        b.iter(|| keys.blind_index(black_box(id)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
