use std::collections::BTreeMap;

use super::*;

fn parsed(text: &str) -> Address {
    text.parse()
        .unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn error(text: &str) -> String {
    match text.parse::<Address>() {
        Ok(address) => panic!("{text:?} should not parse, got {address:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn every_kind_reads_back_as_written() {
    let cases = [
        ("cluster.events", Address::of_cluster("events")),
        ("cluster.events.broker.0", Address::of_broker("events", 0)),
        (
            "cluster.events.broker.4294967295",
            Address::of_broker("events", u32::MAX),
        ),
        (
            "cluster.events.topic.orders",
            Address::of_topic("events", "orders"),
        ),
        (
            "cluster.events.client.load",
            Address::of_client("events", "load"),
        ),
    ];
    for (text, address) in cases {
        assert_eq!(parsed(text), address);
        assert_eq!(address.to_string(), text);
        let json = serde_json::to_string(&address).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<Address>(&json).unwrap(), address);
    }
}

#[test]
fn accessors_name_the_parts() {
    let broker = parsed("cluster.events.broker.3");
    assert_eq!(broker.cluster(), "events");
    assert_eq!(broker.kind(), ResourceKind::Broker);
    assert_eq!(broker.broker_id(), Some(3));
    assert_eq!(broker.name(), "3");
    let cluster = parsed("cluster.events");
    assert_eq!(cluster.kind(), ResourceKind::Cluster);
    assert_eq!(cluster.name(), "events");
    assert_eq!(cluster.broker_id(), None);
    assert_eq!(
        parsed("cluster.events.client.load").kind(),
        ResourceKind::Client
    );
}

#[test]
fn topic_and_client_names_keep_their_dots() {
    let topic = parsed("cluster.events.topic.orders.v2.eu");
    assert_eq!(topic, Address::of_topic("events", "orders.v2.eu"));
    assert_eq!(topic.name(), "orders.v2.eu");
    assert_eq!(topic.to_string(), "cluster.events.topic.orders.v2.eu");
    // A name that reads like another address is still just a name.
    assert_eq!(
        parsed("cluster.events.client.x.broker.1"),
        Address::of_client("events", "x.broker.1")
    );
}

#[test]
fn bad_addresses_say_what_is_wrong_and_what_is_accepted() {
    assert_eq!(
        error("events.broker.1"),
        "\"events.broker.1\" is not a resource address: it does not start with \"cluster.\"; \
         addresses are cluster.NAME[.broker.ID|.topic.NAME|.client.NAME]"
    );
    assert_eq!(
        error("cluster.events.broker.one"),
        "\"cluster.events.broker.one\" is not a resource address: \"one\" is not a broker id \
         (a whole number such as 0 or 12, without leading zeros); \
         addresses are cluster.NAME[.broker.ID|.topic.NAME|.client.NAME]"
    );
    assert_eq!(
        error("cluster.events.partition.3"),
        "\"cluster.events.partition.3\" is not a resource address: \"partition\" is not a kind \
         of resource (broker, topic or client); \
         addresses are cluster.NAME[.broker.ID|.topic.NAME|.client.NAME]"
    );
}

#[test]
fn missing_parts_are_named() {
    let cases = [
        ("", "it does not start with \"cluster.\""),
        ("cluster", "it does not start with \"cluster.\""),
        ("cluster.", "the cluster name is missing"),
        ("cluster..broker.1", "the cluster name is missing"),
        ("cluster.events.broker", "the broker id is missing"),
        ("cluster.events.broker.", "the broker id is missing"),
        ("cluster.events.topic", "the topic name is missing"),
        ("cluster.events.client.", "the client name is missing"),
        ("cluster.events.", "\"\" is not a kind of resource"),
    ];
    for (text, problem) in cases {
        let message = error(text);
        assert!(
            message.contains(problem),
            "{text:?}: {message:?} should say {problem:?}"
        );
    }
}

#[test]
fn broker_ids_are_plain_decimal_numbers() {
    for id in ["-1", "+1", "01", "1.5", " 1", "4294967296"] {
        let message = error(&format!("cluster.events.broker.{id}"));
        assert!(
            message.contains(&format!("{id:?} is not a broker id")),
            "{id}: {message}"
        );
    }
}

#[test]
fn addresses_sort_as_their_texts() {
    let texts = [
        "cluster.a.topic.x.y",
        "cluster.a.broker.2",
        "cluster.ab",
        "cluster.a-b",
        "cluster.a.client.x",
        "cluster.a.broker.10",
        "cluster.a",
        "cluster.a.topic.x",
        "cluster.a.broker.1",
        "cluster.a_b.broker.0",
    ];
    let mut addresses: Vec<Address> = texts.iter().map(|t| parsed(t)).collect();
    addresses.sort();
    let mut sorted = texts.to_vec();
    sorted.sort();
    let shown: Vec<String> = addresses.iter().map(Address::to_string).collect();
    assert_eq!(shown, sorted);
}

#[test]
fn maps_keyed_by_address_read_and_write_as_text_keys() {
    let json = r#"{"cluster.e.broker.10":1,"cluster.e.broker.2":2,"cluster.e.topic.a.b":3}"#;
    let map: BTreeMap<Address, u32> = serde_json::from_str(json).unwrap();
    assert_eq!(map[&Address::of_topic("e", "a.b")], 3);
    assert_eq!(serde_json::to_string(&map).unwrap(), json);

    let bad = serde_json::from_str::<BTreeMap<Address, u32>>(r#"{"cluster.e.broker.x":1}"#);
    let message = bad.unwrap_err().to_string();
    assert!(message.contains("\"x\" is not a broker id"), "{message}");
}
