//! Identity-number validation, pluggable per country: the Chinese resident
//! identity number (GB 11643-1999 check digit, embedded birth date) and a
//! permissive rule for every other country.
//!
//! Validators normalise (trim, upper-case) before checking, so the stored
//! number is canonical and the "never two active clients with the same ID"
//! rule cannot be dodged by a lowercase `x` or stray spaces.

use chrono::NaiveDate;

/// The longest identity number the permissive validator accepts.
pub const ID_NUMBER_LEN_MAX: usize = 32;

/// A validated identity number in canonical form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NormalizedId {
    /// The canonical number (upper case, no surrounding spaces).
    pub number: String,
    /// The birth date the number encodes, where the scheme has one (CN).
    pub birth_date: Option<NaiveDate>,
}

/// Why an identity number was refused. One variant per rejection.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("the identity number is empty")]
    Empty,
    #[error("the identity number has {actual} characters; at most {max} are allowed")]
    TooLong { max: usize, actual: usize },
    #[error("the identity number must have {expected} characters, not {actual}")]
    WrongLength { expected: usize, actual: usize },
    #[error("character {position} of the identity number is not allowed")]
    InvalidCharacter { position: usize },
    #[error("the birth date inside the identity number is not a valid date")]
    InvalidBirthDate,
    #[error("the check digit is {actual} but should be {expected}")]
    CheckDigitMismatch { expected: char, actual: char },
}

/// Validates and normalises one country's identity numbers.
pub trait IdentityValidator: Send + Sync {
    fn validate(&self, number: &str) -> Result<NormalizedId, IdentityError>;
}

/// The validator for an ISO 3166 alpha-2 country (`CN`; case-insensitive).
/// Countries without a specific rule get the permissive validator.
pub fn validator_for(country: &str) -> &'static dyn IdentityValidator {
    if country.trim().eq_ignore_ascii_case("CN") {
        &ChineseResidentId
    } else {
        &PermissiveId
    }
}

/// The 18-character Chinese resident identity number (居民身份证号码):
/// 6 digits of region, 8 of birth date (YYYYMMDD), 3 of sequence and a
/// check character per GB 11643-1999 (ISO 7064 MOD 11-2).
#[derive(Clone, Copy, Debug, Default)]
pub struct ChineseResidentId;

/// GB 11643-1999 weights: 2^(17-i) mod 11 for positions 1..17.
const CN_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each value of the weighted sum mod 11.
const CN_CHECK: &[u8; 11] = b"10X98765432";
const CN_LEN: usize = 18;

/// The check character of the first 17 digits (which must be ASCII digits).
pub fn chinese_check_character(first17: &[u8; 17]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(CN_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    char::from(CN_CHECK[(sum % 11) as usize])
}

impl IdentityValidator for ChineseResidentId {
    fn validate(&self, number: &str) -> Result<NormalizedId, IdentityError> {
        let canonical = number.trim().to_ascii_uppercase();
        let bytes = canonical.as_bytes();
        if bytes.is_empty() {
            return Err(IdentityError::Empty);
        }
        if canonical.chars().count() != CN_LEN {
            return Err(IdentityError::WrongLength {
                expected: CN_LEN,
                actual: canonical.chars().count(),
            });
        }
        if let Some(i) = bytes[..17].iter().position(|b| !b.is_ascii_digit()) {
            return Err(IdentityError::InvalidCharacter { position: i + 1 });
        }
        let last = bytes[17];
        if !(last.is_ascii_digit() || last == b'X') {
            return Err(IdentityError::InvalidCharacter { position: CN_LEN });
        }
        let birth_date = birth_date(&canonical[6..14])?;
        let mut first17 = [0_u8; 17];
        first17.copy_from_slice(&bytes[..17]);
        let expected = chinese_check_character(&first17);
        if char::from(last) != expected {
            return Err(IdentityError::CheckDigitMismatch {
                expected,
                actual: char::from(last),
            });
        }
        Ok(NormalizedId {
            number: canonical,
            birth_date: Some(birth_date),
        })
    }
}

fn birth_date(yyyymmdd: &str) -> Result<NaiveDate, IdentityError> {
    let field = |range: std::ops::Range<usize>| yyyymmdd[range].parse::<u32>().ok();
    let (Some(year), Some(month), Some(day)) = (field(0..4), field(4..6), field(6..8)) else {
        return Err(IdentityError::InvalidBirthDate);
    };
    // Resident ID cards were first issued in 1984; nobody alive was born before 1900.
    if year < 1900 {
        return Err(IdentityError::InvalidBirthDate);
    }
    let year = i32::try_from(year).map_err(|_| IdentityError::InvalidBirthDate)?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or(IdentityError::InvalidBirthDate)
}

/// Any other country: non-empty, at most 32 characters, ASCII letters,
/// digits and dashes.
#[derive(Clone, Copy, Debug, Default)]
pub struct PermissiveId;

impl IdentityValidator for PermissiveId {
    fn validate(&self, number: &str) -> Result<NormalizedId, IdentityError> {
        let canonical = number.trim().to_ascii_uppercase();
        if canonical.is_empty() {
            return Err(IdentityError::Empty);
        }
        let actual = canonical.chars().count();
        if actual > ID_NUMBER_LEN_MAX {
            return Err(IdentityError::TooLong {
                max: ID_NUMBER_LEN_MAX,
                actual,
            });
        }
        if let Some(i) = canonical
            .chars()
            .position(|c| !(c.is_ascii_alphanumeric() || c == '-'))
        {
            return Err(IdentityError::InvalidCharacter { position: i + 1 });
        }
        Ok(NormalizedId {
            number: canonical,
            birth_date: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // 11010519491231002X is the worked example printed in GB 11643-1999
    // (Beijing Chaoyang 110105, born 1949-12-31, sequence 002 → check X).
    // 440524198001010013 is computed by hand:
    // 4*7+4*9+0*10+5*5+2*8+4*4+1*2+9*1+8*6+0*3+0*7+1*9+0*10+1*5+0*8+0*4+1*2
    // = 196; 196 mod 11 = 9 → "10X98765432"[9] = '3'.
    #[test]
    fn accepts_published_and_hand_computed_numbers() {
        let cn = validator_for("CN");
        let id = cn.validate("11010519491231002X").unwrap();
        assert_eq!(id.birth_date, NaiveDate::from_ymd_opt(1949, 12, 31));
        assert_eq!(
            cn.validate(" 11010519491231002x ").unwrap().number,
            "11010519491231002X"
        );
        assert_eq!(
            cn.validate("440524198001010013").map(|i| i.birth_date),
            Ok(NaiveDate::from_ymd_opt(1980, 1, 1))
        );
    }

    #[test]
    fn refuses_each_kind_of_bad_chinese_number() {
        let cn = validator_for("cn");
        let table = [
            ("", IdentityError::Empty),
            (
                "11010519491231002",
                IdentityError::WrongLength {
                    expected: 18,
                    actual: 17,
                },
            ),
            (
                "1101051949123100A2",
                IdentityError::InvalidCharacter { position: 17 },
            ),
            (
                "11010519491231002Y",
                IdentityError::InvalidCharacter { position: 18 },
            ),
            ("110105194902300021", IdentityError::InvalidBirthDate),
            ("110105189912310021", IdentityError::InvalidBirthDate),
            (
                "110105194912310021",
                IdentityError::CheckDigitMismatch {
                    expected: 'X',
                    actual: '1',
                },
            ),
        ];
        for (number, error) in table {
            assert_eq!(cn.validate(number), Err(error), "{number:?}");
        }
    }

    #[test]
    fn other_countries_get_the_permissive_rule() {
        let mx = validator_for("MX");
        assert_eq!(
            mx.validate(" goma800101hdfrrn09 ").unwrap().number,
            "GOMA800101HDFRRN09"
        );
        assert_eq!(mx.validate("  "), Err(IdentityError::Empty));
        assert_eq!(
            mx.validate("AB 12"),
            Err(IdentityError::InvalidCharacter { position: 3 })
        );
        let long = "9".repeat(33);
        assert_eq!(
            mx.validate(&long),
            Err(IdentityError::TooLong { max: 32, actual: 33 })
        );
    }

    proptest! {
        /// Changing any one of the first 17 digits changes the check
        /// character (MOD 11-2 detects every single-digit error), so the
        /// altered number is refused.
        #[test]
        fn any_single_digit_error_is_detected(pos in 0..17_usize, delta in 1..10_u8) {
            let mut bytes = *b"11010519491231002X";
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let altered = std::str::from_utf8(&bytes).unwrap();
            let result = ChineseResidentId.validate(altered);
            let refused = matches!(result, Err(IdentityError::CheckDigitMismatch { .. } | IdentityError::InvalidBirthDate));
            prop_assert!(refused, "{} accepted", altered);
        }
    }
}
