//! Text and HTML templates from `templates/` (pages, SMS and email texts), rendered with
//! minijinja. `.html` templates are auto-escaped. Loaded lazily by name from the
//! configured directory, so an operator can adjust wording without a rebuild.

use std::path::{Path, PathBuf};

use minijinja::Environment;
use serde::Serialize;

#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

/// `templates/` in the working directory, else the one in the source tree.
pub fn default_dir() -> PathBuf {
    let local = PathBuf::from("templates");
    if local.is_dir() {
        local
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates")
    }
}

impl Templates {
    pub fn new(dir: &Path) -> Templates {
        let dir = dir.to_owned();
        let mut env = Environment::new();
        env.set_loader(move |name| {
            // Names are ours (constants in code), but refuse path tricks anyway.
            if name.split('/').any(|s| s.is_empty() || s == "..") {
                return Ok(None);
            }
            match std::fs::read_to_string(dir.join(name)) {
                Ok(s) => Ok(Some(s)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("cannot read template {name}: {e}"),
                )),
            }
        });
        Templates { env }
    }

    pub fn render<S: Serialize>(&self, name: &str, ctx: S) -> Result<String, minijinja::Error> {
        self.env
            .get_template(name)?
            .render(minijinja::value::Serde(&ctx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_escapes_html() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.html"), "<p>{{ name }}</p>").unwrap();
        std::fs::write(dir.path().join("t.txt"), "{{ name }}").unwrap();
        let t = Templates::new(dir.path());
        assert_eq!(
            t.render("t.html", serde_json::json!({ "name": "<b>张</b>" }))
                .unwrap(),
            "<p>&lt;b&gt;张&lt;&#x2f;b&gt;</p>"
        );
        assert_eq!(
            t.render("t.txt", serde_json::json!({ "name": "<b>" }))
                .unwrap(),
            "<b>"
        );
        assert!(t.render("../t.txt", ()).is_err());
        assert!(t.render("missing.html", ()).is_err());
    }
}
