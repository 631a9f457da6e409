//! Server-rendered SVG charts: no script, no inline style (the CSP forbids both), presentation
//! attributes only, so they print and read without JavaScript. Labels are XML-escaped here because the
//! SVG is inserted into pages as markup.

/// One labelled group of up to two bars.
pub struct Bar {
    pub label: String,
    pub values: [Option<f64>; 2],
}

const WIDTH: f64 = 360.0;
/// A row: the label on its own line, then a bar per series.
const LABEL_H: f64 = 18.0;
const BAR_H: f64 = 12.0;
const ROW_H: f64 = LABEL_H + 2.0 * (BAR_H + 1.0) + 10.0;
/// Room right of the longest bar for its value.
const VALUE_W: f64 = 56.0;
/// Labels longer than this (in characters) are cut; department names are far shorter.
const LABEL_MAX: usize = 48;
const COLORS: [&str; 2] = ["#1f5f99", "#a3620b"];

/// A horizontal bar chart: one row per bar group, each label on its own line above its bars (so a
/// label is never cut to fit beside them), two series (legend names given), values formatted with
/// `fmt`. A missing value is drawn as "–". The drawing is 360 units wide: on a phone one unit is a
/// pixel and the 13-unit labels read at 13 px.
pub fn horizontal_bars(
    title: &str,
    series: [&str; 2],
    bars: &[Bar],
    max: Option<f64>,
    fmt: impl Fn(f64) -> String,
) -> String {
    let top = 2.0 * LABEL_H + 12.0;
    let height = top + ROW_H * bars.len() as f64;
    let max = max
        .or_else(|| {
            bars.iter()
                .flat_map(|b| b.values.iter().flatten().copied())
                .reduce(f64::max)
        })
        .filter(|m| *m > 0.0)
        .unwrap_or(1.0);
    let plot_w = WIDTH - VALUE_W;
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-labelledby="{id}-t" class="chart"><title id="{id}-t">{t}</title>"#,
        id = slug(title),
        t = esc(title),
    );
    // The legend: one series a line.
    for (i, name) in series.iter().enumerate() {
        let y = 4.0 + i as f64 * LABEL_H;
        out += &format!(
            r##"<rect x="0" y="{y}" width="12" height="12" fill="{c}"/><text x="18" y="{ty}" font-size="13" fill="#222">{n}</text>"##,
            c = COLORS[i],
            ty = y + 11.0,
            n = esc(name),
        );
    }
    for (row, bar) in bars.iter().enumerate() {
        let y = top + row as f64 * ROW_H;
        out += &format!(
            r##"<text x="0" y="{ly}" font-size="13" fill="#222">{l}</text>"##,
            ly = y + 13.0,
            l = esc(&truncate(&bar.label, LABEL_MAX)),
        );
        for (i, v) in bar.values.iter().enumerate() {
            let by = y + LABEL_H + i as f64 * (BAR_H + 1.0);
            match v {
                Some(v) => {
                    let w = (v / max).clamp(0.0, 1.0) * plot_w;
                    out += &format!(
                        r##"<rect x="0" y="{by}" width="{w:.1}" height="{BAR_H}" fill="{c}"/><text x="{tx:.1}" y="{ty}" font-size="11" fill="#222">{val}</text>"##,
                        c = COLORS[i],
                        tx = w + 4.0,
                        ty = by + 10.0,
                        val = esc(&fmt(*v)),
                    );
                }
                None => {
                    out += &format!(
                        r##"<text x="4" y="{ty}" font-size="11" fill="#555">–</text>"##,
                        ty = by + 10.0,
                    );
                }
            }
        }
    }
    out += "</svg>";
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max - 1).chain(['…']).collect()
    }
}

fn slug(s: &str) -> String {
    let h = s
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    format!("c{h:x}")
}

pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_labels_and_scales_bars() {
        let svg = horizontal_bars(
            "t<1>",
            ["a", "b"],
            &[
                Bar {
                    label: "<script>".into(),
                    values: [Some(10.0), None],
                },
                Bar {
                    label: "x".into(),
                    values: [Some(5.0), Some(2.0)],
                },
            ],
            None,
            |v| format!("{v} h"),
        );
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains("t&lt;1&gt;"));
        assert!(svg.contains(r#"width="304.0""#)); // the largest value fills the plot
        assert!(svg.contains(r#"width="152.0""#)); // half of it, half the width
        assert!(!svg.contains("style="));
    }

    #[test]
    fn long_labels_are_whole_and_distinct() {
        let long = |s: &str| Bar {
            label: format!("Agricultural Technology Extension {s}"),
            values: [Some(1.0), Some(2.0)],
        };
        let svg = horizontal_bars(
            "t",
            ["a", "b"],
            &[long("Station"), long("Office")],
            None,
            |v| format!("{v}"),
        );
        assert!(svg.contains(">Agricultural Technology Extension Station<"));
        assert!(svg.contains(">Agricultural Technology Extension Office<"));
    }
}
