//! The [`TokenProvider`] trait every source of access tokens implements, and [`StaticToken`]. The
//! transport asks a provider for each call's token; the providers that fetch tokens call the token
//! endpoints through the transport, so this trait sits below both.

use std::fmt;

use futures::future::BoxFuture;

use crate::credentials::AccessToken;
use crate::error::AuthError;

/// The platform's codes for an access token that is invalid or has expired: the runtime refreshes the
/// token once and sends the call again.
pub const INVALID_TOKEN_CODES: [i64; 4] = [99991663, 99991664, 99991668, 99991677];

/// Supplies the access token for each call. Implement it for other flows; the runtime ships
/// [`StaticToken`], [`TenantTokenProvider`](crate::auth::TenantTokenProvider) (self-built apps),
/// [`StoreAppTokenProvider`](crate::store_app::StoreAppTokenProvider) (store apps) and
/// [`UserTokenProvider`](crate::user_token::UserTokenProvider) (a signed-in user).
///
/// `tenant_key` is the tenant a call is for ([`Client::for_tenant`](crate::Client::for_tenant)): a store
/// app holds one token per tenant; a self-built app belongs to one tenant and ignores it.
pub trait TokenProvider: Send + Sync + fmt::Debug {
    /// A token valid for the next call.
    fn access_token<'a>(&'a self, tenant_key: Option<&'a str>) -> BoxFuture<'a, Result<AccessToken, AuthError>>;
    /// The platform rejected `token` as invalid or expired: forget it if it is still the current one.
    fn invalidate<'a>(&'a self, tenant_key: Option<&'a str>, token: &'a AccessToken) -> BoxFuture<'a, ()>;
    /// Whether a token given after [`invalidate`](Self::invalidate) can differ from the rejected one,
    /// so that a call is worth sending again.
    fn can_refresh(&self) -> bool {
        true
    }
}

/// A token that the caller manages.
#[derive(Debug, Clone)]
pub struct StaticToken(pub AccessToken);

impl TokenProvider for StaticToken {
    fn access_token<'a>(&'a self, _: Option<&'a str>) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(async move { Ok(self.0.clone()) })
    }
    fn invalidate<'a>(&'a self, _: Option<&'a str>, _: &'a AccessToken) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
    fn can_refresh(&self) -> bool {
        false
    }
}
