//! Keyset pagination of list endpoints: `after_id` and a bounded `limit`.

use super::error::ApiError;
use super::fields::Params;
use credgrid_app::{PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, Page, PageRequest};
use serde_json::{Value, json};

/// Reads `after_id` (default 0) and `limit` (default 50, at most 200).
pub fn page_request(params: &mut Params) -> Result<PageRequest, ApiError> {
    let after_id = params.opt_int("after_id", 0, i64::MAX)?.unwrap_or(0);
    let limit = params.opt_int("limit", 1, i64::from(PAGE_LIMIT_MAX))?;
    let limit = limit
        .and_then(|l| u32::try_from(l).ok())
        .unwrap_or(PAGE_LIMIT_DEFAULT);
    Ok(PageRequest { after_id, limit })
}

/// `{"items": [...], "next_after_id": n|null}`.
pub fn page_json<T>(page: &Page<T>, item: impl Fn(&T) -> Value) -> Value {
    json!({
        "items": page.items.iter().map(item).collect::<Vec<_>>(),
        "next_after_id": page.next_after_id,
    })
}

/// Pages a list the use case returns whole (a loan's transactions, the nodes),
/// by the ids `id_of` gives; the list is small, so this is done in memory.
pub fn page_of<T>(mut items: Vec<T>, id_of: impl Fn(&T) -> i64, page: PageRequest) -> Page<T> {
    items.sort_by_key(|item| id_of(item));
    items.retain(|item| id_of(item) > page.after_id);
    let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
    let more = items.len() > limit;
    items.truncate(limit);
    let next_after_id = if more { items.last().map(&id_of) } else { None };
    Page { items, next_after_id }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_in_memory_lists_by_id() {
        let ids: Vec<i64> = vec![5, 1, 3, 2, 4];
        let first = page_of(
            ids.clone(),
            |i| *i,
            PageRequest {
                after_id: 0,
                limit: 2,
            },
        );
        assert_eq!((first.items, first.next_after_id), (vec![1, 2], Some(2)));
        let last = page_of(
            ids,
            |i| *i,
            PageRequest {
                after_id: 3,
                limit: 2,
            },
        );
        assert_eq!((last.items, last.next_after_id), (vec![4, 5], None));
    }

    #[test]
    fn limit_is_bounded() {
        let mut too_big = Params::new(vec![("limit".into(), "201".into())]).unwrap();
        assert_eq!(
            page_request(&mut too_big).unwrap_err().field.as_deref(),
            Some("limit")
        );
        let mut none = Params::default();
        assert_eq!(page_request(&mut none).unwrap(), PageRequest::default());
    }
}
