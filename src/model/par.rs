//! CPU work split across the cores in contiguous, ordered ranges (table
//! filters, cluster parsing): pure computation, no I/O.

/// Threads the work is split between: one per core, at most 8.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |t| t.get().min(8))
}

/// Runs `f(lo, hi)` over `0..n` in one contiguous range per core (up to 8)
/// when `n` is at least `min`, else once on the caller's thread; the results
/// come back in range order. A range whose thread died is redone on the
/// caller's thread rather than lost.
pub fn ranges<T: Send>(n: usize, min: usize, f: impl Fn(usize, usize) -> T + Sync) -> Vec<T> {
    let threads = threads();
    if n < min || threads < 2 {
        return vec![f(0, n)];
    }
    let chunk = n.div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let parts: Vec<_> = (0..threads)
            .map(|t| {
                let (lo, hi) = ((t * chunk).min(n), ((t + 1) * chunk).min(n));
                (lo, hi, s.spawn(move || f(lo, hi)))
            })
            .collect();
        parts
            .into_iter()
            .map(|(lo, hi, part)| part.join().unwrap_or_else(|_| f(lo, hi)))
            .collect()
    })
}

/// [`ranges`] for work that keeps some of its range's items: `f(lo, hi,
/// out)` writes at most `hi - lo` results into `out` (as long as its range)
/// and says how many. They are written into one buffer, each range into its
/// own part, then moved together in range order: no buffer per range and no
/// copy into a joined one (at millions of results, fresh buffers cost more
/// in page faults than the work).
///
/// The results go into `out` (its old contents dropped), whose memory is
/// reused when it is large enough: the caller may keep one for the purpose.
pub fn ranges_into<T: Copy + Default + Send>(
    out: &mut Vec<T>,
    n: usize,
    min: usize,
    f: impl Fn(usize, usize, &mut [T]) -> usize + Sync,
) {
    let threads = threads();
    out.clear();
    out.resize(n, T::default());
    if n < min || threads < 2 {
        let kept = f(0, n, out).min(n);
        out.truncate(kept);
        return;
    }
    let chunk = n.div_ceil(threads);
    let f = &f;
    let kept: Vec<(usize, usize)> = std::thread::scope(|s| {
        let parts: Vec<_> = out
            .chunks_mut(chunk)
            .enumerate()
            .map(|(t, part)| {
                let lo = t * chunk;
                let hi = lo + part.len();
                (lo, hi, s.spawn(move || f(lo, hi, part).min(hi - lo)))
            })
            .collect();
        parts
            .into_iter()
            .map(|(lo, hi, part)| (lo, part.join().unwrap_or(usize::MAX).min(hi - lo)))
            .collect()
    });
    let mut len = 0;
    for &(lo, count) in &kept {
        let hi = (lo + chunk).min(n);
        // A range whose thread died is redone here rather than lost.
        let count = if count == usize::MAX {
            f(lo, hi, out.get_mut(lo..hi).unwrap_or(&mut [])).min(hi - lo)
        } else {
            count
        };
        out.copy_within(lo..lo + count, len);
        len += count;
    }
    out.truncate(len);
}

#[cfg(test)]
mod tests {
    use super::{ranges, ranges_into};

    #[test]
    fn ranges_into_keeps_what_each_range_kept_in_order() {
        for n in [0, 1, 7, 10_000, 100_001] {
            let mut odd = vec![7; 3];
            ranges_into(&mut odd, n, 100, |lo, hi, out: &mut [usize]| {
                let mut k = 0;
                for i in (lo..hi).filter(|i| i % 3 == 1) {
                    out[k] = i;
                    k += 1;
                }
                k
            });
            assert_eq!(
                odd,
                (0..n).filter(|i| i % 3 == 1).collect::<Vec<_>>(),
                "{n}"
            );
        }
    }

    #[test]
    fn ranges_cover_everything_once_in_order() {
        for n in [0, 1, 7, 10_000] {
            let parts = ranges(n, 100, |lo, hi| (lo..hi).collect::<Vec<_>>());
            let all: Vec<usize> = parts.into_iter().flatten().collect();
            assert_eq!(all, (0..n).collect::<Vec<_>>());
        }
    }
}
