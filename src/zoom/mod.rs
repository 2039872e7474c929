//! Zoom's API: the access token, the HTTP client with its pacing and retries, the report
//! endpoints, and the objects they return.

pub mod client;
pub mod endpoints;
pub mod models;
pub mod token;

use std::time::Duration;

use chrono::{DateTime, Utc};

pub use client::{ClientOptions, ZoomClient};

/// An answer from Zoom (or the network) that the code branches on.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The token endpoint refused the credentials.
    #[error("Zoom refused the access token request: {reason} ({error}, HTTP {status})")]
    Token {
        status: u16,
        error: String,
        reason: String,
    },

    /// An API error with Zoom's `{"code", "message"}` body.
    #[error("{endpoint}: Zoom answered HTTP {status}, code {code}: {message}")]
    Api {
        status: u16,
        code: i64,
        message: String,
        endpoint: String,
    },

    /// The account's daily request budget is spent; asking again today is pointless.
    #[error("{endpoint}: Zoom's daily rate limit for this account is reached")]
    DailyLimit {
        endpoint: String,
        resets_at: Option<DateTime<Utc>>,
    },

    /// Worth retrying: a per-second 429, a 5xx, a timeout, a dropped or garbled answer.
    #[error("{endpoint}: {detail}")]
    Transient {
        endpoint: String,
        detail: String,
        retry_after: Option<Duration>,
    },

    /// The listing's page tokens went wrong in a way retrying cannot fix.
    #[error("{endpoint}: {detail}")]
    Pagination { endpoint: String, detail: String },
}

/// The scopes the app needs, in Zoom's classic and granular names.
pub const SCOPES: &str = "report:read:admin, user:read:admin and meeting:read:admin (granular: \
    report:read:user:admin, report:read:list_meeting_participants:admin, \
    report:read:meeting:admin, user:read:list_users:admin, \
    meeting:read:list_past_instances:admin)";

/// Zoom's error codes that change what the tool does.
pub mod code {
    pub const INVALID_TOKEN: i64 = 124;
    pub const NO_PERMISSION: i64 = 200;
    pub const PAGE_TOKEN_EXPIRED: i64 = 300;
    pub const USER_NOT_FOUND: i64 = 1001;
    pub const USER_NOT_IN_ACCOUNT: i64 = 1010;
    pub const MEETING_NOT_FOUND: i64 = 3001;
    pub const MISSING_SCOPE: i64 = 4711;
    pub const MISSING_SCOPE_OLD: i64 = 4700;
    pub const MEETING_TOO_OLD: i64 = 12702;
}

impl ApiError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, ApiError::Transient { .. })
    }

    /// Zoom's error code, for API errors.
    pub fn code(&self) -> Option<i64> {
        match self {
            ApiError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// True when only this instance is affected and the batch should go on without it.
    pub fn is_instance_failure(&self) -> bool {
        matches!(
            self.code(),
            Some(code::MEETING_NOT_FOUND | code::MEETING_TOO_OLD)
        ) || self.is_retryable()
            || matches!(self, ApiError::Pagination { .. })
    }

    /// What the user can do about it, when that is known.
    pub fn hint(&self) -> Option<String> {
        let hint = match self {
            ApiError::Token { error, .. } => match error.as_str() {
                "invalid_client" => "check ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET: copy both again \
                    from the App Credentials page of your Server-to-Server OAuth app"
                    .to_string(),
                "invalid_request" => "check ZOOM_ACCOUNT_ID: it is on the same App Credentials \
                    page, and the app must be activated"
                    .to_string(),
                _ => "the app must be a Server-to-Server OAuth app, activated, in this account"
                    .to_string(),
            },
            ApiError::Api { code, message, .. } => match *code {
                code::MISSING_SCOPE | code::MISSING_SCOPE_OLD => format!(
                    "add the missing scopes to the app (Scopes page in Zoom's marketplace, then \
                     activate it again): {}",
                    scopes_in(message)
                ),
                code::NO_PERMISSION => "usage reports need a Pro or higher plan, and the app's \
                    owner must be allowed to view them (Role Management > Usage Reports)"
                    .to_string(),
                code::USER_NOT_FOUND | code::USER_NOT_IN_ACCOUNT => "check --user: the user \
                    must belong to this account (an email or user id, or me)"
                    .to_string(),
                code::MEETING_NOT_FOUND => "the meeting may not have ended yet (reports can take \
                    30 minutes), may be too old, or needs its instance uuid"
                    .to_string(),
                code::MEETING_TOO_OLD => "Zoom keeps participant reports for one year".to_string(),
                code::INVALID_TOKEN => "Zoom rejected a fresh access token: check the app is \
                    activated and not deleted"
                    .to_string(),
                _ => return None,
            },
            ApiError::DailyLimit { resets_at, .. } => format!(
                "run the same command again after {} to fetch the rest (what was fetched is kept)",
                resets_at.map_or("00:00 UTC".to_string(), |t| t.to_rfc3339())
            ),
            ApiError::Transient { .. } | ApiError::Pagination { .. } => return None,
        };
        Some(hint)
    }
}

/// The scope list in a 4711 message (`...scopes:[a, b].`), or a default list.
fn scopes_in(message: &str) -> String {
    let listed = message
        .split_once('[')
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(inside, _)| inside.trim().to_string())
        .filter(|inside| !inside.is_empty());
    listed.unwrap_or_else(|| SCOPES.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_hint_names_the_scopes_zoom_listed() {
        let error = ApiError::Api {
            status: 400,
            code: code::MISSING_SCOPE,
            message: "Invalid access token, does not contain scopes:[report:read:admin].".into(),
            endpoint: "/report/users/me/meetings".into(),
        };
        assert!(error.hint().unwrap().ends_with("report:read:admin"));
    }
}
