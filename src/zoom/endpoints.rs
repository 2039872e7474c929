//! The endpoints zoom-report reads, each listing followed to its last page.
//!
//! Pagination follows `next_page_token` only (Zoom's `page_count` is deprecated and often
//! missing), stops when the token is empty or absent, refuses a token that comes back twice,
//! and restarts a listing from its first page when Zoom says the token expired (code 300,
//! after 15 minutes).

use std::collections::HashSet;

use chrono::NaiveDate;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

use super::client::{Category, ZoomClient};
use super::models::text;
use super::{ApiError, code};

/// Zoom's largest page.
pub const PAGE_SIZE: u32 = 300;
/// A listing longer than this many pages is taken for a loop.
const MAX_PAGES: usize = 10_000;
/// Restarts after an expired page token before giving up on a listing.
const MAX_RESTARTS: usize = 3;

/// Everything but RFC 3986's unreserved characters is encoded.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Encodes a meeting id or instance uuid for a path segment.
///
/// Zoom decodes the segment once more than usual when a uuid starts with `/` or contains
/// `//`: such uuids must be encoded twice, or Zoom answers 404 code 3001 about another id.
/// Every other uuid is encoded once (a raw `+` would read as a space).
pub fn encode_meeting_id(id: &str) -> String {
    let once = utf8_percent_encode(id, PATH_SEGMENT).to_string();
    if id.starts_with('/') || id.contains("//") {
        utf8_percent_encode(&once, PATH_SEGMENT).to_string()
    } else {
        once
    }
}

fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, PATH_SEGMENT).to_string()
}

/// Meeting instances a user hosted (or joined, by `meeting_type`) in one window of at most a
/// month: `GET /report/users/{user}/meetings`.
pub async fn list_meetings(
    client: &ZoomClient,
    user: &str,
    from: NaiveDate,
    to: NaiveDate,
    meeting_type: &str,
) -> Result<Vec<Map<String, Value>>, ApiError> {
    let path = format!("/report/users/{}/meetings", encode_segment(user));
    let query = [
        ("from", from.to_string()),
        ("to", to.to_string()),
        ("type", meeting_type.to_string()),
    ];
    paginate(client, Category::Heavy, &path, &query, "meetings").await
}

/// Every join row of one instance (by uuid) or of a meeting's latest instance (by id):
/// `GET /report/meetings/{id}/participants`.
pub async fn list_participants(
    client: &ZoomClient,
    meeting: &str,
) -> Result<Vec<Map<String, Value>>, ApiError> {
    participants_report(client, "meetings", meeting).await
}

/// Every join row of a webinar instance: `GET /report/webinars/{id}/participants`.
pub async fn list_webinar_participants(
    client: &ZoomClient,
    webinar: &str,
) -> Result<Vec<Map<String, Value>>, ApiError> {
    participants_report(client, "webinars", webinar).await
}

/// `GET /report/{kind}/{id}/participants`, every page: meetings and webinars answer alike.
async fn participants_report(
    client: &ZoomClient,
    kind: &str,
    id: &str,
) -> Result<Vec<Map<String, Value>>, ApiError> {
    let path = format!("/report/{kind}/{}/participants", encode_meeting_id(id));
    paginate(client, Category::Heavy, &path, &[], "participants").await
}

/// The instances (uuid and start time) of a meeting series: `GET /past_meetings/{id}/instances`.
pub async fn list_instances(
    client: &ZoomClient,
    meeting_id: &str,
) -> Result<Vec<Map<String, Value>>, ApiError> {
    let path = format!("/past_meetings/{}/instances", encode_meeting_id(meeting_id));
    let answer = client.get(Category::Medium, &path, &[]).await?;
    Ok(objects(&answer, "meetings"))
}

/// The account's active users: `GET /users?status=active`.
pub async fn list_users(client: &ZoomClient) -> Result<Vec<Map<String, Value>>, ApiError> {
    let query = [("status", "active".to_string())];
    paginate(client, Category::Medium, "/users", &query, "users").await
}

/// Follows a listing's pages and returns the items under `items_key` of all of them.
async fn paginate(
    client: &ZoomClient,
    category: Category,
    path: &str,
    base_query: &[(&str, String)],
    items_key: &str,
) -> Result<Vec<Map<String, Value>>, ApiError> {
    let mut restarts = 0;
    'listing: loop {
        let mut items = Vec::new();
        let mut seen_tokens = HashSet::new();
        let mut page_token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query = base_query.to_vec();
            query.push(("page_size", PAGE_SIZE.to_string()));
            if let Some(token) = &page_token {
                query.push(("next_page_token", token.clone()));
            }
            let answer = match client.get(category, path, &query).await {
                Err(error)
                    if is_expired_page_token(&error, &page_token) && restarts < MAX_RESTARTS =>
                {
                    restarts += 1;
                    tracing::info!("{path}: page token expired, listing again from the first page");
                    continue 'listing;
                }
                result => result?,
            };
            items.extend(objects(&answer, items_key));
            let next = text(&answer, "next_page_token");
            if next.is_empty() {
                return Ok(items);
            }
            if !seen_tokens.insert(next.clone()) {
                return Err(ApiError::Pagination {
                    endpoint: path.to_string(),
                    detail: "Zoom sent the same next_page_token twice; stopped to avoid a loop"
                        .to_string(),
                });
            }
            page_token = Some(next);
        }
        return Err(ApiError::Pagination {
            endpoint: path.to_string(),
            detail: format!("the listing passed {MAX_PAGES} pages; stopped to avoid a loop"),
        });
    }
}

fn is_expired_page_token(error: &ApiError, page_token: &Option<String>) -> bool {
    page_token.is_some() && error.code() == Some(code::PAGE_TOKEN_EXPIRED)
}

/// The objects in an array field; anything else in it is skipped.
fn objects(answer: &Map<String, Value>, key: &str) -> Vec<Map<String, Value>> {
    match answer.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_object().cloned())
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_with_a_leading_or_double_slash_are_encoded_twice() {
        assert_eq!(
            encode_meeting_id("/7em4y/d5AoFjeWFP0NBnw=="),
            "%252F7em4y%252Fd5AoFjeWFP0NBnw%253D%253D"
        );
        assert_eq!(
            encode_meeting_id("P1MoI0HZ//+eFkSeWJxATg=="),
            "P1MoI0HZ%252F%252F%252BeFkSeWJxATg%253D%253D"
        );
    }

    #[test]
    fn other_uuids_are_encoded_once() {
        assert_eq!(
            encode_meeting_id("cc/gogPR5eXIWD5y4FnV3w=="),
            "cc%2FgogPR5eXIWD5y4FnV3w%3D%3D"
        );
        assert_eq!(
            encode_meeting_id("l6+qQZB+7oE0ZylE6ijBXg=="),
            "l6%2BqQZB%2B7oE0ZylE6ijBXg%3D%3D"
        );
        assert_eq!(encode_meeting_id("85012345678"), "85012345678");
    }
}
