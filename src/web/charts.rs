//! Server-rendered SVG charts: no script, no inline style (the CSP forbids both), presentation
//! attributes only, so they print and read without JavaScript. Labels are XML-escaped here because the
//! SVG is inserted into pages as markup.

/// One labelled group of up to two bars.
pub struct Bar {
    pub label: String,
    pub values: [Option<f64>; 2],
}

const WIDTH: f64 = 640.0;
const LABEL_W: f64 = 190.0;
const ROW_H: f64 = 30.0;
const COLORS: [&str; 2] = ["#1f5f99", "#c77c12"];

/// A horizontal bar chart: one row per bar group, two series (legend names given), values formatted
/// with `unit` and `fmt`. A missing value is drawn as "–".
pub fn horizontal_bars(
    title: &str,
    series: [&str; 2],
    bars: &[Bar],
    max: Option<f64>,
    fmt: impl Fn(f64) -> String,
) -> String {
    let top = 46.0;
    let height = top + ROW_H * bars.len() as f64 + 10.0;
    let max = max
        .or_else(|| {
            bars.iter()
                .flat_map(|b| b.values.iter().flatten().copied())
                .reduce(f64::max)
        })
        .filter(|m| *m > 0.0)
        .unwrap_or(1.0);
    let plot_w = WIDTH - LABEL_W - 70.0;
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-labelledby="{id}-t" class="chart"><title id="{id}-t">{t}</title>"#,
        id = slug(title),
        t = esc(title),
    );
    for (i, name) in series.iter().enumerate() {
        let x = LABEL_W + i as f64 * 160.0;
        out += &format!(
            r##"<rect x="{x}" y="8" width="12" height="12" fill="{c}"/><text x="{tx}" y="19" font-size="13" fill="#222">{n}</text>"##,
            c = COLORS[i],
            tx = x + 18.0,
            n = esc(name),
        );
    }
    for (row, bar) in bars.iter().enumerate() {
        let y = top + row as f64 * ROW_H;
        out += &format!(
            r##"<text x="{lx}" y="{ly}" font-size="13" text-anchor="end" fill="#222">{l}</text>"##,
            lx = LABEL_W - 8.0,
            ly = y + 17.0,
            l = esc(&truncate(&bar.label, 16)),
        );
        for (i, v) in bar.values.iter().enumerate() {
            let by = y + 3.0 + i as f64 * 12.0;
            match v {
                Some(v) => {
                    let w = (v / max).clamp(0.0, 1.0) * plot_w;
                    out += &format!(
                        r##"<rect x="{LABEL_W}" y="{by}" width="{w:.1}" height="11" fill="{c}"/><text x="{tx:.1}" y="{ty}" font-size="11" fill="#222">{val}</text>"##,
                        c = COLORS[i],
                        tx = LABEL_W + w + 4.0,
                        ty = by + 10.0,
                        val = esc(&fmt(*v)),
                    );
                }
                None => {
                    out += &format!(
                        r##"<text x="{tx}" y="{ty}" font-size="11" fill="#666">–</text>"##,
                        tx = LABEL_W + 4.0,
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
        assert!(svg.contains(r#"width="380.0""#)); // the largest value fills the plot
        assert!(svg.contains(r#"width="190.0""#)); // half of it, half the width
        assert!(!svg.contains("style="));
    }
}
