//! The demo county: its townships (branches), village outlets and the villages they serve.
//!
//! The county is fictional. Names are written as the cooperative writes them
//! in its own records (Chinese); the interface labels around them are
//! translated elsewhere.

/// The county the cooperative serves, as it appears in addresses.
pub(crate) const COUNTY: &str = "青山县";
/// The administrative area code used in the clients' identity numbers
/// (a Hunan-style county code; the county itself is fictional).
pub(crate) const AREA_CODE: &str = "431126";

/// A township credit cooperative: a branch of the county cooperative.
#[derive(Debug)]
pub(crate) struct Township {
    pub(crate) code: &'static str,
    pub(crate) township: &'static str,
    pub(crate) branch_name: &'static str,
    pub(crate) outlets: &'static [Outlet],
}

/// A village outlet and the villages whose households bank there.
#[derive(Debug)]
pub(crate) struct Outlet {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) villages: &'static [&'static str],
}

pub(crate) const TOWNSHIPS: [Township; 3] = [
    Township {
        code: "B01",
        township: "白沙镇",
        branch_name: "青山县农村信用合作联社白沙信用社",
        outlets: &[
            Outlet {
                code: "B01-01",
                name: "白沙信用社营业部",
                villages: &["白沙村", "河口村", "新街社区"],
            },
            Outlet {
                code: "B01-02",
                name: "白沙信用社柳树分社",
                villages: &["柳树村", "杨家湾村", "枣林村"],
            },
            Outlet {
                code: "B01-03",
                name: "白沙信用社龙潭分社",
                villages: &["龙潭村", "石桥村", "下湾村", "竹园村"],
            },
        ],
    },
    Township {
        code: "B02",
        township: "石门乡",
        branch_name: "青山县农村信用合作联社石门信用社",
        outlets: &[
            Outlet {
                code: "B02-01",
                name: "石门信用社营业部",
                villages: &["石门村", "东岭村", "茶园村"],
            },
            Outlet {
                code: "B02-02",
                name: "石门信用社高坪分社",
                villages: &["高坪村", "松林村", "马家庄村"],
            },
        ],
    },
    Township {
        code: "B03",
        township: "清河镇",
        branch_name: "青山县农村信用合作联社清河信用社",
        outlets: &[
            Outlet {
                code: "B03-01",
                name: "清河信用社营业部",
                villages: &["清河村", "王家坝村", "桥头社区"],
            },
            Outlet {
                code: "B03-02",
                name: "清河信用社桃源分社",
                villages: &["桃源村", "黄泥岗村", "李家坪村"],
            },
            Outlet {
                code: "B03-03",
                name: "清河信用社双井分社",
                villages: &["双井村", "荷塘村", "新田村"],
            },
            Outlet {
                code: "B03-04",
                name: "清河信用社岭南分社",
                villages: &["岭南村", "大坪村", "上洞村"],
            },
        ],
    },
];

/// Village groups (村民小组) as written in rural addresses.
pub(crate) const GROUPS: [&str; 8] = ["一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组"];

#[cfg(test)]
mod tests {
    use super::*;

    /// The brief for the demo: 2–3 branches with 2–4 outlets each, every
    /// outlet serving at least one village, codes unique.
    #[test]
    fn the_county_has_the_shape_the_demo_promises() {
        assert!((2..=3).contains(&TOWNSHIPS.len()));
        let mut codes = Vec::new();
        for township in &TOWNSHIPS {
            assert!((2..=4).contains(&township.outlets.len()), "{}", township.code);
            codes.push(township.code);
            for outlet in township.outlets {
                assert!(!outlet.villages.is_empty(), "{}", outlet.code);
                assert!(outlet.code.starts_with(township.code));
                codes.push(outlet.code);
            }
        }
        let count = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), count, "node codes are unique");
    }
}
