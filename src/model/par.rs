//! CPU work split across the cores in contiguous, ordered ranges (table
//! filters, cluster parsing): pure computation, no I/O.

/// Runs `f(lo, hi)` over `0..n` in one contiguous range per core (up to 8)
/// when `n` is at least `min`, else once on the caller's thread; the results
/// come back in range order. A range whose thread died is redone on the
/// caller's thread rather than lost.
pub fn ranges<T: Send>(n: usize, min: usize, f: impl Fn(usize, usize) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get().min(8));
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

#[cfg(test)]
mod tests {
    use super::ranges;

    #[test]
    fn ranges_cover_everything_once_in_order() {
        for n in [0, 1, 7, 10_000] {
            let parts = ranges(n, 100, |lo, hi| (lo..hi).collect::<Vec<_>>());
            let all: Vec<usize> = parts.into_iter().flatten().collect();
            assert_eq!(all, (0..n).collect::<Vec<_>>());
        }
    }
}
