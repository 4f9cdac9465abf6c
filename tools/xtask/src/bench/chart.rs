//! The SVG chart: horizontal bar panels for IPC, rings, compute speed and
//! boot time at scale, stacked top to bottom.

use std::fmt::Write as _;

use super::log::BootLog;
use super::stat::{cycles_per_op, fmt_num};
use super::table::{ScaleBoot, Speed};

/// Width of the drawing.
const WIDTH: f64 = 760.0;
/// Left edge of every panel.
const LEFT: f64 = 20.0;
/// Room for the bars' labels, left of the bars.
const LABEL_WIDTH: f64 = 190.0;
/// Vertical step from one bar to the next.
const BAR_HEIGHT: f64 = 18.0;

/// The drawing so far and where the next panel goes.
struct Canvas {
    body: String,
    y: f64,
}

impl Canvas {
    /// A horizontal bar chart panel: (label, value) bars, optional goal line.
    fn panel(
        &mut self,
        title: &str,
        bars: &[(String, f64)],
        unit: &str,
        goal: Option<(f64, &str)>,
    ) {
        let max =
            bars.iter().map(|b| b.1).chain(goal.map(|g| g.0)).fold(0.0f64, f64::max).max(1e-9);
        // The value labels right of the longest bar need about 90 units.
        let plot_w = WIDTH - LABEL_WIDTH - 90.0;
        let top = self.y;
        let _ = writeln!(
            self.body,
            r#"<text x="{LEFT}" y="{}" font-size="14" font-weight="bold">{title}</text>"#,
            top + 14.0
        );
        let mut cy = top + 24.0;
        for (label, value) in bars {
            self.bar(cy, label, *value, value / max * plot_w, unit);
            cy += BAR_HEIGHT;
        }
        if let Some((g, text)) = goal {
            self.goal_line(LEFT + LABEL_WIDTH + g / max * plot_w, top + 20.0, cy, text);
            cy += 12.0;
        }
        self.y = cy + 12.0;
    }

    /// One bar at height `cy`, `bw` long: its label left of it, its value right of it.
    fn bar(&mut self, cy: f64, label: &str, value: f64, bw: f64, unit: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{}" y="{}" font-size="11" text-anchor="end">{label}</text>"#,
            LEFT + LABEL_WIDTH - 6.0,
            cy + 13.0
        );
        let _ = writeln!(
            self.body,
            r##"<rect x="{}" y="{cy}" width="{bw:.1}" height="{}" fill="#4878a8"/>"##,
            LEFT + LABEL_WIDTH,
            BAR_HEIGHT - 4.0
        );
        let _ = writeln!(
            self.body,
            r#"<text x="{}" y="{}" font-size="11">{} {unit}</text>"#,
            LEFT + LABEL_WIDTH + bw + 4.0,
            cy + 12.0,
            fmt_num(value)
        );
    }

    /// A dashed goal line at `gx` from `y1` to `y2`, labelled at its foot.
    fn goal_line(&mut self, gx: f64, y1: f64, y2: f64, text: &str) {
        let _ = writeln!(
            self.body,
            r##"<line x1="{gx:.1}" y1="{y1}" x2="{gx:.1}" y2="{y2}" stroke="#c03030" stroke-dasharray="4 3"/>"##
        );
        let _ = writeln!(
            self.body,
            r##"<text x="{:.1}" y="{}" font-size="10" fill="#c03030" text-anchor="end">{text}</text>"##,
            gx - 3.0,
            y2 + 10.0
        );
    }
}

/// Medians of the main system's `keys` that it reported, as bars.
fn bars_of(main: &BootLog, keys: impl IntoIterator<Item = String>) -> Vec<(String, f64)> {
    keys.into_iter().filter_map(|k| cycles_per_op(main, &k).map(|s| (k, s.median))).collect()
}

/// The chart of the main system's IPC and ring figures, the compute speeds
/// and the scale systems' boots.
pub fn chart(main: &BootLog, speeds: &[Speed], scale: &[ScaleBoot]) -> String {
    let ipc =
        bars_of(main, ["ipc.raw", "ipc.native", "ipc.wasm", "notify.native"].map(String::from));
    let rings = bars_of(
        main,
        ["native", "wasm"]
            .iter()
            .flat_map(|kind| [1, 16, 256].map(|b| format!("ring.{kind}.b{b}"))),
    );
    let mut canvas = Canvas { body: String::new(), y: 40.0 };
    let raw = ipc.first().map(|r| r.1).unwrap_or(0.0);
    canvas.panel(
        "IPC round trips (guest instructions, lower is better)",
        &ipc,
        "",
        Some((raw * 2.0, "2x raw (Wasm goal)")),
    );
    canvas.panel(
        "Ring cost per message (guest instructions)",
        &rings,
        "",
        Some((raw * 0.1, "0.1x raw IPC (batched goal)")),
    );
    let mut compute: Vec<(String, f64)> = Vec::new();
    for s in speeds {
        compute.push((format!("{} Wasm PD", s.kernel), s.pd));
        if let Some(host) = s.host {
            compute.push((format!("{} Wasm host", s.kernel), host));
        }
    }
    canvas.panel(
        "Compute: Wasm speed relative to native (higher is better)",
        &compute,
        "x",
        Some((0.9, "0.9x goal")),
    );
    let boot: Vec<(String, f64)> =
        scale.iter().map(|s| (format!("{} components", s.components), s.all_ready / 1e6)).collect();
    canvas.panel(
        "Boot to all Wasm components ready (million guest instructions)",
        &boot,
        "M",
        None,
    );
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{h}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="20" y="24" font-size="16" font-weight="bold">sel4-wasm benchmarks (QEMU -icount shift=0, TSC {mhz} MHz)</text>
{body}</svg>
"#,
        h = canvas.y + 10.0,
        mhz = main.tsc_mhz,
        body = canvas.body
    )
}
