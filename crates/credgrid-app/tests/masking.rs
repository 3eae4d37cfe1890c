//! Personal data masked by role (R-SEC-4, issue 4 §2): ID numbers, phones and
//! addresses in full only for the roles that need them, every unmasked view
//! in the audit trail, and a user sees only the clients of their node.

use chrono::NaiveDate;
use credgrid_app::*;
use std::path::Path;

mod common;
use common::ScratchDb;

const ADMIN: Actor = Actor { user_id: 1 };
const ID_NUMBER: &str = "11010519491231002X";
const PHONE: &str = "13800000000";
const ADDRESS: &str = "山东省沂南县张庄镇王家村3组12号";

/// A database in its own scratch directory, removed when dropped.
fn temp_db(name: &str) -> ScratchDb {
    ScratchDb::new(&format!("masking-{name}"), "masking.db")
}

fn user(inst: &Institution, node_id: i64, username: &str, role: &str) -> Actor {
    let created = inst
        .create_user(
            ADMIN,
            NewUser {
                node_id,
                username: username.into(),
                display_name: username.into(),
                roles: vec![role.into()],
                password: "correct horse battery".into(),
            },
        )
        .unwrap();
    Actor {
        user_id: created.user_id,
    }
}

struct World {
    inst: Institution,
    outlets: [i64; 2],
    clients: [i64; 2],
    /// The database; last: removed after the institution closes.
    path: ScratchDb,
}

fn world(name: &str) -> World {
    let path = temp_db(name);
    let inst = Institution::open(&path, NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()).unwrap();
    let branch = inst
        .create_node(ADMIN, 1, "branch", "B1", "Qingshan branch")
        .unwrap();
    let north = inst
        .create_node(ADMIN, branch.id, "outlet", "N", "North outlet")
        .unwrap();
    let south = inst
        .create_node(ADMIN, branch.id, "outlet", "S", "South outlet")
        .unwrap();
    let manager = user(&inst, 1, "setup.manager", "account_manager");
    let client = |outlet: i64, name: &str, id_number: &str| {
        let new = NewClient {
            outlet_id: outlet,
            kind: "household".into(),
            name: name.into(),
            id_country: "CN".into(),
            id_number: id_number.into(),
            phone: Some(PHONE.into()),
            address: Some(ADDRESS.into()),
        };
        inst.create_client(manager, new).unwrap().id
    };
    let clients = [
        client(north.id, "Wang Fang", ID_NUMBER),
        client(south.id, "Li Wei", "110101199003074514"),
    ];
    World {
        inst,
        outlets: [north.id, south.id],
        clients,
        path,
    }
}

fn unmasked_views(path: &Path) -> Vec<(String, String, Option<String>)> {
    let store = credgrid_store::Store::open(path).unwrap();
    let records = store.read(|r| r.audit_records(0, 10_000)).unwrap();
    records
        .into_iter()
        .filter(|(_, rec)| rec.action.ends_with("_unmasked"))
        .map(|(_, rec)| (rec.action, rec.actor, rec.after))
        .collect()
}

#[test]
fn each_role_sees_what_it_needs_and_unmasked_views_are_audited() {
    let w = world("roles");
    let before = unmasked_views(&w.path).len();
    // The masks of credgrid_core::masking: region code and last four of an
    // ID number, prefix and last four of a phone, the village of an address.
    let masked_id = "110105********002X";
    let masked_phone = "138****0000";
    let masked_address = "山东省沂南县张庄镇王家村****";
    let cases = [
        (
            "account_manager",
            ID_NUMBER,
            PHONE,
            ADDRESS,
            vec!["id_number", "phone", "address"],
        ),
        (
            "teller",
            ID_NUMBER,
            masked_phone,
            masked_address,
            vec!["id_number"],
        ),
        (
            "contract_officer",
            ID_NUMBER,
            masked_phone,
            masked_address,
            vec!["id_number"],
        ),
        ("auditor", masked_id, masked_phone, masked_address, vec![]),
        ("grid_worker", masked_id, masked_phone, masked_address, vec![]),
        ("risk_officer", masked_id, masked_phone, masked_address, vec![]),
    ];
    let mut expected_logs = before;
    for (role, id_number, phone, address, unmasked) in cases {
        let viewer = user(&w.inst, 1, &format!("viewer.{role}"), role);
        let seen = w.inst.client(viewer, w.clients[0]).unwrap();
        assert_eq!(seen.id_number, id_number, "{role}");
        assert_eq!(seen.phone.as_deref(), Some(phone), "{role}");
        assert_eq!(seen.address.as_deref(), Some(address), "{role}");
        assert_eq!(seen.unmasked, unmasked, "{role}");
        if !unmasked.is_empty() {
            expected_logs += 1;
        }
        let logs = unmasked_views(&w.path);
        assert_eq!(
            logs.len(),
            expected_logs,
            "{role}: one record per unmasked view, none for masked ones"
        );
        if !unmasked.is_empty() {
            let (action, actor, after) = logs.last().unwrap();
            assert_eq!(action, "client.view_unmasked");
            assert_eq!(actor, &format!("user:{}", viewer.user_id));
            assert_eq!(
                after.as_deref(),
                Some(format!("fields={}", unmasked.join(",")).as_str())
            );
        }
    }
    assert_eq!(w.inst.verify_audit().unwrap().first_break, None);
}

#[test]
fn a_user_lists_and_reads_only_the_clients_of_their_node() {
    let w = world("scope");
    let north_manager = user(&w.inst, w.outlets[0], "north.manager", "account_manager");
    let listed = w
        .inst
        .list_clients(north_manager, None, PageRequest::default())
        .unwrap();
    let ids: Vec<i64> = listed.items.iter().map(|c| c.id).collect();
    assert_eq!(ids, [w.clients[0]]);
    assert!(matches!(
        w.inst.client(north_manager, w.clients[1]),
        Err(AppError::Forbidden { permission }) if permission == "scope"
    ));
    let head_office = user(&w.inst, 1, "hq.auditor", "auditor");
    let all = w
        .inst
        .list_clients(head_office, None, PageRequest::default())
        .unwrap();
    assert_eq!(all.items.len(), 2);
    let logs = unmasked_views(&w.path);
    let (action, _, after) = logs.last().unwrap();
    assert_eq!(
        action, "client.list_unmasked",
        "the manager's page was logged, the auditor's not"
    );
    assert_eq!(after.as_deref(), Some(format!("ids={}", w.clients[0]).as_str()));
}

#[test]
fn only_users_who_see_identity_numbers_may_search_by_one() {
    let w = world("search");
    let manager = user(&w.inst, 1, "hq.manager", "account_manager");
    let auditor = user(&w.inst, 1, "hq.auditor", "auditor");
    let page = PageRequest::default();
    let found = w.inst.list_clients(manager, Some("110105"), page).unwrap();
    assert_eq!(found.items.len(), 1);
    let probed = w.inst.list_clients(auditor, Some("110105"), page).unwrap();
    assert!(
        probed.items.is_empty(),
        "a prefix search must not reveal a masked number"
    );
    let by_name = w.inst.list_clients(auditor, Some("wang"), page).unwrap();
    assert_eq!(by_name.items.len(), 1);
}

#[test]
fn granting_unmasked_reads_by_configuration_follows_the_masking_policy() {
    let w = world("grant");
    let second = user(&w.inst, 1, "second.admin", "administrator");
    let worker = user(&w.inst, 1, "grid.worker", "grid_worker");
    assert!(w.inst.client(worker, w.clients[0]).unwrap().unmasked.is_empty());
    let grants =
        "role=grid_worker permissions=client.read,client.write,client.read_unmasked,loan.read,report.read";
    let change = w.inst.propose_config(ADMIN, "roles", grants, None).unwrap();
    w.inst.approve_config(second, change.id).unwrap();
    let seen = w.inst.client(worker, w.clients[0]).unwrap();
    assert_eq!(
        seen.unmasked,
        ["phone", "address"],
        "a grid worker visits households: phone and address, not the ID number"
    );
}
