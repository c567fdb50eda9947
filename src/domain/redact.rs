//! `--redact`: masks account ids, ARNs and endpoints (and, for `names`, resource names) in
//! snapshots, so screens, exports and recordings built from them can be shared. Aliases are
//! numbered in order of first sight and one `Redactor` always maps a string the same way, so
//! equality (an instance's ARN and the `replica_source` naming it) survives redaction.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::capability::CapabilityStatus;
use super::metrics::SeriesKey;
use super::model::Inventory;
use super::snapshot::{FleetSnapshot, SourceError, SourceInfo};

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

    pub fn snapshot(&mut self, mut s: FleetSnapshot) -> FleetSnapshot {
        s.inventory = match &self.last {
            Some((input, output)) if Arc::ptr_eq(input, &s.inventory) => output.clone(),
            _ => {
                let out = Arc::new(self.inventory((*s.inventory).clone()));
                self.last = Some((s.inventory, out.clone()));
                out
            }
        };
        for u in &mut s.metrics {
            self.series_key(&mut u.key);
        }
        s.source = self.source_info(s.source);
        s.errors = s.errors.into_iter().map(|e| self.error(e)).collect();
        s.capabilities = s.capabilities.into_iter().map(|c| self.capability(c)).collect();
        s
    }

    pub fn source_info(&mut self, mut i: SourceInfo) -> SourceInfo {
        i.label = self.text(&i.label);
        i.accounts = i.accounts.iter().map(|a| self.account(a)).collect();
        i
    }

    pub fn error(&mut self, mut e: SourceError) -> SourceError {
        e.account = e.account.map(|a| self.account(&a));
        e.message = self.text(&e.message);
        e
    }

    pub fn capability(&mut self, mut c: CapabilityStatus) -> CapabilityStatus {
        c.account = c.account.map(|a| self.account(&a));
        c.message = c.message.map(|m| self.text(&m));
        c
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
        } else {
            self.digits(core)
        };
        core + tail
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

    fn series_key(&mut self, k: &mut SeriesKey) {
        k.resource = self.id_or_arn(Kind::Other, &k.resource);
        k.group = k.group.take().map(|g| self.name(Kind::Group, &g));
        k.topic = k.topic.take().map(|t| self.name(Kind::Topic, &t));
    }

    fn tags(&mut self, tags: BTreeMap<String, String>) -> BTreeMap<String, String> {
        tags.into_iter().map(|(k, v)| (self.text(&k), self.text(&v))).collect()
    }

    fn inventory(&mut self, mut inv: Inventory) -> Inventory {
        self.learn(&inv);
        for d in &mut inv.instances {
            d.arn = self.arn(&d.arn);
            d.id = self.name(Kind::Db, &d.id);
            d.account = self.account(&d.account);
            d.cluster_id = d.cluster_id.take().map(|c| self.name(Kind::Cluster, &c));
            d.replica_source = d.replica_source.take().map(|r| self.id_or_arn(Kind::Db, &r));
            d.replicas = d.replicas.iter().map(|r| self.id_or_arn(Kind::Db, r)).collect();
            d.tags = self.tags(std::mem::take(&mut d.tags));
            if let Some(g) = &mut d.parameter_group {
                g.name = self.param_group(&g.name);
            }
        }
        for c in &mut inv.clusters {
            c.arn = self.arn(&c.arn);
            c.id = self.name(Kind::Cluster, &c.id);
            c.account = self.account(&c.account);
            for m in &mut c.members {
                m.instance_id = self.name(Kind::Db, &m.instance_id);
            }
            c.global_cluster_id = c.global_cluster_id.take().map(|g| self.name(Kind::Global, &g));
            c.tags = self.tags(std::mem::take(&mut c.tags));
            c.parameter_group = c.parameter_group.take().map(|g| self.param_group(&g));
        }
        for g in &mut inv.parameter_groups {
            g.name = self.param_group(&g.name);
            g.account = self.account(&g.account);
        }
        for g in &mut inv.global_clusters {
            g.id = self.name(Kind::Global, &g.id);
            for m in &mut g.members {
                m.cluster_arn = self.arn(&m.cluster_arn);
                m.cluster_id = self.name(Kind::Cluster, &m.cluster_id);
            }
        }
        for p in &mut inv.pending_actions {
            // The id is whatever the ARN names: an instance or a cluster.
            let kind = match p.resource_arn.split(':').nth(5) {
                Some("cluster") => Kind::Cluster,
                _ => Kind::Db,
            };
            p.resource_arn = self.arn(&p.resource_arn);
            p.resource_id = self.name(kind, &p.resource_id);
            p.description = p.description.take().map(|t| self.text(&t));
        }
        for b in &mut inv.blue_green {
            b.id = self.digits(&b.id);
            b.name = self.name(Kind::BlueGreen, &b.name);
            b.source_arn = self.arn(&b.source_arn);
            b.target_arn = b.target_arn.take().map(|a| self.arn(&a));
            b.status_details = b.status_details.take().map(|t| self.text(&t));
        }
        for k in &mut inv.kafka_clusters {
            k.arn = self.arn(&k.arn);
            k.name = self.name(Kind::Msk, &k.name);
            k.account = self.account(&k.account);
        }
        for g in &mut inv.consumer_groups {
            g.cluster_arn = self.arn(&g.cluster_arn);
            g.cluster_name = self.name(Kind::Msk, &g.cluster_name);
            g.group = self.name(Kind::Group, &g.group);
            g.topic = self.name(Kind::Topic, &g.topic);
        }
        let profiles = std::mem::take(&mut inv.load_profiles);
        inv.load_profiles =
            profiles.into_iter().map(|(arn, p)| (self.id_or_arn(Kind::Db, &arn), p)).collect();
        inv
    }

    /// Names first, so tags and descriptions can mention any name of the inventory.
    fn learn(&mut self, inv: &Inventory) {
        if self.mode == RedactMode::Ids {
            return;
        }
        let names = (inv.instances.iter().map(|d| (Kind::Db, &d.id)))
            .chain(inv.clusters.iter().map(|c| (Kind::Cluster, &c.id)))
            .chain(inv.global_clusters.iter().map(|g| (Kind::Global, &g.id)))
            .chain(inv.kafka_clusters.iter().map(|k| (Kind::Msk, &k.name)))
            .chain(inv.blue_green.iter().map(|b| (Kind::BlueGreen, &b.name)))
            .chain(
                inv.consumer_groups.iter().flat_map(|g| [(Kind::Group, &g.group), (Kind::Topic, &g.topic)]),
            );
        for (kind, name) in names {
            self.alias(kind, name);
        }
    }
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::OnceLock;

    use jiff::Timestamp;
    use proptest::prelude::*;

    use super::*;
    use crate::domain::snapshot::{ErrorKind, Service};
    use crate::source::demo::{DemoOptions, DemoSource};

    fn demo() -> &'static FleetSnapshot {
        static DEMO: OnceLock<FleetSnapshot> = OnceLock::new();
        DEMO.get_or_init(|| {
            let start: Timestamp = "2025-03-10T14:00:00Z".parse().unwrap();
            DemoSource::new(DemoOptions::default(), start).snapshot_at(start)
        })
    }

    /// Every string of the snapshot's JSON, keys included. Numbers are left out on purpose:
    /// free storage in bytes and f64 fractions legitimately run to 12 digits and more.
    fn json_strings(s: &FleetSnapshot) -> Vec<String> {
        fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::String(s) => out.push(s.clone()),
                serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
                serde_json::Value::Object(o) => o.iter().for_each(|(k, v)| {
                    out.push(k.clone());
                    walk(v, out);
                }),
                _ => {}
            }
        }
        let text = serde_json::to_string(s).unwrap();
        let mut out = Vec::new();
        walk(&serde_json::from_str(&text).unwrap(), &mut out);
        out
    }

    fn has_digit_run(s: &str, n: usize) -> bool {
        s.split(|c: char| !c.is_ascii_digit()).any(|run| run.len() >= n)
    }

    #[test]
    fn parse_accepts_empty_ids_and_names() {
        assert_eq!(RedactMode::parse(""), Some(RedactMode::Ids));
        assert_eq!(RedactMode::parse("ids"), Some(RedactMode::Ids));
        assert_eq!(RedactMode::parse("names"), Some(RedactMode::Names));
        assert_eq!(RedactMode::parse("all"), None);
    }

    #[test]
    fn ids_mode_masks_an_arns_account_and_keeps_its_name() {
        let mut r = Redactor::new(RedactMode::Ids);
        let arn = "arn:aws:rds:us-east-1:123456789012:db:orders-mysql";
        assert_eq!(r.arn(arn), "arn:aws:rds:us-east-1:acct-001:db:orders-mysql");
        assert_eq!(r.name(Kind::Db, "orders-mysql"), "orders-mysql");
        assert_eq!(r.account("123456789012"), "acct-001");
        assert_eq!(r.account("210987654321"), "acct-002");
    }

    #[test]
    fn names_mode_gives_an_arn_and_its_id_the_same_alias() {
        let mut r = Redactor::new(RedactMode::Names);
        assert_eq!(r.name(Kind::Db, "users-1"), "db-001");
        let arn = "arn:aws:rds:us-east-1:123456789012:db:orders-mysql";
        assert_eq!(r.arn(arn), "arn:aws:rds:us-east-1:acct-001:db:db-002");
        assert_eq!(r.id_or_arn(Kind::Db, "orders-mysql"), "db-002");
        assert_eq!(r.arn(arn), "arn:aws:rds:us-east-1:acct-001:db:db-002");
        // The same word as a cluster is another resource.
        assert_eq!(
            r.arn("arn:aws:rds:us-east-1:123456789012:cluster:orders-mysql"),
            "arn:aws:rds:us-east-1:acct-001:cluster:cluster-001"
        );
    }

    #[test]
    fn kafka_arns_alias_cluster_group_and_topic() {
        let mut r = Redactor::new(RedactMode::Names);
        let arn = "arn:aws:kafka:eu-west-1:210987654321:cluster/prod-cdc/1a2b3c4d-0001";
        assert_eq!(r.arn(arn), "arn:aws:kafka:eu-west-1:acct-001:cluster/msk-001/1a2b3c4d-0001");
        let topic = "arn:aws:kafka:eu-west-1:210987654321:topic/prod-cdc/1a2b3c4d-0001/cdc.billing";
        assert_eq!(r.arn(topic), "arn:aws:kafka:eu-west-1:acct-001:topic/msk-001/1a2b3c4d-0001/topic-001");
        assert_eq!(r.name(Kind::Topic, "cdc.billing"), "topic-001");
        // A UUID part that happens to be 12 digits is masked like an account id.
        let odd = "arn:aws:kafka:eu-west-1:210987654321:cluster/prod-cdc/abc-123456789012-2";
        assert_eq!(r.arn(odd), "arn:aws:kafka:eu-west-1:acct-001:cluster/msk-001/abc-acct-002-2");
    }

    #[test]
    fn aliases_are_stable_and_numbered_in_order_of_first_sight() {
        let run = |mode| {
            let mut r = Redactor::new(mode);
            ["b", "a", "b", "c", "a"].map(|n| r.name(Kind::Group, n))
        };
        assert_eq!(run(RedactMode::Names), ["group-001", "group-002", "group-001", "group-003", "group-002"]);
        assert_eq!(run(RedactMode::Names), run(RedactMode::Names));
        assert_eq!(run(RedactMode::Ids), ["b", "a", "b", "c", "a"]);
    }

    #[test]
    fn text_masks_digit_runs_arns_and_endpoints() {
        let mut r = Redactor::new(RedactMode::Ids);
        let msg = "User: arn:aws:sts::123456789012:assumed-role/ops/me is not authorized (account \
                   123456789012, \"arn:aws:rds:us-east-1:345678901234:db:orders\"); host \
                   orders.c9akciq32.us-east-1.rds.amazonaws.com:3306 via arn:aws:rds:eu-west-1:345678901234:db:x.";
        assert_eq!(
            r.text(msg),
            "User: arn:aws:sts::acct-001:assumed-role/ops/me is not authorized (account acct-001, \
             \"arn:aws:rds:us-east-1:acct-002:db:orders\"); host endpoint-001:3306 via \
             arn:aws:rds:eu-west-1:acct-002:db:x."
        );
        // 11 digits are not an account id; 13 hide one.
        assert_eq!(r.text("ids 12345678901 and 1234567890123"), "ids 12345678901 and acct-003");
        assert_eq!(r.text("Endpoint: ORDERS.X.EU-WEST-1.RDS.AMAZONAWS.COM."), "Endpoint: endpoint-002.");
    }

    #[test]
    fn text_in_names_mode_replaces_known_names_as_whole_words() {
        let mut r = Redactor::new(RedactMode::Names);
        r.name(Kind::Db, "orders-mysql");
        r.name(Kind::Topic, "orders.events");
        assert_eq!(
            r.text("orders-mysql lags; orders.events stalled, orders-mysql-r9 and orders untouched."),
            "db-001 lags; topic-001 stalled, orders-mysql-r9 and orders untouched."
        );
        assert_eq!(r.text("restarted orders-mysql."), "restarted db-001.");
    }

    #[test]
    fn ids_mode_keeps_demo_names_and_hides_its_accounts() {
        let orig = demo();
        let red = Redactor::new(RedactMode::Ids).snapshot(orig.clone());
        for (o, r) in orig.inventory.instances.iter().zip(&red.inventory.instances) {
            assert_eq!((&o.id, &o.region, &o.engine), (&r.id, &r.region, &r.engine));
            assert_ne!(o.arn, r.arn);
        }
        assert!(json_strings(&red).iter().all(|s| !has_digit_run(s, ACCOUNT_DIGITS)));
    }

    #[test]
    fn names_mode_hides_every_demo_name_and_keeps_topology() {
        let orig = demo();
        let inv = &orig.inventory;
        let red = Redactor::new(RedactMode::Names).snapshot(orig.clone());
        let names: BTreeSet<&str> = (inv.instances.iter().map(|d| d.id.as_str()))
            .chain(inv.clusters.iter().map(|c| c.id.as_str()))
            .chain(inv.global_clusters.iter().map(|g| g.id.as_str()))
            .chain(inv.kafka_clusters.iter().map(|k| k.name.as_str()))
            .chain(inv.blue_green.iter().map(|b| b.name.as_str()))
            .chain(inv.consumer_groups.iter().flat_map(|g| [g.group.as_str(), g.topic.as_str()]))
            .collect();
        let strings = json_strings(&red);
        for name in &names {
            assert!(!strings.iter().any(|s| s.contains(name)), "{name} survived redaction");
        }
        assert!(strings.iter().all(|s| !has_digit_run(s, ACCOUNT_DIGITS)));

        // Each reference still names what it named: by id where it was an id, by ARN where
        // it was an ARN.
        let (o, r) = (&inv.instances, &red.inventory.instances);
        let same_target = |orig_ref: &str, red_ref: &str| {
            let j = o.iter().position(|d| d.id == orig_ref || d.arn == orig_ref).expect(orig_ref);
            assert!(red_ref == if o[j].id == orig_ref { &r[j].id } else { &r[j].arn }, "{orig_ref}");
        };
        let mut checked = 0;
        for (od, rd) in o.iter().zip(r) {
            if let (Some(os), Some(rs)) = (&od.replica_source, &rd.replica_source) {
                same_target(os, rs);
                checked += 1;
            }
            assert_eq!(od.replica_source.is_some(), rd.replica_source.is_some());
            od.replicas.iter().zip(&rd.replicas).for_each(|(a, b)| same_target(a, b));
        }
        assert!(checked > 5, "the demo has replicas, cross-region ones included");
        for (oc, rc) in inv.clusters.iter().zip(&red.inventory.clusters) {
            oc.members.iter().zip(&rc.members).for_each(|(a, b)| same_target(&a.instance_id, &b.instance_id));
        }
        for (op, rp) in inv.pending_actions.iter().zip(&red.inventory.pending_actions) {
            same_target(&op.resource_arn, &rp.resource_arn);
        }
        let red_arns: BTreeSet<&str> = (r.iter().map(|d| d.arn.as_str()))
            .chain(red.inventory.clusters.iter().map(|c| c.arn.as_str()))
            .chain(red.inventory.kafka_clusters.iter().map(|k| k.arn.as_str()))
            .collect();
        assert!(red.metrics.iter().all(|u| red_arns.contains(u.key.resource.as_str())));
        assert!(red.inventory.load_profiles.keys().all(|k| red_arns.contains(k.as_str())));
        let groups: BTreeSet<_> =
            red.inventory.consumer_groups.iter().map(|g| (&g.cluster_arn, &g.group, &g.topic)).collect();
        assert!(red.metrics.iter().filter(|u| u.key.group.is_some()).all(|u| groups.contains(&(
            &u.key.resource,
            u.key.group.as_ref().unwrap(),
            u.key.topic.as_ref().unwrap()
        ))));
    }

    #[test]
    fn names_in_text_fields_are_known_before_they_are_seen() {
        let mut s = demo().clone();
        let mut inv = (*s.inventory).clone();
        let (group, topic) = {
            let last = inv.consumer_groups.last().unwrap();
            (last.group.clone(), last.topic.clone())
        };
        inv.instances[0].tags.insert("feeds".into(), topic.clone());
        inv.pending_actions[0].description = Some(format!("pauses {group}"));
        s.inventory = Arc::new(inv);
        let red = Redactor::new(RedactMode::Names).snapshot(s);
        // The group and topic the text named are the last pair's.
        let last = red.inventory.consumer_groups.last().unwrap();
        assert_eq!(red.inventory.instances[0].tags["feeds"], last.topic);
        assert_eq!(red.inventory.pending_actions[0].description, Some(format!("pauses {}", last.group)));
    }

    fn digits(n: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(0u8..10, n).prop_map(|d| d.iter().map(|d| char::from(b'0' + d)).collect())
    }

    fn word() -> impl Strategy<Value = String> {
        let chars: Vec<char> = "abcdefghijklmnopqrstuvwxyz0123456789-".chars().collect();
        proptest::collection::vec(proptest::sample::select(chars), 1..20)
            .prop_map(|c| c.into_iter().collect())
    }

    fn arn(account: String) -> impl Strategy<Value = String> {
        let region = proptest::sample::select(vec!["us-east-1", "eu-west-1", "ap-southeast-2"]);
        (region, word(), 0..3usize, digits(12)).prop_map(move |(region, name, kind, tail)| match kind {
            0 => format!("arn:aws:rds:{region}:{account}:db:{name}"),
            1 => format!("arn:aws:rds:{region}:{account}:cluster:{name}"),
            _ => format!("arn:aws:kafka:{region}:{account}:cluster/{name}/{tail}-1"),
        })
    }

    prop_compose! {
        fn leak()(account in digits(12))(
            arns in proptest::collection::vec(arn(account.clone()), 1..4),
            endpoint in (word(), word()).prop_map(|(a, b)| format!("{a}.{b}.us-east-1.rds.amazonaws.com")),
            instances in 1..6usize,
            names in any::<bool>(),
            account in Just(account),
        ) -> (String, Vec<String>, String, usize, bool) {
            (account, arns, endpoint, instances, names)
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn redacted_json_holds_no_account_arn_or_endpoint(
            (account, arns, endpoint, instances, names) in leak()
        ) {
            let mut s = demo().clone();
            // Keys are what gets redacted; three hours of points only slow the JSON down.
            s.metrics.iter_mut().for_each(|u| u.points.truncate(1));
            let mut inv = (*s.inventory).clone();
            for (i, d) in inv.instances.iter_mut().take(instances).enumerate() {
                let arn = &arns[i % arns.len()];
                d.account = account.clone();
                d.arn = arn.clone();
                d.tags.insert("owner".into(), arn.clone());
                d.tags.insert("endpoint".into(), format!("{endpoint}:5432"));
                d.tags.insert("note".into(), format!("acct {account} ({arn}), see {endpoint}."));
            }
            s.inventory = Arc::new(inv);
            s.source.accounts.push(account.clone());
            s.errors.push(SourceError {
                account: Some(account.clone()),
                region: "us-east-1".into(),
                service: Service::Rds,
                operation: Some("DescribeDBInstances".into()),
                kind: ErrorKind::AccessDenied,
                message: format!("{} not authorized in {account}: {endpoint}", arns.join(", ")),
                at: s.taken_at,
                capability: None,
            });
            s.capabilities.push(crate::domain::capability::CapabilityStatus {
                account: Some(account.clone()),
                region: "us-east-1".into(),
                capability: crate::domain::capability::Capability::BlueGreen,
                operation: "DescribeBlueGreenDeployments".into(),
                state: crate::domain::capability::CapState::Denied,
                message: Some(format!("User {} is not authorized on {endpoint}", arns.join(" "))),
                since: s.taken_at,
                data_at: None,
            });
            let mode = if names { RedactMode::Names } else { RedactMode::Ids };
            let strings = json_strings(&Redactor::new(mode).snapshot(s));
            for s in &strings {
                prop_assert!(!has_digit_run(s, ACCOUNT_DIGITS), "digits left in {s}");
                prop_assert!(!s.contains(&endpoint), "endpoint left in {s}");
                for arn in &arns {
                    prop_assert!(!s.contains(arn.as_str()), "ARN left in {s}");
                }
            }
        }
    }
}
