//! The actions on a loan, posted from the forms of the loan page: approve,
//! reject, withdraw, disburse, repay, reverse, write-off, recover.
//!
//! Money-moving forms carry a hidden idempotency key drawn with the page, so
//! a double submit (or a reload of the POST) records the payment once. On
//! success the browser is sent back to the loan page (303); a refusal draws
//! the loan page again with the message on top.

use super::form::FormData;
use super::loans::loan_page;
use super::locale::Tr;
use super::{Ctx, Notice, UiState, blocking, see_other};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use credgrid_app::{Actor, AppError, Institution, Repayment};

/// The actions this handler knows, as they appear in the URL.
const ACTIONS: [&str; 8] = [
    "approve",
    "reject",
    "withdraw",
    "disburse",
    "repay",
    "reverse",
    "write-off",
    "recover",
];

pub(crate) async fn act(
    ctx: Ctx,
    State(state): State<UiState>,
    Path((id, action)): Path<(String, String)>,
    body: String,
) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let Ok(loan_id) = id.parse::<i64>() else {
        return super::failure(&ctx, "loans", &AppError::not_found("loan", id));
    };
    let Some(action) = ACTIONS.iter().find(|a| **a == action).copied() else {
        return super::failure(
            &ctx,
            "loans",
            &AppError::invalid("action", ctx.tr.t("ui.reason.unknown_action")),
        );
    };
    let form = FormData::parse(&body);
    let (tr, submitted) = (ctx.tr, form.clone());
    let outcome = blocking(&state, move |i| {
        perform(i, tr, actor, loan_id, action, &submitted)
    })
    .await;
    match outcome {
        Ok(()) => see_other(&format!("/loans/{loan_id}?done={action}")),
        Err(error) => {
            let mut form = form;
            let notice = Notice::of_error(tr, &error);
            form.add_error(notice.field.as_deref(), notice.detail.clone());
            loan_page(&ctx, &state, loan_id, Some(notice), form).await
        }
    }
}

fn reason(form: &FormData, tr: Tr, required: bool) -> Result<Option<String>, AppError> {
    if required {
        form.text(tr, "reason").map(Some)
    } else {
        Ok(form.opt_text("reason"))
    }
}

fn perform(
    i: &Institution,
    tr: Tr,
    actor: Actor,
    loan_id: i64,
    action: &str,
    form: &FormData,
) -> Result<(), AppError> {
    match action {
        "approve" => i.approve(actor, loan_id, reason(form, tr, false)?).map(drop),
        "reject" => i.reject(actor, loan_id, form.text(tr, "reason")?).map(drop),
        "withdraw" => i.withdraw(actor, loan_id, form.text(tr, "reason")?).map(drop),
        "disburse" => i
            .disburse(actor, loan_id, form.idempotency("disburse", &[]))
            .map(drop),
        "repay" => {
            let currency = i.loan(actor, loan_id)?.principal.currency();
            let repayment = Repayment {
                amount: form.amount(tr, "amount", currency)?,
                value_date: form.opt_date(tr, "value_date")?,
                prepayment: form.opt_text("prepayment"),
            };
            let key = form.idempotency("repay", &["amount", "value_date", "prepayment"]);
            i.repay(actor, loan_id, repayment, key).map(drop)
        }
        "reverse" => {
            let transaction_id = form.id(tr, "transaction_id")?;
            let key = form.idempotency("reverse", &["transaction_id", "reason"]);
            i.reverse(actor, loan_id, transaction_id, form.text(tr, "reason")?, key)
                .map(drop)
        }
        "write-off" => {
            let key = form.idempotency("write-off", &["reason"]);
            i.write_off(actor, loan_id, form.text(tr, "reason")?, key)
                .map(drop)
        }
        _ => {
            let currency = i.loan(actor, loan_id)?.principal.currency();
            let amount = form.amount(tr, "amount", currency)?;
            i.recover(actor, loan_id, amount, form.idempotency("recover", &["amount"]))
                .map(drop)
        }
    }
}
