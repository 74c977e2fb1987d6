//! The control plane's certificates (docs/kubernetes-defaults.md §10.1):
//! kubeadm issues the apiserver's serving and client certificates, etcd's
//! and the kubeconfigs' for a year. When they expire, no client completes
//! a TLS handshake with an apiserver and the apiservers cannot reach etcd:
//! the API is gone until a person renews them (`kubeadm certs renew all`)
//! and restarts the control plane. kubeadm renews them on every
//! control-plane upgrade; the kubelets' client certificates rotate by
//! themselves and are not modelled.
//!
//! All certificates are issued together when the cluster is built (the
//! start of a lifetime) and renewed together, so one clock stands for them.

use crate::engine::{Ctx, EventKey, StreamLabel};
use crate::scenario::{CertificateRenewal, Certificates as CertificatesConfig};

/// The random source of the on-call response to the expiry's page.
const RESPONSE: StreamLabel = StreamLabel::new(&["certificates", "response"]);
/// The random source of the renewal work.
const RENEW: StreamLabel = StreamLabel::new(&["certificates", "renew"]);

/// What happens to the certificates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertEvent {
    /// The certificates expired: the API is gone.
    Expired,
    /// A person renewed them and restarted the control plane.
    Renewed,
}

/// The certificates' state: when they expire, and whether they have.
#[derive(Clone)]
pub(crate) struct Certificates {
    config: Option<CertificatesConfig>,
    expiry: Option<EventKey>,
    expired: bool,
}

impl Certificates {
    /// Certificates as `config` says; `None`: never expire.
    pub fn new(config: Option<&CertificatesConfig>) -> Self {
        Certificates {
            config: config.cloned(),
            expiry: None,
            expired: false,
        }
    }

    /// Whether the certificates are valid: clients and apiservers can talk.
    pub fn valid(&self) -> bool {
        !self.expired
    }

    /// Whether the scenario models certificate expiry at all (`manual` or
    /// `on-upgrade` renewal).
    pub fn can_expire(&self) -> bool {
        self.config
            .as_ref()
            .is_some_and(|c| c.renewal != CertificateRenewal::Auto)
    }

    /// Issues the certificates (the cluster is built now).
    pub fn start<E: From<CertEvent>>(&mut self, ctx: &mut Ctx<'_, E>) {
        self.issue(ctx);
    }

    /// Issued (or renewed) now: they expire one validity later, unless
    /// automation renews them before.
    fn issue<E: From<CertEvent>>(&mut self, ctx: &mut Ctx<'_, E>) {
        if let Some(key) = self.expiry.take() {
            ctx.cancel(key);
        }
        self.expired = false;
        if let Some(config) = self.config.as_ref().filter(|_| self.can_expire()) {
            self.expiry = Some(ctx.schedule(config.validity, CertEvent::Expired.into()));
        }
    }

    /// A control-plane upgrade: with `on-upgrade` renewal it renews every
    /// certificate (kubeadm's `upgrade apply` and `upgrade node` do). An
    /// upgrade cannot run against an API whose certificates expired.
    pub fn upgraded<E: From<CertEvent>>(&mut self, ctx: &mut Ctx<'_, E>) {
        let renews = self
            .config
            .as_ref()
            .is_some_and(|c| c.renewal == CertificateRenewal::OnUpgrade);
        if renews && !self.expired {
            self.issue(ctx);
        }
    }

    /// Reacts to one of its events. At the expiry the page fires after the
    /// alert delay, the on-call engineer responds after a draw of the
    /// response time, and the renewal takes a draw of the renewal time.
    pub fn on<E: From<CertEvent>>(&mut self, event: CertEvent, ctx: &mut Ctx<'_, E>) {
        match event {
            CertEvent::Expired => {
                self.expiry = None;
                self.expired = true;
                let config = self
                    .config
                    .as_ref()
                    .expect("only configured certificates expire");
                let response = config.response.sample(ctx.rng(RESPONSE));
                let renew = config.renew.sample(ctx.rng(RENEW));
                let back = config.alert_delay + response + renew;
                ctx.schedule(back, CertEvent::Renewed.into());
            }
            CertEvent::Renewed => self.issue(ctx),
        }
    }
}
