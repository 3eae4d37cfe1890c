//! The loan calculator over HTTP: `POST /schedule` takes the `credgrid schedule`
//! document (`schedule_doc`) and answers the schedule, computing nothing else.

use super::Routes;
use super::error::ApiError;
use super::extract::{ActingUser, Body};
use crate::schedule_doc::{DocError, Problem, field_of, schedule_json, terms_from_value};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use credgrid_core::i18n::Locale;

pub(super) fn routes(routes: Routes) -> Routes {
    routes.post("/schedule", calculate)
}

/// Errors name the field as a path (`rounding.digits`, `custom_principals[1].due_date`).
async fn calculate(ActingUser(_): ActingUser, body: Body) -> Result<Response, ApiError> {
    let terms = terms_from_value(&body.value).map_err(|e| {
        let mut problem = ApiError::invalid(&e.field, "");
        problem.detail = Some(e.message(Locale::En));
        problem
    })?;
    let schedule = credgrid_core::schedule::generate(&terms).map_err(|e| {
        let field = field_of(&e);
        let message = DocError {
            field: field.clone(),
            problem: Problem::Schedule(e),
        };
        let mut problem = ApiError::invalid(&field, "");
        problem.detail = Some(message.message(Locale::En));
        problem
    })?;
    let mut response = schedule_json(&schedule).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}
