//! Merging the counts of pieces analysed apart (on different threads, or
//! read in blocks).

use super::{Acc, FamilyAcc, LabelAcc};

impl LabelAcc {
    fn merge(&mut self, mut other: LabelAcc) {
        self.series += other.series;
        for (mine, theirs) in self.shapes.iter_mut().zip(other.shapes) {
            *mine += theirs;
        }
        // The shapes are of each piece's first values: a value in both
        // pieces is classified twice (the flags go by shares, so this only
        // matters at a share of exactly one half).
        self.sampled += other.sampled;
        // Fewer than three examples here are all this piece's values, so
        // the first three distinct values of the whole are kept.
        for e in other.examples {
            if self.examples.len() < 3 && !self.examples.contains(&e) {
                self.examples.push(e);
            }
        }
        if other.values.len() > self.values.len() {
            std::mem::swap(&mut self.values, &mut other.values);
        }
        self.values.extend(other.values);
    }
}

impl Acc {
    /// Adds another piece's counts (pieces in input order).
    pub(super) fn merge(&mut self, other: Acc) {
        if self.families.is_empty() {
            *self = other;
            return;
        }
        for f in other.families {
            let slot = self.family_slot((f.root, &f.head, &f.tail));
            self.merge_family(slot, f);
        }
    }

    /// Adds family `f`'s counts to the family at `slot`.
    pub(super) fn merge_family(&mut self, slot: usize, f: FamilyAcc) {
        let Some(mine) = self.families.get_mut(slot) else {
            return;
        };
        mine.series += f.series;
        mine.bytes += f.bytes;
        for l in f.labels {
            let at = mine.label_slot(usize::MAX, &l.name);
            if let Some(m) = mine.labels.get_mut(at) {
                m.merge(l);
            }
        }
    }
}
