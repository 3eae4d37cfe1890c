//! Chinese resident identity numbers for the demo's clients (GB 11643-1999).
//!
//! An 18-character number: a 6-digit administrative area code, the birth
//! date as `YYYYMMDD`, a 3-digit sequence (odd for men, even for women) and
//! the check character of the first 17 digits — computed by the same rule
//! the institution validates with (`credgrid_core::identity`).

use chrono::NaiveDate;
use credgrid_core::identity::chinese_check_character;

/// The full 18-character number for a person born on `birth` in `area_code`
/// with the given sequence (`0..=999`; its parity carries the sex); `None`
/// for an area code that is not 6 digits or a sequence beyond 999.
pub(crate) fn resident_id(area_code: &str, birth: NaiveDate, sequence: u32) -> Option<String> {
    if area_code.len() != 6 || !area_code.bytes().all(|b| b.is_ascii_digit()) || sequence > 999 {
        return None;
    }
    let first17 = format!("{area_code}{}{sequence:03}", birth.format("%Y%m%d"));
    let digits: &[u8; 17] = first17.as_bytes().try_into().ok()?;
    let check = chinese_check_character(digits);
    Some(format!("{first17}{check}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use credgrid_core::identity::validator_for;

    /// GB 11643-1999's own example is 11010519491231002X: area 110105, born
    /// 1949-12-31, sequence 002, check character X.
    #[test]
    fn builds_the_standard_s_example() {
        let birth = NaiveDate::from_ymd_opt(1949, 12, 31).unwrap_or_default();
        assert_eq!(
            resident_id("110105", birth, 2).as_deref(),
            Some("11010519491231002X")
        );
    }

    #[test]
    fn a_generated_number_carries_the_birth_date_and_is_accepted_by_the_institution() {
        let birth = NaiveDate::from_ymd_opt(1978, 2, 28).unwrap_or_default();
        let id = resident_id("431126", birth, 37).unwrap_or_default();
        assert_eq!(&id[6..14], "19780228");
        assert_eq!(&id[14..17], "037");
        let accepted = validator_for("CN").validate(&id).map(|n| n.birth_date);
        assert_eq!(accepted.ok().flatten(), Some(birth));
    }

    #[test]
    fn malformed_parts_give_no_number() {
        let birth = NaiveDate::from_ymd_opt(1980, 1, 1).unwrap_or_default();
        assert_eq!(resident_id("4311", birth, 1), None);
        assert_eq!(resident_id("43112A", birth, 1), None);
        assert_eq!(resident_id("431126", birth, 1000), None);
    }
}
