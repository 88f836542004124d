//! The attendance model the emulator keeps: punch records and the task results computed from them.
//!
//! Small on purpose, and consistent: one shift for the whole tenant; a user's punches on a day (in the
//! tenant's time zone) make that day's task; the first punch is the check-in, the last one (when there
//! are two or more) the check-out. A check-in after on-duty time is `Late`, a check-out before off-duty
//! time is `Early`, a missing one is `Lack`. Results are computed from the live records every time they
//! are read, so a deletion is reflected at once.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

/// The tenant's one shift: on-duty and off-duty times of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    /// A check-in later than this is late.
    pub on_duty: NaiveTime,
    /// A check-out earlier than this is early.
    pub off_duty: NaiveTime,
}

impl Default for Shift {
    /// 09:00 to 18:00.
    fn default() -> Self {
        Self {
            on_duty: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            off_duty: NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default(),
        }
    }
}

impl FromStr for Shift {
    type Err = String;

    /// `HH:MM-HH:MM`, e.g. `09:00-18:00`.
    fn from_str(text: &str) -> Result<Self, String> {
        let (on, off) = text
            .split_once('-')
            .ok_or_else(|| format!("`{text}` is not a shift; write it as HH:MM-HH:MM, e.g. 09:00-18:00"))?;
        let time = |part: &str| {
            NaiveTime::parse_from_str(part.trim(), "%H:%M")
                .map_err(|error| format!("`{part}` in shift `{text}` is not a time of day (HH:MM): {error}"))
        };
        let shift = Self {
            on_duty: time(on)?,
            off_duty: time(off)?,
        };
        if shift.on_duty >= shift.off_duty {
            return Err(format!("shift `{text}` ends before it starts"));
        }
        Ok(shift)
    }
}

impl fmt::Display for Shift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.on_duty.format("%H:%M"), self.off_duty.format("%H:%M"))
    }
}

/// How a punch record came to be; only records imported through the open platform may be deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordSource {
    /// Imported through the open platform (`user_flows/batch_create`).
    #[default]
    OpenPlatform,
    /// Punched on a device or in the app: the platform refuses to delete it.
    Device,
}

/// A punch to import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPunch {
    /// The employee's user id.
    pub user_id: String,
    /// When the employee punched, in seconds since the Unix epoch.
    pub check_time: i64,
    /// How the record came to be; open platform unless said otherwise.
    #[serde(default)]
    pub source: RecordSource,
    /// Where the employee punched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_name: Option<String>,
    /// Who created the record (an employee id); the employee themself when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<String>,
    /// A note on the punch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The importer's own id for the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// An import repeating this key returns the first record and creates nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_id: Option<String>,
}

impl NewPunch {
    /// A punch imported through the open platform.
    pub fn new(user_id: impl Into<String>, check_time: i64) -> Self {
        Self {
            user_id: user_id.into(),
            check_time,
            source: RecordSource::OpenPlatform,
            location_name: None,
            creator_id: None,
            comment: None,
            external_id: None,
            idempotent_id: None,
        }
    }

    /// The same punch with another source.
    pub fn with_source(self, source: RecordSource) -> Self {
        Self { source, ..self }
    }
}

/// A stored punch record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PunchRecord {
    /// Its id: a string of digits, as the platform's.
    pub record_id: String,
    /// The punch it records.
    #[serde(flatten)]
    pub punch: NewPunch,
}

/// The result of a check-in or check-out, named as the platform names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheckResult {
    /// On time.
    Normal,
    /// Checked out before off-duty time.
    Early,
    /// Checked in after on-duty time.
    Late,
    /// No punch.
    Lack,
}

impl fmt::Display for CheckResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Normal => "Normal",
            Self::Early => "Early",
            Self::Late => "Late",
            Self::Lack => "Lack",
        })
    }
}

/// One check of a task: the punch that made it, if any, and its result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The punch record behind it.
    pub record_id: Option<String>,
    /// When that punch happened, in seconds since the Unix epoch.
    pub check_time: Option<i64>,
    /// Its result.
    pub result: CheckResult,
}

impl Check {
    fn lack() -> Self {
        Self {
            record_id: None,
            check_time: None,
            result: CheckResult::Lack,
        }
    }
}

/// A user's attendance task result for one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskResult {
    /// The employee.
    pub user_id: String,
    /// The day, as `yyyymmdd` (e.g. `20261124`), in the tenant's time zone.
    pub day: u32,
    /// The first punch of the day.
    pub check_in: Check,
    /// The last punch of the day, when there are at least two.
    pub check_out: Check,
}

/// Why a record was not deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteFailure {
    /// No record has this id.
    NotFound,
    /// It was deleted before.
    AlreadyDeleted,
    /// It was not imported through the open platform.
    NotImported,
}

impl DeleteFailure {
    /// The reason as it appears in `msg`.
    pub fn reason(self) -> &'static str {
        match self {
            Self::NotFound => "record not found",
            Self::AlreadyDeleted => "record already deleted",
            Self::NotImported => "record was not imported through the open platform",
        }
    }
}

/// What one deletion did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deletion {
    /// Ids deleted now, in request order.
    pub deleted: Vec<String>,
    /// Ids not deleted, with why.
    pub failed: Vec<(String, DeleteFailure)>,
    /// The (user, day) tasks whose results changed inputs.
    pub recomputed: BTreeSet<(String, u32)>,
}

#[derive(Debug, Clone)]
struct Entry {
    record: PunchRecord,
    deleted: bool,
}

/// Every punch record of the tenant, deleted ones kept as tombstones so a second deletion can say so.
#[derive(Debug, Clone)]
pub struct Attendance {
    shift: Shift,
    zone: FixedOffset,
    records: BTreeMap<u64, Entry>,
    next_id: u64,
    /// The record each idempotency key created.
    idempotent: HashMap<String, u64>,
}

/// Record ids look like the platform's: 19 digits.
const FIRST_RECORD_ID: u64 = 7_300_000_000_000_000_001;

impl Attendance {
    /// An empty tenant with this shift, in this time zone.
    pub fn new(shift: Shift, zone: FixedOffset) -> Self {
        Self {
            shift,
            zone,
            records: BTreeMap::new(),
            next_id: FIRST_RECORD_ID,
            idempotent: HashMap::new(),
        }
    }

    /// The shift.
    pub fn shift(&self) -> Shift {
        self.shift
    }

    /// The tenant's time zone.
    pub fn zone(&self) -> FixedOffset {
        self.zone
    }

    /// Stores punches and returns their record ids, in order. A punch whose idempotency key was seen
    /// before creates nothing and returns the first record's id.
    pub fn import(&mut self, punches: impl IntoIterator<Item = NewPunch>) -> Vec<String> {
        punches.into_iter().map(|punch| self.import_one(punch)).collect()
    }

    fn import_one(&mut self, punch: NewPunch) -> String {
        if let Some(first) = punch.idempotent_id.as_ref().and_then(|key| self.idempotent.get(key)) {
            return first.to_string();
        }
        let id = self.next_id;
        self.next_id += 1;
        if let Some(key) = &punch.idempotent_id {
            self.idempotent.insert(key.clone(), id);
        }
        let record = PunchRecord {
            record_id: id.to_string(),
            punch,
        };
        self.records.insert(id, Entry { record, deleted: false });
        id.to_string()
    }

    /// The live records of `user_id` punched between `from` and `to` (Unix seconds, both included).
    pub fn records_between(&self, user_id: &str, from: i64, to: i64) -> Vec<&PunchRecord> {
        self.records
            .values()
            .filter(|entry| !entry.deleted)
            .map(|entry| &entry.record)
            .filter(|record| record.punch.user_id == user_id && (from..=to).contains(&record.punch.check_time))
            .collect()
    }

    /// A live record.
    pub fn record(&self, record_id: &str) -> Option<&PunchRecord> {
        let entry = self.records.get(&record_id.parse().ok()?)?;
        (!entry.deleted).then_some(&entry.record)
    }

    /// How many records are live.
    pub fn live_records(&self) -> usize {
        self.records.values().filter(|entry| !entry.deleted).count()
    }

    /// Deletes records imported through the open platform; each id is answered once, in order.
    pub fn delete(&mut self, record_ids: &[String]) -> Deletion {
        let mut deletion = Deletion::default();
        let mut seen = HashSet::new();
        for record_id in record_ids.iter().filter(|id| seen.insert(id.as_str())) {
            let entry = record_id.parse::<u64>().ok().and_then(|id| self.records.get_mut(&id));
            let failure = match entry {
                None => Some(DeleteFailure::NotFound),
                Some(entry) if entry.deleted => Some(DeleteFailure::AlreadyDeleted),
                Some(entry) if entry.record.punch.source != RecordSource::OpenPlatform => {
                    Some(DeleteFailure::NotImported)
                }
                Some(entry) => {
                    entry.deleted = true;
                    let punch = &entry.record.punch;
                    let day = day_of(punch.check_time, self.zone);
                    deletion.recomputed.insert((punch.user_id.clone(), day));
                    None
                }
            };
            match failure {
                Some(failure) => deletion.failed.push((record_id.clone(), failure)),
                None => deletion.deleted.push(record_id.clone()),
            }
        }
        deletion
    }

    /// The task result of `user_id` on `day` (`yyyymmdd`), from the live records.
    pub fn task(&self, user_id: &str, day: u32) -> TaskResult {
        let mut punches: Vec<&PunchRecord> = self
            .records
            .values()
            .filter(|entry| !entry.deleted)
            .map(|entry| &entry.record)
            .filter(|record| record.punch.user_id == user_id && day_of(record.punch.check_time, self.zone) == day)
            .collect();
        punches.sort_by_key(|record| record.punch.check_time);
        let check = |record: &PunchRecord, on_time: bool, off_result: CheckResult| Check {
            record_id: Some(record.record_id.clone()),
            check_time: Some(record.punch.check_time),
            result: if on_time { CheckResult::Normal } else { off_result },
        };
        let (check_in, check_out) = match punches.as_slice() {
            [] => (Check::lack(), Check::lack()),
            [only] => (self.check_in(only, check), Check::lack()),
            [first, .., last] => (
                self.check_in(first, check),
                check(last, self.time_of(last) >= self.shift.off_duty, CheckResult::Early),
            ),
        };
        TaskResult {
            user_id: user_id.to_owned(),
            day,
            check_in,
            check_out,
        }
    }

    fn check_in(&self, record: &PunchRecord, check: impl Fn(&PunchRecord, bool, CheckResult) -> Check) -> Check {
        check(record, self.time_of(record) <= self.shift.on_duty, CheckResult::Late)
    }

    fn time_of(&self, record: &PunchRecord) -> NaiveTime {
        local(record.punch.check_time, self.zone).time()
    }

    /// The task results of `day` for every user with a record that day, deleted ones included, by user id.
    pub fn tasks_of_day(&self, day: u32) -> Vec<TaskResult> {
        let users: BTreeSet<&str> = self
            .records
            .values()
            .map(|entry| &entry.record.punch)
            .filter(|punch| day_of(punch.check_time, self.zone) == day)
            .map(|punch| punch.user_id.as_str())
            .collect();
        users.into_iter().map(|user| self.task(user, day)).collect()
    }
}

fn local(check_time: i64, zone: FixedOffset) -> DateTime<FixedOffset> {
    DateTime::from_timestamp(check_time, 0)
        .unwrap_or_default()
        .with_timezone(&zone)
}

/// The day of a punch as `yyyymmdd` in the tenant's time zone.
pub fn day_of(check_time: i64, zone: FixedOffset) -> u32 {
    let date = local(check_time, zone).date_naive();
    yyyymmdd(date)
}

/// A date as `yyyymmdd`.
pub fn yyyymmdd(date: NaiveDate) -> u32 {
    u32::try_from(date.year()).unwrap_or(0) * 10_000 + date.month() * 100 + date.day()
}

/// The Unix time of `time` on `date` in `zone`.
pub fn unix_time(date: NaiveDate, time: NaiveTime, zone: FixedOffset) -> i64 {
    date.and_time(time)
        .and_local_timezone(zone)
        .single()
        .map(|at| at.timestamp())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).unwrap()
    }

    fn at(hour: u32, minute: u32) -> i64 {
        let date = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        unix_time(date, NaiveTime::from_hms_opt(hour, minute, 0).unwrap(), zone())
    }

    const DAY: u32 = 20261124;

    fn results(task: &TaskResult) -> (CheckResult, CheckResult) {
        (task.check_in.result, task.check_out.result)
    }

    #[test]
    fn first_punch_checks_in_and_last_checks_out() {
        let mut attendance = Attendance::new(Shift::default(), zone());
        attendance.import([
            NewPunch::new("u1", at(8, 55)),
            NewPunch::new("u1", at(12, 0)),
            NewPunch::new("u1", at(18, 5)),
            NewPunch::new("u2", at(9, 20)),
            NewPunch::new("u2", at(17, 30)),
            NewPunch::new("u3", at(9, 0)),
        ]);
        assert_eq!(
            results(&attendance.task("u1", DAY)),
            (CheckResult::Normal, CheckResult::Normal)
        );
        assert_eq!(
            results(&attendance.task("u2", DAY)),
            (CheckResult::Late, CheckResult::Early)
        );
        assert_eq!(
            results(&attendance.task("u3", DAY)),
            (CheckResult::Normal, CheckResult::Lack)
        );
        assert_eq!(
            results(&attendance.task("nobody", DAY)),
            (CheckResult::Lack, CheckResult::Lack)
        );
        assert_eq!(attendance.tasks_of_day(DAY).len(), 3);
        // 23:30 in UTC+8 on the 23rd is still the 23rd; the zone decides the day.
        assert_eq!(day_of(at(0, 30) - 3600, zone()), 20261123);
    }

    #[test]
    fn deleting_recomputes_and_says_why_an_id_was_not_deleted() {
        let mut attendance = Attendance::new(Shift::default(), zone());
        let ids = attendance.import([
            NewPunch::new("u1", at(8, 55)),
            NewPunch::new("u1", at(18, 5)),
            NewPunch::new("u1", at(12, 0)).with_source(RecordSource::Device),
        ]);
        let deletion = attendance.delete(&[ids[1].clone(), ids[2].clone(), "42".into(), ids[1].clone()]);
        assert_eq!(deletion.deleted, [ids[1].clone()]);
        assert_eq!(
            deletion.failed,
            [
                (ids[2].clone(), DeleteFailure::NotImported),
                ("42".into(), DeleteFailure::NotFound)
            ]
        );
        assert_eq!(deletion.recomputed, BTreeSet::from([("u1".to_owned(), DAY)]));
        // The device punch at noon is now the last one: an early check-out.
        let task = attendance.task("u1", DAY);
        assert_eq!(results(&task), (CheckResult::Normal, CheckResult::Early));
        assert_eq!(task.check_out.record_id.as_ref(), Some(&ids[2]));

        let again = attendance.delete(&[ids[1].clone()]);
        assert_eq!(again.failed, [(ids[1].clone(), DeleteFailure::AlreadyDeleted)]);
        assert!(again.recomputed.is_empty());
        assert_eq!(attendance.live_records(), 2);
    }

    #[test]
    fn shifts_parse_and_refuse_nonsense() {
        let shift: Shift = "08:30-17:30".parse().unwrap();
        assert_eq!(shift.to_string(), "08:30-17:30");
        assert!(
            "18:00-09:00"
                .parse::<Shift>()
                .unwrap_err()
                .contains("ends before it starts")
        );
        assert!("nine-five".parse::<Shift>().is_err());
    }
}
