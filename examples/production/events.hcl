# The events cluster: six brokers spread over three racks, one per host.
cluster "events" {
  kafka {
    kind     = "apache"
    dist     = var.kafka_dist
    endpoint = "kmesos-scheduler.internal:9092"
  }

  config = {
    "auto.create.topics.enable"  = false
    "default.replication.factor" = 3
    "min.insync.replicas"        = 2
    "log.retention.ms"           = var.retention_ms
    "num.io.threads"             = 8
  }

  broker "0..5" {
    cpus = 4
    mem  = var.events_broker_mem
    heap = var.events_broker_heap
    disk = 512000
    port = "31000..31100"
    constraints = {
      hostname = "unique"
      rack     = "groupBy:3"
    }

    failover {
      delay     = "1m"
      max_delay = "15m"
      max_tries = 0
    }
    stickiness = "30m"
  }

  topic "orders" {
    partitions         = 24
    replication_factor = 3
    config = {
      "retention.ms"   = 1209600000
      "cleanup.policy" = "delete"
    }
  }

  topic "clicks" {
    partitions         = 48
    replication_factor = 3
    config = {
      "compression.type" = "zstd"
    }
  }

  topic "customers" {
    partitions         = 12
    replication_factor = 3
    config = {
      "cleanup.policy" = "compact"
    }
  }

  client "orders-load" {
    kind      = "producer"
    instances = 2
    cpus      = 0.5
    mem       = 512
    topic     = "orders"
  }

  client "clicks-audit" {
    kind      = "consumer"
    instances = 3
    cpus      = 0.25
    mem       = 256
    topic     = "clicks"
  }
}
