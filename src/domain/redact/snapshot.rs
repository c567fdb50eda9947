//! The `Redactor` applied to a whole snapshot: the inventory record by record (names learned
//! first, so free text can mention any of them), series keys, source info, errors,
//! capability messages, RDS events and alarms.

use std::sync::Arc;

use super::{Kind, RedactMode, Redactor};
use crate::domain::alarms::Alarm;
use crate::domain::capability_status::CapabilityStatus;
use crate::domain::events::DbEvent;
use crate::domain::metrics::SeriesKey;
use crate::domain::model::Inventory;
use crate::domain::snapshot::{FleetSnapshot, SourceError, SourceInfo};
use crate::domain::sym::Tags;

impl Redactor {
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
        s.events = s.events.into_iter().map(|e| self.event(e)).collect();
        s
    }

    /// An RDS event: its source named as the inventory's, ARNs and ids in the message masked.
    pub fn event(&mut self, mut e: DbEvent) -> DbEvent {
        e.account = e.account.map(|a| self.account(&a));
        e.source_id = match e.source_type.as_str() {
            "db-cluster" => self.name(Kind::Cluster, &e.source_id),
            "blue-green-deployment" => self.digits(&e.source_id),
            _ => self.name(Kind::Db, &e.source_id),
        };
        e.source_arn = e.source_arn.map(|a| self.arn(&a));
        e.message = self.text(&e.message);
        e
    }

    /// A CloudWatch alarm: its name and reason as free text (they often embed resource
    /// names), its dimensions' values as the names they are.
    fn alarm(&mut self, mut a: Alarm) -> Alarm {
        a.account = a.account.map(|x| self.account(&x));
        a.name = self.text(&a.name);
        a.arn = a.arn.map(|x| self.arn(&x));
        a.reason = self.text(&a.reason);
        a.dimensions = std::mem::take(&mut a.dimensions)
            .into_iter()
            .map(|(n, v)| {
                let v = match n.as_str() {
                    "DBInstanceIdentifier" => self.name(Kind::Db, &v),
                    "DBClusterIdentifier" => self.name(Kind::Cluster, &v),
                    "Cluster Name" => self.name(Kind::Msk, &v),
                    "Consumer Group" => self.name(Kind::Group, &v),
                    "Topic" => self.name(Kind::Topic, &v),
                    _ => self.text(&v),
                };
                (n, v)
            })
            .collect();
        a
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

    fn series_key(&mut self, k: &mut SeriesKey) {
        k.resource = self.id_or_arn(Kind::Other, &k.resource).into();
        k.group = k.group.take().map(|g| self.name(Kind::Group, &g).into());
        k.topic = k.topic.take().map(|t| self.name(Kind::Topic, &t).into());
    }

    fn tags(&mut self, tags: Tags) -> Tags {
        tags.iter().map(|(k, v)| (self.text(k), self.text(v))).collect()
    }

    fn inventory(&mut self, mut inv: Inventory) -> Inventory {
        self.learn(&inv);
        // An account's name is as telling as its id: it becomes the id's alias.
        let names = std::mem::take(&mut inv.account_names);
        inv.account_names = names.into_keys().map(|id| (self.account(&id), self.account(&id))).collect();
        for d in &mut inv.instances {
            let d = std::sync::Arc::make_mut(d);
            d.arn = self.arn(&d.arn).into();
            d.id = self.name(Kind::Db, &d.id);
            d.account = self.account(&d.account).into();
            d.account_name = d.account_name.take().map(|_| d.account.clone());
            d.cluster_id = d.cluster_id.take().map(|c| self.name(Kind::Cluster, &c));
            d.replica_source = d.replica_source.take().map(|r| self.id_or_arn(Kind::Db, &r));
            d.replicas = d.replicas.iter().map(|r| self.id_or_arn(Kind::Db, r)).collect();
            d.tags = self.tags(std::mem::take(&mut d.tags));
            if let Some(g) = &mut d.parameter_group {
                g.name = self.param_group(&g.name).into();
            }
        }
        for c in &mut inv.clusters {
            c.arn = self.arn(&c.arn);
            c.id = self.name(Kind::Cluster, &c.id);
            c.account = self.account(&c.account);
            c.account_name = c.account_name.take().map(|_| c.account.clone());
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
            g.cluster_arn = self.arn(&g.cluster_arn).into();
            g.cluster_name = self.name(Kind::Msk, &g.cluster_name).into();
            g.group = self.name(Kind::Group, &g.group).into();
            g.topic = self.name(Kind::Topic, &g.topic).into();
        }
        inv.alarms = std::mem::take(&mut inv.alarms).into_iter().map(|a| self.alarm(a)).collect();
        let profiles = std::mem::take(&mut inv.load_profiles);
        inv.load_profiles =
            profiles.into_iter().map(|(arn, p)| (self.id_or_arn(Kind::Db, &arn).into(), p)).collect();
        inv
    }

    /// Names first, so tags and descriptions can mention any name of the inventory.
    fn learn(&mut self, inv: &Inventory) {
        if self.mode == RedactMode::Ids {
            return;
        }
        let names = (inv.instances.iter().map(|d| (Kind::Db, d.id.as_str())))
            .chain(inv.clusters.iter().map(|c| (Kind::Cluster, c.id.as_str())))
            .chain(inv.global_clusters.iter().map(|g| (Kind::Global, g.id.as_str())))
            .chain(inv.kafka_clusters.iter().map(|k| (Kind::Msk, k.name.as_str())))
            .chain(inv.blue_green.iter().map(|b| (Kind::BlueGreen, b.name.as_str())))
            .chain(
                inv.consumer_groups
                    .iter()
                    .flat_map(|g| [(Kind::Group, g.group.as_str()), (Kind::Topic, g.topic.as_str())]),
            );
        for (kind, name) in names {
            self.alias(kind, name);
        }
    }
}
