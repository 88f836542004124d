//! Signing a user in against the emulator's authorization server, end to end: the authorization page's
//! redirect, the code exchange (PKCE checked, each code once), calls as the user, and refreshes that
//! rotate the refresh token, are shared by concurrent calls and are saved before they are used.

#![allow(missing_docs)]

use std::sync::Arc;

use futures::future::{BoxFuture, join_all};
use lark_emulator::{Emulator, RunningEmulator};
use lark_openapi::authen::v1::user_info::get::GetRequest as UserInfoRequest;
use lark_openapi::runtime::sign_in::{PendingSignIn, SignIn};
use lark_openapi::runtime::{
    AuthError, Client, MemoryTokenStore, TokenProvider as _, UserToken, UserTokenProvider, UserTokenStore,
};

const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn pending(emulator: &RunningEmulator, scopes: &[&str]) -> PendingSignIn {
    let app_id = emulator.app_credentials().app_id().to_owned();
    let mut sign_in = SignIn::new(app_id, REDIRECT).authorize_url(emulator.authorize_url());
    for scope in scopes {
        sign_in = sign_in.scope(*scope);
    }
    sign_in.start().unwrap()
}

/// Follows the authorization page as a browser would, up to the redirect back to the app.
async fn redirect_of(pending: &PendingSignIn) -> String {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = browser.get(pending.url().as_str()).send().await.unwrap();
    assert_eq!(answer.status(), 302);
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    location
}

async fn signed_in(emulator: &RunningEmulator, client: &Client) -> UserToken {
    let pending = pending(emulator, &["offline_access", "contact:user.base:readonly"]);
    let code = pending.accept_redirect(&redirect_of(&pending).await).unwrap();
    UserToken::exchange(client.transport(), &emulator.app_credentials(), &pending, code)
        .await
        .unwrap()
}

fn rejected_code(error: &AuthError) -> Option<i64> {
    match error {
        AuthError::Rejected { code, .. } => Some(*code),
        _ => None,
    }
}

/// The platform rejects every token issued so far; then a call as the user of `provider` fails with
/// this error (the refresh it leads to went wrong).
async fn failed_call_after_expiry(
    emulator: &RunningEmulator,
    client: &Client,
    provider: Arc<UserTokenProvider>,
) -> String {
    emulator.expire_tokens();
    let request = UserInfoRequest::builder().build().unwrap();
    let error = client.as_user_with(provider).execute(&request).await.unwrap_err();
    format!("{error}\n{error:?}")
}

#[tokio::test]
async fn a_signed_in_user_calls_a_user_only_endpoint() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = emulator.client_builder().build().unwrap();
    emulator.sign_in_as("ou_alice");
    let token = signed_in(&emulator, &client).await;
    assert!(token.can_refresh(), "offline_access gives a refresh token");
    assert_eq!(token.scopes(), ["offline_access", "contact:user.base:readonly"]);
    let store = Arc::new(MemoryTokenStore::default());
    let provider = UserTokenProvider::new(
        client.transport().clone(),
        emulator.app_credentials(),
        token,
        store.clone(),
    );
    let user = client.as_user_with(provider.clone());
    let profile = user
        .execute(&UserInfoRequest::builder().build().unwrap())
        .await
        .unwrap();
    assert_eq!(
        profile.data.open_id.as_deref(),
        Some("ou_alice"),
        "the call acts as the user who signed in"
    );
    assert_eq!(
        (provider.refresh_count(), store.save_count()),
        (0, 0),
        "a fresh token is used as it is"
    );
}

#[tokio::test]
async fn a_code_works_once_and_only_with_its_verifier() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = emulator.client_builder().build().unwrap();
    let credentials = emulator.app_credentials();
    let first = pending(&emulator, &[]);
    let redirect = redirect_of(&first).await;
    // Another sign-in's verifier does not fit this code's challenge.
    let other = pending(&emulator, &[]);
    let code = first.accept_redirect(&redirect).unwrap();
    let error = UserToken::exchange(client.transport(), &credentials, &other, code)
        .await
        .unwrap_err();
    assert_eq!(rejected_code(&error), Some(20049), "{error}");
    let code = first.accept_redirect(&redirect).unwrap();
    let token = UserToken::exchange(client.transport(), &credentials, &first, code)
        .await
        .unwrap();
    assert!(!token.can_refresh(), "no refresh token without offline_access");
    let code = first.accept_redirect(&redirect).unwrap();
    let error = UserToken::exchange(client.transport(), &credentials, &first, code)
        .await
        .unwrap_err();
    assert_eq!(rejected_code(&error), Some(20065), "{error}");
    assert!(
        error.to_string().contains("has been used"),
        "the platform's words: {error}"
    );
}

#[tokio::test]
async fn concurrent_calls_share_one_refresh_saved_before_use_and_the_spent_token_is_refused() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = emulator.client_builder().build().unwrap();
    let first = signed_in(&emulator, &client).await;
    let store = Arc::new(MemoryTokenStore::default());
    let provider = UserTokenProvider::new(
        client.transport().clone(),
        emulator.app_credentials(),
        first.clone(),
        store.clone(),
    );
    let user = client.as_user_with(provider.clone());
    // The platform now rejects the access token: every call finds out, one refresh serves them all.
    emulator.expire_tokens();
    let request = UserInfoRequest::builder().build().unwrap();
    let calls = join_all((0..8).map(|_| user.execute(&request))).await;
    assert!(calls.iter().all(Result::is_ok), "{calls:?}");
    assert_eq!(provider.refresh_count(), 1);
    let saved = store.latest().expect("the refresh was saved");
    assert_eq!(saved, provider.current().await, "what is used is what was saved");
    assert_eq!(store.save_count(), 1);
    assert_ne!(saved, first);
    // The refresh spent the first refresh token: a provider still holding it must sign in again.
    let stale = UserTokenProvider::new(
        client.transport().clone(),
        emulator.app_credentials(),
        first,
        store.clone(),
    );
    let error = failed_call_after_expiry(&emulator, &client, stale).await;
    assert!(error.contains("sign in again"), "{error}");
}

#[tokio::test]
async fn a_revoked_refresh_token_means_signing_in_again() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = emulator.client_builder().build().unwrap();
    let token = signed_in(&emulator, &client).await;
    assert_eq!(emulator.revoke_user_tokens(lark_emulator::oauth::DEFAULT_USER), 1);
    let store = Arc::new(MemoryTokenStore::default());
    let provider = UserTokenProvider::new(
        client.transport().clone(),
        emulator.app_credentials(),
        token,
        store.clone(),
    );
    let error = failed_call_after_expiry(&emulator, &client, provider).await;
    assert!(error.contains("code 20064"), "{error}");
    assert_eq!(store.save_count(), 0);
}

/// A store that cannot keep anything.
#[derive(Debug)]
struct BrokenStore;

impl UserTokenStore for BrokenStore {
    fn save<'a>(&'a self, _: &'a UserToken) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async { Err("the disk is full".to_owned()) })
    }
}

#[tokio::test]
async fn refreshed_tokens_that_cannot_be_saved_are_not_used() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = emulator.client_builder().build().unwrap();
    let token = signed_in(&emulator, &client).await;
    let provider = UserTokenProvider::new(
        client.transport().clone(),
        emulator.app_credentials(),
        token.clone(),
        Arc::new(BrokenStore),
    );
    let error = failed_call_after_expiry(&emulator, &client, provider.clone()).await;
    assert!(error.contains("the disk is full"), "{error}");
    // The old tokens are kept (the access token marked as rejected), not the unsaved new ones.
    let (kept, old) = (
        serde_json::to_value(provider.current().await).unwrap(),
        serde_json::to_value(&token).unwrap(),
    );
    assert_eq!(
        (&kept["access_token"], &kept["refresh_token"]),
        (&old["access_token"], &old["refresh_token"])
    );
}

#[tokio::test]
async fn an_expired_refresh_token_means_signing_in_again_without_asking() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = emulator.client_builder().build().unwrap();
    let token: UserToken = serde_json::from_value(serde_json::json!({
        "access_token": "u-old", "access_issued_at": 1, "access_expires_at": 2,
        "refresh_token": "ur-old", "refresh_expires_at": 3, "scopes": ["offline_access"], "open_id": null
    }))
    .unwrap();
    assert!(!token.can_refresh());
    let provider = UserTokenProvider::new(
        client.transport().clone(),
        emulator.app_credentials(),
        token,
        Arc::new(MemoryTokenStore::default()),
    );
    let error = provider.access_token(None).await.unwrap_err();
    assert!(matches!(error, AuthError::SignInRequired { .. }), "{error}");
    assert_eq!(provider.refresh_count(), 0, "nothing was sent");
}

#[tokio::test]
async fn no_token_shows_in_debug_output_or_errors() {
    let emulator = Emulator::builder().start().await.unwrap();
    let client = emulator.client_builder().build().unwrap();
    let token = signed_in(&emulator, &client).await;
    let json = serde_json::to_value(&token).unwrap();
    let secrets = [
        json["access_token"].as_str().unwrap(),
        json["refresh_token"].as_str().unwrap(),
    ];
    let store = Arc::new(MemoryTokenStore::default());
    let provider = UserTokenProvider::new(
        client.transport().clone(),
        emulator.app_credentials(),
        token.clone(),
        store,
    );
    emulator.revoke_user_tokens(lark_emulator::oauth::DEFAULT_USER);
    let error = failed_call_after_expiry(&emulator, &client, provider.clone()).await;
    let shown = [format!("{token:?}"), format!("{provider:?}"), error];
    for text in &shown {
        for secret in secrets {
            assert!(!text.contains(secret), "a token in {text}");
        }
    }
}
