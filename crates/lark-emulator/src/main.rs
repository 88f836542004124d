//! `lark-emulator`: serves the local Feishu attendance emulator until Ctrl-C. Its first line of output
//! is the base URL to give a client, e.g. `lark --base-url http://127.0.0.1:PORT`.

use std::io::Write;
use std::time::Duration;

use chrono::FixedOffset;
use clap::Parser;
use lark_emulator::{DEMO_APP_ID, DEMO_APP_SECRET, Employee, Emulator, EventSubscription, Shift, demo};

/// A local Feishu attendance emulator: tokens, punch-record deletion, task results, rate limits and
/// fault injection, on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Port on 127.0.0.1; 0 takes any free port.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The app id that gets tokens.
    #[arg(long, env = "LARK_EMULATOR_APP_ID", default_value = DEMO_APP_ID)]
    app_id: String,
    /// The app secret that gets tokens.
    #[arg(long, env = "LARK_EMULATOR_APP_SECRET", default_value = DEMO_APP_SECRET, hide_default_value = true, hide_env_values = true)]
    app_secret: String,
    /// Lifetime of issued tokens, in seconds.
    #[arg(long, default_value_t = 7200)]
    token_ttl: u64,
    /// One rate for every endpoint, in calls per second per app; 0 turns rate limiting off. Without it
    /// each endpoint has its documented limit (batch_del 10/s, ...).
    #[arg(long)]
    rate_limit: Option<u32>,
    /// A JSON file listing the tenant's employees (`[{"employee_id", "employee_no", "name"}, ...]`):
    /// only they exist. Without it any employee an import names is enrolled.
    #[arg(long, value_name = "PATH")]
    roster: Option<std::path::PathBuf>,
    /// The tenant's shift, HH:MM-HH:MM.
    #[arg(long, default_value = "09:00-18:00")]
    shift: Shift,
    /// The tenant's time zone as hours east of UTC.
    #[arg(long, default_value_t = 8, allow_negative_numbers = true, value_parser = clap::value_parser!(i32).range(-12..=14))]
    utc_offset: i32,
    /// Import today's demo punches at start (their record ids are printed).
    #[arg(long)]
    demo_data: bool,
    /// Deliver events (punches imported, task results changed, app_ticket) to this callback URL, e.g. the
    /// one `lark events listen` prints.
    #[arg(long, value_name = "URL")]
    callback_url: Option<String>,
    /// The Verification Token deliveries carry.
    #[arg(long, env = "LARK_VERIFICATION_TOKEN", default_value = "", hide_env_values = true)]
    verification_token: String,
    /// Encrypt and sign deliveries with this Encrypt Key.
    #[arg(long, env = "LARK_ENCRYPT_KEY", hide_env_values = true)]
    encrypt_key: Option<String>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "lark_emulator=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let Some(zone) = FixedOffset::east_opt(args.utc_offset * 3600) else {
        eprintln!("error: --utc-offset {} is not a time zone", args.utc_offset);
        return std::process::ExitCode::from(2);
    };
    let mut builder = Emulator::builder()
        .port(args.port)
        .app(args.app_id, args.app_secret)
        .token_ttl(Duration::from_secs(args.token_ttl))
        .shift(args.shift)
        .zone(zone);
    if let Some(rate) = args.rate_limit {
        builder = builder.rate_limit(Some(rate));
    }
    if let Some(url) = args.callback_url {
        let mut subscription = EventSubscription::new(url, args.verification_token);
        if let Some(key) = args.encrypt_key {
            subscription = subscription.encrypt_key(key);
        }
        builder = builder.events(subscription);
    }
    if let Some(path) = &args.roster {
        match read_roster(path) {
            Ok(employees) => builder = builder.roster(employees),
            Err(error) => {
                eprintln!("error: --roster {}: {error}", path.display());
                return std::process::ExitCode::from(2);
            }
        }
    }
    let started = builder.start().await;
    let emulator = match started {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {error}", args.port);
            return std::process::ExitCode::FAILURE;
        }
    };
    // The first line is the contract: scripts read the base URL from it.
    println!("{}", emulator.base_url());
    if args.demo_data {
        let today = chrono::Utc::now().with_timezone(&zone).date_naive();
        let punches = demo::punches(today, zone);
        let ids = emulator.import(punches.clone());
        for (id, punch) in ids.iter().zip(&punches) {
            let at = chrono::DateTime::from_timestamp(punch.check_time, 0)
                .unwrap_or_default()
                .with_timezone(&zone);
            println!(
                "imported record {id}: {} punched at {} ({:?})",
                punch.user_id,
                at.format("%Y-%m-%d %H:%M"),
                punch.source
            );
        }
    }
    let _ = std::io::stdout().flush();
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("error: cannot wait for Ctrl-C: {error}");
    }
    emulator.shutdown().await;
    std::process::ExitCode::SUCCESS
}

fn read_roster(path: &std::path::Path) -> Result<Vec<Employee>, String> {
    let text = std::fs::read_to_string(path).map_err(|error| error.to_string())?;
    let mut deserializer = serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| format!("not a list of employees at {}: {}", error.path(), error.inner()))
}
