//! Recorded load traces: a `time,rate` CSV read into a [`Trace`], every
//! problem reported by line.

use crate::engine::SimDuration;
use crate::load::Trace;
use crate::scenario::files::excerpt;
use crate::scenario::workload::MAX_RATE;

/// The latest time a trace row may give: 1e10 seconds (about 317 years),
/// beyond any horizon worth simulating; with rates at most [`MAX_RATE`]
/// the integral of a whole period stays finite.
pub const MAX_TRACE_SECONDS: f64 = 1e10;

/// Why a trace CSV cannot be used: the 1-based line (0 for the whole
/// file) and what is wrong.
pub type TraceProblem = (usize, String);

/// A time cell: seconds (`90`, `1.5`) or a duration with a unit (`90s`).
fn trace_time(cell: &str) -> Option<f64> {
    match cell.parse::<f64>() {
        Ok(seconds) => Some(seconds),
        Err(_) => cell
            .parse::<SimDuration>()
            .ok()
            .map(SimDuration::as_secs_f64),
    }
}

/// Reads a trace CSV: `time,rate` rows, the time in seconds or as a
/// duration with a unit (`90s`, `15m`, `2h`), the rate in requests per
/// second. A first row whose first cell is not a time is a header and
/// skipped; blank lines are skipped. Every problem is returned, by line.
pub fn parse_trace_csv(text: &str) -> Result<Trace, Vec<TraceProblem>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut points: Vec<(f64, f64)> = Vec::new();
    let mut problems: Vec<TraceProblem> = Vec::new();
    let mut first_row = true;
    // The last good time and its line, for the ordering check.
    let mut previous: Option<(f64, usize)> = None;
    let unquote = |cell: &str| {
        let cell = cell.trim();
        cell.strip_prefix('"')
            .and_then(|c| c.strip_suffix('"'))
            .unwrap_or(cell)
            .trim()
            .to_string()
    };
    for (index, line) in text.lines().enumerate() {
        let row = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<String> = line.split(',').map(unquote).collect();
        let header = first_row && trace_time(&cells[0]).is_none();
        first_row = false;
        if header {
            continue;
        }
        if cells.len() != 2 {
            problems.push((
                row,
                format!("expected 2 cells `time,rate`, found {}", cells.len()),
            ));
            continue;
        }
        let time = match trace_time(&cells[0]) {
            Some(t) if t.is_finite() && t > MAX_TRACE_SECONDS => {
                problems.push((
                    row,
                    format!(
                        "the time is beyond {MAX_TRACE_SECONDS:e} seconds (about 317 years); a trace loops, so record one period"
                    ),
                ));
                None
            }
            Some(t) if t.is_finite() => Some(t),
            _ => {
                problems.push((
                    row,
                    "the time is not a time; write seconds (90) or a duration with a unit (90s, 15m, 2h)"
                        .to_string(),
                ));
                None
            }
        };
        let rate = match cells[1].parse::<f64>() {
            Ok(r) if r.is_finite() && r > MAX_RATE => {
                problems.push((
                    row,
                    format!("the rate is above {MAX_RATE:e} requests per second, the most a scenario may offer"),
                ));
                None
            }
            Ok(r) if r.is_finite() && r >= 0.0 => Some(r),
            Ok(r) if r < 0.0 => {
                problems.push((
                    row,
                    "the rate is negative; requests per second must be 0 or more".to_string(),
                ));
                None
            }
            _ => {
                problems.push((
                    row,
                    "the rate is not a rate; write requests per second as a number ≥ 0, e.g. 250"
                        .to_string(),
                ));
                None
            }
        };
        if let Some(time) = time {
            match previous {
                None if time != 0.0 => problems.push((
                    row,
                    "the first time is not 0; a trace starts at 0".to_string(),
                )),
                Some((before, before_row)) if time <= before => problems.push((
                    row,
                    format!(
                        "the time is not after the time on line {before_row}; times must strictly increase"
                    ),
                )),
                _ => {}
            }
            previous = Some((time, row));
            if let Some(rate) = rate {
                points.push((time, rate));
            }
        }
    }
    // Only the first bad line is quoted, shortened and escaped: the file
    // may hold anything, and the message may land in a public CI log.
    if let Some((row, message)) = problems.first_mut()
        && let Some(line) = text.lines().nth(*row - 1)
    {
        message.push_str(&format!(" (the line reads `{}`)", excerpt(line.trim())));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if points.len() < 2 {
        return Err(vec![(
            0,
            format!(
                "has {} data rows; a trace needs at least 2 `time,rate` rows (the last row's time is the loop period)",
                points.len()
            ),
        )]);
    }
    Trace::new(points).map_err(|message| vec![(0, message)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_csv() {
        let trace =
            parse_trace_csv("time,rate\r\n0,100\r\n\r\n30s,300\n1m,300\n\"90\",50\n2m,200\n")
                .unwrap();
        assert_eq!(
            trace.points(),
            &[
                (0.0, 100.0),
                (30.0, 300.0),
                (60.0, 300.0),
                (90.0, 50.0),
                (120.0, 200.0)
            ]
        );
        // Without a header.
        assert_eq!(parse_trace_csv("0,1\n1h,2\n").unwrap().period(), 3600.0);
        let problems =
            parse_trace_csv("time,rate\n0,100\n10,abc\n20,200\n20,250\n30,-5\nx,1\n7,8,9\n")
                .unwrap_err();
        let lines: Vec<usize> = problems.iter().map(|p| p.0).collect();
        assert_eq!(lines, [3, 5, 6, 7, 8], "{problems:?}");
        assert_eq!(
            problems[0].1,
            "the rate is not a rate; write requests per second as a number ≥ 0, e.g. 250 (the line reads `10,abc`)"
        );
        assert!(problems[1].1.contains("not after the time on line 4"));
        assert!(problems[2].1.contains("negative"));
        assert!(problems[3].1.contains("the time is not a time"));
        assert!(problems[4].1.contains("expected 2 cells"));
        // Only the first bad line is quoted.
        assert!(problems[1..].iter().all(|p| !p.1.contains("reads")));
        let first = parse_trace_csv("5,100\n10,200\n").unwrap_err();
        assert_eq!(first[0].0, 1);
        assert!(first[0].1.contains("starts at 0"));
        let short = parse_trace_csv("time,rate\n0,100\n").unwrap_err();
        assert_eq!(short[0].0, 0);
        assert!(short[0].1.contains("at least 2"));
        assert!(parse_trace_csv("").is_err());
        assert!(Trace::new(vec![(0.0, 1.0), (0.0, 2.0)]).is_err());
        assert!(Trace::new(vec![(0.0, 1.0), (1.0, f64::NAN)]).is_err());
    }
}
