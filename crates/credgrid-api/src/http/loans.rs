//! Loans: application, lifecycle transitions, money movements and their history.
//!
//! Requests that move money (disburse, repayments, reversal, fees, write-off,
//! recoveries) require an `Idempotency-Key`: a retry returns the first result.
//! Bodies are checked before the loan is looked up, so a bad field is named
//! even for a loan that does not exist.

use super::error::ApiError;
use super::extract::{ActingUser, Body, Ids, MoneyRequest, Query};
use super::pagination::{page_json, page_of, page_request};
use super::{AppState, PREFIX, Routes, app, blocking, created, ok};
use crate::dto;
use axum::extract::State;
use axum::response::Response;
use credgrid_app::{AppError, Institution, Repayment};
use credgrid_core::Currency;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub(super) fn routes(routes: Routes) -> Routes {
    routes
        .post("/loans", apply)
        .get("/loans", list)
        .get("/loans/{id}", get_one)
        .post("/loans/{id}/approve", approve)
        .post("/loans/{id}/reject", reject)
        .post("/loans/{id}/withdraw", withdraw)
        .post("/loans/{id}/disburse", disburse)
        .post("/loans/{id}/repayments", repay)
        .get("/loans/{id}/transactions", transactions)
        .get("/loans/{id}/events", events)
        .get("/loans/{id}/journal", journal)
        .post("/loans/{id}/transactions/{tx_id}/reversal", reverse)
        .post("/loans/{id}/fees", charge_fee)
        .post("/loans/{id}/write-off", write_off)
        .post("/loans/{id}/recoveries", recover)
}

/// The currency of each loan seen, for reading the amounts sent for it without
/// loading the whole loan on every repayment. A loan's currency never changes.
#[derive(Debug, Default)]
pub(crate) struct CurrencyCache(Mutex<HashMap<i64, Currency>>);

/// The most loans remembered; the cache starts over beyond it.
const CURRENCY_CACHE_MAX: usize = 100_000;

impl CurrencyCache {
    /// The currency of a loan seen before, without touching the store.
    fn known(&self, loan_id: i64) -> Result<Option<Currency>, ApiError> {
        Ok(self
            .0
            .lock()
            .map_err(|_| ApiError::internal("currency cache poisoned"))?
            .get(&loan_id)
            .copied())
    }

    fn currency(&self, institution: &Institution, loan_id: i64) -> Result<Currency, ApiError> {
        if let Some(currency) = self.known(loan_id)? {
            return Ok(currency);
        }
        let currency = app(institution.loan_currency(loan_id))?;
        let mut cache = self
            .0
            .lock()
            .map_err(|_| ApiError::internal("currency cache poisoned"))?;
        if cache.len() >= CURRENCY_CACHE_MAX {
            cache.clear();
        }
        cache.insert(loan_id, currency);
        Ok(currency)
    }
}

fn transaction_created(loan_id: i64, tx: &credgrid_app::TransactionView) -> Response {
    created(
        format!("{PREFIX}/loans/{loan_id}/transactions"),
        dto::TransactionJson::from(tx),
    )
}

async fn apply(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    body: Body,
) -> Result<Response, ApiError> {
    let request = dto::loan_application(body.fields)?;
    let loan = blocking(&state, move |i| {
        let currency = app(i.product(actor, request.product_id))?.spec.currency;
        app(i.apply(actor, request.into_application(currency)?))
    })
    .await?;
    Ok(created(
        format!("{PREFIX}/loans/{}", loan.id),
        dto::loan_json(&loan, true),
    ))
}

async fn list(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let status = q.opt_text("status", 32)?;
    if status
        .as_deref()
        .is_some_and(|s| !dto::LOAN_STATUSES.contains(&s))
    {
        return Err(ApiError::invalid(
            "status",
            format!("must be one of {}", dto::LOAN_STATUSES.join(", ")),
        ));
    }
    let page = page_request(&mut q)?;
    q.finish()?;
    let found = blocking(&state, move |i| app(i.list_loans(actor, status.as_deref(), page))).await?;
    Ok(ok(page_json(&found, |l| dto::loan_json(l, false))))
}

async fn get_one(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let loan = blocking(&state, move |i| app(i.loan(actor, id))).await?;
    Ok(ok(dto::loan_json(&loan, true)))
}

async fn approve(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let reason = dto::reason(body.fields, false)?;
    let loan = blocking(&state, move |i| app(i.approve(actor, id, reason))).await?;
    Ok(ok(dto::loan_json(&loan, true)))
}

async fn reject(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let reason = dto::reason(body.fields, true)?.unwrap_or_default();
    let loan = blocking(&state, move |i| app(i.reject(actor, id, reason))).await?;
    Ok(ok(dto::loan_json(&loan, true)))
}

async fn withdraw(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    body: Body,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let reason = dto::reason(body.fields, true)?.unwrap_or_default();
    let loan = blocking(&state, move |i| app(i.withdraw(actor, id, reason))).await?;
    Ok(ok(dto::loan_json(&loan, true)))
}

async fn disburse(State(state): State<AppState>, ids: Ids, req: MoneyRequest) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    req.fields.finish()?;
    let (actor, key) = (req.actor, req.key);
    let loan = blocking(&state, move |i| app(i.disburse(actor, id, Some(key)))).await?;
    Ok(ok(dto::loan_json(&loan, true)))
}

/// The hot path of the API: no blocking-pool thread waits for the commit.
/// `repay_then` works the repayment out on a reader right here (one loan
/// read, tens of microseconds: cheaper than handing it to a blocking-pool
/// thread) and leaves the writer only the writes; the writer answers
/// through a oneshot, so every request in flight can join the writer's next
/// group commit.
async fn repay(State(state): State<AppState>, ids: Ids, req: MoneyRequest) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let (amount, value_date, prepayment) = dto::repayment(req.fields)?;
    let (actor, key) = (req.actor, req.key);
    // A bad amount is answered with the API's own problem, kept here.
    let refused = Arc::new(Mutex::new(None::<ApiError>));
    let amount_refused = Arc::clone(&refused);
    let repayment = move |currency| match amount.money(currency) {
        Ok(amount) => Ok(Repayment {
            amount,
            value_date,
            prepayment,
        }),
        Err(problem) => {
            let reason = problem.detail.clone().unwrap_or_default();
            if let Ok(mut slot) = amount_refused.lock() {
                *slot = Some(problem);
            }
            Err(AppError::invalid("amount", reason))
        }
    };
    let (answer, answered) = tokio::sync::oneshot::channel();
    state
        .institution
        .repay_then(actor, id, repayment, Some(key), move |result| {
            let _ = answer.send(result);
        });
    let result = answered
        .await
        .map_err(|_| ApiError::internal("the repayment job failed"))?;
    match result {
        Ok(tx) => Ok(transaction_created(id, &tx)),
        Err(error) => Err(refused
            .lock()
            .ok()
            .and_then(|mut slot| slot.take())
            .unwrap_or_else(|| ApiError::from(error))),
    }
}

async fn transactions(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let page = page_request(&mut q)?;
    q.finish()?;
    let all = blocking(&state, move |i| app(i.loan_transactions(actor, id))).await?;
    Ok(ok(page_json(
        &page_of(all, |t| t.id, page),
        dto::transaction_json,
    )))
}

/// Events have no id of their own: their 1-based position (`seq`) is the cursor.
async fn events(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let page = page_request(&mut q)?;
    q.finish()?;
    let all = blocking(&state, move |i| app(i.loan_events(actor, id))).await?;
    let numbered: Vec<(i64, _)> = (1..).zip(all).collect();
    let page = page_of(numbered, |(seq, _)| *seq, page);
    Ok(ok(page_json(&page, |(seq, e)| dto::event_json(*seq, e))))
}

/// The journal entries of one loan (its postings), oldest first, paged by entry id.
async fn journal(
    State(state): State<AppState>,
    ActingUser(actor): ActingUser,
    ids: Ids,
    Query(mut q): Query,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let page = page_request(&mut q)?;
    q.finish()?;
    let all = blocking(&state, move |i| app(i.loan_journal(actor, id))).await?;
    Ok(ok(page_json(
        &page_of(all, |e| e.id, page),
        dto::journal_entry_json,
    )))
}

async fn reverse(State(state): State<AppState>, ids: Ids, req: MoneyRequest) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let tx_id = ids.id("tx_id")?;
    let reason = dto::reason(req.fields, true)?.unwrap_or_default();
    let (actor, key) = (req.actor, req.key);
    let tx = blocking(&state, move |i| {
        app(i.reverse(actor, id, tx_id, reason, Some(key)))
    })
    .await?;
    Ok(transaction_created(id, &tx))
}

async fn charge_fee(
    State(state): State<AppState>,
    ids: Ids,
    req: MoneyRequest,
) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let (amount, reason) = dto::fee(req.fields)?;
    let (actor, key) = (req.actor, req.key);
    let currencies = state.currencies.clone();
    let tx = blocking(&state, move |i| {
        let amount = amount.money(currencies.currency(i, id)?)?;
        app(i.charge_fee(actor, id, amount, reason, Some(key)))
    })
    .await?;
    Ok(transaction_created(id, &tx))
}

async fn write_off(State(state): State<AppState>, ids: Ids, req: MoneyRequest) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let reason = dto::reason(req.fields, true)?.unwrap_or_default();
    let (actor, key) = (req.actor, req.key);
    let tx = blocking(&state, move |i| app(i.write_off(actor, id, reason, Some(key)))).await?;
    Ok(transaction_created(id, &tx))
}

async fn recover(State(state): State<AppState>, ids: Ids, req: MoneyRequest) -> Result<Response, ApiError> {
    let id = ids.id("id")?;
    let amount = dto::amount_only(req.fields)?;
    let (actor, key) = (req.actor, req.key);
    let currencies = state.currencies.clone();
    let tx = blocking(&state, move |i| {
        let amount = amount.money(currencies.currency(i, id)?)?;
        app(i.recover(actor, id, amount, Some(key)))
    })
    .await?;
    Ok(transaction_created(id, &tx))
}
