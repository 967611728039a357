//! Issuing the certificate on the last approval: number, PDF, record, event.
//!
//! The PDF is drawn and stored outside the write transaction (on SQLite every other
//! write waits for that transaction; with S3 it would wait on the network): the
//! transaction decides what the certificate says (a [`Draft`]: its number, date and
//! text) and, the first time, stops with [`IssueError::NeedsPdf`]; the caller
//! ([`super::act::run`]) renders and stores that draft with [`prepare`] and runs the
//! transaction again, which now finds the same draft ready and records it. A draft that
//! no longer matches (another certificate of the township took the number meanwhile)
//! is drawn again; a blob that no row came to reference is removed by the caller, or
//! by the orphan sweep after a crash.

use chrono::{Datelike, Duration};

use crate::db::models::{new_id, now, Application, Certificate};
use crate::db::{catalog, dispatches, DbConn};
use crate::domain::calendar::china_date;
use crate::domain::cert_type::CertificateType;
use crate::domain::chinese_number::chinese_number;
use crate::domain::status::{next_status, Action, ApplicationStatus};
use crate::error::{AppError, AppResult};
use crate::pdf::{chinese_date, render_certificate, CertificateContent, PdfError, SealLines};
use crate::verify::seal::seal_pdf;
use crate::verify::Claims;

use super::{save_transition, EventInput, Services};

/// The issuing office's formal name: a street office (街道) is a 办事处, a township
/// or town a 人民政府.
pub fn office_name(county: &str, township: &str) -> String {
    if township.ends_with("街道") {
        format!("{county}{township}办事处")
    } else {
        format!("{county}{township}人民政府")
    }
}

/// What a certificate says, before layout.
pub struct CertificateFacts<'a> {
    pub cert_type: &'a CertificateType,
    pub number: &'a str,
    /// Jurisdiction code of the issuing township.
    pub office_code: &'a str,
    /// Its formal name, see [`office_name`].
    pub office: &'a str,
    pub issue_day: chrono::NaiveDate,
    /// The moment of issue, the PDF's creation date; `None`: the start of
    /// `issue_day` in China time.
    pub issued_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The body template's values.
    pub values: &'a std::collections::BTreeMap<String, String>,
    pub purpose: &'a str,
}

pub struct SignedPdf {
    /// The PDF with its seal appended.
    pub pdf: Vec<u8>,
    /// SHA-256 of the PDF before the seal (what the seal signs).
    pub sha256: [u8; 32],
    /// The QR code's URL.
    pub verify_url: String,
}

/// Why a certificate was not issued.
#[derive(Debug)]
pub enum IssueError {
    /// The certificate holds characters no font of the chain has (named with their
    /// code points): the case stays with the office, flagged (`issue_blocked`).
    Unprintable(String),
    /// The transaction needs this certificate drawn and stored first: the caller rolls
    /// back, runs [`prepare`] outside the transaction and tries again.
    NeedsPdf(Box<Draft>),
    Failed(AppError),
}

/// What a certificate will say, as the issuing transaction decided it; compared whole
/// with the prepared one, so a PDF is only ever recorded for exactly its own facts.
#[derive(Clone, PartialEq)]
pub struct Draft {
    pub application_id: String,
    pub cert_type: CertificateType,
    pub type_version: i32,
    pub number: String,
    pub office_code: String,
    pub office: String,
    /// The moment of issue (the retry keeps the first attempt's).
    pub at: chrono::NaiveDateTime,
    /// The body template's values (the full ID number among them).
    pub values: std::collections::BTreeMap<String, String>,
    pub purpose: String,
}

/// Without the values: they hold the full ID number, never logged.
impl std::fmt::Debug for Draft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Draft")
            .field("application_id", &self.application_id)
            .field("number", &self.number)
            .finish_non_exhaustive()
    }
}

impl Draft {
    fn facts(&self) -> CertificateFacts<'_> {
        CertificateFacts {
            cert_type: &self.cert_type,
            number: &self.number,
            office_code: &self.office_code,
            office: &self.office,
            issue_day: china_date(self.at.and_utc()),
            issued_at: Some(self.at.and_utc()),
            values: &self.values,
            purpose: &self.purpose,
        }
    }
}

/// A draft drawn and stored before the transaction that records it.
#[derive(Debug)]
pub struct Prepared {
    pub draft: Draft,
    /// The stored PDF, or the characters no font has (nothing stored).
    pub outcome: Result<StoredPdf, String>,
}

#[derive(Debug)]
pub struct StoredPdf {
    /// The certificate row's id, also in the key.
    pub cert_id: String,
    pub key: String,
    pub sha256: [u8; 32],
    /// The signing key of the QR token and seal.
    pub signing_kid: String,
    /// The data key that encrypts the stored PDF.
    pub data_kid: String,
}

impl Prepared {
    /// The stored blob, if any (for the caller to remove when no row references it).
    pub fn blob_key(&self) -> Option<&str> {
        self.outcome.as_ref().ok().map(|p| p.key.as_str())
    }
}

/// A drawn, signed and sealed certificate, not yet stored.
type Drawn = ([u8; 32], String, Vec<u8>, String);

fn draw(s: &Services, d: &Draft) -> Result<Drawn, IssueError> {
    let signed = render(&s.font, &s.layouts, &s.keys, &s.base_url, &d.facts())?;
    let (data_kid, sealed) = s.data_keys.seal_bytes(&signed.pdf);
    Ok((
        signed.sha256,
        data_kid,
        sealed,
        s.keys.active_kid().to_owned(),
    ))
}

fn blob_key(draft: &Draft, cert_id: &str) -> String {
    format!(
        "certificates/{}/{cert_id}.pdf",
        china_date(draft.at.and_utc()).year()
    )
}

/// [`prepare`] inside the transaction (see [`Issuing::inline`]).
fn prepare_inline(svc: &Services, draft: Draft) -> AppResult<Prepared> {
    let (sha256, data_kid, sealed, signing_kid) = match draw(svc, &draft) {
        Ok(d) => d,
        Err(IssueError::Unprintable(chars)) => {
            return Ok(Prepared {
                draft,
                outcome: Err(chars),
            })
        }
        Err(e) => return Err(e.into()),
    };
    let cert_id = new_id();
    let key = blob_key(&draft, &cert_id);
    svc.blobs.put(&key, &sealed).map_err(AppError::internal)?;
    Ok(Prepared {
        draft,
        outcome: Ok(StoredPdf {
            cert_id,
            key,
            sha256,
            signing_kid,
            data_kid,
        }),
    })
}

/// Draws, signs, encrypts and stores the certificate of `draft`, outside any
/// transaction (the drawing on the blocking pool).
pub async fn prepare(svc: &super::SharedServices, draft: Draft) -> AppResult<Prepared> {
    let (s, d) = (svc.clone(), draft.clone());
    let drawn = tokio::task::spawn_blocking(move || draw(&s, &d))
        .await
        .map_err(AppError::internal)?;
    let (sha256, data_kid, sealed, signing_kid) = match drawn {
        Ok(d) => d,
        Err(IssueError::Unprintable(chars)) => {
            return Ok(Prepared {
                draft,
                outcome: Err(chars),
            })
        }
        Err(e) => return Err(e.into()),
    };
    let cert_id = new_id();
    let key = blob_key(&draft, &cert_id);
    svc.blobs
        .put_async(&key, sealed)
        .await
        .map_err(AppError::internal)?;
    Ok(Prepared {
        draft,
        outcome: Ok(StoredPdf {
            cert_id,
            key,
            sha256,
            signing_kid,
            data_kid,
        }),
    })
}

/// The prepared certificate a write transaction may record, and whether it did.
#[derive(Debug, Default)]
pub struct Issuing {
    pub prepared: Option<Prepared>,
    /// Set when the transaction recorded the prepared certificate.
    pub used: bool,
    /// The last try: a PDF that does not match is drawn and stored here, inside the
    /// transaction, instead of stopping with [`IssueError::NeedsPdf`]. Every try before
    /// draws outside; but while the office's other approvals keep taking the number the
    /// PDF was drawn with, those tries can lose every time (64 at once in 15 offices
    /// lost two in three after four tries), and an official must not be told to retry.
    pub inline: bool,
    /// The PDF prepared before that an inline draw replaced (for the caller to remove).
    pub stale: Option<String>,
}

impl From<AppError> for IssueError {
    fn from(e: AppError) -> Self {
        IssueError::Failed(e)
    }
}

impl From<diesel::result::Error> for IssueError {
    fn from(e: diesel::result::Error) -> Self {
        IssueError::Failed(e.into())
    }
}

impl From<IssueError> for AppError {
    fn from(e: IssueError) -> Self {
        match e {
            IssueError::Unprintable(chars) => PdfError::MissingGlyphs { chars }.into(),
            IssueError::NeedsPdf(_) => AppError::internal("a certificate was not prepared"),
            IssueError::Failed(e) => e,
        }
    }
}

/// Lays out, renders and signs one certificate; no I/O (used by issuing, tests
/// and the benchmark).
pub fn render_signed(
    font: &crate::pdf::CertFont,
    layouts: &crate::pdf::Layouts,
    keys: &crate::verify::KeyRing,
    base_url: &str,
    f: &CertificateFacts<'_>,
) -> Result<SignedPdf, AppError> {
    render(font, layouts, keys, base_url, f).map_err(AppError::from)
}

fn render(
    font: &crate::pdf::CertFont,
    layouts: &crate::pdf::Layouts,
    keys: &crate::verify::KeyRing,
    base_url: &str,
    f: &CertificateFacts<'_>,
) -> Result<SignedPdf, IssueError> {
    let t = f.cert_type;
    let layout = layouts.for_type(&t.code).clone();
    let claims = Claims {
        number: f.number.to_owned(),
        type_code: t.code.clone(),
        issued_on: f.issue_day,
        office: f.office_code.to_owned(),
        key_id: keys.active_kid().to_owned(),
        pdf_sha256: None,
    };
    let key = keys
        .signing_key()
        .ok_or_else(|| AppError::internal("no signing key"))?;
    let token = claims.sign(key).map_err(AppError::internal)?;
    let url = verify_url(base_url, f.number, &token);
    let content = CertificateContent {
        title: if layout.title.trim().is_empty() {
            t.title_zh.clone()
        } else {
            layout.title.clone()
        },
        number: format!("编号：{}", f.number),
        body: t.render_body(f.values),
        purpose_line: layout.purpose(f.purpose),
        validity_line: layout.validity(&chinese_number(t.validity_days)),
        office: f.office.to_owned(),
        date_zh: chinese_date(f.issue_day),
        footer: None,
        qr_url: Some(url.clone()),
        seal: Some(SealLines {
            office: f.office.to_owned(),
            caption: "证明专用章".into(),
        }),
        layout,
        issued_unix: f.issued_at.map(|t| t.timestamp()).or_else(|| {
            f.issue_day
                .and_hms_opt(0, 0, 0)
                .map(|d| d.and_utc().timestamp() - 8 * 3600)
        }),
    };
    let mut pdf = render_certificate(font, &content).map_err(|e| match e {
        PdfError::MissingGlyphs { chars } => IssueError::Unprintable(chars),
        other => IssueError::Failed(other.into()),
    })?;
    let sha256 = seal_pdf(&mut pdf, claims, keys).map_err(AppError::internal)?;
    Ok(SignedPdf {
        pdf,
        sha256,
        verify_url: url,
    })
}

/// The URL in the QR code: the public verify page with the signed token.
pub fn verify_url(base_url: &str, number: &str, token: &str) -> String {
    format!(
        "{}/verify/{number}?t={token}",
        base_url.trim_end_matches('/')
    )
}

impl From<PdfError> for AppError {
    fn from(e: PdfError) -> Self {
        match e {
            PdfError::MissingGlyphs { chars } => AppError::Unprocessable(crate::domain::Invalid::new(
                format!("证明中有字体无法显示的生僻字：{chars}，请联系管理员"),
                format!("The certificate holds characters the font cannot show: {chars}; contact the administrator"),
            )),
            other => AppError::internal(other),
        }
    }
}

/// The values of the body template for `app` issued on `issue_day`: the form's display
/// strings, the subject, the places and the dates. `masked` shows the ID number as the
/// lists do (a preview is no disclosure of it).
fn body_values(
    conn: &mut DbConn,
    svc: &Services,
    app: &Application,
    t: &CertificateType,
    issue_day: chrono::NaiveDate,
    masked: bool,
) -> AppResult<std::collections::BTreeMap<String, String>> {
    let valid_until_day = issue_day + Duration::days(i64::from(t.validity_days));
    let names = catalog::jurisdiction_names(
        conn,
        &[&app.county_code, &app.township_code, &app.village_code],
    )?;
    let name = |code: &str| names.get(code).cloned().unwrap_or_default();
    let form: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&app.form_data).map_err(AppError::internal)?;
    let mut values = t.template_values(&form);
    values.insert("subject_name".into(), app.subject_name.clone());
    let id_number = svc
        .data_keys
        .open(&app.subject_id_number)
        .map_err(AppError::internal)?;
    let id_number = if masked {
        crate::domain::id_number::mask_id(&id_number)
    } else {
        id_number
    };
    values.insert("subject_id_number".into(), id_number);
    values.insert("county_name".into(), name(&app.county_code));
    values.insert("township_name".into(), name(&app.township_code));
    values.insert("village_name".into(), name(&app.village_code));
    values.insert("issue_date_zh".into(), chinese_date(issue_day));
    values.insert("valid_until_zh".into(), chinese_date(valid_until_day));
    Ok(values)
}

/// The certificate's text as it would read if issued today, for the official to check
/// before 批准 (the case read in their scope: 404 outside it).
pub fn preview(
    conn: &mut DbConn,
    svc: &Services,
    user: &crate::auth::CurrentUser,
    id: &str,
    t: &CertificateType,
) -> AppResult<String> {
    let app = crate::db::applications::find(conn, id, &crate::auth::Scope::of(user))?
        .ok_or_else(AppError::not_found)?;
    let issue_day = china_date(now().and_utc());
    Ok(t.render_body(&body_values(conn, svc, &app, t, issue_day, true)?))
}

/// Issues the certificate of `app` in the caller's transaction, from the PDF prepared
/// for exactly these facts; without one it stops with [`IssueError::NeedsPdf`]. A
/// certificate that cannot be drawn is [`IssueError::Unprintable`], after the number was
/// counted: the caller runs this in a savepoint (`act`) so that nothing of it stays.
pub fn issue(
    conn: &mut DbConn,
    svc: &Services,
    app: &mut Application,
    t: &CertificateType,
    issuing: &mut Issuing,
) -> Result<(), IssueError> {
    let at = issuing.prepared.as_ref().map_or_else(now, |p| p.draft.at);
    let issue_day = china_date(at.and_utc());
    let year = issue_day.year();
    let seq = catalog::next_counter(conn, &format!("certificate:{}:{year}", app.township_code))?;
    let number = format!("{}-{year}-{seq:05}", app.township_code);
    let valid_until_day = issue_day + Duration::days(i64::from(t.validity_days));

    let values = body_values(conn, svc, app, t, issue_day, false)?;
    let purpose = values.get("purpose").cloned().unwrap_or_default();
    let names = catalog::jurisdiction_names(conn, &[&app.county_code, &app.township_code])?;
    let name = |code: &str| names.get(code).cloned().unwrap_or_default();
    let draft = Draft {
        application_id: app.id.clone(),
        cert_type: t.clone(),
        type_version: app.type_version,
        number,
        office_code: app.township_code.clone(),
        office: office_name(&name(&app.county_code), &name(&app.township_code)),
        at,
        values,
        purpose,
    };
    let matches = issuing.prepared.as_ref().is_some_and(|p| p.draft == draft);
    if !matches && issuing.inline {
        // The caller removes the PDF it no longer needs: the one it prepared before.
        let stale = issuing
            .prepared
            .replace(prepare_inline(svc, draft.clone())?);
        issuing.stale = stale.and_then(|p| p.blob_key().map(str::to_owned));
    }
    let pdf = match &issuing.prepared {
        Some(p) if p.draft == draft => match &p.outcome {
            Ok(pdf) => pdf,
            Err(chars) => return Err(IssueError::Unprintable(chars.clone())),
        },
        _ => return Err(IssueError::NeedsPdf(Box::new(draft))),
    };
    dispatches::insert_certificate(
        conn,
        &Certificate {
            id: pdf.cert_id.clone(),
            application_id: app.id.clone(),
            number: draft.number,
            type_code: t.code.clone(),
            issuer_code: app.township_code.clone(),
            issued_at: at,
            valid_until: crate::domain::calendar::end_of_china_day(valid_until_day).naive_utc(),
            pdf_key: pdf.key.clone(),
            pdf_sha256: hex::encode(pdf.sha256),
            key_id: Some(pdf.signing_kid.clone()),
            status: "valid".into(),
            revoked_at: None,
            revocation_reason: None,
            revocation_code: None,
            // The PDF prints the full ID number: stored encrypted like the number itself.
            pdf_data_kid: Some(pdf.data_kid.clone()),
        },
    )?;
    system_transition(conn, app, Action::Issue)?;
    issuing.used = true;
    Ok(())
}

/// A transition the system makes as a consequence of another (issue, dispatch).
pub fn system_transition(
    conn: &mut DbConn,
    app: &mut Application,
    action: Action,
) -> AppResult<()> {
    let at = now();
    let from =
        ApplicationStatus::parse(&app.status).ok_or_else(|| AppError::internal("bad status"))?;
    let to = next_status(from, action, true).map_err(AppError::Conflict)?;
    save_transition(
        conn,
        app,
        EventInput {
            action: action.as_str(),
            from: Some(from.as_str()),
            to: to.as_str(),
            step: None,
            actor_id: None,
            actor_role: "system",
            reason: None,
            at,
            node_deadline: None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::office_name;

    #[test]
    fn offices_are_named_by_kind() {
        assert_eq!(office_name("敦化市", "雁鸣湖镇"), "敦化市雁鸣湖镇人民政府");
        assert_eq!(office_name("铁西区", "英雄街道"), "铁西区英雄街道办事处");
    }
}
