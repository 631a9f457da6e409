//! Where a new report goes: the most specific routing rule, the triage desk when none matches, and
//! never the department the report is about (nor one below it).
use super::tree::Tree;

/// A routing rule: (category or any, area subtree or any) → department. The most specific rule wins
/// (deepest area, then exact category, then higher priority).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Rule {
    /// `None` = any category.
    pub category: Option<String>,
    /// `None` = any area; otherwise the area and every area below it.
    pub area: Option<String>,
    pub department: String,
    pub priority: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// A rule matched (possibly redirected away from the subject department).
    Department(String),
    /// No rule matched: the triage desk decides.
    Triage(String),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error(
        "the report is about the top department, and no department above it exists to receive it"
    )]
    SubjectIsRoot,
}

pub struct Router<'a> {
    pub rules: &'a [Rule],
    pub areas: &'a Tree,
    pub departments: &'a Tree,
    pub triage: &'a str,
}

impl Router<'_> {
    pub fn route(
        &self,
        category: &str,
        area: &str,
        subject: Option<&str>,
    ) -> Result<Route, RouteError> {
        let area_chain = self.areas.ancestors(area);
        // Specificity: deeper area first (a rule naming no area is the least specific), then an exact
        // category over "any", then priority. Among full ties the earlier rule wins.
        let best = self
            .rules
            .iter()
            .filter(|r| r.category.as_deref().is_none_or(|c| c == category))
            .filter_map(|r| {
                let depth = match r.area.as_deref() {
                    None => Some(0),
                    Some(a) => area_chain
                        .iter()
                        .position(|x| *x == a)
                        .map(|i| area_chain.len() - i),
                }?;
                Some((depth, r.category.is_some(), r.priority, r))
            })
            .fold(None::<(usize, bool, i64, &Rule)>, |best, cand| match best {
                Some(b) if (b.0, b.1, b.2) >= (cand.0, cand.1, cand.2) => Some(b),
                _ => Some(cand),
            });
        let route = match best {
            Some((_, _, _, rule)) => Route::Department(rule.department.clone()),
            None => Route::Triage(self.triage.to_string()),
        };
        let Some(subject) = subject else {
            return Ok(route);
        };
        let target = match &route {
            Route::Department(d) | Route::Triage(d) => d.as_str(),
        };
        if !self.departments.is_within(target, subject) {
            return Ok(route);
        }
        // Conflict of interest: the department the report is about, or one it controls, must not
        // handle it. Its parent supervises it and receives the report instead.
        match self.departments.parent(subject) {
            Some(p) => Ok(Route::Department(p.to_string())),
            None => Err(RouteError::SubjectIsRoot),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(pairs: &[(&str, Option<&str>)]) -> Tree {
        Tree::new(
            pairs
                .iter()
                .map(|(c, p)| (c.to_string(), p.map(str::to_string))),
        )
    }
    fn rule(cat: Option<&str>, area: Option<&str>, dept: &str, prio: i64) -> Rule {
        Rule {
            category: cat.map(Into::into),
            area: area.map(Into::into),
            department: dept.into(),
            priority: prio,
        }
    }

    fn fixture() -> (Tree, Tree) {
        let areas = tree(&[
            ("county", None),
            ("xinhe", Some("county")),
            ("v1", Some("xinhe")),
            ("other", Some("county")),
        ]);
        let depts = tree(&[
            ("gov", None),
            ("civil", Some("gov")),
            ("agri", Some("gov")),
            ("agri-sub", Some("agri")),
        ]);
        (areas, depts)
    }

    /// Routing on the fixture's trees with `rules`, triage at "gov".
    fn router(
        rules: &[Rule],
    ) -> impl Fn(&str, &str, Option<&str>) -> Result<Route, RouteError> + '_ {
        let (areas, departments) = fixture();
        move |category, area, subject| {
            Router {
                rules,
                areas: &areas,
                departments: &departments,
                triage: "gov",
            }
            .route(category, area, subject)
        }
    }

    #[test]
    fn deepest_area_then_exact_category_then_priority() {
        let rules = vec![
            rule(Some("paper"), None, "civil", 9),
            rule(None, Some("xinhe"), "agri", 0),
            rule(Some("paper"), Some("county"), "gov", 0),
        ];
        let r = router(&rules);
        // xinhe rule is deeper than county and "any area".
        assert_eq!(r("paper", "v1", None), Ok(Route::Department("agri".into())));
        // In "other" only the county-level and the any-area rule match: the area rule is deeper.
        assert_eq!(
            r("paper", "other", None),
            Ok(Route::Department("gov".into()))
        );
        let rules = vec![
            rule(None, None, "agri", 5),
            rule(Some("paper"), None, "civil", 0),
        ];
        let r = router(&rules);
        assert_eq!(
            r("paper", "v1", None),
            Ok(Route::Department("civil".into()))
        );
        let rules = vec![
            rule(Some("paper"), None, "agri", 1),
            rule(Some("paper"), None, "civil", 2),
        ];
        let r = router(&rules);
        assert_eq!(
            r("paper", "v1", None),
            Ok(Route::Department("civil".into()))
        );
    }

    #[test]
    fn no_match_goes_to_triage() {
        let rules = vec![rule(Some("paper"), Some("other"), "civil", 0)];
        let r = router(&rules);
        assert_eq!(r("paper", "v1", None), Ok(Route::Triage("gov".into())));
    }

    #[test]
    fn conflict_of_interest_goes_to_parent() {
        let rules = vec![rule(None, None, "agri-sub", 0)];
        let r = router(&rules);
        assert_eq!(
            r("x", "v1", Some("agri")),
            Ok(Route::Department("gov".into()))
        );
        assert_eq!(
            r("x", "v1", Some("agri-sub")),
            Ok(Route::Department("agri".into()))
        );
        assert_eq!(
            r("x", "v1", Some("civil")),
            Ok(Route::Department("agri-sub".into()))
        );
        assert_eq!(r("x", "v1", Some("gov")), Err(RouteError::SubjectIsRoot));
    }
}
