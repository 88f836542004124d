//! What every route of the emulator shares: its configuration and state, and the lock that survives a
//! panicked holder. Routes use it; nothing here knows a route.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::EmulatorConfig;
use crate::approvals::Approvals;
use crate::attendance::Attendance;
use crate::employees::Roster;
use crate::events::Outbox;
use crate::faults::Faults;
use crate::limits::Limits;
use crate::long_connection::LongConnections;
use crate::oauth::OAuth;
use crate::tokens::Tokens;

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: EmulatorConfig,
    pub(crate) attendance: Mutex<Attendance>,
    pub(crate) roster: Mutex<Roster>,
    pub(crate) tokens: Mutex<Tokens>,
    /// App access tokens of the app as a store app.
    pub(crate) app_tokens: Mutex<Tokens>,
    /// `app_ticket`s pushed so far (the latest is last); the store token endpoint accepts any of them.
    pub(crate) app_tickets: Mutex<Vec<String>>,
    pub(crate) outbox: Outbox,
    pub(crate) long_connections: Arc<LongConnections>,
    /// The port served on, once bound (the long connection's URLs name it).
    pub(crate) port: AtomicU16,
    pub(crate) faults: Mutex<Faults>,
    /// The authorization server's codes and refresh tokens.
    pub(crate) oauth: Mutex<OAuth>,
    /// The approval instances created so far.
    pub(crate) approvals: Mutex<Approvals>,
    pub(crate) limits: Limits,
    log_ids: AtomicU64,
    pub(crate) calls: Mutex<BTreeMap<String, u64>>,
}

/// A lock that survives a panicked holder: the emulator's state stays readable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(config: EmulatorConfig) -> Self {
        let long_connections = Arc::new(LongConnections::new(config.long_connection, config.ack_timeout));
        Self {
            attendance: Mutex::new(Attendance::new(config.shift, config.zone)),
            roster: Mutex::new(config.roster.clone()),
            tokens: Mutex::default(),
            app_tokens: Mutex::default(),
            app_tickets: Mutex::default(),
            outbox: Outbox::start(
                config.events.clone(),
                Arc::clone(&long_connections),
                &config.app_id,
                crate::DEMO_TENANT_KEY,
            ),
            long_connections,
            port: AtomicU16::new(config.port),
            faults: Mutex::default(),
            oauth: Mutex::default(),
            approvals: Mutex::default(),
            limits: Limits::new(config.rate_limits),
            log_ids: AtomicU64::new(1),
            calls: Mutex::default(),
            config,
        }
    }

    /// Calls received so far by request path (platform endpoints only).
    pub(crate) fn calls(&self) -> BTreeMap<String, u64> {
        lock(&self.calls).clone()
    }

    pub(crate) fn next_log_id(&self) -> String {
        // Shaped like the platform's: a timestamp and a serial number, unique per emulator.
        let serial = self.log_ids.fetch_add(1, Ordering::Relaxed);
        format!("{}{serial:012X}", chrono::Utc::now().format("%Y%m%d%H%M%S"))
    }
}
