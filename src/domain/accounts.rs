//! Accounts as people know them: a name for each 12-digit id (from config, the organization,
//! or the account's alias), and a colour for the rows of an account or of a tag value, so a
//! shared screen never mixes prod and staging up.

use std::collections::BTreeMap;

use super::sym::Tags;

/// An RGB colour, theme-independent (a prod account is red in every theme).
pub type Rgb = (u8, u8, u8);

/// `red`, `yellow`, `green`, `blue`, `magenta`, `cyan`, `orange`, `#rrggbb`.
pub fn parse_color(s: &str) -> Option<Rgb> {
    let s = s.trim().to_ascii_lowercase();
    if let Some(hex) = s.strip_prefix('#') {
        if hex.len() != 6 {
            return None;
        }
        let v = u32::from_str_radix(hex, 16).ok()?;
        return Some(((v >> 16) as u8, (v >> 8) as u8, v as u8));
    }
    Some(match s.as_str() {
        "red" => (220, 50, 47),
        "yellow" => (181, 137, 0),
        "orange" => (203, 75, 22),
        "green" => (133, 153, 0),
        "blue" => (38, 139, 210),
        "magenta" => (211, 54, 130),
        "cyan" => (42, 161, 152),
        _ => return None,
    })
}

/// Where a name came from, best first: what the user wrote wins over what AWS says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameSource {
    Config,
    Organization,
    Alias,
}

/// Account names and colours, by account id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accounts {
    names: BTreeMap<String, (String, NameSource)>,
    colors: BTreeMap<String, Rgb>,
    /// `(key, value, colour)`: rows of resources with that tag.
    tag_colors: Vec<(String, String, Rgb)>,
}

impl Accounts {
    /// Learn a name; a better source replaces a worse one, never the other way round.
    pub fn name(&mut self, id: &str, name: &str, source: NameSource) {
        if name.trim().is_empty() {
            return;
        }
        match self.names.get(id) {
            Some((_, have)) if *have <= source => {}
            _ => {
                self.names.insert(id.to_string(), (name.to_string(), source));
            }
        }
    }

    pub fn color(&mut self, id: &str, rgb: Rgb) {
        self.colors.insert(id.to_string(), rgb);
    }

    /// `env=production` -> rows of resources tagged so.
    pub fn tag_color(&mut self, tag: &str, rgb: Rgb) {
        if let Some((k, v)) = tag.split_once('=') {
            self.tag_colors.push((k.trim().to_string(), v.trim().to_string(), rgb));
        }
    }

    /// The account's name, if known.
    pub fn name_of(&self, id: &str) -> Option<&str> {
        self.names.get(id).map(|(n, _)| n.as_str())
    }

    /// The name, else the id: what to show.
    pub fn label<'a>(&'a self, id: &'a str) -> &'a str {
        self.name_of(id).unwrap_or(id)
    }

    /// A row's colour: its tags' first, then its account's.
    pub fn color_of(&self, account: &str, tags: &Tags) -> Option<Rgb> {
        self.tag_colors
            .iter()
            .find(|(k, v, _)| tags.get(k).is_some_and(|x| x == v))
            .map(|(_, _, c)| *c)
            .or_else(|| self.colors.get(account).copied())
    }

    /// Every named account, by id.
    pub fn names(&self) -> impl Iterator<Item = (&str, &str)> {
        self.names.iter().map(|(id, (n, _))| (id.as_str(), n.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.colors.is_empty() && self.tag_colors.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_their_source_and_colours_their_tags_first() {
        let mut a = Accounts::default();
        a.name("111111111111", "payments-alias", NameSource::Alias);
        a.name("111111111111", "Payments (org)", NameSource::Organization);
        a.name("111111111111", "payments-prod", NameSource::Config);
        a.name("111111111111", "later alias", NameSource::Alias);
        assert_eq!(a.label("111111111111"), "payments-prod");
        assert_eq!(a.label("222222222222"), "222222222222", "unknown: the id");
        a.color("111111111111", parse_color("blue").unwrap());
        a.tag_color("env=production", parse_color("#ff0000").unwrap());
        let prod: Tags = [("env", "production")].into_iter().collect();
        assert_eq!(a.color_of("111111111111", &prod), Some((255, 0, 0)), "the tag wins");
        assert_eq!(a.color_of("111111111111", &Tags::default()), Some((38, 139, 210)));
        assert_eq!(a.color_of("333333333333", &Tags::default()), None);
        assert_eq!(parse_color("#12"), None);
        assert_eq!(parse_color("purple"), None);
    }
}
