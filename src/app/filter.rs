//! The `/` filter: space-separated terms, all of which must match. A bare term matches as a
//! case-insensitive substring of the row's name and main fields; `field:value` matches one field.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub text: String,
    terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    field: Option<String>,
    value: String,
}

/// A row the filter can look into.
pub trait Filterable {
    /// Text searched by bare terms.
    fn haystack(&self) -> String;
    /// A named field's value, or None if the row has no such field.
    fn field(&self, name: &str) -> Option<String>;
}

impl Filter {
    pub fn parse(text: &str) -> Filter {
        let terms = text
            .split_whitespace()
            .map(|t| match t.split_once(':') {
                Some((f, v)) if !f.is_empty() => {
                    Term { field: Some(f.to_ascii_lowercase()), value: v.to_lowercase() }
                }
                _ => Term { field: None, value: t.to_lowercase() },
            })
            .collect();
        Filter { text: text.trim().to_string(), terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn matches(&self, row: &impl Filterable) -> bool {
        if self.terms.is_empty() {
            return true;
        }
        let hay = self.terms.iter().any(|t| t.field.is_none()).then(|| row.haystack().to_lowercase());
        self.terms.iter().all(|t| match &t.field {
            None => hay.as_deref().is_some_and(|h| h.contains(&t.value)),
            Some(f) => row.field(f).is_some_and(|v| v.to_lowercase().contains(&t.value)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(&'static str, &'static str);
    impl Filterable for Row {
        fn haystack(&self) -> String {
            self.0.into()
        }
        fn field(&self, name: &str) -> Option<String> {
            (name == "region").then(|| self.1.into())
        }
    }

    #[test]
    fn terms_and_fields() {
        let r = Row("orders-mysql", "eu-west-1");
        assert!(Filter::parse("").matches(&r));
        assert!(Filter::parse("ORDERS").matches(&r));
        assert!(Filter::parse("orders region:eu").matches(&r));
        assert!(!Filter::parse("orders region:us").matches(&r));
        assert!(!Filter::parse("engine:mysql").matches(&r), "unknown field never matches");
    }
}
