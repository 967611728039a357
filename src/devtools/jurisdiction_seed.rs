//! Demo jurisdictions for `zhengming demo` (docs/architecture.md §13): three pilot counties of Jilin,
//! each with a few townships and villages, from the embedded
//! `seed/demo_jurisdictions.json`. Which codes are real and which are invented is said in
//! the file's `note` and in each entry's `invented` flag; invented villages use the
//! village range 800–999 that no real division has, so they never collide with real data.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

const SEED_JSON: &str = include_str!("../../seed/demo_jurisdictions.json");

/// The whole demo file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoJurisdictions {
    /// Which codes are real and which are invented.
    pub note: String,
    pub counties: Vec<DemoCounty>,
}

/// A county (县 / 县级市 / 区), 6-digit code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoCounty {
    pub code: String,
    pub name: String,
    pub townships: Vec<DemoTownship>,
}

/// A township (乡 / 镇 / 街道), 9-digit code starting with its county's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoTownship {
    pub code: String,
    pub name: String,
    /// True when the code (and the villages under it) were made up for the demo.
    #[serde(default)]
    pub invented: bool,
    pub villages: Vec<DemoVillage>,
}

/// A village or community (村 / 社区), 12-digit code starting with its township's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoVillage {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub invented: bool,
}

/// The demo county → township → village tree.
///
/// Panics only if the embedded file is malformed, which a unit test rules out.
pub fn seed_demo_jurisdictions() -> Vec<DemoCounty> {
    demo_file().counties
}

/// The demo file with its note.
pub fn demo_file() -> DemoJurisdictions {
    serde_json::from_str(SEED_JSON).expect("embedded seed/demo_jurisdictions.json is malformed")
}

/// Checks a tree: codes are all digits of length 6 / 9 / 12, each nests in its parent's
/// code, no code appears twice, and no name is empty. Returns the problems found.
pub fn check_tree(counties: &[DemoCounty]) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let mut code_ok =
        |code: &str, len: usize, parent: &str, name: &str, problems: &mut Vec<String>| {
            if code.len() != len || !code.bytes().all(|b| b.is_ascii_digit()) {
                problems.push(format!("{name}: code {code} must be {len} digits"));
            }
            if !code.starts_with(parent) {
                problems.push(format!(
                    "{name}: code {code} does not start with its parent's {parent}"
                ));
            }
            if !seen.insert(code.to_owned()) {
                problems.push(format!("{name}: code {code} appears twice"));
            }
            if name.trim().is_empty() {
                problems.push(format!("code {code}: empty name"));
            }
        };
    for c in counties {
        code_ok(&c.code, 6, "", &c.name, &mut problems);
        for t in &c.townships {
            code_ok(&t.code, 9, &c.code, &t.name, &mut problems);
            for v in &t.villages {
                code_ok(&v.code, 12, &t.code, &v.name, &mut problems);
                if t.invented && !v.invented {
                    problems.push(format!(
                        "{}: a real village under an invented township",
                        v.name
                    ));
                }
                // Invented codes must never collide with real data (issue 15): the
                // coding rules (GB/T 10114) give villages 001–799 only.
                if v.invented && !c.code.starts_with("2299") && v.code[9..] < *"800" {
                    problems.push(format!(
                        "{}: invented code {} is in the range of real villages (use 800–999)",
                        v.name, v.code
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_tree_parses_nests_and_is_unique() {
        let counties = seed_demo_jurisdictions();
        check_tree(&counties).unwrap();
        let codes: Vec<&str> = counties.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes, ["220302", "220421", "222403"]);
        for c in &counties {
            assert!((2..=3).contains(&c.townships.len()), "{}", c.name);
            for t in &c.townships {
                assert!((2..=3).contains(&t.villages.len()), "{}", t.name);
            }
        }
        assert!(demo_file().note.contains("invented"));
    }

    /// Every entry marked real is in the official list (the fixture built from the 2023
    /// codes, tests/fixtures/README.md) with the same name; the facts of issue 15 hold.
    #[test]
    fn real_entries_match_the_official_codes() {
        let official: std::collections::BTreeMap<&str, &str> =
            include_str!("../../tests/fixtures/divisions-2023-pilot.csv")
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(','))
                .collect();
        let counties = seed_demo_jurisdictions();
        let mut real = Vec::new();
        for c in &counties {
            real.push((c.code.as_str(), c.name.as_str()));
            for t in &c.townships {
                real.push((t.code.as_str(), t.name.as_str()));
                for v in t.villages.iter().filter(|v| !v.invented) {
                    real.push((v.code.as_str(), v.name.as_str()));
                }
            }
        }
        for (code, name) in real {
            assert_eq!(official.get(code), Some(&name), "{code} {name}");
        }
        let all: Vec<_> = counties
            .iter()
            .flat_map(|c| &c.townships)
            .flat_map(|t| &t.villages)
            .map(|v| (v.code.as_str(), v.name.as_str()))
            .collect();
        assert!(!all.iter().any(|(c, _)| *c == "220421100200"));
        assert!(all.contains(&("220421100201", "青龙村")));
        assert!(all.contains(&("220421100203", "双全村")));
        assert!(all.contains(&("222403108200", "大山嘴子村")));
    }

    #[test]
    fn check_tree_finds_bad_codes() {
        let mut counties = seed_demo_jurisdictions();
        counties[0].townships[0].villages[0].code = "220421100201".into(); // wrong parent, duplicate
        counties[1].townships[0].code = "22042110".into(); // too short
        let problems = check_tree(&counties).unwrap_err();
        assert!(problems.len() >= 3, "{problems:?}");
    }
}
