//! The `/` filter: space-separated terms, all of which must match. A bare term matches as a
//! case-insensitive substring of the row's main fields; `field:value` matches one field.
//! Each row type declares its fields once (`Filterable::FIELDS`): matching and the hint
//! line under the prompt both read that table.

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

/// One field a filter can name: `names[0]:value` (or an alias). `bare` fields are the ones a
/// term without a field searches.
pub struct Field<T> {
    pub names: &'static [&'static str],
    pub bare: bool,
    pub get: fn(&T) -> Option<String>,
}

/// A row the filter can look into.
pub trait Filterable: Sized + 'static {
    const FIELDS: &'static [Field<Self>];

    fn field(&self, name: &str) -> Option<String> {
        Self::FIELDS.iter().find(|f| f.names.contains(&name)).and_then(|f| (f.get)(self))
    }
}

/// The field names a row type answers to (first names only), for the prompt's hint.
pub fn field_names<T: Filterable>() -> impl Iterator<Item = &'static str> {
    T::FIELDS.iter().map(|f| f.names[0])
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

    pub fn matches<T: Filterable>(&self, row: &T) -> bool {
        if self.terms.is_empty() {
            return true;
        }
        let bare = || T::FIELDS.iter().filter(|f| f.bare).filter_map(|f| (f.get)(row));
        self.terms.iter().all(|t| match &t.field {
            None => bare().any(|v| v.to_lowercase().contains(&t.value)),
            Some(f) => row.field(f).is_some_and(|v| v.to_lowercase().contains(&t.value)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(&'static str, &'static str);
    impl Filterable for Row {
        const FIELDS: &'static [Field<Row>] = &[
            Field { names: &["name"], bare: true, get: |r| Some(r.0.into()) },
            Field { names: &["region", "r"], bare: false, get: |r| Some(r.1.into()) },
        ];
    }

    #[test]
    fn terms_and_fields() {
        let r = Row("orders-mysql", "eu-west-1");
        assert!(Filter::parse("").matches(&r));
        assert!(Filter::parse("ORDERS").matches(&r));
        assert!(Filter::parse("orders region:eu").matches(&r));
        assert!(Filter::parse("r:eu").matches(&r), "an alias");
        assert!(!Filter::parse("orders region:us").matches(&r));
        assert!(!Filter::parse("west").matches(&r), "bare terms search bare fields only");
        assert!(!Filter::parse("engine:mysql").matches(&r), "unknown field never matches");
        assert_eq!(field_names::<Row>().collect::<Vec<_>>(), ["name", "region"]);
    }
}
