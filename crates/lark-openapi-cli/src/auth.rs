//! `lark auth login | status | logout`: a user's sign-in, for `lark --as-user …`. The tokens are kept in
//! the user's config directory (`LARK_CONFIG_DIR` overrides it), one file per app, readable by the
//! owner only; each refresh replaces the file before the refreshed token is used.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use etcetera::BaseStrategy as _;
use std::time::SystemTime;

use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use axum::routing::get;
use clap::Subcommand;
use futures::future::BoxFuture;
use lark_openapi::authen::v1::user_info::get::GetRequest as UserInfoRequest;
use lark_runtime::sign_in::{AUTHORIZE_URL, SignIn};
use lark_runtime::{AppCredentials, Client, UserToken, UserTokenProvider, UserTokenStore};
use serde_json::json;
use tokio::sync::oneshot;

/// Exit code of a sign-in that failed, or of `status` with nobody signed in.
const FAILED: u8 = 1;

/// The authorization page of Lark (international).
const LARK_AUTHORIZE_URL: &str = "https://accounts.larksuite.com/open-apis/authen/v1/authorize";

/// What `lark auth` does.
#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Sign a user in: prints the authorization page's address (open it yourself), waits on 127.0.0.1
    /// for the redirect, checks its state, exchanges the code and keeps the tokens.
    Login {
        /// The port of the redirect address http://127.0.0.1:PORT/callback, which must be one of the
        /// app's redirect URLs in the developer console (0: any free port, for tests).
        #[arg(long, default_value_t = 8787)]
        port: u16,
        /// A scope to ask for; repeat it for several. `offline_access` is always asked, so that the
        /// sign-in outlives the access token.
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
    },
    /// Says who is signed in, with the tokens' expiries and scopes (exit code 1 when nobody is).
    Status,
    /// Forgets the signed-in user's tokens.
    Logout,
}

impl AuthCommand {
    /// Runs the command for the app of `credentials` on the platform at `base_url`.
    pub async fn run(self, client: Client, credentials: AppCredentials, base_url: &str) -> ExitCode {
        let store = match FileTokenStore::for_app(credentials.app_id()) {
            Ok(store) => store,
            Err(message) => return failed(&message),
        };
        let outcome = match self {
            AuthCommand::Login { port, scopes } => login(&client, &credentials, base_url, port, scopes, &store).await,
            AuthCommand::Status => status(&store),
            AuthCommand::Logout => logout(&store),
        };
        outcome.unwrap_or_else(|message| failed(&message))
    }
}

fn failed(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(FAILED)
}

/// The authorization page for the platform at `base_url`: the accounts host of Feishu or Lark, the
/// server's own page otherwise (the emulator's).
fn authorize_url(base_url: &str) -> String {
    match base_url.trim_end_matches('/') {
        lark_runtime::FEISHU => AUTHORIZE_URL.to_owned(),
        lark_runtime::LARK => LARK_AUTHORIZE_URL.to_owned(),
        other => format!("{other}/open-apis/authen/v1/authorize"),
    }
}

async fn login(
    client: &Client,
    credentials: &AppCredentials,
    base_url: &str,
    port: u16,
    scopes: Vec<String>,
    store: &FileTokenStore,
) -> Result<ExitCode, String> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|error| format!("cannot listen on 127.0.0.1:{port} for the redirect: {error}"))?;
    let port = listener.local_addr().map_err(|error| error.to_string())?.port();
    let mut sign_in = SignIn::new(credentials.app_id(), format!("http://127.0.0.1:{port}/callback"))
        .authorize_url(authorize_url(base_url))
        .scope("offline_access");
    for scope in scopes.into_iter().filter(|scope| scope != "offline_access") {
        sign_in = sign_in.scope(scope);
    }
    let pending = sign_in.start().map_err(|error| error.to_string())?;
    println!("Open this address in a browser to sign in:\n{}", pending.url());
    let redirect = one_redirect(listener, port).await?;
    let code = pending.accept_redirect(&redirect).map_err(|error| error.to_string())?;
    let token = UserToken::exchange(client.transport(), credentials, &pending, code)
        .await
        .map_err(|error| error.to_string())?;
    // The exchange does not say whose tokens they are; the user's profile does.
    let me = client
        .as_user(token.access_token())
        .execute(&UserInfoRequest::builder().build().map_err(|error| error.to_string())?)
        .await
        .map_err(|error| format!("signed in, but the user's profile cannot be read: {error}"))?;
    let token = match me.data.open_id {
        Some(open_id) => token.with_open_id(open_id),
        None => token,
    };
    store.save(&token).await?;
    println!(
        "Signed in as {}; the tokens are kept in {}",
        token.open_id().unwrap_or("a user without an open_id"),
        store.path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Serves 127.0.0.1 until the authorization page's redirect arrives; its whole address.
async fn one_redirect(listener: tokio::net::TcpListener, port: u16) -> Result<String, String> {
    let (sender, received) = oneshot::channel::<String>();
    let sender = Arc::new(Mutex::new(Some(sender)));
    let callback = move |State(sender): State<Arc<Mutex<Option<oneshot::Sender<String>>>>>, uri: Uri| async move {
        let taken = sender.lock().ok().and_then(|mut sender| sender.take());
        if let Some(sender) = taken {
            let _ = sender.send(format!("http://127.0.0.1:{port}{uri}"));
        }
        "You can close this window and return to the terminal."
    };
    let app = Router::new().route("/callback", get(callback)).with_state(sender);
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    let redirect = received.await.map_err(|_| "the redirect listener stopped".to_owned());
    let _ = stop.send(());
    let _ = server.await;
    redirect
}

fn status(store: &FileTokenStore) -> Result<ExitCode, String> {
    let Some(token) = store.load()? else {
        eprintln!("Nobody is signed in: run `lark auth login`.");
        return Ok(ExitCode::from(FAILED));
    };
    let seconds_left = |at: SystemTime| at.duration_since(SystemTime::now()).map_or(0, |left| left.as_secs());
    let status = json!({
        "signed_in": true,
        "open_id": token.open_id(),
        "scopes": token.scopes(),
        "access_token_expires_in_seconds": seconds_left(token.access_expires_at()),
        "refresh_token_expires_in_seconds": token.refresh_expires_at().map(seconds_left),
        "can_refresh": token.can_refresh(),
    });
    println!("{status:#}");
    Ok(ExitCode::SUCCESS)
}

fn logout(store: &FileTokenStore) -> Result<ExitCode, String> {
    match store.remove()? {
        true => println!("Signed out: the tokens are deleted."),
        false => println!("Nobody was signed in."),
    }
    Ok(ExitCode::SUCCESS)
}

/// A client acting for the user signed in with `lark auth login`, refreshing and saving as it goes.
pub fn as_user(client: &Client, credentials: AppCredentials) -> Result<Client, String> {
    let store = FileTokenStore::for_app(credentials.app_id())?;
    let token = store
        .load()?
        .ok_or_else(|| "--as-user: nobody is signed in; run `lark auth login` first".to_owned())?;
    let provider = UserTokenProvider::new(client.transport().clone(), credentials, token, Arc::new(store));
    Ok(client.as_user_with(provider))
}

/// A user's tokens in one file, written whole and readable by its owner only.
#[derive(Debug)]
pub struct FileTokenStore {
    path: PathBuf,
}

impl FileTokenStore {
    /// The file of app `app_id`'s signed-in user, in `LARK_CONFIG_DIR` or the user's config directory.
    pub fn for_app(app_id: &str) -> Result<Self, String> {
        let dir = match std::env::var_os("LARK_CONFIG_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => etcetera::choose_base_strategy()
                .map_err(|error| format!("this system names no config directory ({error}): set LARK_CONFIG_DIR"))?
                .config_dir()
                .join("lark"),
        };
        let name: String = app_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Ok(Self {
            path: dir.join(format!("user-token-{name}.json")),
        })
    }

    /// The kept tokens, if any.
    pub fn load(&self) -> Result<Option<UserToken>, String> {
        let text = match std::fs::read(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(format!("cannot read {}: {error}", self.path.display())),
        };
        serde_json::from_slice(&text).map(Some).map_err(|error| {
            format!(
                "{} holds no tokens ({error}): run `lark auth login`",
                self.path.display()
            )
        })
    }

    /// Deletes the file; whether there was one.
    pub fn remove(&self) -> Result<bool, String> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(error) => Err(format!("cannot delete {}: {error}", self.path.display())),
        }
    }

    /// Writes the tokens to a new owner-only file beside the old one, then puts it in its place, so a
    /// crash leaves the old file or the new one, never half of one.
    fn write(&self, token: &UserToken) -> Result<(), String> {
        let shown = |error: std::io::Error| format!("cannot write {}: {error}", self.path.display());
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(shown)?;
        let text = serde_json::to_vec(token).map_err(|error| error.to_string())?;
        let fresh = self.path.with_extension("json.new");
        write_owner_only(&fresh, &text).map_err(shown)?;
        std::fs::rename(&fresh, &self.path).map_err(shown)
    }
}

#[cfg(unix)]
fn write_owner_only(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_owner_only(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // The user's profile directory is the user's own on Windows.
    std::fs::write(path, bytes)
}

impl UserTokenStore for FileTokenStore {
    fn save<'a>(&'a self, token: &'a UserToken) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move { self.write(token) })
    }
}
