//! Departments, areas, categories, routing rules and settings.
use super::{Result, Store, Tx};
use crate::domain::routing::Rule;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NamedRow {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub parent: Option<String>,
    pub retired: bool,
    /// Areas only: the approximate number of cadres who work there.
    pub cadres: Option<i64>,
}

pub type DepartmentRow = NamedRow;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CategoryRow {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub acknowledge_within: i64,
    pub respond_within: i64,
    pub confirm_within: i64,
    pub retired: bool,
}

#[derive(sqlx::FromRow)]
struct RuleRow {
    category: Option<String>,
    area: Option<String>,
    department: String,
    priority: i64,
}

impl From<RuleRow> for Rule {
    fn from(r: RuleRow) -> Rule {
        Rule {
            category: r.category,
            area: r.area,
            department: r.department,
            priority: r.priority,
        }
    }
}

/// Everything about the organisation, retired entries included (callers filter).
#[derive(Clone, Debug, Default)]
pub struct CatalogRows {
    pub departments: Vec<NamedRow>,
    pub areas: Vec<NamedRow>,
    pub categories: Vec<CategoryRow>,
    pub rules: Vec<Rule>,
    pub triage: Option<String>,
    /// The department that receives retaliation reports, if the organisation names one.
    pub retaliation_body: Option<String>,
}

#[derive(Clone, Copy)]
enum Tree {
    Departments,
    Areas,
}

impl Tree {
    fn table(self) -> &'static str {
        match self {
            Tree::Departments => "departments",
            Tree::Areas => "areas",
        }
    }
}

impl Store {
    pub async fn catalog(&self) -> Result<CatalogRows> {
        let departments =
            "SELECT code, name, name_en, parent, retired, CAST(NULL AS BIGINT) AS cadres \
                           FROM departments ORDER BY code";
        let areas = "SELECT code, name, name_en, parent, retired, cadres FROM areas ORDER BY code";
        let categories =
            "SELECT code, name, name_en, acknowledge_within, respond_within, confirm_within, \
                          retired FROM categories ORDER BY position, code";
        let rules = "SELECT category, area, department, priority FROM routing_rules ORDER BY id";
        let (departments, areas, categories, rules) = on_pool!(self, c => {
            let departments = sqlx::query_as(departments).fetch_all(c).await?;
            let areas = sqlx::query_as(areas).fetch_all(c).await?;
            let categories = sqlx::query_as(categories).fetch_all(c).await?;
            let rules: Vec<RuleRow> = sqlx::query_as(rules).fetch_all(c).await?;
            Ok::<_, sqlx::Error>((departments, areas, categories, rules))
        })?;
        let triage = self.setting("triage").await?;
        let retaliation_body = self.setting("retaliation_body").await?;
        Ok(CatalogRows {
            departments,
            areas,
            categories,
            rules: rules.into_iter().map(Rule::from).collect(),
            triage,
            retaliation_body,
        })
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let sql = "SELECT value FROM settings WHERE key = $1";
        Ok(on_pool!(self, c => sqlx::query_scalar(sql).bind(key).fetch_optional(c).await)?)
    }

    pub async fn department(&self, code: &str) -> Result<Option<NamedRow>> {
        let sql = "SELECT code, name, name_en, parent, retired, CAST(NULL AS BIGINT) AS cadres \
                   FROM departments WHERE code = $1";
        Ok(on_pool!(self, c => sqlx::query_as(sql).bind(code).fetch_optional(c).await)?)
    }
}

impl Tx {
    pub async fn upsert_department(&mut self, row: &NamedRow) -> Result<()> {
        self.upsert_named(Tree::Departments, row).await
    }

    /// An area, with its headcount.
    pub async fn upsert_area(&mut self, row: &NamedRow) -> Result<()> {
        self.upsert_named(Tree::Areas, row).await?;
        let sql = "UPDATE areas SET cadres = $1 WHERE code = $2";
        on_tx!(self, c => sqlx::query(sql)
            .bind(row.cadres)
            .bind(&row.code)
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    async fn upsert_named(&mut self, tree: Tree, row: &NamedRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO {} (code, name, name_en, parent, retired) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, \
             parent = excluded.parent, retired = excluded.retired",
            tree.table()
        );
        on_tx!(self, c => sqlx::query(&sql)
            .bind(&row.code)
            .bind(&row.name)
            .bind(&row.name_en)
            .bind(&row.parent)
            .bind(row.retired)
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn upsert_category(&mut self, row: &CategoryRow, position: i64) -> Result<()> {
        let sql = "INSERT INTO categories (code, name, name_en, acknowledge_within, respond_within, \
             confirm_within, position, retired) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, \
             acknowledge_within = excluded.acknowledge_within, respond_within = excluded.respond_within, \
             confirm_within = excluded.confirm_within, position = excluded.position, retired = excluded.retired";
        on_tx!(self, c => sqlx::query(sql)
            .bind(&row.code)
            .bind(&row.name)
            .bind(&row.name_en)
            .bind(row.acknowledge_within)
            .bind(row.respond_within)
            .bind(row.confirm_within)
            .bind(position)
            .bind(row.retired)
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Mark every department, area and category retired; the upserts that follow revive the ones an
    /// import names. Nothing is deleted: reports, accounts and the audit log may refer to them.
    pub async fn retire_all(&mut self) -> Result<()> {
        for table in ["departments", "areas", "categories"] {
            let sql = format!("UPDATE {table} SET retired = TRUE");
            on_tx!(self, c => sqlx::query(&sql).execute(c).await.map(|_| ()))?;
        }
        Ok(())
    }

    pub async fn replace_rules(&mut self, rules: &[Rule]) -> Result<()> {
        on_tx!(self, c => sqlx::query("DELETE FROM routing_rules").execute(c).await.map(|_| ()))?;
        let sql = "INSERT INTO routing_rules (category, area, department, priority) VALUES ($1, $2, $3, $4)";
        for r in rules {
            on_tx!(self, c => sqlx::query(sql)
                .bind(&r.category)
                .bind(&r.area)
                .bind(&r.department)
                .bind(r.priority)
                .execute(c)
                .await
                .map(|_| ()))?;
        }
        Ok(())
    }

    pub async fn clear_setting(&mut self, key: &str) -> Result<()> {
        let sql = "DELETE FROM settings WHERE key = $1";
        on_tx!(self, c => sqlx::query(sql).bind(key).execute(c).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        let sql = "INSERT INTO settings (key, value) VALUES ($1, $2) \
                   ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        on_tx!(self, c => sqlx::query(sql).bind(key).bind(value).execute(c).await.map(|_| ()))?;
        Ok(())
    }
}
