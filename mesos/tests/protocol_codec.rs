//! The message types in both encodings: the JSON examples of the fact sheet
//! (tests/fixtures/json, one file per example) decode into the right values,
//! re-encode without losing a key, and survive protobuf and JSON round trips;
//! proto2 rules (required fields, zero-valued enums, field numbers) hold.

use std::path::PathBuf;

use kmesos_mesos::codec::{Codec, DecodeError, Encoding};
use kmesos_mesos::proto::{
    executor, framework_info::capability, offer::operation, scheduler, task_status, value,
    JsonMessage, Resource, TaskState, TaskStatus,
};
use serde_json::Value;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/json")
        .join(format!("{name}.json"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Numbers compared as doubles (Mesos writes `15` or `15.0`), empty arrays
/// dropped (the emitter omits empty repeated fields).
fn normalized(value: &Value) -> Value {
    match value {
        Value::Number(n) => Value::from(n.as_f64().unwrap_or(f64::NAN)),
        Value::Array(items) => Value::Array(items.iter().map(normalized).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !matches!(v, Value::Array(a) if a.is_empty()))
                .map(|(k, v)| (k.clone(), normalized(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Decodes a fixture, checks that re-encoding keeps every key and value of
/// the original, and that it survives both round trips.
fn decode_fixture<M: Codec + PartialEq + std::fmt::Debug>(name: &str) -> M {
    let bytes = fixture(name);
    let message: M = Encoding::Json
        .decode(&bytes)
        .unwrap_or_else(|e| panic!("{name}: {e}"));

    let original: Value = serde_json::from_slice(&bytes).expect("fixture is JSON");
    assert_eq!(
        normalized(&message.to_json()),
        normalized(&original),
        "{name}: re-encoded JSON differs from the example"
    );

    for encoding in [Encoding::Protobuf, Encoding::Json] {
        let again: M = encoding
            .decode(&encoding.encode(&message))
            .unwrap_or_else(|e| panic!("{name} via {encoding}: {e}"));
        assert_eq!(again, message, "{name}: {encoding} round trip");
    }
    message
}

#[test]
fn scheduler_calls_from_the_fact_sheet() {
    let subscribe: scheduler::Call = decode_fixture("scheduler_call_subscribe");
    assert_eq!(subscribe.r#type(), scheduler::call::Type::Subscribe);
    let info = subscribe
        .subscribe
        .and_then(|s| s.framework_info)
        .expect("framework_info");
    assert_eq!(info.user, "kafka");
    assert_eq!(info.roles, vec!["kafka".to_string()]);
    assert_eq!(info.failover_timeout(), 604800.0);
    assert_eq!(info.checkpoint, Some(true));
    let capabilities: Vec<_> = info.capabilities.iter().map(|c| c.r#type()).collect();
    assert_eq!(
        capabilities,
        vec![
            capability::Type::MultiRole,
            capability::Type::PartitionAware,
            capability::Type::TaskKillingState
        ]
    );

    let accept: scheduler::Call = decode_fixture("scheduler_call_accept_launch_custom_executor");
    let accept = accept.accept.expect("accept");
    assert_eq!(accept.filters.map(|f| f.refuse_seconds()), Some(60.0));
    let launch = accept.operations[0].launch.clone().expect("launch");
    let task = &launch.task_infos[0];
    assert_eq!(task.data.as_deref(), Some(&b"broker-config-v1"[..]));
    let executor = task.executor.as_ref().expect("executor");
    let command = executor.command.as_ref().expect("command");
    assert_eq!(command.shell, Some(false));
    assert_eq!(
        command.uris[1].output_file.as_deref(),
        Some("conf/broker.properties")
    );
    assert!(!command.uris[1].extract(), "extract: false as written");
    assert_eq!(
        executor
            .shutdown_grace_period
            .as_ref()
            .map(|d| d.nanoseconds),
        Some(30_000_000_000)
    );
    let ports = task.resources[2].ranges.as_ref().expect("ports ranges");
    assert_eq!((ports.range[0].begin, ports.range[0].end), (31090, 31090));

    let volumes: scheduler::Call = decode_fixture("scheduler_call_accept_reserve_create_launch");
    let operations = volumes.accept.expect("accept").operations;
    let kinds: Vec<_> = operations.iter().map(|o| o.r#type()).collect();
    assert_eq!(
        kinds,
        vec![
            operation::Type::Reserve,
            operation::Type::Create,
            operation::Type::Launch
        ]
    );
    let volume = &operations[1].create.as_ref().expect("create").volumes[0];
    let disk = volume.disk.as_ref().expect("disk info");
    assert_eq!(
        disk.persistence.as_ref().map(|p| p.id.as_str()),
        Some("broker-0-0c7d52a1-83f4-4b0e-9d2a-6f1e3b8c5a97")
    );
    assert_eq!(
        disk.volume.as_ref().map(|v| v.container_path.as_str()),
        Some("data")
    );
    assert_eq!(volume.role(), "kafka");

    let ack: scheduler::Call = decode_fixture("scheduler_call_acknowledge");
    assert_eq!(ack.acknowledge.expect("acknowledge").uuid.len(), 16);

    let decline: scheduler::Call = decode_fixture("scheduler_call_decline");
    assert_eq!(
        decline
            .decline
            .and_then(|d| d.filters)
            .map(|f| f.refuse_seconds()),
        Some(3600.0)
    );
    let revive: scheduler::Call = decode_fixture("scheduler_call_revive");
    assert_eq!(
        revive.revive.expect("revive").roles,
        vec!["kafka".to_string()]
    );
    let suppress: scheduler::Call = decode_fixture("scheduler_call_suppress");
    assert_eq!(
        suppress.suppress.expect("suppress").roles,
        vec!["kafka".to_string()]
    );
    let kill: scheduler::Call = decode_fixture("scheduler_call_kill");
    let kill = kill.kill.expect("kill");
    assert_eq!(
        kill.kill_policy
            .and_then(|p| p.grace_period)
            .map(|d| d.nanoseconds),
        Some(5_000_000_000)
    );
    let reconcile: scheduler::Call = decode_fixture("scheduler_call_reconcile");
    assert_eq!(reconcile.reconcile.expect("reconcile").tasks.len(), 1);
}

#[test]
fn scheduler_events_from_the_fact_sheet() {
    let subscribed: scheduler::Event = decode_fixture("scheduler_event_subscribed");
    let subscribed = subscribed.subscribed.expect("subscribed");
    assert_eq!(subscribed.heartbeat_interval_seconds, Some(15.0));
    assert_eq!(subscribed.master_info.map(|m| m.port), Some(5050));

    let offers: scheduler::Event = decode_fixture("scheduler_event_offers");
    let offer = &offers.offers.expect("offers").offers[0];
    assert_eq!(offer.hostname, "node1");
    assert_eq!(offer.resources.len(), 4);
    assert_eq!(offer.resources[0].r#type(), value::Type::Scalar);
    assert_eq!(offer.resources[3].r#type(), value::Type::Ranges);
    assert_eq!(
        offer.attributes[0].text.as_ref().map(|t| t.value.as_str()),
        Some("r12")
    );

    let update: scheduler::Event = decode_fixture("scheduler_event_update_task_running");
    let status = update.update.and_then(|u| u.status).expect("status");
    assert_eq!(status.state(), TaskState::TaskRunning);
    assert_eq!(status.source(), task_status::Source::SourceExecutor);
    assert_eq!(status.uuid.as_ref().map(Vec::len), Some(16));
    assert_eq!(
        status.container_status.and_then(|c| c.executor_pid),
        Some(41872)
    );

    let answer: scheduler::Event =
        decode_fixture("scheduler_event_update_task_running_reconciliation");
    let status = answer.update.and_then(|u| u.status).expect("status");
    assert_eq!(status.uuid, None, "reconciliation answers carry no uuid");
    assert_eq!(status.reason(), task_status::Reason::ReasonReconciliation);
    assert_eq!(status.source(), task_status::Source::SourceMaster);

    let lost: scheduler::Event = decode_fixture("scheduler_event_update_task_unreachable");
    let status = lost.update.and_then(|u| u.status).expect("status");
    assert_eq!(status.state(), TaskState::TaskUnreachable);
    assert_eq!(
        status.unreachable_time.map(|t| t.nanoseconds),
        Some(1_724_426_000_000_000_000)
    );

    let rescind: scheduler::Event = decode_fixture("scheduler_event_rescind");
    assert_eq!(rescind.r#type(), scheduler::event::Type::Rescind);
    let failure: scheduler::Event = decode_fixture("scheduler_event_failure");
    assert_eq!(failure.failure.and_then(|f| f.status), Some(256));
    let error: scheduler::Event = decode_fixture("scheduler_event_error");
    assert_eq!(
        error.error.map(|e| e.message),
        Some("Framework failed over".to_string())
    );
    let heartbeat: scheduler::Event = decode_fixture("scheduler_event_heartbeat");
    assert_eq!(heartbeat.r#type(), scheduler::event::Type::Heartbeat);
    let message: scheduler::Event = decode_fixture("scheduler_event_message");
    assert_eq!(message.message.map(|m| m.data), Some(b"hello".to_vec()));
}

#[test]
fn post_refinement_resource_from_the_fact_sheet() {
    let resource: Resource = decode_fixture("resource_post_refinement_volume");
    assert_eq!(resource.reservation, None);
    let reservation = &resource.reservations[0];
    assert_eq!(reservation.role.as_deref(), Some("kafka"));
    assert_eq!(
        reservation.r#type(),
        kmesos_mesos::proto::resource::reservation_info::Type::Dynamic
    );
}

#[test]
fn executor_messages_from_the_fact_sheet() {
    let subscribe: executor::Call = decode_fixture("executor_call_subscribe");
    assert_eq!(subscribe.r#type(), executor::call::Type::Subscribe);
    let update: executor::Call = decode_fixture("executor_call_update");
    let status = update.update.and_then(|u| u.status).expect("status");
    assert_eq!(status.source(), task_status::Source::SourceExecutor);
    let message: executor::Call = decode_fixture("executor_call_message");
    assert_eq!(message.message.map(|m| m.data), Some(b"hello".to_vec()));

    let subscribed: executor::Event = decode_fixture("executor_event_subscribed");
    let subscribed = subscribed.subscribed.expect("subscribed");
    assert_eq!(
        subscribed.agent_info.map(|a| a.hostname),
        Some("node1".to_string())
    );
    let framework = subscribed.framework_info.expect("framework_info");
    assert!(framework.id.is_some());
    let launch: executor::Event = decode_fixture("executor_event_launch");
    let task = launch.launch.and_then(|l| l.task).expect("task");
    assert_eq!(task.data.as_deref(), Some(&b"broker-config-v1"[..]));
    let acknowledged: executor::Event = decode_fixture("executor_event_acknowledged");
    assert_eq!(acknowledged.acknowledged.map(|a| a.uuid.len()), Some(16));
    let kill: executor::Event = decode_fixture("executor_event_kill");
    assert_eq!(kill.r#type(), executor::event::Type::Kill);
    let shutdown: executor::Event = decode_fixture("executor_event_shutdown");
    assert_eq!(shutdown.r#type(), executor::event::Type::Shutdown);
}

#[test]
fn zero_valued_required_enums_are_on_the_wire() {
    let resource = Resource {
        name: "cpus".into(),
        r#type: value::Type::Scalar as i32,
        scalar: Some(value::Scalar { value: 1.0 }),
        ..Default::default()
    };
    let bytes = Encoding::Protobuf.encode(&resource);
    // field 2, varint, value 0 (SCALAR)
    assert!(bytes.windows(2).any(|w| w == [0x10, 0x00]), "{bytes:?}");
    let json = String::from_utf8(Encoding::Json.encode(&resource)).expect("utf-8");
    assert!(json.contains(r#""type":"SCALAR""#), "{json}");

    let status = TaskStatus {
        task_id: Some(kmesos_mesos::proto::TaskId { value: "t".into() }),
        state: TaskState::TaskStarting as i32,
        source: Some(task_status::Source::SourceMaster as i32),
        ..Default::default()
    };
    let json = String::from_utf8(Encoding::Json.encode(&status)).expect("utf-8");
    assert!(json.contains(r#""state":"TASK_STARTING""#), "{json}");
    assert!(json.contains(r#""source":"SOURCE_MASTER""#), "{json}");
    let bytes = Encoding::Protobuf.encode(&status);
    assert!(
        bytes.windows(2).any(|w| w == [0x10, 0x00]),
        "state 0 encoded: {bytes:?}"
    );
    assert!(
        bytes.windows(2).any(|w| w == [0x48, 0x00]),
        "source 0 encoded: {bytes:?}"
    );
}

#[test]
fn field_numbers_that_differ_from_type_numbers() {
    let revive = scheduler::Call {
        revive: Some(scheduler::call::Revive::default()),
        ..Default::default()
    };
    assert_eq!(Encoding::Protobuf.encode(&revive), vec![15 << 3 | 2, 0]);
    let suppress = scheduler::Call {
        suppress: Some(scheduler::call::Suppress::default()),
        ..Default::default()
    };
    assert_eq!(
        Encoding::Protobuf.encode(&suppress),
        vec![16 << 3 | 2, 1, 0]
    );
    let message = executor::call::Message {
        data: b"x".to_vec(),
    };
    assert_eq!(
        Encoding::Protobuf.encode(&message),
        vec![2 << 3 | 2, 1, b'x']
    );
    let acknowledged = executor::Event {
        acknowledged: Some(executor::event::Acknowledged::default()),
        ..Default::default()
    };
    assert_eq!(Encoding::Protobuf.encode(&acknowledged)[0], 3 << 3 | 2);
    assert_eq!(TaskState::TaskStaging as i32, 6);
}

fn json_error<M: Codec + std::fmt::Debug>(body: &str) -> String {
    match Encoding::Json.decode::<M>(body.as_bytes()) {
        Ok(message) => panic!("decoded {message:?} from {body}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn missing_required_fields_are_named() {
    let error = json_error::<scheduler::Call>(
        r#"{"type":"ACKNOWLEDGE","acknowledge":{"agent_id":{"value":"S0"},"task_id":{"value":"t"}}}"#,
    );
    assert_eq!(error, "field `acknowledge.uuid`: missing required field");

    let error = json_error::<scheduler::Call>(
        r#"{"type":"ACCEPT","accept":{"operations":[{"type":"LAUNCH","launch":{"task_infos":[
            {"name":"t","task_id":{"value":"t"},"agent_id":{"value":"S0"},
             "resources":[{"name":"cpus","scalar":{"value":1}}]}]}}]}}"#,
    );
    assert_eq!(
        error,
        "field `accept.operations[0].launch.task_infos[0].resources[0].type`: missing required field"
    );

    // Protobuf cannot tell an absent scalar from zero, but an absent
    // required message is caught.
    let update = scheduler::Event {
        r#type: Some(scheduler::event::Type::Update as i32),
        update: Some(scheduler::event::Update { status: None }),
        ..Default::default()
    };
    let bytes = Encoding::Protobuf.encode(&update);
    match Encoding::Protobuf.decode::<scheduler::Event>(&bytes) {
        Err(DecodeError::Fields(e)) => assert_eq!(e.path(), "update.status"),
        other => panic!("expected a missing-field error, got {other:?}"),
    }
}

#[test]
fn json_leniency_matches_mesos() {
    // Unknown keys are ignored; null is unset; numbers may be strings.
    let call: scheduler::Call = Encoding::Json
        .decode(
            br#"{"type":"DECLINE","framework_id":{"value":"F","extra":1},"future_field":[1,2],
                 "decline":{"offer_ids":null,"filters":{"refuse_seconds":"30.5"}}}"#,
        )
        .expect("lenient decode");
    let decline = call.decline.expect("decline");
    assert!(decline.offer_ids.is_empty());
    assert_eq!(decline.filters.and_then(|f| f.refuse_seconds), Some(30.5));

    // An unknown name in an optional enum is dropped; in a required one it
    // is an error.
    let info: kmesos_mesos::proto::FrameworkInfo = Encoding::Json
        .decode(br#"{"user":"u","name":"n","capabilities":[{"type":"FROM_THE_FUTURE"}]}"#)
        .expect("unknown optional enum name");
    assert_eq!(info.capabilities[0].r#type, None);
    let error = json_error::<Resource>(r#"{"name":"cpus","type":"QUANTUM"}"#);
    assert_eq!(error, r#"field `type`: unknown enum value "QUANTUM""#);

    // Enum numbers are not accepted in JSON, and bytes must be base64.
    let error = json_error::<Resource>(r#"{"name":"cpus","type":0}"#);
    assert!(
        error.starts_with("field `type`: expected an enum name"),
        "{error}"
    );
    let error = json_error::<executor::event::Message>(r#"{"data":"%%%"}"#);
    assert!(error.starts_with("field `data`: invalid base64"), "{error}");
    let error = json_error::<executor::event::Message>("{not json");
    assert!(error.starts_with("invalid JSON"), "{error}");
}

#[test]
fn limits_are_a_map_of_scalar_objects() {
    let task: kmesos_mesos::proto::TaskInfo = Encoding::Json
        .decode(
            br#"{"name":"t","task_id":{"value":"t"},"agent_id":{"value":"S0"},
                 "limits":{"cpus":{"value":"Infinity"},"mem":{"value":512}}}"#,
        )
        .expect("limits");
    assert_eq!(
        task.limits.get("cpus").map(|s| s.value),
        Some(f64::INFINITY)
    );
    assert_eq!(task.limits.get("mem").map(|s| s.value), Some(512.0));
    let json = task.to_json();
    assert_eq!(json["limits"]["cpus"]["value"], Value::from("Infinity"));
    let again: kmesos_mesos::proto::TaskInfo = Encoding::Protobuf
        .decode(&Encoding::Protobuf.encode(&task))
        .expect("protobuf");
    assert_eq!(again, task);
}

/// Doubles are read exactly, so what kmesos re-encodes is what it read.
/// Found by fuzzing: a timestamp written as the 106 digits of 10^105 was
/// read a unit in the last place off, and each re-encoding moved it again.
#[test]
fn doubles_are_read_exactly_and_re_encode_unchanged() {
    let body = format!(
        r#"{{"type":"UPDATE","update":{{"status":{{"task_id":{{"value":"t"}},"state":"TASK_RUNNING","timestamp":1{}}}}}}}"#,
        "0".repeat(105)
    );
    let event: scheduler::Event = Encoding::Json.decode(body.as_bytes()).expect("decodes");
    let timestamp = |e: &scheduler::Event| e.update.as_ref()?.status.as_ref()?.timestamp;
    assert_eq!(timestamp(&event), Some(1e105));
    let encoded = Encoding::Json.encode(&event);
    let again: scheduler::Event = Encoding::Json.decode(&encoded).expect("re-decodes");
    assert_eq!(again, event);
    assert_eq!(Encoding::Json.encode(&again), encoded);
}
