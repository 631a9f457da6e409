//! Anonymity invariant 7: staff see a report's area no narrower than the deepest level where
//! `--area-k` (20) cadres work, on every staff route (JSON, pages, CSV, the board), while routing
//! still uses the precise area. The test organisation gives Dongcun (xinhe-east) 8 cadres and Xinhe 45.
use crate::support::json::each;
use crate::support::TestApp;
use axum::http::StatusCode;
use serde_json::Value;
use zhiyan::service::Role;

const ORG: &str = include_str!("fixtures/org.toml");

/// A rule for Dongcun alone, to education: if routing used the area staff see (Xinhe), the report
/// would go to agriculture instead.
const DONGCUN_RULE: &str = "\n[[rules]]\ncategory = \"duplicate-inspections\"\narea = \"xinhe-east\"\ndepartment = \"education\"\n";

fn no_village(what: &str, body: &str) {
    for needle in ["xinhe-east", "东村"] {
        assert!(!body.contains(needle), "{what} shows {needle}: {body}");
    }
}

async fn coarse_for_staff(app: TestApp) {
    app.service
        .import_org(&format!("{ORG}{DONGCUN_RULE}"))
        .await
        .unwrap();
    let desk = app.new_desk("desk-edu", "education").await;
    let sup = app.new_supervisor("sup", "county").await;
    app.user("desk-edu-page", Role::Desk, Some("education"))
        .await;

    let (id, _) = app
        .submit("duplicate-inspections", "xinhe-east", None)
        .await;
    let (wide, _) = app.submit("other", "baishui", None).await;
    // Routed by the precise area, stored precisely.
    let stored = app.report(&id).await;
    assert_eq!(
        (stored.area.as_str(), stored.department.as_str()),
        ("xinhe-east", "education")
    );

    // JSON: the list, the item, the supervisor's list and item.
    let list = desk.items("").await.expect(StatusCode::OK);
    no_village("the desk list", &list.body);
    let area_of = |v: &Value, id: &str| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| i["area"].as_str().unwrap().to_string())
    };
    assert_eq!(area_of(&list.json(), &id).as_deref(), Some("xinhe"));
    // Baishui has 25 cadres: shown as it is.
    assert_eq!(area_of(&list.json(), &wide).as_deref(), Some("baishui"));
    let item = desk.item(&id).await.expect(StatusCode::OK);
    no_village("the desk item", &item.body);
    assert_eq!(item.json()["area"], "xinhe");
    let sup_list = sup.items("").await.expect(StatusCode::OK);
    no_village("the supervisor list", &sup_list.body);
    let sup_item = sup.item(&id).await.expect(StatusCode::OK);
    no_village("the supervisor item", &sup_item.body);

    // The board: open items by area, coarsened the same way.
    let board = sup.summary().await.expect(StatusCode::OK);
    no_village("the board", &board.body);
    let areas = board.json()["areas"].clone();
    assert_eq!(each(&areas, "area"), ["baishui", "xinhe"]);

    // Pages and CSV downloads.
    let pages = app.pages("desk-edu-page").await;
    for path in ["/desk", &format!("/desk/items/{id}"), "/desk/items.csv"] {
        let r = pages.open(path).await.expect(StatusCode::OK);
        no_village(path, &r.body);
        assert!(
            r.body.contains("新河镇") || r.body.contains(",xinhe,"),
            "{path}: {}",
            r.body
        );
    }
    let csv = pages.open("/desk/items.csv").await;
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let line = csv
        .body
        .lines()
        .find(|l| l.starts_with(&id))
        .unwrap()
        .to_string();
    assert!(line.contains(",xinhe,education,"), "{line}");
    assert!(
        !csv.body.contains(crate::support::TITLE),
        "no titles in a download"
    );
    let sup_pages = app.pages("sup").await;
    for path in [
        "/oversight",
        "/oversight/items",
        "/oversight/items.csv",
        &format!("/oversight/items/{id}"),
    ] {
        let r = sup_pages.open(path).await.expect(StatusCode::OK);
        no_village(path, &r.body);
    }

    // The reporter, who chose the village, still sees it.
    assert_eq!(
        app.store.item(&id).await.unwrap().unwrap().item.area,
        "xinhe-east"
    );
}
both_backends!(staff_see_areas_only_down_to_k_cadres, coarse_for_staff);

/// An area without a headcount (or with none below it) counts as below k; export keeps headcounts.
async fn headcounts(app: TestApp) {
    // Without any headcounts, every area is below k: staff see the top of each branch.
    let bare: String = ORG
        .lines()
        .filter(|l| !l.starts_with("cadres"))
        .collect::<Vec<_>>()
        .join("\n");
    app.service.import_org(&bare).await.unwrap();
    let desk = app.new_desk("desk-agri", "agriculture").await;
    let (id, _) = app.submit("duplicate-inspections", "xinhe", None).await;
    assert_eq!(desk.item(&id).await.json()["area"], "county");
    // The export keeps the headcounts it was given, and nothing else.
    app.service.import_org(ORG).await.unwrap();
    let exported = app.service.export_org().await.unwrap();
    assert!(
        exported.contains("cadres = 8\n")
            && exported.contains("retaliation_body = \"discipline\"\n")
    );
    assert_eq!(desk.item(&id).await.json()["area"], "xinhe");
}
both_backends!(unknown_headcounts_count_as_below_k, headcounts);
