//! Charts drawn on the server as SVG: lines over time, grouped bars and
//! stacked columns, in integer arithmetic (values are minor units; no
//! floating point near money). Every chart is an `<svg role="img">` with a
//! `<title>`, a legend in text, and the first, middle and last labels of its
//! x axis; the figures behind it are in the page's tables.

/// Width and height of every chart, in SVG units.
const WIDTH: i64 = 640;
const HEIGHT: i64 = 260;
/// The plot area inside the chart (room for the y labels and the legend).
const LEFT: i64 = 110;
const RIGHT: i64 = 10;
const TOP: i64 = 30;
const BOTTOM: i64 = 50;

/// One named series of values (minor units or counts), one per x position.
pub(crate) struct Series {
    pub(crate) label: String,
    /// A fill or stroke colour with at least 3:1 contrast on white.
    pub(crate) colour: &'static str,
    pub(crate) values: Vec<i64>,
}

/// What every chart needs besides its series.
pub(crate) struct Frame<'a> {
    pub(crate) title: &'a str,
    /// One label per x position (only the first, middle and last are drawn).
    pub(crate) x_labels: &'a [String],
    /// The label of the y axis's top value (`max` formatted for the locale).
    pub(crate) y_label: &'a dyn Fn(i64) -> String,
}

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `value` scaled from `0..=max` to `0..=span` (integer, rounded down).
fn scale(value: i64, max: i64, span: i64) -> i64 {
    if max <= 0 {
        return 0;
    }
    let scaled = i128::from(value.clamp(0, max)) * i128::from(span) / i128::from(max);
    i64::try_from(scaled).unwrap_or(span)
}

/// The x of position `i` of `n` across the plot area.
fn x_at(i: usize, n: usize) -> i64 {
    let span = WIDTH - LEFT - RIGHT;
    if n <= 1 {
        return LEFT + span / 2;
    }
    LEFT + scale(
        i64::try_from(i).unwrap_or(0),
        i64::try_from(n - 1).unwrap_or(1),
        span,
    )
}

fn y_of(value: i64, max: i64) -> i64 {
    HEIGHT - BOTTOM - scale(value, max, HEIGHT - TOP - BOTTOM)
}

/// A round top for the axis: 1, 2 or 5 times a power of ten, at least `max`.
pub(crate) fn nice_max(max: i64) -> i64 {
    if max <= 0 {
        return 1;
    }
    let mut step: i64 = 1;
    loop {
        for m in [1, 2, 5] {
            let top = step.saturating_mul(m);
            if top >= max {
                return top;
            }
        }
        if step > i64::MAX / 10 {
            return i64::MAX;
        }
        step *= 10;
    }
}

/// The frame: title, axes, top and zero labels, x labels and the legend.
fn open(frame: &Frame<'_>, max: i64, series: &[Series]) -> String {
    let title = escape(frame.title);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{title}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{title}</title>"
    );
    let (bottom, top) = (HEIGHT - BOTTOM, TOP);
    svg.push_str(&format!(
        "<line x1=\"{LEFT}\" y1=\"{top}\" x2=\"{LEFT}\" y2=\"{bottom}\" stroke=\"#555\"/>\
         <line x1=\"{LEFT}\" y1=\"{bottom}\" x2=\"{}\" y2=\"{bottom}\" stroke=\"#555\"/>\
         <line x1=\"{LEFT}\" y1=\"{top}\" x2=\"{}\" y2=\"{top}\" stroke=\"#ccc\" stroke-dasharray=\"4 4\"/>",
        WIDTH - RIGHT,
        WIDTH - RIGHT
    ));
    for (value, y) in [(max, top), (0, bottom)] {
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text>",
            LEFT - 6,
            y + 4,
            escape(&(frame.y_label)(value))
        ));
    }
    let n = frame.x_labels.len();
    let mut shown = vec![0, n / 2, n.saturating_sub(1)];
    shown.dedup();
    for i in shown.into_iter().filter(|i| *i < n) {
        let anchor = if i == 0 && n > 1 {
            "start"
        } else if i + 1 == n && n > 1 {
            "end"
        } else {
            "middle"
        };
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"{anchor}\">{}</text>",
            x_at(i, n),
            bottom + 16,
            escape(&frame.x_labels[i])
        ));
    }
    // The legend spreads over the whole width: five classes fit in one row.
    let spacing = ((WIDTH - 20) / i64::try_from(series.len().max(1)).unwrap_or(1)).min(170);
    for (k, s) in series.iter().enumerate() {
        let x = 10 + i64::try_from(k).unwrap_or(0) * spacing;
        let y = HEIGHT - 14;
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"14\" height=\"14\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{y}\" font-size=\"12\">{}</text>",
            y - 11,
            s.colour,
            x + 20,
            escape(&s.label)
        ));
    }
    svg
}

/// Lines over time, one per series, on a common axis from zero.
pub(crate) fn lines(frame: &Frame<'_>, series: &[Series]) -> String {
    let max = nice_max(
        series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .max()
            .unwrap_or(0),
    );
    let mut svg = open(frame, max, series);
    for s in series {
        let n = s.values.len();
        let points: Vec<String> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{},{}", x_at(i, n), y_of(*v, max)))
            .collect();
        if n == 1 {
            svg.push_str(&format!(
                "<circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{}\"/>",
                x_at(0, 1),
                y_of(s.values[0], max),
                s.colour
            ));
        }
        svg.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"><title>{}</title></polyline>",
            s.colour,
            points.join(" "),
            escape(&s.label)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// The width of one slot of `n` across the plot area.
fn slot(n: usize) -> i64 {
    (WIDTH - LEFT - RIGHT) / i64::try_from(n.max(1)).unwrap_or(1)
}

/// Bars side by side per x position (one per series), from zero.
pub(crate) fn grouped_bars(frame: &Frame<'_>, series: &[Series]) -> String {
    let max = nice_max(
        series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .max()
            .unwrap_or(0),
    );
    let mut svg = open_bars(frame, max, series);
    let n = frame.x_labels.len();
    let groups = i64::try_from(series.len().max(1)).unwrap_or(1);
    let width = (slot(n) * 8 / 10 / groups).max(1);
    for (k, s) in series.iter().enumerate() {
        for (i, v) in s.values.iter().enumerate().filter(|(_, v)| **v > 0) {
            let x = slot_left(i, n) + slot(n) / 10 + i64::try_from(k).unwrap_or(0) * width;
            let y = y_of(*v, max);
            svg.push_str(&format!(
                "<rect x=\"{x}\" y=\"{y}\" width=\"{width}\" height=\"{}\" fill=\"{}\"/>",
                HEIGHT - BOTTOM - y,
                s.colour
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Columns per x position with the series stacked (the mix of a whole).
pub(crate) fn stacked_columns(frame: &Frame<'_>, series: &[Series]) -> String {
    let n = frame.x_labels.len();
    let totals: Vec<i64> = (0..n)
        .map(|i| {
            series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0).max(0))
                .fold(0, i64::saturating_add)
        })
        .collect();
    let max = nice_max(totals.iter().copied().max().unwrap_or(0));
    let mut svg = open_bars(frame, max, series);
    let width = (slot(n) * 8 / 10).max(1);
    for i in 0..n {
        let mut base = 0_i64;
        for s in series {
            let v = s.values.get(i).copied().unwrap_or(0).max(0);
            if v == 0 {
                continue;
            }
            let (top, bottom) = (y_of(base.saturating_add(v), max), y_of(base, max));
            base = base.saturating_add(v);
            svg.push_str(&format!(
                "<rect x=\"{}\" y=\"{top}\" width=\"{width}\" height=\"{}\" fill=\"{}\"/>",
                slot_left(i, n) + slot(n) / 10,
                (bottom - top).max(1),
                s.colour
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

fn slot_left(i: usize, n: usize) -> i64 {
    LEFT + slot(n) * i64::try_from(i).unwrap_or(0)
}

/// The frame for bars: x labels under the middle of their slots.
fn open_bars(frame: &Frame<'_>, max: i64, series: &[Series]) -> String {
    // The frame's labels sit on points; bars sit in slots. Draw the frame
    // without x labels, then the labels of the first, middle and last slot.
    let unlabelled = Frame {
        title: frame.title,
        x_labels: &[],
        y_label: frame.y_label,
    };
    let mut svg = open(&unlabelled, max, series);
    let n = frame.x_labels.len();
    let mut shown = vec![0, n / 2, n.saturating_sub(1)];
    shown.dedup();
    for i in shown.into_iter().filter(|i| *i < n) {
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
            slot_left(i, n) + slot(n) / 2,
            HEIGHT - BOTTOM + 16,
            escape(&frame.x_labels[i])
        ));
    }
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame<'a>(labels: &'a [String], y: &'a dyn Fn(i64) -> String) -> Frame<'a> {
        Frame {
            title: "Outstanding & <PAR30>",
            x_labels: labels,
            y_label: y,
        }
    }

    #[test]
    fn the_axis_top_is_a_round_number_at_least_the_maximum() {
        let cases = [
            (0, 1),
            (1, 1),
            (7, 10),
            (10, 10),
            (11, 20),
            (199, 200),
            (201, 500),
            (1_234_567, 2_000_000),
        ];
        for (max, top) in cases {
            assert_eq!(nice_max(max), top, "{max}");
        }
        assert!(nice_max(i64::MAX) >= i64::MAX / 2);
    }

    #[test]
    fn a_line_runs_from_the_first_to_the_last_date_scaled_to_the_top() {
        let labels: Vec<String> = ["1 Jan", "2 Jan", "3 Jan"].map(String::from).to_vec();
        let y = |v: i64| format!("{v} CNY");
        let svg = lines(
            &frame(&labels, &y),
            &[Series {
                label: "Outstanding".into(),
                colour: "#1b5e20",
                values: vec![0, 500, 1000],
            }],
        );
        // From (LEFT, bottom) to (WIDTH - RIGHT, TOP): 0 at the axis, 1000 at the top.
        assert!(svg.contains("points=\"110,210 370,120 630,30\""), "{svg}");
        assert!(svg.contains("<title>Outstanding &amp; &lt;PAR30&gt;</title>"));
        assert!(svg.contains(">1000 CNY<") && svg.contains(">0 CNY<"));
        assert!(svg.contains(">1 Jan<") && svg.contains(">2 Jan<") && svg.contains(">3 Jan<"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn stacked_columns_split_each_column_by_share() {
        let labels: Vec<String> = vec!["d1".into()];
        let y = |v: i64| v.to_string();
        let svg = stacked_columns(
            &frame(&labels, &y),
            &[
                Series {
                    label: "Pass".into(),
                    colour: "#1b5e20",
                    values: vec![750],
                },
                Series {
                    label: "Loss".into(),
                    colour: "#4a148c",
                    values: vec![250],
                },
            ],
        );
        // The axis top is 1000 over 180 units: pass 135 high, loss 45 above it.
        assert!(
            svg.contains("y=\"75\" width=\"416\" height=\"135\" fill=\"#1b5e20\""),
            "{svg}"
        );
        assert!(
            svg.contains("y=\"30\" width=\"416\" height=\"45\" fill=\"#4a148c\""),
            "{svg}"
        );
    }

    #[test]
    fn grouped_bars_skip_zero_and_never_overflow() {
        let labels: Vec<String> = vec!["w1".into(), "w2".into()];
        let y = |v: i64| v.to_string();
        let svg = grouped_bars(
            &frame(&labels, &y),
            &[
                Series {
                    label: "Disbursed".into(),
                    colour: "#0d47a1",
                    values: vec![i64::MAX, 0],
                },
                Series {
                    label: "Collected".into(),
                    colour: "#1b5e20",
                    values: vec![1, i64::MAX],
                },
            ],
        );
        assert_eq!(
            svg.matches("<rect").count(),
            2 + 3,
            "two legend boxes and three bars"
        );
    }
}
