//! The Server-to-Server OAuth access token.
//!
//! One token serves the whole process: asking for a new one can invalidate the previous one,
//! so it is fetched once, reused by every request, renewed a minute before it expires, and
//! renewed once more when Zoom answers 401 code 124.

use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::Mutex;

use super::ApiError;
use crate::config::{Credentials, Secret};

/// Renew this long before Zoom's stated expiry, so no request carries a dying token.
const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(60);

/// A bearer token; its value never prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub value: Secret,
    /// Counts tokens fetched, so a 401 renews only the token that was rejected.
    pub generation: u64,
}

#[derive(Debug)]
struct Current {
    token: AccessToken,
    expires_at: Instant,
}

/// Fetches and caches the access token.
#[derive(Debug)]
pub struct TokenSource {
    credentials: Credentials,
    current: Mutex<Option<Current>>,
    /// The API base the token answer named (`api_url`), for regional accounts.
    api_url: std::sync::Mutex<Option<String>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    api_url: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

#[derive(Deserialize, Default)]
struct TokenError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    reason: String,
}

impl TokenSource {
    pub fn new(credentials: Credentials) -> TokenSource {
        TokenSource {
            credentials,
            current: Mutex::new(None),
            api_url: Default::default(),
        }
    }

    /// The cached token, or a new one when there is none or it is about to expire.
    pub async fn token(&self, http: &reqwest::Client) -> Result<AccessToken, ApiError> {
        let mut current = self.current.lock().await;
        if let Some(cached) = current.as_ref() {
            if Instant::now() + RENEW_BEFORE_EXPIRY < cached.expires_at {
                return Ok(cached.token.clone());
            }
        }
        let generation = current.as_ref().map_or(1, |c| c.token.generation + 1);
        let fresh = self.fetch(http, generation).await?;
        let token = fresh.token.clone();
        *current = Some(fresh);
        Ok(token)
    }

    /// Drops `rejected` so the next call fetches a new token; a newer token is kept.
    pub async fn reject(&self, rejected: &AccessToken) {
        let mut current = self.current.lock().await;
        if current
            .as_ref()
            .is_some_and(|c| c.token.generation == rejected.generation)
        {
            *current = None;
        }
    }

    /// The `api_url` of the last token answer, if Zoom sent one.
    pub fn advertised_api_url(&self) -> Option<String> {
        self.api_url.lock().ok().and_then(|url| url.clone())
    }

    async fn fetch(&self, http: &reqwest::Client, generation: u64) -> Result<Current, ApiError> {
        let url = &self.credentials.oauth_url;
        tracing::debug!("asking {url} for an access token");
        let answer = http
            .post(url)
            .basic_auth(
                &self.credentials.client_id,
                Some(self.credentials.client_secret.expose()),
            )
            .form(&[
                ("grant_type", "account_credentials"),
                ("account_id", self.credentials.account_id.as_str()),
            ])
            .send()
            .await
            .map_err(|error| ApiError::Transient {
                endpoint: url.clone(),
                detail: format!(
                    "cannot reach Zoom's token endpoint: {}",
                    without_url(&error)
                ),
                retry_after: None,
            })?;
        let status = answer.status();
        let body = answer.text().await.unwrap_or_default();
        if status.is_server_error() {
            return Err(ApiError::Transient {
                endpoint: url.clone(),
                detail: format!("Zoom's token endpoint answered HTTP {status}"),
                retry_after: None,
            });
        }
        if !status.is_success() {
            let refusal: TokenError = serde_json::from_str(&body).unwrap_or_default();
            return Err(ApiError::Token {
                status: status.as_u16(),
                error: non_empty(refusal.error, "unknown_error"),
                reason: non_empty(refusal.reason, "no reason given"),
            });
        }
        let answer: TokenAnswer = serde_json::from_str(&body).map_err(|_| ApiError::Transient {
            endpoint: url.clone(),
            detail: "Zoom's token endpoint sent an answer without an access token".to_string(),
            retry_after: None,
        })?;
        tracing::info!(
            "got an access token, valid {} s, scopes: {}",
            answer.expires_in.unwrap_or(3600),
            answer.scope.as_deref().unwrap_or("(not listed)")
        );
        let advertised = answer.api_url.filter(|u| !u.is_empty()).and_then(|url| {
            match crate::config::check_zoom_url("the token's api_url", &url) {
                Ok(url) => Some(url),
                Err(error) => {
                    tracing::warn!("ignoring the API host Zoom named: {error:#}");
                    None
                }
            }
        });
        if let (Some(api_url), Ok(mut slot)) = (advertised, self.api_url.lock()) {
            *slot = Some(api_url);
        }
        // Zoom's tokens last an hour; a day caps a wild value that would overflow `Instant`.
        let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(3600).min(86_400));
        Ok(Current {
            token: AccessToken {
                value: Secret::new(answer.access_token),
                generation,
            },
            expires_at: Instant::now() + lifetime,
        })
    }
}

fn non_empty(value: String, fallback: &str) -> String {
    if value.trim().is_empty() {
        fallback.to_string()
    } else {
        value
    }
}

/// A reqwest error's text without the URL, which could carry query parameters.
pub fn without_url(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "the answer was cut off"
    } else if error.is_request() {
        "the request failed"
    } else {
        "network error"
    };
    // The deepest cause says what happened ("Connection refused"); the ones above it
    // only say which layer noticed.
    let mut deepest = std::error::Error::source(error);
    while let Some(next) = deepest.and_then(std::error::Error::source) {
        deepest = Some(next);
    }
    match deepest {
        Some(cause) => format!("{kind}: {cause}"),
        None => kind.to_string(),
    }
}
