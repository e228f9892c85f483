//! Shared pieces of the protocol client tests: an embedded cluster with one
//! agent, fast allocation and 1 s heartbeats; scheduler client settings with
//! quick backoff; waits for the next matching event (with generous
//! deadlines: the machine is loaded); and a TCP relay that can freeze or cut
//! connections, to play a network partition between a client and the
//! cluster.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use kmesos_mesos::codec::transport::Events as ClientEvents;
use kmesos_mesos::codec::Encoding;
use kmesos_mesos::executor::ExecutorEvent;
use kmesos_mesos::proto::{value, FrameworkId, Offer, Resource, TaskState, TaskStatus};
use kmesos_mesos::scheduler::{long_running_framework, Events, SchedulerConfig, SchedulerEvent};
use kmesos_mesos_local::{LocalCluster, LocalConfig};
use tokio::sync::watch;

pub const DEADLINE: Duration = Duration::from_secs(60);

pub fn cluster_config(listen: SocketAddr, work_dir: &Path) -> LocalConfig {
    let mut config = LocalConfig::with_agents(listen, 1, work_dir.to_path_buf());
    for agent in &mut config.agents {
        agent.hostname = "127.0.0.1".into();
        agent.port = 0;
    }
    config.allocation_interval_secs = 0.2;
    config.heartbeat_interval_secs = 1.0;
    config
}

pub async fn start_cluster(work_dir: &Path) -> LocalCluster {
    let listen = SocketAddr::from(([127, 0, 0, 1], 0));
    LocalCluster::start(cluster_config(listen, work_dir))
        .await
        .expect("embedded cluster starts")
}

pub fn client_config(master: &str, id: Option<FrameworkId>, encoding: Encoding) -> SchedulerConfig {
    let mut framework = long_running_framework(
        "root",
        "protocol-test",
        vec!["kafka".into()],
        Duration::from_secs(3600),
    );
    framework.id = id;
    let mut config = SchedulerConfig::new(master, framework);
    config.encoding = encoding;
    config.backoff_initial = Duration::from_millis(50);
    config.backoff_max = Duration::from_millis(500);
    config
}

/// The next event matching `wanted`, skipping others (heartbeats, offers).
pub async fn next_matching(
    events: &mut Events,
    what: &str,
    wanted: impl Fn(&SchedulerEvent) -> bool,
) -> SchedulerEvent {
    let search = async {
        loop {
            match events.recv().await {
                Some(event) if wanted(&event) => return event,
                Some(_) => continue,
                None => panic!("event stream ended while waiting for {what}"),
            }
        }
    };
    tokio::time::timeout(DEADLINE, search)
        .await
        .unwrap_or_else(|_| panic!("no {what} within {DEADLINE:?}"))
}

pub async fn subscribed(events: &mut Events) -> (FrameworkId, Duration) {
    match next_matching(events, "SUBSCRIBED", |e| {
        matches!(e, SchedulerEvent::Subscribed { .. })
    })
    .await
    {
        SchedulerEvent::Subscribed {
            framework_id,
            heartbeat_interval,
            ..
        } => (framework_id, heartbeat_interval),
        other => unreachable!("matched {other:?}"),
    }
}

pub async fn offers(events: &mut Events) -> Vec<kmesos_mesos::proto::Offer> {
    match next_matching(events, "OFFERS", |e| matches!(e, SchedulerEvent::Offers(_))).await {
        SchedulerEvent::Offers(offers) => offers,
        other => unreachable!("matched {other:?}"),
    }
}

/// The stream's end, skipping what comes before it.
pub async fn end_of(events: &mut Events) -> Vec<SchedulerEvent> {
    let drain = async {
        let mut seen = Vec::new();
        while let Some(event) = events.recv().await {
            seen.push(event);
        }
        seen
    };
    tokio::time::timeout(DEADLINE, drain)
        .await
        .expect("event stream ends")
}

pub fn scalar(offer: &Offer, name: &str, amount: f64) -> Resource {
    Resource {
        name: name.into(),
        r#type: value::Type::Scalar as i32,
        scalar: Some(value::Scalar { value: amount }),
        allocation_info: offer.allocation_info.clone(),
        ..Default::default()
    }
}

/// The next executor event matching `wanted`, skipping others.
pub async fn next_executor_event(
    events: &mut ClientEvents<ExecutorEvent>,
    what: &str,
    wanted: impl Fn(&ExecutorEvent) -> bool,
) -> ExecutorEvent {
    let search = async {
        loop {
            match events.recv().await {
                Some(event) if wanted(&event) => return event,
                Some(_) => continue,
                None => panic!("executor events ended while waiting for {what}"),
            }
        }
    };
    tokio::time::timeout(DEADLINE, search)
        .await
        .unwrap_or_else(|_| panic!("no {what} within {DEADLINE:?}"))
}

pub async fn scheduler_update(events: &mut Events, state: TaskState) -> TaskStatus {
    let wanted = |e: &SchedulerEvent| matches!(e, SchedulerEvent::Update(s) if s.state() == state);
    match next_matching(events, state.as_str_name(), wanted).await {
        SchedulerEvent::Update(status) => status,
        other => unreachable!("matched {other:?}"),
    }
}

/// A TCP relay in front of a server. `freeze` stops the bytes of every
/// connection made so far without closing anything (a silent partition);
/// `cut` closes them. Later connections flow normally.
pub struct Relay {
    pub address: SocketAddr,
    /// (frozen up to, cut up to) in action counts; a connection opened after
    /// `n` actions is affected by an action numbered above `n`.
    actions: watch::Sender<(u64, u64, u64)>,
}

impl Relay {
    pub async fn start(target: SocketAddr) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("relay binds");
        let address = listener.local_addr().expect("relay address");
        let (actions, watcher) = watch::channel((0u64, 0u64, 0u64));
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let opened_after = watcher.borrow().0;
                tokio::spawn(relay(inbound, target, opened_after, watcher.clone()));
            }
        });
        Relay { address, actions }
    }

    pub fn freeze(&self) {
        self.actions.send_modify(|(count, frozen, _)| {
            *count += 1;
            *frozen = *count;
        });
    }

    pub fn cut(&self) {
        self.actions.send_modify(|(count, _, cut)| {
            *count += 1;
            *cut = *count;
        });
    }
}

async fn relay(
    mut inbound: tokio::net::TcpStream,
    target: SocketAddr,
    opened_after: u64,
    mut actions: watch::Receiver<(u64, u64, u64)>,
) {
    let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else {
        return;
    };
    let copy = tokio::io::copy_bidirectional(&mut inbound, &mut outbound);
    tokio::pin!(copy);
    let mut flowing = true;
    loop {
        tokio::select! {
            _ = &mut copy, if flowing => return,
            changed = actions.changed() => {
                if changed.is_err() {
                    return;
                }
                let (_, frozen, cut) = *actions.borrow();
                if cut > opened_after {
                    return;
                }
                flowing = frozen <= opened_after;
            }
        }
    }
}
