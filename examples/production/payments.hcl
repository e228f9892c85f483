# The payments cluster: three brokers on dedicated hosts, TLS on the listeners.
cluster "payments" {
  kafka {
    kind     = "apache"
    dist     = var.kafka_dist
    endpoint = "kmesos-scheduler.internal:9093"
  }

  config = {
    "auto.create.topics.enable" = false
    "min.insync.replicas"       = 2
    "ssl.keystore.location"     = "/etc/kafka/tls/broker.p12"
    "ssl.keystore.type"         = "PKCS12"
    "ssl.keystore.password"     = "change-me"
  }

  broker "10,11,12" {
    cpus = 2
    mem  = 4096
    heap = 2048
    disk = 204800
    port = 31200
    constraints = {
      hostname = "like:pay-[0-9]+\\.internal"
      rack     = "unique"
    }
  }

  topic "payments" {
    partitions         = 12
    replication_factor = 3
    config = {
      "retention.ms" = -1
    }
  }

  client "ledger-reconcile" {
    kind      = "command"
    instances = 1
    cpus      = 0.5
    mem       = 256
    command   = "ledger-reconcile --topic payments --bootstrap kmesos-scheduler.internal:9093"
  }
}
