//! Renders N signed certificates in a loop (for profiling: perf, valgrind).
//! `cargo run --release --example render_many -- 200 [--full] [--rare]`
//! `--full`: no primary face (every document subset from the whole font);
//! `--rare`: a holder name with a character outside the primary face.
//! `--fallback`: the name 刘䶮𠮷, drawn with the fallback faces (issue 19).
//! `--gh`: the name 王𰀀\u{31350} (Extensions G and H, the chain's third face).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use zhengming::domain::cert_type::seed_types;
use zhengming::pdf::{CertFont, Layouts};
use zhengming::verify::KeyRing;
use zhengming::workflow::issue::{render_signed, CertificateFacts};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let full = std::env::args().any(|a| a == "--full");
    let rare = std::env::args().any(|a| a == "--rare");
    let gh = std::env::args().any(|a| a == "--gh");
    let fallback = gh || std::env::args().any(|a| a == "--fallback");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let t = seed_types()
        .into_iter()
        .find(|t| t.code == "poverty")
        .expect("poverty type");
    let mut values = BTreeMap::new();
    for p in t.placeholders() {
        let v = match p.as_str() {
            "subject_name" if gh => "王𰀀\u{31350}",
            "subject_name" if fallback => "刘䶮𠮷",
            "subject_name" if rare => "张䶮",
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
    let t0 = Instant::now();
    let bytes = std::fs::read(root.join("fonts/uming.ttc")).expect("font file");
    let font = if fallback {
        CertFont::load(&root.join("fonts/uming.ttc"))
    } else if full {
        CertFont::without_primary(&bytes, 0)
    } else {
        CertFont::from_bytes(&bytes)
    }
    .expect("font");
    eprintln!("{font:?}");
    let layouts = Layouts::load(&root.join("templates")).expect("layouts");
    let keys = KeyRing::from_seed([5; 32]);
    eprintln!("setup {:?}", t0.elapsed());
    // The first document pays what is built once per process (a fallback face's
    // part, see `pdf::font::Part`): timed on its own, not in the mean.
    let t0 = Instant::now();
    render_signed(
        &font,
        &layouts,
        &keys,
        "https://zm.example.cn",
        &CertificateFacts {
            cert_type: &t,
            number: "222403100-2026-99999",
            office_code: "222403100",
            office: "敦化市大石头镇人民政府",
            issue_day: NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
            issued_at: None,
            values: &values,
            purpose: "申请助学贷款",
        },
    )
    .expect("renders");
    eprintln!("first certificate {:?}", t0.elapsed());
    let t0 = Instant::now();
    let mut size = 0;
    for i in 0..n {
        let number = format!("222403100-2026-{i:05}");
        let pdf = render_signed(
            &font,
            &layouts,
            &keys,
            "https://zm.example.cn",
            &CertificateFacts {
                cert_type: &t,
                number: &number,
                office_code: "222403100",
                office: "敦化市大石头镇人民政府",
                issue_day: NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
                issued_at: None,
                values: &values,
                purpose: "申请助学贷款",
            },
        )
        .expect("renders")
        .pdf;
        size = pdf.len();
        if i + 1 == n {
            if let Ok(out) = std::env::var("OUT") {
                std::fs::write(out, &pdf).expect("write OUT");
            }
        }
    }
    let el = t0.elapsed();
    eprintln!(
        "{n} certificates: {:.2} ms each, {size} bytes",
        el.as_secs_f64() * 1e3 / n as f64
    );
}
