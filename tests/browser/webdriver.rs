//! A small W3C WebDriver client over plain HTTP to chromedriver on loopback: just the
//! commands these tests use. Chromium and chromedriver come from Debian's `chromium`
//! and `chromium-driver` packages; without them the tests fail with that message.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::Client;
use serde_json::{json, Value};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub struct Driver {
    child: Child,
    url: String,
    http: Client,
    profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Killing chromedriver alone leaves its Chromium running: end the whole group.
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Browser {
    base: String,
    http: Client,
    /// Where the screenshots of this run go (test-artifacts/<name>/).
    pub artifacts: std::path::PathBuf,
    shots: u32,
    _driver: Driver,
}

fn require_packages() {
    for (path, pkg) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
        assert!(
            Path::new(path).exists(),
            "{path} is missing: the browser tests need Debian's `chromium` and `chromium-driver` \
             packages (apt-get install chromium chromium-driver; scripts/test installs them). \
             Missing package: {pkg}"
        );
    }
}

impl Driver {
    pub async fn start() -> Driver {
        require_packages();
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        // Its own process group, so dropping the driver also ends the Chromium it started.
        let child = Command::new(CHROMEDRIVER)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {CHROMEDRIVER} (package chromium-driver): {e}")
            });
        let d = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            http: Client::new(),
            profile: tempfile::tempdir().expect("profile dir"),
        };
        for _ in 0..100 {
            if let Ok(r) = d.http.get(format!("{}/status", d.url)).send().await {
                if r.status().is_success() {
                    return d;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not answer on port {port}");
    }
}

impl Browser {
    /// A fresh headless Chromium whose viewport is `width` CSS pixels wide, preferring
    /// Chinese like a resident's phone.
    pub async fn launch(width: u32, name: &str) -> Browser {
        Self::launch_with(width, name, true).await
    }

    /// As [`Browser::launch`]; when `js` is false the service's script never loads (the
    /// pages must work without it). Chromium's own switch for scripts would stop the
    /// driver's, which the tests use to look at the page.
    pub async fn launch_with(width: u32, name: &str, js: bool) -> Browser {
        let driver = Driver::start().await;
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--lang=zh-CN".into(),
            format!("--user-data-dir={}", driver.profile.path().display()),
        ];
        let mut options = json!({
            "binary": CHROMIUM,
            "prefs": {"intl.accept_languages": "zh-CN,zh"},
        });
        if width < 600 {
            options["mobileEmulation"] = json!({"deviceMetrics": {"width": width, "height": 780, "pixelRatio": 1.0, "touch": true}});
        } else {
            args.push(format!("--window-size={width},900"));
        }
        options["args"] = json!(args);
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options}}});
        let r: Value = driver
            .http
            .post(format!("{}/session", driver.url))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("session json");
        let id = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("chromium did not start: {r}"))
            .to_owned();
        // Wait up to 5 s for elements to appear (the page after a form post).
        driver
            .http
            .post(format!("{}/session/{id}/timeouts", driver.url))
            .json(&json!({"implicit": 5000}))
            .send()
            .await
            .expect("set timeouts");
        let artifacts = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("test-artifacts")
            .join(name);
        let _ = std::fs::remove_dir_all(&artifacts);
        std::fs::create_dir_all(&artifacts).expect("artifacts dir");
        let b = Browser {
            base: format!("{}/session/{id}", driver.url),
            http: driver.http.clone(),
            artifacts,
            shots: 0,
            _driver: driver,
        };
        if !js {
            for (cmd, params) in [
                ("Network.enable", json!({})),
                (
                    "Network.setBlockedURLs",
                    json!({"urls": ["*/static/app.js*"]}),
                ),
            ] {
                b.cmd(
                    reqwest::Method::POST,
                    "/goog/cdp/execute",
                    Some(json!({"cmd": cmd, "params": params})),
                )
                .await;
            }
        }
        b
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req
            .send()
            .await
            .expect("webdriver request")
            .json()
            .await
            .expect("webdriver json");
        if let Some(err) = v["value"].get("error") {
            panic!("webdriver {path}: {err}: {}", v["value"]["message"]);
        }
        v["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    pub async fn url(&self) -> String {
        self.cmd(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn find(&self, css: &str) -> String {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_owned()
    }

    /// Waits up to `secs` seconds for an element to appear without a new page (an upload
    /// in the background, say).
    pub async fn wait_for(&self, css: &str, secs: u64) {
        let probe = "return !!document.querySelector(arguments[0])";
        for _ in 0..secs * 10 {
            if self.exec(probe, json!([css])).await == Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} did not appear within {secs} s");
    }

    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{el}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Clicks something that loads a new page, and waits until the new page is loaded
    /// (a click can return before the navigation it starts).
    pub async fn submit(&self, css: &str) {
        self.exec("window.__zm_old_page = true", json!([])).await;
        self.click(css).await;
        for _ in 0..200 {
            let done = self
                .exec(
                    "return !window.__zm_old_page && document.readyState === 'complete'",
                    json!([]),
                )
                .await;
            if done == Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no new page after clicking {css}");
    }

    /// Clears the field and types `text`.
    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{el}/clear"),
            Some(json!({})),
        )
        .await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Chooses a file in an `<input type=file>` (the driver types its path).
    pub async fn choose_file(&self, css: &str, path: &std::path::Path) {
        let el = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            Some(json!({"text": path.to_str().unwrap()})),
        )
        .await;
    }

    pub async fn value(&self, css: &str) -> String {
        let el = self.find(css).await;
        self.cmd(
            reqwest::Method::GET,
            &format!("/element/{el}/property/value"),
            None,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    pub async fn text(&self, css: &str) -> String {
        let el = self.find(css).await;
        self.cmd(reqwest::Method::GET, &format!("/element/{el}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn body(&self) -> String {
        self.text("body").await
    }

    pub async fn exec(&self, script: &str, args: Value) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    pub async fn exec_async(&self, script: &str, args: Value) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Saves a PNG of the viewport as test-artifacts/<run>/NN-<name>.png.
    pub async fn screenshot(&mut self, name: &str) {
        let b64 = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let png = STANDARD
            .decode(b64.as_str().expect("screenshot data"))
            .expect("base64 png");
        self.shots += 1;
        let path = self.artifacts.join(format!("{:02}-{name}.png", self.shots));
        std::fs::write(&path, png).expect("write screenshot");
    }
}
