//! The anonymity set of an area: staff see a report's area only down to the deepest level where at
//! least k cadres work (`--area-k`, default 20), so that "the village with six cadres" never
//! appears on a desk. Routing still uses the precise area; only what staff are shown is coarser.
//!
//! Headcounts come from the organisation file (`cadres = N` on an area) and are approximate. An area
//! without one counts as the sum of the areas below it, and a leaf without one as 0: a headcount
//! nobody gave is treated as below k, never above it. An area whose whole branch stays below k is
//! shown as the top of its branch, the widest area there is.
use super::tree::Tree;
use std::collections::HashMap;

/// Each area's headcount and the area staff are shown in its place, computed once for a tree.
#[derive(Clone, Debug, Default)]
pub struct Coarsening {
    /// Area → the area shown to staff.
    shown: HashMap<String, String>,
    /// Area → its headcount (given, or the sum of the areas below it).
    cadres: HashMap<String, i64>,
    k: i64,
}

impl Coarsening {
    /// `areas` as (code, parent, cadres); `k` the smallest headcount staff may see (0 shows every
    /// area as it is).
    pub fn new<'a>(
        areas: impl IntoIterator<Item = (&'a str, Option<&'a str>, Option<i64>)>,
        k: i64,
    ) -> Coarsening {
        let (entries, given): (Vec<_>, Vec<_>) = areas
            .into_iter()
            .map(|(code, parent, cadres)| ((code, parent), cadres))
            .unzip();
        let tree = Tree::new(entries);
        // Children before parents, so each parent adds up children already counted.
        let mut counted: Vec<i64> = given.iter().map(|c| c.unwrap_or(0).max(0)).collect();
        let mut from_children = vec![0i64; tree.len()];
        for i in tree.parents_first().into_iter().rev() {
            if given[i].is_none() {
                counted[i] = from_children[i];
            }
            if let Some(p) = tree.parent_entry(i) {
                from_children[p] = from_children[p].saturating_add(counted[i]);
            }
        }
        let mut cadres = HashMap::with_capacity(tree.len());
        for (i, n) in counted.iter().enumerate() {
            cadres.entry(tree.code(i).to_string()).or_insert(*n);
        }
        let mut shown = HashMap::with_capacity(tree.len());
        for i in 0..tree.len() {
            let code = tree.code(i);
            let chain: Vec<&str> = tree
                .ancestors(code)
                .into_iter()
                .filter(|a| tree.contains(a))
                .collect();
            let pick = chain
                .iter()
                .find(|a| cadres.get(**a).copied().unwrap_or(0) >= k)
                .or(chain.last())
                .copied()
                .unwrap_or(code);
            shown.entry(code.to_string()).or_insert(pick.to_string());
        }
        Coarsening { shown, cadres, k }
    }

    /// The area staff see for a report about `area`.
    pub fn shown<'a>(&'a self, area: &'a str) -> &'a str {
        self.shown.get(area).map_or(area, String::as_str)
    }

    /// The area's headcount (given, or added up from below); None for an unknown code.
    pub fn cadres(&self, area: &str) -> Option<i64> {
        self.cadres.get(area).copied()
    }

    /// Fewer than k cadres work in `area` itself: the reporter should know the department will see
    /// a wider area, or, if even that is small, that the area may point to them.
    pub fn below_k(&self, area: &str) -> bool {
        self.cadres(area).unwrap_or(0) < self.k
    }

    pub fn k(&self) -> i64 {
        self.k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// county (200) ← xinhe (40) ← {east (8), west (none)}; baishui (none) ← {north (12), south (9)};
    /// a second county with nothing known.
    fn areas() -> Vec<(&'static str, Option<&'static str>, Option<i64>)> {
        vec![
            ("county", None, Some(200)),
            ("xinhe", Some("county"), Some(40)),
            ("east", Some("xinhe"), Some(8)),
            ("west", Some("xinhe"), None),
            ("baishui", Some("county"), None),
            ("north", Some("baishui"), Some(12)),
            ("south", Some("baishui"), Some(9)),
            ("other-county", None, None),
            ("hamlet", Some("other-county"), Some(3)),
        ]
    }

    #[test]
    fn staff_see_the_deepest_area_with_k_cadres() {
        let c = Coarsening::new(areas(), 20);
        assert_eq!(c.shown("xinhe"), "xinhe");
        assert_eq!(c.shown("east"), "xinhe");
        assert_eq!(c.shown("west"), "xinhe", "an unknown headcount is below k");
        // Baishui has no count of its own: its villages add up to 21.
        assert_eq!(c.cadres("baishui"), Some(21));
        assert_eq!(c.shown("baishui"), "baishui");
        assert_eq!(c.shown("north"), "baishui");
        assert_eq!(c.shown("county"), "county");
        // Nothing in the branch reaches k: the top of the branch.
        assert_eq!(c.cadres("other-county"), Some(3));
        assert_eq!(c.shown("hamlet"), "other-county");
        assert!(c.below_k("east") && c.below_k("hamlet") && !c.below_k("xinhe"));
    }

    #[test]
    fn k_zero_shows_every_area_and_unknown_codes_stay() {
        let c = Coarsening::new(areas(), 0);
        assert_eq!(c.shown("east"), "east");
        assert_eq!(c.shown("hamlet"), "hamlet");
        assert_eq!(c.shown("nowhere"), "nowhere");
        assert_eq!(c.cadres("nowhere"), None);
    }

    #[test]
    fn a_loop_of_parents_does_not_hang() {
        let c = Coarsening::new([("a", Some("b"), Some(1)), ("b", Some("a"), None)], 20);
        assert!(["a", "b"].contains(&c.shown("a")));
    }
}
