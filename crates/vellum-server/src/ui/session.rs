//! Who is browsing: the signed-in user behind the session cookie (or a trip to the sign-in
//! page), the CSRF check every UI form passes, and a form extractor that answers in HTML.

use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::{request::Parts, StatusCode},
    response::{IntoResponse, Response},
};
use serde::de::DeserializeOwned;
use vellum_core::Actor;

use super::page::{enc, see_other, UiError};
use crate::{
    auth::{resolve, same_secret, Authed},
    AppState,
};

/// A user signed in through the browser, with the CSRF secret of their session.
pub struct Signed {
    pub actor: Actor,
    pub csrf: String,
}

impl Signed {
    /// Refuses a form whose hidden `csrf` field is not this session's secret.
    pub fn check(&self, sent: &str) -> Result<(), UiError> {
        if same_secret(sent, &self.csrf) {
            Ok(())
        } else {
            Err(UiError::csrf())
        }
    }

    /// Checks the `csrf` pair of a form read as pairs.
    pub fn check_pairs(&self, pairs: &[(String, String)]) -> Result<(), UiError> {
        self.check(field(pairs, "csrf"))
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match resolve(parts, state).await {
            // Only a browser session carries a CSRF secret; bearer tokens are for the API.
            // A session that must enrol a second factor sees the account page (where it does)
            // and nothing else.
            Ok(Some(Authed { must_enrol: true, csrf: Some(_), .. }))
                if !parts.uri.path().starts_with("/account") && parts.uri.path() != "/logout" =>
            {
                Err(see_other("/account?done=enrol_second_factor#second-factor"))
            }
            Ok(Some(Authed { actor, csrf: Some(csrf), .. })) => Ok(Signed { actor, csrf }),
            Ok(_) => {
                let here = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                Err(if here == "/" { see_other("/login") } else { see_other(&format!("/login?next={}", enc(here))) })
            }
            Err(e) => Err(UiError::from(e).into_response()),
        }
    }
}

/// A URL-encoded form; a malformed one gets an HTML error page.
pub struct UiForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for UiForm<T> {
    type Rejection = UiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, UiError> {
        axum::Form::<T>::from_request(req, state).await.map(|axum::Form(v)| UiForm(v)).map_err(|e| {
            UiError::new(StatusCode::BAD_REQUEST, format!("The form could not be read: {}", e.body_text()))
        })
    }
}

/// The first value of a field in a form read as pairs ("" when absent).
pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
}

/// Every value of a repeated field (multi-selects).
pub fn fields<'a>(pairs: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    pairs.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
}
