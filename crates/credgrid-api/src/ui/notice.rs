//! Messages shown at the top of a page: a refusal explained, or a done action.
//!
//! A refusal's title is the catalogue text of its `AppError::code()`
//! (`ui.error.invalid-field`, …); the detail names the field (translated via
//! `ui.field.*`) and the reason. Internal errors never show their detail.

use super::locale::Tr;
use axum::http::StatusCode;
use credgrid_app::AppError;

/// A message box: `error` (role="alert") or `ok` (role="status").
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Notice {
    pub(crate) kind: &'static str,
    pub(crate) title: String,
    pub(crate) detail: String,
    /// The form field the refusal is about, when there is one.
    pub(crate) field: Option<String>,
}

/// Outcomes announced after a redirect (`?done=repayment`).
const DONE: [&str; 12] = [
    "client",
    "applied",
    "approve",
    "reject",
    "withdraw",
    "disburse",
    "repay",
    "reverse",
    "write-off",
    "recover",
    "login",
    "eod",
];

impl Notice {
    pub(crate) fn is_error(&self) -> bool {
        self.kind == "error"
    }

    /// The notice for a refused action.
    pub(crate) fn of_error(tr: Tr, error: &AppError) -> Notice {
        let code_key = format!("ui.error.{}", error.code());
        // A rule of the origination workflow names itself in `refusal.*`.
        let rule_key = format!("refusal.{}", error.code());
        let title = match (tr.t(&code_key), tr.t(&rule_key)) {
            (text, _) if text != code_key => text,
            (_, rule) if rule != rule_key => rule,
            _ => tr.t("ui.error.refused"),
        };
        let (detail, field) = detail_of(tr, error);
        Notice {
            kind: "error",
            title,
            detail,
            field,
        }
    }

    /// The confirmation of a done action named by `?done=`, if it is a known one.
    pub(crate) fn done(tr: Tr, done: Option<&str>) -> Option<Notice> {
        let done = done.filter(|d| DONE.contains(d))?;
        Some(Notice {
            kind: "ok",
            title: tr.t(&format!("ui.done.{done}")),
            detail: String::new(),
            field: None,
        })
    }
}

fn detail_of(tr: Tr, error: &AppError) -> (String, Option<String>) {
    match error {
        AppError::Unauthenticated { .. } | AppError::Forbidden { .. } => (error.to_string(), None),
        AppError::Invalid { field, reason } => {
            let label = tr.term("ui.field", field);
            let reason = reason_text(tr, reason);
            let detail = tr.ta("ui.error.field_detail", &[("field", &label), ("reason", &reason)]);
            (detail, Some(field.clone()))
        }
        AppError::NotFound { entity, id } => {
            let entity = tr.term("ui.entity", entity);
            (
                tr.ta("ui.error.not_found_detail", &[("entity", &entity), ("id", id)]),
                None,
            )
        }
        AppError::InvalidState {
            entity,
            id,
            state,
            action,
        } => {
            let args = [
                ("entity", tr.term("ui.entity", entity)),
                ("id", id.clone()),
                ("state", tr.term("ui.status", state)),
                ("action", tr.term("ui.action", action)),
            ];
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            (tr.ta("ui.error.state_detail", &args), None)
        }
        AppError::DuplicateIdentity => (
            tr.t("ui.error.duplicate_identity_detail"),
            Some("id_number".into()),
        ),
        AppError::IdempotencyMismatch => (tr.t("ui.error.idempotency_detail"), None),
        AppError::Concurrent { .. } => (tr.t("ui.error.concurrent_detail"), None),
        AppError::Refused { detail, .. } => (detail.clone(), None),
        AppError::Unavailable { .. } => (tr.t("ui.error.unavailable_detail"), None),
        AppError::Internal(_) => (tr.t("ui.error.internal_detail"), None),
    }
}

/// Reasons the use cases write (in English) that the catalogue translates;
/// any other reason is shown as written.
const KNOWN_REASONS: [(&str, &str); 6] = [
    ("must be greater than zero", "ui.app_reason.greater_than_zero"),
    (
        "must be a positive amount in the loan's currency",
        "ui.app_reason.positive_in_currency",
    ),
    (
        "must not be after the business date",
        "ui.app_reason.not_after_business_date",
    ),
    (
        "must be after the business date",
        "ui.app_reason.after_business_date",
    ),
    ("must not be empty", "ui.app_reason.not_empty"),
    ("the client is not active", "ui.app_reason.client_not_active"),
];

fn reason_text(tr: Tr, reason: &str) -> String {
    if let Some((_, key)) = KNOWN_REASONS.iter().find(|(english, _)| *english == reason) {
        return tr.t(key);
    }
    let range = reason
        .strip_prefix("must be between ")
        .and_then(|r| r.split_once(" and "));
    if let Some((low, high)) = range {
        return tr.ta("ui.app_reason.between", &[("low", low), ("high", high)]);
    }
    reason.to_string()
}

/// The HTTP status of a page that shows `error`.
pub(crate) fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::CONFLICT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use credgrid_core::i18n::Locale;

    #[test]
    fn a_refused_field_is_named_in_the_reader_s_language() {
        let error = AppError::invalid("amount", "must be greater than zero");
        let zh = Notice::of_error(Tr { locale: Locale::Zh }, &error);
        assert_eq!(zh.title, Tr { locale: Locale::Zh }.t("ui.error.invalid-field"));
        assert!(zh.detail.contains("金额"), "{}", zh.detail);
        assert_eq!(zh.field.as_deref(), Some("amount"));
        let es = Notice::of_error(Tr { locale: Locale::Es }, &error);
        assert!(es.detail.starts_with("Importe: "), "{}", es.detail);
        assert!(
            !es.detail.contains("greater"),
            "the known reason is translated: {}",
            es.detail
        );
        let range = AppError::invalid("principal", "must be between 1000.00 and 500000.00");
        let zh = Notice::of_error(Tr { locale: Locale::Zh }, &range);
        assert!(
            zh.detail.contains("1000.00") && zh.detail.contains("500000.00"),
            "{}",
            zh.detail
        );
        assert!(!zh.detail.contains("between"), "{}", zh.detail);
    }

    #[test]
    fn an_internal_error_never_shows_its_cause() {
        let error = AppError::Internal("disk I/O error at page 42".into());
        let notice = Notice::of_error(Tr { locale: Locale::En }, &error);
        assert!(!notice.detail.contains("disk"));
        assert_eq!(status_of(&error), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn an_unknown_rule_gets_the_generic_refusal_title() {
        let error = AppError::Refused {
            rule: "some-new-rule",
            detail: "the rule says no".into(),
        };
        let notice = Notice::of_error(Tr { locale: Locale::Es }, &error);
        assert_eq!(notice.title, Tr { locale: Locale::Es }.t("ui.error.refused"));
        assert_eq!(notice.detail, "the rule says no");
    }

    #[test]
    fn only_known_outcomes_are_announced() {
        let tr = Tr { locale: Locale::En };
        assert!(Notice::done(tr, Some("repay")).is_some());
        assert!(Notice::done(tr, Some("<script>")).is_none());
    }
}
