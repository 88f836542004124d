//! The tenant's employees: each has an `employee_id` and an `employee_no`, and a request's
//! `employee_type` says which of the two its user ids are.
//!
//! By default the tenant enrolls any employee an import names for the first time, so a test needs no
//! setup: an id first seen as an `employee_id` gets the number `N<serial>`, a number first seen as an
//! `employee_no` gets the id `emp_<number>`. With a configured roster the tenant is strict: imports for
//! anyone outside it are refused, as the platform refuses users it does not know.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One employee of the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employee {
    /// The employee id (用户 ID in the admin console).
    pub employee_id: String,
    /// The employee number (工号).
    pub employee_no: String,
    /// The name task results show.
    pub name: String,
}

impl Employee {
    /// An employee with this id, number and name.
    pub fn new(employee_id: impl Into<String>, employee_no: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            employee_id: employee_id.into(),
            employee_no: employee_no.into(),
            name: name.into(),
        }
    }
}

/// Which of an employee's two ids a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// `employee_id`.
    EmployeeId,
    /// `employee_no`.
    EmployeeNo,
}

/// The tenant's employees, by employee id.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    strict: bool,
    employees: BTreeMap<String, Employee>,
}

impl Roster {
    /// A strict roster: only these employees exist.
    pub fn strict(employees: impl IntoIterator<Item = Employee>) -> Self {
        let mut roster = Self {
            strict: true,
            employees: BTreeMap::new(),
        };
        for employee in employees {
            roster.employees.insert(employee.employee_id.clone(), employee);
        }
        roster
    }

    /// The employee id behind `value`, if the tenant knows it.
    pub fn find(&self, kind: IdKind, value: &str) -> Option<&Employee> {
        match kind {
            IdKind::EmployeeId => self.employees.get(value),
            IdKind::EmployeeNo => self.employees.values().find(|e| e.employee_no == value),
        }
    }

    /// The employee behind `value`, enrolling a new one unless the roster is strict.
    pub fn find_or_enroll(&mut self, kind: IdKind, value: &str) -> Option<&Employee> {
        if self.find(kind, value).is_none() && !self.strict {
            let serial = self.employees.len() + 1;
            let employee = match kind {
                IdKind::EmployeeId => Employee::new(value, format!("N{serial:05}"), value),
                IdKind::EmployeeNo => Employee::new(format!("emp_{value}"), value, value),
            };
            self.employees.insert(employee.employee_id.clone(), employee);
        }
        self.find(kind, value)
    }

    /// The employee with this employee id.
    pub fn by_id(&self, employee_id: &str) -> Option<&Employee> {
        self.employees.get(employee_id)
    }

    /// `employee_id` written as `kind` (itself when the tenant does not know it).
    pub fn present(&self, employee_id: &str, kind: IdKind) -> String {
        match (kind, self.employees.get(employee_id)) {
            (IdKind::EmployeeNo, Some(employee)) => employee.employee_no.clone(),
            _ => employee_id.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_roster_enrolls_and_a_strict_one_refuses() {
        let mut open = Roster::default();
        let enrolled = open.find_or_enroll(IdKind::EmployeeId, "E1").cloned().unwrap();
        assert_eq!(
            (enrolled.employee_id.as_str(), enrolled.employee_no.as_str()),
            ("E1", "N00001")
        );
        assert_eq!(open.find(IdKind::EmployeeNo, "N00001"), Some(&enrolled));
        assert_eq!(open.present("E1", IdKind::EmployeeNo), "N00001");
        let by_number = open.find_or_enroll(IdKind::EmployeeNo, "7").cloned().unwrap();
        assert_eq!(by_number.employee_id, "emp_7");

        let mut strict = Roster::strict([Employee::new("E2", "002", "Han Meimei")]);
        assert!(strict.find_or_enroll(IdKind::EmployeeId, "E1").is_none());
        assert_eq!(
            strict
                .find_or_enroll(IdKind::EmployeeNo, "002")
                .map(|e| e.name.as_str()),
            Some("Han Meimei")
        );
    }
}
