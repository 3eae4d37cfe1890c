//! Chinese resident identity numbers for the demo's clients (GB 11643-1999).
//!
//! An 18-character number: a 6-digit administrative area code, the birth
//! date as `YYYYMMDD`, a 3-digit sequence (odd for men, even for women) and a
//! check character computed over the first 17 digits with the ISO 7064
//! MOD 11-2 weights `7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2`, the remainder
//! mapped through `10X98765432`.

use chrono::NaiveDate;

/// The ISO 7064 MOD 11-2 weights of GB 11643-1999, one per leading digit.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each remainder modulo 11.
const CHECK_CHARACTERS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The check character for the first 17 digits; `None` if they are not 17 ASCII digits.
pub(crate) fn check_character(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17.bytes().zip(WEIGHTS).map(|(digit, weight)| u32::from(digit - b'0') * weight).sum();
    let remainder = usize::try_from(sum % 11).ok()?;
    Some(CHECK_CHARACTERS[remainder])
}

/// The full 18-character number for a person born on `birth` in `area_code`
/// with the given sequence (`0..=999`; its parity carries the sex).
pub(crate) fn resident_id(area_code: &str, birth: NaiveDate, sequence: u32) -> Option<String> {
    if area_code.len() != 6 || sequence > 999 {
        return None;
    }
    let first17 = format!("{area_code}{}{sequence:03}", birth.format("%Y%m%d"));
    let check = check_character(&first17)?;
    Some(format!("{first17}{check}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worked examples: the number in GB 11643-1999 itself
    /// (11010519491231002X) and the one Wikipedia's article on the resident
    /// identity card uses to show the computation (440524188001010014).
    #[test]
    fn published_examples_get_their_published_check_character() {
        let cases = [("11010519491231002", 'X'), ("44052418800101001", '4')];
        for (first17, check) in cases {
            assert_eq!(check_character(first17), Some(check), "{first17}");
        }
    }

    #[test]
    fn a_generated_number_carries_the_birth_date_and_a_valid_check_character() {
        let birth = NaiveDate::from_ymd_opt(1978, 2, 28).unwrap_or_default();
        let id = resident_id("431126", birth, 37).unwrap_or_default();
        assert_eq!(id.len(), 18);
        assert_eq!(&id[6..14], "19780228");
        assert_eq!(&id[14..17], "037");
        assert_eq!(id.chars().last(), check_character(&id[..17]));
    }

    #[test]
    fn changing_any_digit_changes_the_check_character() {
        let base = "43112619780228037";
        let check = check_character(base);
        for position in 0..17 {
            let mut bytes = base.as_bytes().to_vec();
            bytes[position] = if bytes[position] == b'9' { b'0' } else { bytes[position] + 1 };
            let changed = String::from_utf8(bytes).unwrap_or_default();
            assert_ne!(check_character(&changed), check, "digit {position}");
        }
    }

    #[test]
    fn malformed_inputs_have_no_check_character() {
        assert_eq!(check_character("1101051949123100"), None);
        assert_eq!(check_character("1101051949123100A"), None);
        assert_eq!(resident_id("4311", NaiveDate::MIN, 1), None);
        assert_eq!(resident_id("431126", NaiveDate::MIN, 1000), None);
    }
}
