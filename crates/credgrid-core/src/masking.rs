//! Personal data masked by role (R-SEC-4): ID numbers, phone numbers and
//! addresses are shown in full only to the roles that need them.
//!
//! [`reveal`] is the one rule: it returns the text to show and whether it is
//! unmasked, and the API/UI must log every unmasked view (and every export)
//! in the audit trail. The masks keep what staff need to recognise a record
//! without exposing it: the region code and last four of an ID number
//! (`110105********002X`), the prefix and last four of a phone
//! (`138****0000`), and the county / township / village of an address.

use crate::authz::Role;
use std::collections::{BTreeMap, BTreeSet};

/// The character that replaces a hidden character.
pub const MASK_CHAR: char = '*';

/// A kind of personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PersonalData {
    IdNumber,
    Phone,
    Address,
}

impl PersonalData {
    pub const ALL: [PersonalData; 3] = [PersonalData::IdNumber, PersonalData::Phone, PersonalData::Address];

    pub fn name(self) -> &'static str {
        match self {
            PersonalData::IdNumber => "id_number",
            PersonalData::Phone => "phone",
            PersonalData::Address => "address",
        }
    }
}

/// Keeps the first `head` and last `tail` characters and masks the rest.
/// When fewer than `head + tail + 1` characters exist, everything is masked
/// (a short value would otherwise be shown almost whole).
pub fn mask_middle(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.trim().chars().collect();
    let n = chars.len();
    if n <= head + tail {
        return MASK_CHAR.to_string().repeat(n);
    }
    let hidden = MASK_CHAR.to_string().repeat(n - head - tail);
    let first: String = chars[..head].iter().collect();
    let last: String = chars[n - tail..].iter().collect();
    format!("{first}{hidden}{last}")
}

/// An identity number: 18 characters and more keep the 6-digit region code
/// and the last 4 (`110105********002X`); 8–17 keep 2 and 2; shorter ones
/// are fully masked.
pub fn mask_id_number(value: &str) -> String {
    let n = value.trim().chars().count();
    match n {
        18.. => mask_middle(value, 6, 4),
        8..=17 => mask_middle(value, 2, 2),
        _ => mask_middle(value, 0, 0),
    }
}

/// A phone number: the digits are masked, separators and a leading `+` kept.
/// With 11 digits or more the first 3 and last 4 digits stay
/// (`138****0000`); with 7–10 the last 4; shorter ones are fully masked.
pub fn mask_phone(value: &str) -> String {
    let value = value.trim();
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let (head, tail) = match digits {
        11.. => (3, 4),
        7..=10 => (0, 4),
        _ => (0, 0),
    };
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            let shown = seen <= head || seen > digits - tail;
            if shown { c } else { MASK_CHAR }
        })
        .collect()
}

/// A structured address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Address {
    pub province: String,
    pub county: String,
    pub township: String,
    pub village: String,
    /// Street, house number, group: what identifies the household.
    pub detail: String,
}

/// The address with only its administrative parts (province, county,
/// township, village); the detail becomes `****`.
pub fn mask_address(address: &Address) -> Address {
    let detail = if address.detail.trim().is_empty() {
        String::new()
    } else {
        "****".into()
    };
    Address {
        detail,
        ..address.clone()
    }
}

/// The suffixes that end an administrative part of a Chinese address.
const ADMIN_SUFFIXES: [char; 8] = ['省', '市', '州', '县', '区', '乡', '镇', '村'];

/// A free-text address. Chinese text keeps everything up to the last
/// administrative suffix (…县…乡…村) and masks the rest; other text keeps
/// what follows the first comma (the locality) and masks the street part
/// before it; text with neither is fully masked.
pub fn mask_address_text(value: &str) -> String {
    let value = value.trim();
    if let Some((cut, c)) = value.char_indices().rfind(|(_, c)| ADMIN_SUFFIXES.contains(c)) {
        let kept = &value[..cut + c.len_utf8()];
        return if kept.len() == value.len() {
            kept.to_string()
        } else {
            format!("{kept}****")
        };
    }
    match value.split_once(',') {
        Some((_, locality)) => format!("****,{locality}"),
        None => "****".to_string(),
    }
}

/// Which roles see which personal data in full (configuration).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaskingPolicy {
    unmasked: BTreeMap<PersonalData, BTreeSet<Role>>,
}

impl Default for MaskingPolicy {
    /// ID numbers in full for the account manager (identification at the
    /// interview), the contract officer (contracts) and the teller (the
    /// counter's identity check); phones for those who call clients
    /// (account manager, grid worker, collector, lobby manager); addresses
    /// for those who visit (account manager, grid worker, collector).
    /// Auditors and the regulator see masked values.
    fn default() -> Self {
        use Role::*;
        let set = |roles: &[Role]| roles.iter().copied().collect::<BTreeSet<Role>>();
        let unmasked = BTreeMap::from([
            (
                PersonalData::IdNumber,
                set(&[AccountManager, ContractOfficer, Teller]),
            ),
            (
                PersonalData::Phone,
                set(&[AccountManager, GridWorker, Collector, LobbyManager]),
            ),
            (
                PersonalData::Address,
                set(&[AccountManager, GridWorker, Collector]),
            ),
        ]);
        MaskingPolicy { unmasked }
    }
}

impl MaskingPolicy {
    /// A policy that masks everything for everyone.
    pub fn mask_all() -> Self {
        MaskingPolicy {
            unmasked: BTreeMap::new(),
        }
    }

    pub fn allow(&mut self, kind: PersonalData, role: Role) {
        self.unmasked.entry(kind).or_default().insert(role);
    }

    pub fn deny(&mut self, kind: PersonalData, role: Role) {
        if let Some(set) = self.unmasked.get_mut(&kind) {
            set.remove(&role);
        }
    }

    /// Whether any of `roles` sees `kind` in full.
    pub fn sees_full(&self, roles: &[Role], kind: PersonalData) -> bool {
        self.unmasked
            .get(&kind)
            .is_some_and(|set| roles.iter().any(|r| set.contains(r)))
    }
}

/// The text to show and whether it is the full value (then the caller logs
/// the view).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revealed {
    pub text: String,
    pub unmasked: bool,
}

/// The rule: the full value for a role the policy lets see it, the mask
/// otherwise. Free-text addresses use [`mask_address_text`].
pub fn reveal(policy: &MaskingPolicy, roles: &[Role], kind: PersonalData, value: &str) -> Revealed {
    if policy.sees_full(roles, kind) {
        return Revealed {
            text: value.to_string(),
            unmasked: true,
        };
    }
    let text = match kind {
        PersonalData::IdNumber => mask_id_number(value),
        PersonalData::Phone => mask_phone(value),
        PersonalData::Address => mask_address_text(value),
    };
    Revealed {
        text,
        unmasked: false,
    }
}
