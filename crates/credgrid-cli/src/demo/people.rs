//! The demo's clients: names, birth dates, identity numbers, phones and village addresses.

use super::identity;
use super::places::{AREA_CODE, COUNTY, GROUPS, Outlet, Township};
use super::prng::SplitMix64;
use chrono::{Datelike, Days, NaiveDate};
use std::collections::BTreeSet;

/// Common surnames of rural central China.
const SURNAMES: [&str; 40] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
    "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田",
    "董", "袁", "潘", "蒋", "蔡", "余",
];
const GIVEN_MALE: [&str; 32] = [
    "建国", "建军", "国强", "志强", "永刚", "德明", "春生", "海波", "立新", "红军", "文华", "长青", "振华",
    "卫东", "国平", "小龙", "明亮", "家富", "满仓", "来福", "宏伟", "俊杰", "新民", "光辉", "学军", "伟",
    "勇", "强", "军", "斌", "涛", "磊",
];
const GIVEN_FEMALE: [&str; 28] = [
    "秀英", "桂兰", "玉梅", "春花", "丽华", "淑珍", "凤英", "金花", "红梅", "秋菊", "小燕", "海燕", "美玲",
    "翠兰", "雪梅", "艳", "芳", "娟", "敏", "静", "丽", "霞", "萍", "英", "慧", "琴", "莉", "梅",
];
/// Small rural businesses: what they trade in, for their names.
const TRADES: [&str; 10] = [
    "农资店",
    "农机维修部",
    "养殖场",
    "种植专业合作社",
    "粮油店",
    "茶叶加工坊",
    "家庭农场",
    "便民超市",
    "果蔬批发部",
    "竹木加工厂",
];
/// Mobile prefixes of the three Chinese carriers.
const PHONE_PREFIXES: [&str; 16] = [
    "130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "187",
    "189",
];

/// The kind of client, as the institution records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClientKind {
    Individual,
    Household,
    Business,
}

impl ClientKind {
    pub(crate) fn code(self) -> &'static str {
        match self {
            ClientKind::Individual => "individual",
            ClientKind::Household => "household",
            ClientKind::Business => "business",
        }
    }
}

/// A person (or household, or business) ready to register.
#[derive(Clone, Debug)]
pub(crate) struct Person {
    pub(crate) kind: ClientKind,
    pub(crate) name: String,
    pub(crate) id_number: String,
    pub(crate) phone: String,
    pub(crate) address: String,
}

/// Draws people with identity numbers that are valid and never repeat.
#[derive(Debug, Default)]
pub(crate) struct PeopleRegister {
    issued: BTreeSet<String>,
}

impl PeopleRegister {
    /// A new person of `kind` living in a village of `outlet`, aged 20–65 on `today`.
    pub(crate) fn draw(
        &mut self,
        rng: &mut SplitMix64,
        kind: ClientKind,
        township: &Township,
        outlet: &Outlet,
        today: NaiveDate,
    ) -> Person {
        let male = rng.chance(if kind == ClientKind::Household { 850 } else { 550 });
        let surname = *rng.pick(&SURNAMES);
        let given = if male {
            *rng.pick(&GIVEN_MALE)
        } else {
            *rng.pick(&GIVEN_FEMALE)
        };
        let head = format!("{surname}{given}");
        let village = *rng.pick(outlet.villages);
        let name = match kind {
            ClientKind::Individual => head,
            ClientKind::Household => format!("{head}户"),
            ClientKind::Business => format!("{}{}{}", township.township, surname, rng.pick(&TRADES)),
        };
        let address = format!(
            "{COUNTY}{}{village}{}{}号",
            township.township,
            rng.pick(&GROUPS),
            rng.between(1, 120)
        );
        Person {
            kind,
            name,
            id_number: self.unique_id(rng, male, today),
            phone: phone(rng),
            address,
        }
    }

    fn unique_id(&mut self, rng: &mut SplitMix64, male: bool, today: NaiveDate) -> String {
        loop {
            let birth = birth_date(rng, today);
            let sequence = u32::try_from(rng.below(500) * 2).unwrap_or(0) + u32::from(male);
            let id = identity::resident_id(AREA_CODE, birth, sequence);
            if let Some(id) = id.filter(|id| !self.issued.contains(id)) {
                self.issued.insert(id.clone());
                return id;
            }
        }
    }
}

/// A birth date 20 to 65 years before `today`.
fn birth_date(rng: &mut SplitMix64, today: NaiveDate) -> NaiveDate {
    let youngest = today.with_year(today.year() - 20).unwrap_or(today);
    let span_days = 45 * 365;
    youngest
        .checked_sub_days(Days::new(rng.below(span_days)))
        .unwrap_or(youngest)
}

fn phone(rng: &mut SplitMix64) -> String {
    format!("{}{:08}", rng.pick(&PHONE_PREFIXES), rng.below(100_000_000))
}

#[cfg(test)]
mod tests {
    use super::super::places::TOWNSHIPS;
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default()
    }

    #[test]
    fn identity_numbers_are_valid_unique_and_of_adults() {
        let mut rng = SplitMix64::new(5);
        let mut register = PeopleRegister::default();
        let mut seen = BTreeSet::new();
        for i in 0..3000 {
            let township = &TOWNSHIPS[i % TOWNSHIPS.len()];
            let person = register.draw(
                &mut rng,
                ClientKind::Individual,
                township,
                &township.outlets[0],
                today(),
            );
            let id = &person.id_number;
            assert_eq!(id.len(), 18);
            let accepted = credgrid_core::identity::validator_for("CN").validate(id);
            assert!(accepted.is_ok(), "{id} is refused: {accepted:?}");
            let birth = NaiveDate::parse_from_str(&id[6..14], "%Y%m%d");
            let age_years = birth.map(|b| today().years_since(b).unwrap_or(0)).unwrap_or(0);
            assert!((20..=65).contains(&age_years), "{id} is {age_years} years old");
            assert!(seen.insert(id.clone()), "{id} issued twice");
        }
    }

    #[test]
    fn phones_are_eleven_digit_mobiles_and_addresses_name_the_county() {
        let mut rng = SplitMix64::new(9);
        let mut register = PeopleRegister::default();
        let township = &TOWNSHIPS[1];
        for kind in [
            ClientKind::Individual,
            ClientKind::Household,
            ClientKind::Business,
        ] {
            let person = register.draw(&mut rng, kind, township, &township.outlets[1], today());
            assert_eq!(person.phone.len(), 11);
            assert!(person.phone.starts_with('1') && person.phone.bytes().all(|b| b.is_ascii_digit()));
            assert!(person.address.starts_with(COUNTY) && person.address.contains(township.township));
        }
    }
}
