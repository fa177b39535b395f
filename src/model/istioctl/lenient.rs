//! Lenient proto-JSON field types for the borrowed views in `proto`: a
//! string, number, object or list of the wrong JSON type reads as its proto3
//! default instead of failing, strings borrow the input when they can.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// Defines the `visit_*` methods of the JSON types a visitor does not read,
/// each giving `$v` (arrays and objects are skipped to their end).
macro_rules! otherwise {
    ($v:expr; $($kind:ident),*) => { $( otherwise!(@one $kind, $v); )* };
    (@one bool, $v:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> { Ok($v) }
    };
    (@one i64, $v:expr) => {
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> { Ok($v) }
    };
    (@one u64, $v:expr) => {
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> { Ok($v) }
    };
    (@one f64, $v:expr) => {
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> { Ok($v) }
    };
    (@one str, $v:expr) => {
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> { Ok($v) }
    };
    (@one unit, $v:expr) => {
        fn visit_unit<E>(self) -> Result<Self::Value, E> { Ok($v) }
        fn visit_none<E>(self) -> Result<Self::Value, E> { Ok($v) }
    };
    (@one seq, $v:expr) => {
        fn visit_seq<S: SeqAccess<'de>>(self, mut s: S) -> Result<Self::Value, S::Error> {
            while s.next_element::<IgnoredAny>()?.is_some() {}
            Ok($v)
        }
    };
    (@one map, $v:expr) => {
        fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<Self::Value, M::Error> {
            while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok($v)
        }
    };
}

pub(super) use otherwise;

/// A string field: [`Str::get`] is `""` when absent, `null` or not a string;
/// [`Str::as_str`] is `None` unless it is a string; [`Str::present`] says
/// whether the key was there at all (even as `null`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Str<'a> {
    pub(super) value: Option<Cow<'a, str>>,
    present: bool,
}

impl<'a> Str<'a> {
    /// The string, `""` for anything else.
    pub fn get(&self) -> &str {
        self.value.as_deref().unwrap_or("")
    }

    /// The string, if the value is one.
    pub fn as_str(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// Whether the key was present.
    pub fn present(&self) -> bool {
        self.present
    }

    /// The string as a `Cow` that keeps borrowing the input.
    pub fn into_cow(self) -> Cow<'a, str> {
        self.value.unwrap_or_default()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Option<Cow<'a, str>>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Some(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(s.to_string())))
            }
            fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(s)))
            }
            otherwise!(None; bool, i64, u64, f64, unit, seq, map);
        }
        let value = d.deserialize_any(V(PhantomData))?;
        Ok(Str {
            value,
            present: true,
        })
    }
}

/// A `port_value`-like number: JSON numbers within u32 and numeric strings;
/// 0 for anything else.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Port(pub u32);

impl<'de> Deserialize<'de> for Port {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Port;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a port number")
            }
            fn visit_u64<E>(self, n: u64) -> Result<Port, E> {
                Ok(Port(u32::try_from(n).unwrap_or(0)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Port, E> {
                Ok(Port(s.parse().unwrap_or(0)))
            }
            otherwise!(Port(0); bool, i64, f64, unit, seq, map);
        }
        d.deserialize_any(V)
    }
}

/// An object field: `None` when absent or `null`; the object when it is one;
/// `T::default()` for any other JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obj<T>(pub Option<T>);

impl<T> Default for Obj<T> {
    fn default() -> Self {
        Obj(None)
    }
}

impl<T> Obj<T> {
    /// The object, if present.
    pub fn get(&self) -> Option<&T> {
        self.0.as_ref()
    }
}

impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Default> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: MapAccess<'de>>(self, m: M) -> Result<Obj<T>, M::Error> {
                T::deserialize(MapAccessDeserializer::new(m)).map(|t| Obj(Some(t)))
            }
            otherwise!(Obj(None); unit);
            otherwise!(Obj(Some(T::default())); bool, i64, u64, f64, str, seq);
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A repeated message field: empty unless it is an array; elements that are
/// not objects read as `T::default()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List<T>(pub Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<T> std::ops::Deref for List<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Default> Visitor<'de> for V<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut s: S) -> Result<List<T>, S::Error> {
                let mut out = Vec::with_capacity(s.size_hint().unwrap_or(0).min(1024));
                while let Some(item) = s.next_element::<Obj<T>>()? {
                    out.push(item.0.unwrap_or_default());
                }
                Ok(List(out))
            }
            otherwise!(List(Vec::new()); bool, i64, u64, f64, str, unit, map);
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A repeated string field: the elements that are strings.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Strings<'a>(pub Vec<Cow<'a, str>>);

impl Strings<'_> {
    /// The strings as `&str`s.
    pub fn to_strs(&self) -> Vec<&str> {
        self.0.iter().map(Cow::as_ref).collect()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Strings<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Strings<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of strings")
            }
            fn visit_seq<S: SeqAccess<'de>>(self, mut s: S) -> Result<Strings<'a>, S::Error> {
                let mut out = Vec::new();
                while let Some(Str { value, .. }) = s.next_element::<Str<'a>>()? {
                    out.extend(value);
                }
                Ok(Strings(out))
            }
            otherwise!(Strings(Vec::new()); bool, i64, u64, f64, str, unit, map);
        }
        d.deserialize_any(V(PhantomData))
    }
}
