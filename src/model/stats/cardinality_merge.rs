//! Merging the counts of chunks analysed on different threads.

use super::{Acc, LabelAcc};

impl<'a> LabelAcc<'a> {
    pub(super) fn merge(&mut self, mut other: LabelAcc<'a>) {
        self.series += other.series;
        for (mine, theirs) in self.shapes.iter_mut().zip(other.shapes) {
            *mine += theirs;
        }
        self.sampled += other.sampled;
        let room = 3usize.saturating_sub(self.examples.len());
        self.examples.extend(other.examples.into_iter().take(room));
        if other.values.len() > self.values.len() {
            std::mem::swap(&mut self.values, &mut other.values);
        }
        self.values.extend(other.values);
    }
}

impl<'a> Acc<'a> {
    /// Adds another chunk's counts (chunks in input order).
    pub(super) fn merge(&mut self, other: Acc<'a>) {
        if self.families.is_empty() {
            *self = other;
            return;
        }
        for f in other.families {
            let next = self.families.len();
            let i = *self.index.entry(f.key).or_insert(next);
            if i == next {
                self.families.push(f);
                continue;
            }
            let Some(mine) = self.families.get_mut(i) else {
                continue;
            };
            mine.series += f.series;
            mine.bytes += f.bytes;
            for l in f.labels {
                let at = mine.label_slot(usize::MAX, l.name);
                if let Some(m) = mine.labels.get_mut(at) {
                    m.merge(l);
                }
            }
        }
    }
}
