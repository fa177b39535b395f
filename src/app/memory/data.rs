//! `/memory` parsed in the fetch task into its six fields.

use serde_json::Value;

/// The fields of `/memory`, in display order.
pub const MEMORY_FIELDS: [&str; 6] = [
    "allocated",
    "heap_size",
    "pageheap_unmapped",
    "pageheap_free",
    "total_thread_cache",
    "total_physical_bytes",
];

/// A parsed `/memory` answer: each of [`MEMORY_FIELDS`], `None` when absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryData {
    /// Values in [`MEMORY_FIELDS`] order.
    pub fields: [Option<u64>; 6],
}

/// Parses `/memory` (values are decimal strings or numbers).
pub fn process_memory(text: &str) -> Result<MemoryData, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("/memory: {e}"))?;
    let mut out = MemoryData::default();
    for (slot, name) in out.fields.iter_mut().zip(MEMORY_FIELDS) {
        *slot = match v.get(name) {
            Some(Value::String(s)) => s.parse().ok(),
            Some(Value::Number(n)) => n.as_u64(),
            _ => None,
        };
    }
    if out.fields.iter().all(Option::is_none) {
        return Err("/memory: none of the expected fields (allocated, heap_size…)".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cardinality::human_bytes;

    #[test]
    fn memory_reads_strings_and_numbers() {
        let m = process_memory(r#"{"allocated":"1024","heap_size":2048}"#).unwrap();
        assert_eq!(m.fields[0], Some(1024));
        assert_eq!(m.fields[1], Some(2048));
        assert_eq!(m.fields[2], None);
        assert!(process_memory("{}").is_err());
        assert!(process_memory("<html>")
            .unwrap_err()
            .starts_with("/memory: "));
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(12), "12 B");
    }
}
