//! The chart of accounts: account codes, kinds with their normal balance side,
//! and the default chart of a rural credit cooperative.
//!
//! Codes follow the numbering of the Chinese financial-enterprise chart
//! (1xxx assets, 2xxx liabilities, 4xxx equity, 6xxx profit and loss; e.g.
//! 6701 资产减值损失 impairment loss, 6301 营业外收入 non-operating income),
//! which rural credit cooperatives use. Names are catalogue keys
//! `account.<code>`, translated in en/es/zh.

use super::LedgerError;
use std::fmt;

/// The longest account code.
pub const ACCOUNT_CODE_LEN_MAX: usize = 8;

/// An account code: 1 to 8 ASCII digits ("1301"). `Copy`, so lines carry it
/// without allocating.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountCode {
    bytes: [u8; ACCOUNT_CODE_LEN_MAX],
    len: u8,
}

impl AccountCode {
    /// Parses a code of 1 to 8 ASCII digits.
    pub fn parse(code: &str) -> Result<AccountCode, LedgerError> {
        let raw = code.as_bytes();
        if raw.is_empty() || raw.len() > ACCOUNT_CODE_LEN_MAX || !raw.iter().all(u8::is_ascii_digit) {
            return Err(LedgerError::InvalidAccountCode);
        }
        let mut bytes = [0_u8; ACCOUNT_CODE_LEN_MAX];
        bytes[..raw.len()].copy_from_slice(raw);
        // The length is at most 8, so it fits a u8.
        Ok(AccountCode {
            bytes,
            len: raw.len() as u8,
        })
    }

    /// A code known to be valid at compile time (the default chart).
    const fn known(code: &'static str) -> AccountCode {
        let raw = code.as_bytes();
        assert!(!raw.is_empty() && raw.len() <= ACCOUNT_CODE_LEN_MAX);
        let mut bytes = [0_u8; ACCOUNT_CODE_LEN_MAX];
        let mut i = 0;
        while i < raw.len() {
            assert!(raw[i].is_ascii_digit());
            bytes[i] = raw[i];
            i += 1;
        }
        AccountCode {
            bytes,
            len: raw.len() as u8,
        }
    }

    pub fn as_str(&self) -> &str {
        // The constructors admit only ASCII digits.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("0")
    }

    /// The catalogue key of the account's name (`account.1301`).
    pub fn name_key(&self) -> String {
        format!("account.{}", self.as_str())
    }
}

impl fmt::Debug for AccountCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for AccountCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The side of a journal line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    Debit,
    Credit,
}

impl Side {
    pub fn opposite(self) -> Side {
        match self {
            Side::Debit => Side::Credit,
            Side::Credit => Side::Debit,
        }
    }
}

/// What an account represents; decides its normal balance side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountKind {
    Asset,
    Liability,
    Equity,
    Income,
    Expense,
    /// An asset-side account with a credit balance (loan-loss provision).
    ContraAsset,
}

impl AccountKind {
    pub const ALL: [AccountKind; 6] = [
        AccountKind::Asset,
        AccountKind::Liability,
        AccountKind::Equity,
        AccountKind::Income,
        AccountKind::Expense,
        AccountKind::ContraAsset,
    ];

    /// The side on which the account's balance normally stands.
    pub fn normal_side(self) -> Side {
        match self {
            AccountKind::Asset | AccountKind::Expense => Side::Debit,
            AccountKind::Liability | AccountKind::Equity | AccountKind::Income | AccountKind::ContraAsset => {
                Side::Credit
            }
        }
    }

    /// The stable code stored in the database (`asset`, `contra_asset`, …).
    pub fn code(self) -> &'static str {
        match self {
            AccountKind::Asset => "asset",
            AccountKind::Liability => "liability",
            AccountKind::Equity => "equity",
            AccountKind::Income => "income",
            AccountKind::Expense => "expense",
            AccountKind::ContraAsset => "contra_asset",
        }
    }

    pub fn parse(code: &str) -> Result<AccountKind, LedgerError> {
        AccountKind::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or_else(|| LedgerError::UnknownAccountKind(code.to_string()))
    }

    /// Whether the account belongs to the balance sheet (else the income statement).
    pub fn is_balance_sheet(self) -> bool {
        !matches!(self, AccountKind::Income | AccountKind::Expense)
    }
}

/// One account of the chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub code: AccountCode,
    pub kind: AccountKind,
    pub parent: Option<AccountCode>,
}

impl Account {
    /// The catalogue key of the name (`account.1301`).
    pub fn name_key(&self) -> String {
        self.code.name_key()
    }
}

/// A chart of accounts: codes unique, parents present.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartOfAccounts {
    accounts: Vec<Account>,
}

impl ChartOfAccounts {
    /// A chart from accounts; refuses duplicate codes and missing parents.
    pub fn new(accounts: Vec<Account>) -> Result<ChartOfAccounts, LedgerError> {
        for (i, account) in accounts.iter().enumerate() {
            if accounts[..i].iter().any(|a| a.code == account.code) {
                return Err(LedgerError::DuplicateAccount(account.code));
            }
            if let Some(parent) = account.parent
                && !accounts.iter().any(|a| a.code == parent)
            {
                return Err(LedgerError::UnknownParent(account.code));
            }
        }
        Ok(ChartOfAccounts { accounts })
    }

    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    pub fn get(&self, code: AccountCode) -> Option<&Account> {
        self.accounts.iter().find(|a| a.code == code)
    }
}

/// Codes of the default chart, named for the posting rules.
pub mod codes {
    use super::AccountCode;

    /// 库存现金 Cash and vault.
    pub const CASH: AccountCode = AccountCode::known("1001");
    /// 存放同业 Due from banks.
    pub const DUE_FROM_BANKS: AccountCode = AccountCode::known("1011");
    /// 贷款 Loans to customers, principal.
    pub const LOAN_PRINCIPAL: AccountCode = AccountCode::known("1301");
    /// 贷款损失准备 Loan-loss provision (contra asset).
    pub const LOAN_LOSS_PROVISION: AccountCode = AccountCode::known("1304");
    /// 应收利息 Interest receivable.
    pub const INTEREST_RECEIVABLE: AccountCode = AccountCode::known("1321");
    /// 应收罚息 Penalty interest receivable.
    pub const PENALTY_RECEIVABLE: AccountCode = AccountCode::known("1322");
    /// 应收手续费 Fees receivable.
    pub const FEE_RECEIVABLE: AccountCode = AccountCode::known("1323");
    /// 客户存款/结算 Customer deposits and settlement.
    pub const SETTLEMENT: AccountCode = AccountCode::known("2011");
    /// 实收资本 Paid-in capital.
    pub const CAPITAL: AccountCode = AccountCode::known("4001");
    /// 利息收入 Interest income.
    pub const INTEREST_INCOME: AccountCode = AccountCode::known("6011");
    /// 罚息收入 Penalty interest income.
    pub const PENALTY_INCOME: AccountCode = AccountCode::known("6012");
    /// 手续费收入 Fee income.
    pub const FEE_INCOME: AccountCode = AccountCode::known("6021");
    /// 营业外收入 Recovery of written-off loans.
    pub const RECOVERY_INCOME: AccountCode = AccountCode::known("6301");
    /// 资产减值损失 Provision (impairment) expense.
    pub const PROVISION_EXPENSE: AccountCode = AccountCode::known("6701");
}

/// The default chart of a rural credit cooperative (no memo accounts:
/// written-off amounts are tracked per loan, see `posting`).
pub fn default_chart() -> ChartOfAccounts {
    use AccountKind::*;
    use codes::*;
    let rows = [
        (CASH, Asset),
        (DUE_FROM_BANKS, Asset),
        (LOAN_PRINCIPAL, Asset),
        (LOAN_LOSS_PROVISION, ContraAsset),
        (INTEREST_RECEIVABLE, Asset),
        (PENALTY_RECEIVABLE, Asset),
        (FEE_RECEIVABLE, Asset),
        (SETTLEMENT, Liability),
        (CAPITAL, Equity),
        (INTEREST_INCOME, Income),
        (PENALTY_INCOME, Income),
        (FEE_INCOME, Income),
        (RECOVERY_INCOME, Income),
        (PROVISION_EXPENSE, Expense),
    ];
    let accounts = rows
        .into_iter()
        .map(|(code, kind)| Account {
            code,
            kind,
            parent: None,
        })
        .collect();
    let chart = ChartOfAccounts::new(accounts);
    assert!(chart.is_ok(), "the default chart is well formed");
    chart.unwrap_or(ChartOfAccounts { accounts: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Locale, has_key};

    #[test]
    fn account_codes_are_digits_of_bounded_length() {
        assert_eq!(
            AccountCode::parse("1301").map(|c| c.to_string()),
            Ok("1301".to_string())
        );
        for bad in ["", "13a1", "123456789", " 1301", "-1"] {
            assert_eq!(
                AccountCode::parse(bad),
                Err(LedgerError::InvalidAccountCode),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn normal_sides_follow_the_accounting_equation() {
        // Assets = Liabilities + Equity; income credits, expense debits; a
        // contra asset (provision) stands against its asset on the credit side.
        assert_eq!(AccountKind::Asset.normal_side(), Side::Debit);
        assert_eq!(AccountKind::Expense.normal_side(), Side::Debit);
        assert_eq!(AccountKind::Liability.normal_side(), Side::Credit);
        assert_eq!(AccountKind::Equity.normal_side(), Side::Credit);
        assert_eq!(AccountKind::Income.normal_side(), Side::Credit);
        assert_eq!(AccountKind::ContraAsset.normal_side(), Side::Credit);
        for kind in AccountKind::ALL {
            assert_eq!(AccountKind::parse(kind.code()), Ok(kind));
        }
    }

    #[test]
    fn default_chart_is_named_in_every_language() {
        let chart = default_chart();
        assert_eq!(chart.accounts().len(), 14);
        for account in chart.accounts() {
            for locale in Locale::ALL {
                assert!(
                    has_key(locale, &account.name_key()),
                    "{} in {}",
                    account.code,
                    locale.tag()
                );
            }
        }
    }

    #[test]
    fn chart_refuses_duplicates_and_orphans() {
        let code = codes::CASH;
        let dup = vec![
            Account {
                code,
                kind: AccountKind::Asset,
                parent: None,
            },
            Account {
                code,
                kind: AccountKind::Asset,
                parent: None,
            },
        ];
        assert_eq!(
            ChartOfAccounts::new(dup),
            Err(LedgerError::DuplicateAccount(code))
        );
        let orphan = vec![Account {
            code,
            kind: AccountKind::Asset,
            parent: Some(codes::DUE_FROM_BANKS),
        }];
        assert_eq!(
            ChartOfAccounts::new(orphan),
            Err(LedgerError::UnknownParent(code))
        );
    }
}
