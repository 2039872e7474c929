//! The HTTP client every Zoom request goes through.
//!
//! It adds the bearer token, paces requests under Zoom's per-second limits (one limiter per
//! rate-limit category, shared by all tasks), bounds the requests in flight, retries what is
//! worth retrying with exponential backoff and jitter, and turns Zoom's answers into
//! [`ApiError`]s the callers can branch on.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use chrono::{DateTime, Utc};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Map, Value};
use tokio::sync::Semaphore;

use super::token::{AccessToken, TokenSource, without_url};
use super::{ApiError, code};
use crate::config::{Credentials, DEFAULT_API_URL};

/// Zoom counts requests per category; report endpoints are Heavy, users and instances Medium.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Heavy,
    Medium,
}

/// How the client paces and retries.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Heavy requests per second (`--rate`).
    pub heavy_per_second: u32,
    /// Medium requests per second.
    pub medium_per_second: u32,
    /// Requests in flight at once (`--concurrency`).
    pub concurrency: usize,
    /// Limit for one request, connection to last byte.
    pub timeout: Duration,
    /// Retries of one request after a transient failure.
    pub max_retries: usize,
}

impl ClientOptions {
    /// Medium is paced at twice Heavy, as on every Zoom plan, capped at Business's 60.
    pub fn with_rate(
        heavy_per_second: u32,
        concurrency: usize,
        timeout: Duration,
    ) -> ClientOptions {
        ClientOptions {
            heavy_per_second,
            medium_per_second: (heavy_per_second * 2).min(60),
            concurrency,
            timeout,
            max_retries: 6,
        }
    }
}

/// After a per-second 429 the pace drops by a quarter for this long.
const SLOWDOWN: Duration = Duration::from_secs(5);

/// Counters for the progress display and the logs.
#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    /// Requests sleeping before their next try, right now.
    pub waiting: Arc<AtomicU64>,
    pub rate_limited: AtomicU64,
}

/// A category's pace: the steady limiter, and a slower one used for a while after Zoom
/// answered 429. Such a 429 means another app of the account spends the same budget, or
/// Zoom's windows caught two requests of ours closer than the pace; a quarter less for a few
/// seconds lets the window drain without giving up much speed.
struct Pace {
    steady: DefaultDirectRateLimiter,
    slow: DefaultDirectRateLimiter,
    slow_until: Mutex<Option<Instant>>,
}

impl Pace {
    fn new(per_second: u32) -> Pace {
        // A burst of one spreads requests evenly, so no one-second window ever holds more
        // than `per_second` of them, however Zoom aligns its windows.
        let quota = |rate: u32| {
            let rate = NonZeroU32::new(rate.max(1)).unwrap_or(NonZeroU32::MIN);
            Quota::per_second(rate).allow_burst(NonZeroU32::MIN)
        };
        Pace {
            steady: RateLimiter::direct(quota(per_second)),
            slow: RateLimiter::direct(quota(per_second * 3 / 4)),
            slow_until: Mutex::new(None),
        }
    }

    async fn wait(&self) {
        self.steady.until_ready().await;
        let is_slow = self
            .slow_until
            .lock()
            .ok()
            .and_then(|until| *until)
            .is_some_and(|until| Instant::now() < until);
        if is_slow {
            self.slow.until_ready().await;
        }
    }

    fn slow_down(&self) {
        if let Ok(mut until) = self.slow_until.lock() {
            *until = Some(Instant::now() + SLOWDOWN);
        }
    }
}

pub struct ZoomClient {
    http: reqwest::Client,
    tokens: TokenSource,
    api_url_override: Option<String>,
    heavy: Pace,
    medium: Pace,
    in_flight: Semaphore,
    max_retries: usize,
    /// Set once the daily limit is hit: every later request fails at once without asking.
    daily_limit: AtomicBool,
    daily_reset: Mutex<Option<DateTime<Utc>>>,
    pub stats: Stats,
}

impl ZoomClient {
    /// Builds the client; no request is made until the first call.
    pub fn new(credentials: Credentials, options: &ClientOptions) -> anyhow::Result<ZoomClient> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("zoom-report/", env!("CARGO_PKG_VERSION")))
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(20)))
            .build()?;
        tracing::info!(
            "pacing Heavy requests at {}/s and Medium at {}/s, {} in flight",
            options.heavy_per_second,
            options.medium_per_second,
            options.concurrency
        );
        Ok(ZoomClient {
            http,
            api_url_override: credentials.api_url.clone(),
            tokens: TokenSource::new(credentials),
            heavy: Pace::new(options.heavy_per_second),
            medium: Pace::new(options.medium_per_second),
            in_flight: Semaphore::new(options.concurrency.max(1)),
            max_retries: options.max_retries,
            daily_limit: AtomicBool::new(false),
            daily_reset: Mutex::new(None),
            stats: Stats::default(),
        })
    }

    /// Fetches the token now, so bad credentials fail before any listing starts.
    pub async fn authenticate(&self) -> Result<(), ApiError> {
        let fetch = || self.tokens.token(&self.http);
        fetch
            .retry(self.backoff())
            .when(ApiError::is_retryable)
            .await
            .map(drop)
    }

    /// GETs `path` (below the API base, already percent-encoded) and returns the JSON object.
    ///
    /// Transient failures are retried; the error is the last one when retries run out.
    pub async fn get(
        &self,
        category: Category,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Map<String, Value>, ApiError> {
        let attempt = || self.attempt(category, path, query);
        attempt
            .retry(self.backoff())
            .when(ApiError::is_retryable)
            .adjust(|error, planned| match (error, planned) {
                (
                    ApiError::Transient {
                        retry_after: Some(wait),
                        ..
                    },
                    Some(_),
                ) => Some(*wait),
                (_, planned) => planned,
            })
            .notify(|error, wait| {
                self.stats.retries.fetch_add(1, Ordering::Relaxed);
                // Counted as waiting for as long as backon sleeps before the next try.
                let waiting = Arc::clone(&self.stats.waiting);
                waiting.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(async move {
                    tokio::time::sleep(wait).await;
                    waiting.fetch_sub(1, Ordering::Relaxed);
                });
                tracing::info!("retrying in {:.1} s: {error}", wait.as_secs_f64());
            })
            .await
    }

    /// The moment the daily limit resets, once it has been hit.
    pub fn daily_limit_reset(&self) -> Option<DateTime<Utc>> {
        self.daily_reset.lock().ok().and_then(|reset| *reset)
    }

    fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(500))
            .with_max_delay(Duration::from_secs(30))
            .with_jitter()
            .with_max_times(self.max_retries)
    }

    async fn attempt(
        &self,
        category: Category,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Map<String, Value>, ApiError> {
        if self.daily_limit.load(Ordering::Relaxed) {
            return Err(ApiError::DailyLimit {
                endpoint: path.to_string(),
                resets_at: self.daily_limit_reset(),
            });
        }
        let _permit = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| transient(path, "client closed"))?;
        let token = self.tokens.token(&self.http).await?;
        let (status, headers, body) = self.send(category, path, query, &token).await?;
        if status == StatusCode::UNAUTHORIZED {
            // Zoom answers 124 when the token expired early or was replaced: renew once.
            tracing::info!("{path}: access token rejected, renewing it");
            self.tokens.reject(&token).await;
            let token = self.tokens.token(&self.http).await?;
            let (status, headers, body) = self.send(category, path, query, &token).await?;
            return self.interpret(category, path, status, &headers, &body);
        }
        self.interpret(category, path, status, &headers, &body)
    }

    async fn send(
        &self,
        category: Category,
        path: &str,
        query: &[(&str, String)],
        token: &AccessToken,
    ) -> Result<(StatusCode, HeaderMap, Vec<u8>), ApiError> {
        match category {
            Category::Heavy => self.heavy.wait().await,
            Category::Medium => self.medium.wait().await,
        }
        let url = format!("{}{path}", self.api_base());
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let response = self
            .http
            .get(&url)
            .bearer_auth(token.value.expose())
            .query(query)
            .send()
            .await
            .map_err(|error| transient(path, &without_url(&error)))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|error| transient(path, &without_url(&error)))?;
        tracing::debug!(
            "GET {path} -> {} in {} ms",
            status.as_u16(),
            started.elapsed().as_millis()
        );
        Ok((status, headers, body.to_vec()))
    }

    /// The API base: `ZOOM_API_URL`, else the token's `api_url`, else Zoom's default.
    pub fn api_base(&self) -> String {
        if let Some(url) = &self.api_url_override {
            return url.trim_end_matches('/').to_string();
        }
        match self.tokens.advertised_api_url() {
            Some(url) => format!("{}/v2", url.trim_end_matches('/')),
            None => DEFAULT_API_URL.to_string(),
        }
    }

    fn interpret(
        &self,
        category: Category,
        path: &str,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Map<String, Value>, ApiError> {
        if status.is_success() {
            return match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(object)) => Ok(object),
                Ok(_) => Err(transient(
                    path,
                    "Zoom answered with JSON that is not an object",
                )),
                Err(_) => Err(transient(path, "Zoom's answer was not complete JSON")),
            };
        }
        let (code, message) = error_body(status, body);
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(self.rate_limited(category, path, headers, &message));
        }
        if status.is_server_error() {
            return Err(transient(
                path,
                &format!("Zoom answered HTTP {}", status.as_u16()),
            ));
        }
        if status == StatusCode::UNAUTHORIZED && code != code::INVALID_TOKEN {
            tracing::debug!("{path}: 401 with code {code}");
        }
        Err(ApiError::Api {
            status: status.as_u16(),
            code,
            message,
            endpoint: path.to_string(),
        })
    }

    /// Sorts a 429 into the daily limit (stop) or the per-second limit (wait and retry).
    fn rate_limited(
        &self,
        category: Category,
        path: &str,
        headers: &HeaderMap,
        message: &str,
    ) -> ApiError {
        self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let retry_after = header("retry-after");
        let reset_time = retry_after.and_then(parse_http_time);
        let is_daily = header("x-ratelimit-type")
            .is_some_and(|t| t.eq_ignore_ascii_case("daily-limit"))
            || reset_time.is_some()
            || message.to_ascii_lowercase().contains("daily");
        if is_daily {
            self.daily_limit.store(true, Ordering::Relaxed);
            if let Ok(mut reset) = self.daily_reset.lock() {
                *reset = reset_time.or_else(next_utc_midnight);
            }
            return ApiError::DailyLimit {
                endpoint: path.to_string(),
                resets_at: self.daily_limit_reset(),
            };
        }
        match category {
            Category::Heavy => self.heavy.slow_down(),
            Category::Medium => self.medium.slow_down(),
        }
        let wait = retry_after
            .and_then(|s| s.parse::<u64>().ok())
            .map(Duration::from_secs);
        ApiError::Transient {
            endpoint: path.to_string(),
            detail: "Zoom's per-second rate limit answered 429".to_string(),
            retry_after: wait,
        }
    }
}

fn transient(path: &str, detail: &str) -> ApiError {
    ApiError::Transient {
        endpoint: path.to_string(),
        detail: detail.to_string(),
        retry_after: None,
    }
}

/// Zoom's `{"code", "message"}` error body; the HTTP status stands in for a missing code.
fn error_body(status: StatusCode, body: &[u8]) -> (i64, String) {
    let parsed: Option<Map<String, Value>> = serde_json::from_slice(body).ok();
    let code = parsed
        .as_ref()
        .and_then(|o| super::models::integer(o, "code"));
    let message = parsed
        .as_ref()
        .map(|o| super::models::text(o, "message"))
        .filter(|m| !m.is_empty());
    let fallback = status.canonical_reason().unwrap_or("error").to_string();
    (
        code.unwrap_or(i64::from(status.as_u16())),
        message.unwrap_or(fallback),
    )
}

/// A `Retry-After` that is a date: ISO 8601 as Zoom sends it, or an HTTP date.
fn parse_http_time(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .or_else(|_| DateTime::parse_from_rfc2822(value))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Zoom's daily limits reset at 00:00 UTC.
fn next_utc_midnight() -> Option<DateTime<Utc>> {
    let tomorrow = Utc::now().date_naive().succ_opt()?;
    Some(tomorrow.and_hms_opt(0, 0, 0)?.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_dates_are_read_in_both_forms() {
        let iso = parse_http_time("2024-08-03T00:00:00Z").unwrap();
        let http = parse_http_time("Sat, 03 Aug 2024 00:00:00 GMT").unwrap();
        assert_eq!(iso, http);
        assert_eq!(parse_http_time("12"), None);
    }

    #[test]
    fn error_bodies_fall_back_to_the_status() {
        let (code, message) = error_body(
            StatusCode::NOT_FOUND,
            br#"{"code":3001,"message":"Meeting does not exist."}"#,
        );
        assert_eq!((code, message.as_str()), (3001, "Meeting does not exist."));
        let (code, _) = error_body(StatusCode::BAD_GATEWAY, b"<html>");
        assert_eq!(code, 502);
    }
}
