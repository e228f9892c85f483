//! Reservations and persistent volumes on the embedded cluster: RESERVE,
//! CREATE and LAUNCH in one ACCEPT; the volume (under the agent's work dir)
//! is offered again after the task ends, and a task relaunched on it finds
//! the file the first one wrote.

mod common;

use common::*;
use mesos::proto::resource::{disk_info, DiskInfo, ReservationInfo};
use mesos::proto::{volume, Label, Labels, Offer, Resource, TaskId, TaskState, Volume};
use mesos::scheduler::operations;

fn reserved(mut r: Resource, offer: &Offer) -> Resource {
    r.role = Some("kafka".into());
    r.reservation = Some(ReservationInfo {
        principal: Some("kmesos".into()),
        labels: Some(Labels {
            labels: vec![Label {
                key: "broker".into(),
                value: Some("0".into()),
            }],
        }),
        ..Default::default()
    });
    r.allocation_info = offer.allocation_info.clone();
    r
}

fn volume_of(disk: Resource) -> Resource {
    let mut v = disk;
    v.disk = Some(DiskInfo {
        persistence: Some(disk_info::Persistence {
            id: "broker-0-vol".into(),
            principal: Some("kmesos".into()),
        }),
        volume: Some(Volume {
            container_path: "data".into(),
            host_path: None,
            mode: volume::Mode::Rw as i32,
        }),
    });
    v
}

fn has_volume(offer: &Offer) -> bool {
    offer.resources.iter().any(|r| {
        r.disk
            .as_ref()
            .and_then(|d| d.persistence.as_ref())
            .is_some()
    })
}

/// RESERVE + CREATE + LAUNCH of task `b0-1` on the volume; returns its offer.
async fn first_broker(fw: &mut TestFramework, url: &str) -> Offer {
    let offer = fw.offer().await;
    let cpus = reserved(scalar("cpus", 0.5), &offer);
    let mem = reserved(scalar("mem", 64.0), &offer);
    let disk = reserved(scalar("disk", 100.0), &offer);
    let vol = volume_of(disk.clone());
    let task = executor_task(
        &offer,
        "b0-1",
        url,
        vec![cpus.clone(), mem.clone(), vol.clone()],
    );
    let ops = vec![
        operations::reserve(vec![cpus, mem, disk]),
        operations::create(vec![vol]),
        operations::launch(vec![task]),
    ];
    fw.scheduler
        .accept(vec![offer.id.clone().unwrap()], ops, None)
        .await
        .unwrap();
    let first = fw.update("b0-1", TaskState::TaskRunning).await;
    assert_eq!(first.message(), "found: nothing");
    offer
}

/// Relaunches as `task_id` on the reserved resources and volume of the next
/// offer that has them, copied verbatim; returns the TASK_RUNNING message.
async fn relaunch(fw: &mut TestFramework, url: &str, task_id: &str) -> String {
    let again = fw.offer_where(has_volume).await;
    let reused: Vec<Resource> = again
        .resources
        .iter()
        .filter(|r| r.reservation.is_some())
        .cloned()
        .collect();
    assert_eq!(
        reused.len(),
        3,
        "reserved cpus, mem and the volume: {reused:?}"
    );
    let task = executor_task(&again, task_id, url, reused);
    fw.scheduler
        .accept(
            vec![again.id.clone().unwrap()],
            vec![operations::launch(vec![task])],
            None,
        )
        .await
        .unwrap();
    fw.update(task_id, TaskState::TaskRunning)
        .await
        .message()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volume_keeps_its_file_across_a_relaunch() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = start(1, dir.path()).await;
    let url = serve_file(executor_binary(), "test-executor").await;
    let mut fw = TestFramework::subscribe(&cluster.master_url(), None).await;
    let offer = first_broker(&mut fw, &url).await;
    let on_disk = cluster.agents()[0]
        .work_dir
        .join("volumes/roles/kafka/broker-0-vol/marker");
    assert_eq!(
        std::fs::read_to_string(&on_disk).unwrap(),
        "b0-1",
        "the volume lives under the agent's work dir"
    );

    fw.scheduler
        .kill(
            TaskId {
                value: "b0-1".into(),
            },
            offer.agent_id.clone(),
            None,
        )
        .await
        .unwrap();
    fw.update("b0-1", TaskState::TaskKilled).await;
    // The reserved resources and the volume come back, offered to the role.
    assert_eq!(relaunch(&mut fw, &url, "b0-2").await, "found: b0-1");
    cluster.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reservations_and_volumes_survive_a_cluster_restart() {
    let dir = tempfile::tempdir().unwrap();
    let url = serve_file(executor_binary(), "test-executor").await;
    let cluster = start(1, dir.path()).await;
    let mut fw = TestFramework::subscribe(&cluster.master_url(), None).await;
    let offer = first_broker(&mut fw, &url).await;
    let framework_id = fw.framework_id.clone();
    drop(fw);
    cluster.shutdown().await;

    let cluster = start(1, dir.path()).await;
    assert_eq!(
        cluster.agents()[0].id,
        offer.agent_id.clone().unwrap().value,
        "same agent id"
    );
    let mut fw = TestFramework::subscribe(&cluster.master_url(), framework_id).await;
    fw.scheduler
        .reconcile(vec![(
            TaskId {
                value: "b0-1".into(),
            },
            offer.agent_id.clone(),
        )])
        .await
        .unwrap();
    fw.update("b0-1", TaskState::TaskGone).await;
    assert_eq!(relaunch(&mut fw, &url, "b0-2").await, "found: b0-1");
    cluster.shutdown().await;
}
