//! Shared strings for the values thousands of instances repeat (engine, version, class, zone,
//! window, status, account, tag keys and values) and for the ARNs the metric plan and the
//! history name their series by: one allocation each instead of one per instance or series.
//! At 5,000 instances the owned copies were a fifth of the dashboard's heap.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An immutable string behind an `Arc`: cloning it shares it. Reads as a `&str` (`Deref`),
/// compares with `&str` and `String`, and serializes as a plain string.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Sym(Arc<str>);

impl Sym {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether two values share one allocation (interned, or cloned from one another).
    pub fn ptr_eq(a: &Sym, b: &Sym) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl Deref for Sym {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Sym {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Sym {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for Sym {
    fn from(s: &str) -> Sym {
        Sym(Arc::from(s))
    }
}

impl From<String> for Sym {
    fn from(s: String) -> Sym {
        Sym(Arc::from(s))
    }
}

impl From<&String> for Sym {
    fn from(s: &String) -> Sym {
        Sym(Arc::from(s.as_str()))
    }
}

impl From<&Sym> for Sym {
    fn from(s: &Sym) -> Sym {
        s.clone()
    }
}

impl From<&Sym> for String {
    fn from(s: &Sym) -> String {
        s.0.to_string()
    }
}

impl From<Sym> for String {
    fn from(s: Sym) -> String {
        s.0.to_string()
    }
}

impl PartialEq<str> for Sym {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Sym {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Sym {
    fn eq(&self, other: &String) -> bool {
        &*self.0 == other.as_str()
    }
}

impl PartialEq<Sym> for str {
    fn eq(&self, other: &Sym) -> bool {
        self == &*other.0
    }
}

impl PartialEq<Sym> for &str {
    fn eq(&self, other: &Sym) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<Sym> for String {
    fn eq(&self, other: &Sym) -> bool {
        self.as_str() == &*other.0
    }
}

impl Serialize for Sym {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Sym {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Sym, D::Error> {
        Ok(Sym::from(String::deserialize(d)?))
    }
}

/// One `Sym` per distinct value. Values no one holds any more are dropped when the set has
/// doubled since the last sweep, so instances that come and go do not grow it for ever.
#[derive(Debug, Default)]
pub struct Interner {
    set: HashSet<Sym>,
    sweep_at: usize,
}

/// The set's size below which it is never swept.
const FIRST_SWEEP: usize = 1024;

impl Interner {
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(found) = self.set.get(s) {
            return found.clone();
        }
        if self.set.len() >= self.sweep_at.max(FIRST_SWEEP) {
            self.set.retain(|v| Arc::strong_count(&v.0) > 1);
            self.sweep_at = self.set.len() * 2;
        }
        let v = Sym::from(s);
        self.set.insert(v.clone());
        v
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

/// Resource tags, sorted by key: a boxed slice of pairs (a `BTreeMap` leaf is about 360 bytes
/// for the two or three tags an instance carries). Serializes as a map, like the map it was.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Tags(Box<[(Sym, Sym)]>);

impl Tags {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.find(key).ok().map(|i| self.0[i].1.as_str())
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` (a builder's call: it reallocates the pairs).
    pub fn insert(&mut self, key: impl Into<Sym>, value: impl Into<Sym>) {
        let (key, value) = (key.into(), value.into());
        let mut pairs = std::mem::take(&mut self.0).into_vec();
        match pairs.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(i) => pairs[i].1 = value,
            Err(i) => pairs.insert(i, (key, value)),
        }
        self.0 = pairs.into_boxed_slice();
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Sym, &Sym)> + '_ {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }
}

impl std::ops::Index<&str> for Tags {
    type Output = str;
    fn index(&self, key: &str) -> &str {
        self.get(key).unwrap_or_else(|| panic!("no tag {key:?}"))
    }
}

impl<K: Into<Sym>, V: Into<Sym>> FromIterator<(K, V)> for Tags {
    /// Sorted by key; the last value of a repeated key wins (as a map's insert).
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Tags {
        let mut pairs: Vec<(Sym, Sym)> = iter.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        pairs.reverse();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        pairs.dedup_by(|later, earlier| later.0 == earlier.0);
        Tags(pairs.into_boxed_slice())
    }
}

impl fmt::Debug for Tags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Tags {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Tags, D::Error> {
        let map = std::collections::BTreeMap::<String, String>::deserialize(d)?;
        Ok(map.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_values_share_one_allocation_and_unheld_ones_are_swept() {
        let mut names = Interner::default();
        let a = names.intern("db.r6g.large");
        let b = names.intern("db.r6g.large");
        assert!(Sym::ptr_eq(&a, &b));
        assert_eq!(a, "db.r6g.large");
        // Fill past the first sweep with values no one keeps: they go, the held one stays.
        for i in 0..FIRST_SWEEP + 1 {
            names.intern(&format!("gone-{i}"));
        }
        assert!(names.len() < 10, "{} values kept", names.len());
        assert!(Sym::ptr_eq(&names.intern("db.r6g.large"), &a));
    }

    #[test]
    fn tags_stay_sorted_and_serialize_as_the_map_they_were() {
        let mut t: Tags = [("team", "ledger"), ("env", "prod"), ("team", "payments")].into_iter().collect();
        assert_eq!(t.get("team"), Some("payments"), "the last value of a key wins");
        t.insert("app", "api");
        t.insert("env", "staging");
        let keys: Vec<&str> = t.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["app", "env", "team"]);
        assert_eq!(&t["env"], "staging");
        assert!(t.get("owner").is_none() && !t.contains_key("owner"));
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, r#"{"app":"api","env":"staging","team":"payments"}"#);
        let map: std::collections::BTreeMap<String, String> = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string(&map).unwrap(), json);
        assert_eq!(serde_json::from_str::<Tags>(&json).unwrap(), t);
    }
}
