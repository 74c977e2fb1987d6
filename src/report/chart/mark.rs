//! One SLI's availability as drawn on a nines axis: a mean with its
//! interval, or a lower bound when nothing failed.

use plotters::prelude::*;

use super::axis::Axis;
use super::nines;
use crate::report::SliReport;

/// How far above a lower bound its arrow reaches, nines.
pub(super) const ARROW: f64 = 0.35;

/// A chart whose axes are both plain numbers with chosen ticks.
pub(super) type NinesChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

/// What is drawn for one SLI, in nines.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Mark {
    /// Mean with its interval; `upper` is infinite when the interval
    /// reaches 100 %.
    Estimate { point: f64, lower: f64, upper: f64 },
    /// Nothing failed: availability is at least this.
    Bound(f64),
}

impl Mark {
    /// The mark of an SLI, if its values are finite.
    pub(super) fn of(sli: &SliReport) -> Option<Mark> {
        if let Some(upper) = sli.unavailability_upper {
            let at = nines(1.0 - upper);
            return at.is_finite().then_some(Mark::Bound(at));
        }
        let point = sli.nines.point;
        if !point.is_finite() {
            return None;
        }
        let lower = if sli.nines.lower.is_finite() {
            sli.nines.lower.min(point)
        } else {
            point
        };
        // A saved report writes an infinite upper limit as null (NaN).
        let upper = if sli.nines.upper.is_nan() {
            f64::INFINITY
        } else {
            sli.nines.upper.max(point)
        };
        Some(Mark::Estimate {
            point,
            lower,
            upper,
        })
    }

    /// Where the marker sits, nines.
    pub(super) fn center(&self) -> f64 {
        match *self {
            Mark::Estimate { point, .. } => point,
            Mark::Bound(at) => at,
        }
    }

    /// Values the y axis must show (an infinite upper limit is clipped).
    pub(super) fn extent(&self) -> [f64; 3] {
        match *self {
            Mark::Estimate {
                point,
                lower,
                upper,
            } => [point, lower, upper],
            Mark::Bound(at) => [at, at + ARROW, at],
        }
    }

    /// Draws the mark at `x`: a filled dot with whiskers (capped `cap`
    /// wide on each side; an arrow head where the interval runs past
    /// `top`), or a hollow dot with an arrow up for a bound.
    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        chart: &mut NinesChart<'_, DB>,
        x: f64,
        cap: f64,
        top: f64,
        color: RGBColor,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let line = color.stroke_width(3);
        match *self {
            Mark::Estimate {
                point,
                lower,
                upper,
            } => {
                let (end, clipped) = if upper.is_finite() && upper < top {
                    (upper, false)
                } else {
                    (top, true)
                };
                chart.draw_series([
                    PathElement::new(vec![(x, lower), (x, end)], line),
                    PathElement::new(vec![(x - cap, lower), (x + cap, lower)], line),
                ])?;
                if clipped {
                    chart.draw_series([TriangleMarker::new((x, end), 9, color.filled())])?;
                } else {
                    chart.draw_series([PathElement::new(
                        vec![(x - cap, end), (x + cap, end)],
                        line,
                    )])?;
                }
                chart.draw_series([Circle::new((x, point), 8, color.filled())])?;
            }
            Mark::Bound(at) => {
                let end = (at + ARROW).min(top);
                chart.draw_series([PathElement::new(vec![(x, at), (x, end)], line)])?;
                chart.draw_series([TriangleMarker::new((x, end), 9, color.filled())])?;
                chart.draw_series([Circle::new((x, at), 8, WHITE.filled())])?;
                chart.draw_series([Circle::new((x, at), 8, line)])?;
            }
        }
        Ok(())
    }

    /// Draws the mark across a row at `y`, the nines axis running left to
    /// right: a filled dot with whiskers (capped `cap` high on each side;
    /// an arrow head where the interval runs past `right`), or a hollow
    /// dot with an arrow to the right for a bound.
    pub(super) fn draw_across<DB: DrawingBackend>(
        &self,
        chart: &mut NinesChart<'_, DB>,
        y: f64,
        cap: f64,
        right: f64,
        color: RGBColor,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let line = color.stroke_width(3);
        let arrow = |at: (f64, f64)| {
            EmptyElement::at(at) + Polygon::new(vec![(-4, -9), (10, 0), (-4, 9)], color.filled())
        };
        match *self {
            Mark::Estimate {
                point,
                lower,
                upper,
            } => {
                let (end, clipped) = if upper.is_finite() && upper < right {
                    (upper, false)
                } else {
                    (right, true)
                };
                chart.draw_series([
                    PathElement::new(vec![(lower, y), (end, y)], line),
                    PathElement::new(vec![(lower, y - cap), (lower, y + cap)], line),
                ])?;
                if clipped {
                    chart.draw_series([arrow((end, y))])?;
                } else {
                    chart.draw_series([PathElement::new(
                        vec![(end, y - cap), (end, y + cap)],
                        line,
                    )])?;
                }
                chart.draw_series([Circle::new((point, y), 8, color.filled())])?;
            }
            Mark::Bound(at) => {
                let end = (at + ARROW).min(right);
                chart.draw_series([PathElement::new(vec![(at, y), (end, y)], line)])?;
                chart.draw_series([arrow((end, y))])?;
                chart.draw_series([Circle::new((at, y), 8, WHITE.filled())])?;
                chart.draw_series([Circle::new((at, y), 8, line)])?;
            }
        }
        Ok(())
    }
}
