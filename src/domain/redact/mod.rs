//! `--redact`: masks account ids, ARNs and endpoints (and, for `names`, resource names) in
//! snapshots, so screens, exports and recordings built from them can be shared. Aliases are
//! numbered in order of first sight and one `Redactor` always maps a string the same way, so
//! equality (an instance's ARN and the `replica_source` naming it) survives redaction.
//! This file holds the mode and the alias core (ids, ARNs, free text); `snapshot` applies it
//! to every field of a snapshot.

mod snapshot;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;

use super::model::Inventory;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedactMode {
    /// Account ids, ARNs' accounts and endpoints.
    Ids,
    /// `Ids`, and resource names (instances, clusters, MSK clusters, groups, topics) too.
    Names,
}

impl RedactMode {
    /// `--redact` (empty), `--redact=ids`, `--redact=names`.
    pub fn parse(s: &str) -> Option<RedactMode> {
        match s {
            "" | "ids" => Some(RedactMode::Ids),
            "names" => Some(RedactMode::Names),
            _ => None,
        }
    }
}

/// What an alias stands for: each kind has its own numbering and prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Account,
    Endpoint,
    Db,
    Cluster,
    Global,
    Msk,
    BlueGreen,
    Group,
    Topic,
    Params,
    Other,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Account => "acct",
            Kind::Endpoint => "endpoint",
            Kind::Db => "db",
            Kind::Cluster => "cluster",
            Kind::Global => "global",
            Kind::Msk => "msk",
            Kind::BlueGreen => "bg",
            Kind::Group => "group",
            Kind::Topic => "topic",
            Kind::Params => "params",
            Kind::Other => "res",
        }
    }

    /// Names people write in messages; free text replaces them as whole words.
    fn is_name(self) -> bool {
        !matches!(self, Kind::Account | Kind::Endpoint | Kind::Other)
    }
}

/// Digits in a row that read as an account id (or hide one).
const ACCOUNT_DIGITS: usize = 12;

/// Where an `arn:` token in free text ends (besides whitespace).
const ARN_END: &[char] = &['"', '\'', '`', ',', '(', ')', '[', ']', '{', '}', '<', '>', ';'];

#[derive(Debug, Clone)]
pub struct Redactor {
    mode: RedactMode,
    aliases: HashMap<(Kind, String), String>,
    counts: HashMap<Kind, u32>,
    /// Names seen so far (first kind wins), for free text in `Names` mode.
    known: HashMap<String, String>,
    /// The last inventory in and out: a source that did not refresh sends the same `Arc`, and
    /// the app's cheap `Arc::ptr_eq` check must keep seeing the same one.
    last: Option<(Arc<Inventory>, Arc<Inventory>)>,
}

impl Redactor {
    pub fn new(mode: RedactMode) -> Self {
        Redactor { mode, aliases: HashMap::new(), counts: HashMap::new(), known: HashMap::new(), last: None }
    }

    pub fn mode(&self) -> RedactMode {
        self.mode
    }

    /// Free text: 12-digit runs, `arn:` tokens, `*.amazonaws.com` hosts and (in `Names`
    /// mode) names seen so far, as whole words.
    pub fn text(&mut self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(c) = rest.chars().next() {
            let used = if rest.starts_with("arn:") {
                let end =
                    rest.find(|c: char| c.is_whitespace() || ARN_END.contains(&c)).unwrap_or(rest.len());
                // A sentence's full stop is not part of the ARN.
                let token = rest[..end].trim_end_matches(['.', ':']);
                out.push_str(&self.arn(token));
                token.len()
            } else if is_word(c) {
                let end = rest.find(|c: char| !is_word(c)).unwrap_or(rest.len());
                out.push_str(&self.word(&rest[..end]));
                end
            } else {
                out.push(c);
                c.len_utf8()
            };
            rest = &rest[used..];
        }
        out
    }

    fn word(&mut self, w: &str) -> String {
        let core = w.trim_end_matches('.');
        let tail = &w[core.len()..];
        let lower = core.to_ascii_lowercase();
        let core = if lower.ends_with(".amazonaws.com") || lower.ends_with(".amazonaws.com.cn") {
            self.alias(Kind::Endpoint, core)
        } else if let Some(alias) = self.known.get(core).filter(|_| self.mode == RedactMode::Names) {
            alias.clone()
        } else if let Some(replaced) = self.compound(core) {
            replaced
        } else {
            self.digits(core)
        };
        core + tail
    }

    /// A word that embeds known names (`orders-mysql-cpu-high`, as alarm names are made), in
    /// `Names` mode: each longest run of its `-` `_` `.` parts that is a known name replaced.
    /// None when no part of it is a name.
    fn compound(&mut self, w: &str) -> Option<String> {
        if self.mode != RedactMode::Names || !w.contains(['-', '_', '.']) {
            return None;
        }
        // Part boundaries: (start, end) of each run between separators.
        let mut parts = Vec::new();
        let mut start = 0;
        for (i, c) in w.char_indices() {
            if matches!(c, '-' | '_' | '.') {
                parts.push((start, i));
                start = i + 1;
            }
        }
        parts.push((start, w.len()));
        let mut out = String::with_capacity(w.len());
        let (mut i, mut any) = (0, false);
        while i < parts.len() {
            let found = (i..parts.len()).rev().find_map(|j| {
                let name = &w[parts[i].0..parts[j].1];
                self.known.get(name).map(|alias| (j, alias.clone()))
            });
            let (j, text) = match found {
                Some((j, alias)) => {
                    any = true;
                    (j, alias)
                }
                None => (i, self.digits(&w[parts[i].0..parts[i].1])),
            };
            out.push_str(&text);
            // The separator after the run, if any.
            out.push_str(&w[parts[j].1..parts.get(j + 1).map_or(w.len(), |p| p.0)]);
            i = j + 1;
        }
        any.then_some(out)
    }

    /// `arn:partition:service:region:account:resource`: the account always, the resource's
    /// name in `Names` mode (with the kind its id has elsewhere, so the two still match).
    fn arn(&mut self, s: &str) -> String {
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        let ["arn", partition, service, region, account, resource] = parts[..] else {
            return self.digits(s);
        };
        let account = self.account(account);
        let resource = match self.mode {
            RedactMode::Ids => resource.to_string(),
            RedactMode::Names => self.arn_resource(service, resource),
        };
        self.digits(&format!("arn:{partition}:{service}:{region}:{account}:{resource}"))
    }

    fn arn_resource(&mut self, service: &str, resource: &str) -> String {
        match (service, resource.split_once(':')) {
            ("rds", Some((kind, id))) => {
                let k = match kind {
                    "db" => Kind::Db,
                    "cluster" => Kind::Cluster,
                    "global-cluster" => Kind::Global,
                    _ => Kind::Other,
                };
                format!("{kind}:{}", self.alias(k, id))
            }
            // cluster/NAME/UUID, topic/CLUSTER/UUID/TOPIC, group/CLUSTER/UUID/GROUP
            ("kafka", _) => match resource.splitn(4, '/').collect::<Vec<_>>()[..] {
                [kind, cluster, uuid] => format!("{kind}/{}/{uuid}", self.alias(Kind::Msk, cluster)),
                [kind, cluster, uuid, name] => {
                    let k = match kind {
                        "topic" => Kind::Topic,
                        "group" => Kind::Group,
                        _ => Kind::Other,
                    };
                    format!("{kind}/{}/{uuid}/{}", self.alias(Kind::Msk, cluster), self.alias(k, name))
                }
                _ => self.alias(Kind::Other, resource),
            },
            _ => self.alias(Kind::Other, resource),
        }
    }

    /// Parameter group names often carry the database's name; AWS's own (`default.*`) say
    /// only the engine and are kept.
    fn param_group(&mut self, s: &str) -> String {
        if s.starts_with("default.") { s.to_string() } else { self.name(Kind::Params, s) }
    }

    fn account(&mut self, s: &str) -> String {
        self.alias(Kind::Account, s)
    }

    /// A resource name: an alias in `Names` mode, kept (digit runs masked) otherwise.
    fn name(&mut self, kind: Kind, s: &str) -> String {
        match self.mode {
            RedactMode::Ids => self.digits(s),
            RedactMode::Names => self.alias(kind, s),
        }
    }

    /// A reference that is an id, or an ARN when it crosses regions (`replica_source`).
    fn id_or_arn(&mut self, kind: Kind, s: &str) -> String {
        if s.starts_with("arn:") { self.arn(s) } else { self.name(kind, s) }
    }

    fn alias(&mut self, kind: Kind, s: &str) -> String {
        if s.is_empty() {
            return String::new();
        }
        if let Some(a) = self.aliases.get(&(kind, s.to_string())) {
            return a.clone();
        }
        let n = self.counts.entry(kind).or_default();
        *n += 1;
        let alias = format!("{}-{:03}", kind.prefix(), n);
        self.aliases.insert((kind, s.to_string()), alias.clone());
        if kind.is_name() {
            self.known.entry(s.to_string()).or_insert_with(|| alias.clone());
        }
        alias
    }

    /// Every run of 12 or more digits becomes an account alias.
    fn digits(&mut self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
            let len = rest[start..].find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len() - start);
            let run = &rest[start..start + len];
            out.push_str(&rest[..start]);
            if len >= ACCOUNT_DIGITS {
                out.push_str(&self.account(run));
            } else {
                out.push_str(run);
            }
            rest = &rest[start + len..];
        }
        out + rest
    }
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}
