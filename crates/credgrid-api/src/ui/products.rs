//! Products: the list and one product's terms, read-only.

use super::{Chrome, Ctx, UiState, blocking, failure, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use credgrid_app::{Actor, AppError, Institution, PAGE_LIMIT_MAX, PageRequest, ProductView};

/// Every product, page by page (an institution has a handful).
pub(crate) fn all_products(institution: &Institution, actor: Actor) -> Result<Vec<ProductView>, AppError> {
    let mut page = PageRequest {
        after_id: 0,
        limit: PAGE_LIMIT_MAX,
    };
    let mut products = Vec::new();
    loop {
        let found = institution.list_products(actor, page)?;
        products.extend(found.items);
        match found.next_after_id {
            Some(after_id) => page.after_id = after_id,
            None => return Ok(products),
        }
    }
}

/// A product's terms as label/value pairs, formatted.
pub(crate) struct ProductRow {
    id: i64,
    code: String,
    name: String,
    currency: String,
    amounts: String,
    installments: String,
    rate: String,
    method: String,
    active: String,
}

fn row(c: &Chrome, p: &ProductView) -> ProductRow {
    let tr = c.tr;
    let s = &p.spec;
    ProductRow {
        id: p.id,
        code: s.code.clone(),
        name: s.name.clone(),
        currency: s.currency.code().to_string(),
        amounts: format!("{} – {}", tr.amount(s.amount_min), tr.amount(s.amount_max)),
        installments: format!(
            "{} – {} ({})",
            s.installments_min, s.installments_max, s.installments_default
        ),
        rate: format!(
            "{} – {} ({})",
            tr.percent(s.annual_rate_min),
            tr.percent(s.annual_rate_max),
            tr.percent(s.annual_rate_default)
        ),
        method: tr.term("ui.method", &s.method),
        active: tr.t(if p.active { "ui.yes" } else { "ui.no" }),
    }
}

#[derive(Template)]
#[template(path = "products.html")]
struct ProductsPage {
    c: Chrome,
    products: Vec<ProductRow>,
}

pub(crate) async fn list(ctx: Ctx, State(state): State<UiState>) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let found = blocking(&state, move |i| Ok((i.business_date()?, all_products(i, actor)?))).await;
    let (date, products) = match found {
        Ok(found) => found,
        Err(error) => return failure(&ctx, "products", &error),
    };
    let c = ctx.chrome("products", Some(date));
    let products = products.iter().map(|p| row(&c, p)).collect();
    render(StatusCode::OK, &ProductsPage { c, products })
}

#[derive(Template)]
#[template(path = "product.html")]
struct ProductPage {
    c: Chrome,
    p: ProductRow,
    terms: Vec<(String, String)>,
}

fn terms(c: &Chrome, p: &ProductView) -> Vec<(String, String)> {
    let tr = c.tr;
    let s = &p.spec;
    let grace = format!("{} / {}", s.grace_principal_periods, s.grace_interest_periods);
    let fee = format!(
        "{} + {}",
        tr.money(s.disbursement_fee_flat),
        tr.percent(s.disbursement_fee_rate)
    );
    let every = format!("{} {}", s.every, tr.term("ui.unit", &s.unit));
    [
        ("ui.product.every", every),
        (
            "ui.product.interest_period",
            tr.term("ui.interest_period", &s.interest_period),
        ),
        ("ui.product.days_in_year", s.days_in_year.clone()),
        ("ui.product.days_in_month", s.days_in_month.clone()),
        (
            "ui.product.rounding_mode",
            tr.term("ui.rounding", &s.rounding_mode),
        ),
        ("ui.product.grace", grace),
        ("ui.product.penalty_uplift", tr.percent(s.penalty_uplift)),
        (
            "ui.product.compound_interest",
            tr.t(if s.compound_interest { "ui.yes" } else { "ui.no" }),
        ),
        ("ui.product.disbursement_fee", fee),
    ]
    .into_iter()
    .map(|(key, value)| (tr.t(key), value))
    .collect()
}

pub(crate) async fn show(ctx: Ctx, State(state): State<UiState>, Path(id): Path<String>) -> Response {
    let actor = match ctx.require_actor() {
        Ok(actor) => actor,
        Err(redirect) => return redirect.into_response(),
    };
    let Ok(id) = id.parse::<i64>() else {
        return failure(&ctx, "products", &AppError::not_found("product", id));
    };
    let found = blocking(&state, move |i| Ok((i.business_date()?, i.product(actor, id)?))).await;
    let (date, product) = match found {
        Ok(found) => found,
        Err(error) => return failure(&ctx, "products", &error),
    };
    let c = ctx.chrome("products", Some(date));
    let page = ProductPage {
        p: row(&c, &product),
        terms: terms(&c, &product),
        c,
    };
    render(StatusCode::OK, &page)
}
