//! Zoom's API: the access token, the HTTP client with its pacing and retries, the report
//! endpoints, and the objects they return.

pub mod models;

/// An error answer from Zoom that the code branches on.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("Zoom refused the credentials ({error}: {reason})")]
    Token { error: String, reason: String },
    #[error("Zoom answered {status} code {code} to {endpoint}: {message}")]
    Api {
        status: u16,
        code: i64,
        message: String,
        endpoint: String,
    },
}

impl ApiError {
    /// What the user can do about it, when that is known.
    pub fn hint(&self) -> Option<String> {
        None
    }
}
