//! The department and area trees, given as entries (code, parent code) in the order they were listed.
//!
//! Every walk here is bounded: a parent that is not listed makes its child a root, a loop of parents
//! is never followed round twice, and the display order stops at a fixed depth. Stored data and an
//! `Org` built by hand can hold any of these even though an imported file cannot, so nothing that
//! reads a tree may hang or overflow on them.
use std::collections::HashMap;

/// Entries deeper than this are left out of the display order: a bound on what a page indents and a
/// walk visits, whatever the data.
const MAX_DISPLAY_DEPTH: usize = 32;

#[derive(Clone, Debug, Default)]
pub struct Tree {
    codes: Vec<String>,
    /// The parent code as given, listed or not.
    parents: Vec<Option<String>>,
    /// The first entry of each code: codes are unique in anything imported, so later duplicates only
    /// come from hand-built data and are reached by position alone.
    index: HashMap<String, usize>,
    /// The parent's entry, when the parent is listed.
    up: Vec<Option<usize>>,
    /// Each entry's children, in list order.
    children: Vec<Vec<usize>>,
}

/// How far below the top of its branch each entry is, and which entries lie on a loop of parents.
struct Levels {
    /// None for an entry on a loop or below one: it has no top.
    depth: Vec<Option<usize>>,
    on_loop: Vec<bool>,
}

impl Tree {
    pub fn new<C, P>(entries: impl IntoIterator<Item = (C, Option<P>)>) -> Tree
    where
        C: Into<String>,
        P: Into<String>,
    {
        let (codes, parents): (Vec<String>, Vec<Option<String>>) = entries
            .into_iter()
            .map(|(code, parent)| (code.into(), parent.map(Into::into)))
            .unzip();
        let mut index = HashMap::with_capacity(codes.len());
        for (i, code) in codes.iter().enumerate() {
            index.entry(code.clone()).or_insert(i);
        }
        let up: Vec<Option<usize>> = parents
            .iter()
            .map(|p| p.as_deref().and_then(|p| index.get(p).copied()))
            .collect();
        let mut children = vec![Vec::new(); codes.len()];
        for (i, p) in up.iter().enumerate() {
            if let Some(p) = p {
                children[*p].push(i);
            }
        }
        Tree {
            codes,
            parents,
            index,
            up,
            children,
        }
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
    pub fn contains(&self, code: &str) -> bool {
        self.index.contains_key(code)
    }
    /// The entry listed under `code`.
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.index.get(code).copied()
    }
    pub fn code(&self, entry: usize) -> &str {
        &self.codes[entry]
    }

    /// The parent code of `code` as given, whether or not it is listed itself.
    pub fn parent(&self, code: &str) -> Option<&str> {
        self.index_of(code).and_then(|i| self.parents[i].as_deref())
    }
    /// The entry of `entry`'s parent; None for a root, including one whose parent is not listed.
    pub fn parent_entry(&self, entry: usize) -> Option<usize> {
        self.up[entry]
    }

    /// `code` itself first, then its parent, up to the root. Stops on a cycle.
    pub fn ancestors<'a>(&'a self, code: &'a str) -> Vec<&'a str> {
        let mut out = vec![code];
        let mut cur = code;
        while let Some(p) = self.parent(cur) {
            if out.contains(&p) {
                break;
            }
            out.push(p);
            cur = p;
        }
        out
    }
    /// True when `node` is `root` or lies below it.
    pub fn is_within(&self, node: &str, root: &str) -> bool {
        self.ancestors(node).contains(&root)
    }

    /// Entries whose parent is absent or not listed, in list order.
    pub fn roots(&self) -> Vec<usize> {
        (0..self.len()).filter(|i| self.up[*i].is_none()).collect()
    }

    /// The display order of the whole tree: each root in list order, each entry followed by its
    /// children, as (entry, depth below its root).
    pub fn display_order(&self) -> Vec<(usize, usize)> {
        self.display_order_from(&self.roots())
    }

    /// The display order below `roots` (which start at depth 0, whatever is above them). An entry
    /// is shown once, at its first place.
    pub fn display_order_from(&self, roots: &[usize]) -> Vec<(usize, usize)> {
        let mut shown = vec![false; self.len()];
        let mut order = Vec::new();
        let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|r| (*r, 0)).collect();
        while let Some((i, depth)) = stack.pop() {
            if depth > MAX_DISPLAY_DEPTH || std::mem::replace(&mut shown[i], true) {
                continue;
            }
            order.push((i, depth));
            stack.extend(self.children[i].iter().rev().map(|c| (*c, depth + 1)));
        }
        order
    }

    /// Every entry, shallower before deeper and in list order at equal depth, so that each parent
    /// comes before its children (inserting with a foreign key on the parent). Entries on or below a
    /// loop of parents, having no depth, come last in list order.
    pub fn parents_first(&self) -> Vec<usize> {
        let depth = self.levels().depth;
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by_key(|i| (depth[*i].is_none(), depth[*i]));
        order
    }

    /// The first entry, in list order, whose parent is given but not listed.
    pub fn first_unknown_parent(&self) -> Option<usize> {
        (0..self.len()).find(|i| self.parents[*i].is_some() && self.up[*i].is_none())
    }

    /// The loop of parents through the earliest entry on one: that entry, its parent, and so on back
    /// to it (so it is named first and last).
    pub fn first_loop(&self) -> Option<Vec<usize>> {
        let on_loop = self.levels().on_loop;
        let first = on_loop.iter().position(|l| *l)?;
        let mut path = vec![first];
        let mut current = self.up[first];
        while let Some(i) = current {
            path.push(i);
            if i == first {
                break;
            }
            current = self.up[i];
        }
        Some(path)
    }

    /// One walk up from every entry, each entry's place settled once, so the whole takes linear time.
    fn levels(&self) -> Levels {
        let n = self.len();
        let mut depth: Vec<Option<usize>> = vec![None; n];
        let mut on_loop = vec![false; n];
        let mut settled = vec![false; n];
        let mut on_path = vec![false; n];
        for start in 0..n {
            let mut path = Vec::new();
            let mut current = start;
            // The depth of the last entry on the path.
            let mut next = loop {
                if settled[current] {
                    break depth[current].map(|d| d + 1);
                }
                if on_path[current] {
                    let at = path.iter().position(|p| *p == current).unwrap_or(0);
                    for i in &path[at..] {
                        on_loop[*i] = true;
                    }
                    break None;
                }
                on_path[current] = true;
                path.push(current);
                match self.up[current] {
                    Some(p) => current = p,
                    None => break Some(0),
                }
            };
            for i in path.into_iter().rev() {
                depth[i] = next;
                settled[i] = true;
                on_path[i] = false;
                next = next.map(|d| d + 1);
            }
        }
        Levels { depth, on_loop }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(entries: &[(&str, Option<&str>)]) -> Tree {
        Tree::new(entries.iter().copied())
    }

    fn codes(t: &Tree, entries: impl IntoIterator<Item = usize>) -> Vec<&str> {
        entries.into_iter().map(|i| t.code(i)).collect()
    }

    /// county ← {bureau ← office, other}, listed children first; a second root; an orphan whose
    /// parent is not listed.
    fn sample() -> Tree {
        tree(&[
            ("office", Some("bureau")),
            ("bureau", Some("county")),
            ("county", None),
            ("other", Some("county")),
            ("second", None),
            ("orphan", Some("gone")),
        ])
    }

    #[test]
    fn parents_and_ancestors_follow_the_codes_given() {
        let t = sample();
        assert_eq!(t.parent("office"), Some("bureau"));
        assert_eq!(t.parent("county"), None);
        assert_eq!(t.parent("orphan"), Some("gone"));
        assert_eq!(t.parent("nowhere"), None);
        assert_eq!(t.ancestors("office"), ["office", "bureau", "county"]);
        assert_eq!(t.ancestors("orphan"), ["orphan", "gone"]);
        assert!(t.is_within("office", "county") && t.is_within("county", "county"));
        assert!(!t.is_within("county", "office") && !t.is_within("second", "county"));
        assert_eq!(t.parent_entry(0), Some(1));
        assert_eq!(t.parent_entry(5), None);
    }

    #[test]
    fn display_order_puts_each_entry_before_its_children() {
        let t = sample();
        let order = t.display_order();
        let named: Vec<(&str, usize)> = order.iter().map(|(i, d)| (t.code(*i), *d)).collect();
        assert_eq!(
            named,
            [
                ("county", 0),
                ("bureau", 1),
                ("office", 2),
                ("other", 1),
                ("second", 0),
                ("orphan", 0)
            ]
        );
        let from_bureau = t.display_order_from(&[1]);
        assert_eq!(from_bureau, [(1, 0), (0, 1)]);
        assert_eq!(t.display_order_from(&[]), []);
    }

    #[test]
    fn display_order_stops_at_the_depth_bound() {
        let chain: Vec<(String, Option<String>)> = (0..40)
            .map(|i| (format!("n{i}"), (i > 0).then(|| format!("n{}", i - 1))))
            .collect();
        let t = Tree::new(chain);
        let order = t.display_order();
        assert_eq!(order.len(), MAX_DISPLAY_DEPTH + 1);
        assert_eq!(order.last(), Some(&(MAX_DISPLAY_DEPTH, MAX_DISPLAY_DEPTH)));
    }

    #[test]
    fn parents_first_orders_by_depth_then_list_order() {
        let t = sample();
        assert_eq!(
            codes(&t, t.parents_first()),
            ["county", "second", "orphan", "bureau", "other", "office"]
        );
    }

    #[test]
    fn loops_are_found_and_never_followed_twice() {
        // a → b → c → a, d below the loop, e fine.
        let t = tree(&[
            ("e", None),
            ("d", Some("b")),
            ("b", Some("c")),
            ("a", Some("b")),
            ("c", Some("a")),
        ]);
        assert_eq!(t.roots(), [0]);
        assert_eq!(codes(&t, t.first_loop().unwrap()), ["b", "c", "a", "b"]);
        assert_eq!(codes(&t, t.parents_first()), ["e", "d", "b", "a", "c"]);
        assert_eq!(t.display_order(), [(0, 0)]);
        // Started on the loop, the display order goes round it once.
        assert_eq!(
            codes(&t, t.display_order_from(&[2]).into_iter().map(|(i, _)| i)),
            ["b", "d", "a", "c"]
        );
        assert_eq!(t.ancestors("a"), ["a", "b", "c"]);
        let own = tree(&[("x", Some("x"))]);
        assert_eq!(codes(&own, own.first_loop().unwrap()), ["x", "x"]);
        assert_eq!(own.first_unknown_parent(), None);
        assert_eq!(sample().first_loop(), None);
    }

    #[test]
    fn unknown_parents_make_roots() {
        let t = sample();
        assert_eq!(t.first_unknown_parent(), Some(5));
        assert_eq!(t.roots(), [2, 4, 5]);
    }
}
