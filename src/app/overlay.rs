//! What covers the view: a stack of overlays (Detail, the evidence popup, the errors list,
//! help). `Back` pops the top one, drawing walks the stack bottom-up, keys go to the top. One
//! list instead of a flag per popup, so their order is written once.

use crate::domain::model::ConsumerGroupTopic;

/// What the Detail view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// An instance, by ARN (stable across refreshes and re-sorts).
    Instance(String),
    Consumer(ConsumerGroupTopic),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// An instance or consumer group in full, over the view.
    Detail(Detail),
    /// The selected finding's evidence, scrolled by this many lines.
    Evidence {
        scroll: u16,
    },
    /// The per-source errors and capability gaps.
    Errors,
    Help,
}

impl Overlay {
    fn same_kind(&self, other: &Overlay) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OverlayStack {
    stack: Vec<Overlay>,
}

impl OverlayStack {
    pub fn top(&self) -> Option<&Overlay> {
        self.stack.last()
    }

    pub fn top_mut(&mut self) -> Option<&mut Overlay> {
        self.stack.last_mut()
    }

    /// Bottom first: the order to draw them in.
    pub fn iter(&self) -> impl Iterator<Item = &Overlay> {
        self.stack.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.stack.is_empty()
    }

    /// Open `o` on top (one of each kind: an open one of the same kind is replaced).
    pub fn push(&mut self, o: Overlay) {
        self.stack.retain(|x| !x.same_kind(&o));
        self.stack.push(o);
    }

    pub fn pop(&mut self) -> Option<Overlay> {
        self.stack.pop()
    }

    /// `?` and `E`: close it if open, else open it on top.
    pub fn toggle(&mut self, o: Overlay) {
        if self.stack.iter().any(|x| x.same_kind(&o)) {
            self.stack.retain(|x| !x.same_kind(&o));
        } else {
            self.stack.push(o);
        }
    }

    /// Close everything (switching views).
    pub fn clear(&mut self) {
        self.stack.clear();
    }

    pub fn has(&self, o: &Overlay) -> bool {
        self.stack.iter().any(|x| x.same_kind(o))
    }

    /// The Detail shown, if any.
    pub fn detail(&self) -> Option<&Detail> {
        self.stack.iter().find_map(|o| match o {
            Overlay::Detail(d) => Some(d),
            _ => None,
        })
    }

    /// The evidence popup's scroll, when it is the top overlay (the movement keys scroll it).
    pub fn evidence_scroll(&mut self) -> Option<&mut u16> {
        match self.stack.last_mut() {
            Some(Overlay::Evidence { scroll }) => Some(scroll),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_closes_the_top_overlay_first() {
        let mut s = OverlayStack::default();
        s.push(Overlay::Detail(Detail::Instance("arn:db".into())));
        s.push(Overlay::Help);
        s.toggle(Overlay::Errors);
        assert_eq!(s.top(), Some(&Overlay::Errors));
        assert_eq!(s.pop(), Some(Overlay::Errors));
        assert_eq!(s.pop(), Some(Overlay::Help));
        assert_eq!(s.detail(), Some(&Detail::Instance("arn:db".into())));
        assert!(s.pop().is_some() && s.is_empty() && s.pop().is_none());
    }

    #[test]
    fn one_of_each_kind_and_toggles_close() {
        let mut s = OverlayStack::default();
        s.push(Overlay::Evidence { scroll: 0 });
        *s.evidence_scroll().unwrap() += 3;
        assert_eq!(s.top(), Some(&Overlay::Evidence { scroll: 3 }));
        s.toggle(Overlay::Help);
        assert!(s.evidence_scroll().is_none(), "keys go to the top overlay: help");
        s.toggle(Overlay::Help);
        assert_eq!(s.top(), Some(&Overlay::Evidence { scroll: 3 }));
        s.push(Overlay::Evidence { scroll: 0 });
        assert_eq!(s.iter().count(), 1, "a second evidence popup replaces the first");
    }
}
