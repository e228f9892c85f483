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

scheduler {
  address = "http://kmesos-scheduler.internal:7000"
}

# Inputs that differ between environments. Override with --var NAME=VALUE,
# --var-file FILE or KMESOS_VAR_NAME.

variable "kafka_dist" {
  default     = "dist/kafka_2.13-4.1.0.tgz"
  description = "Apache Kafka distribution the agents fetch from the scheduler"
}

variable "events_broker_mem" {
  default     = 8192
  description = "MiB per events broker"
}

variable "events_broker_heap" {
  default     = 4096
  description = "Java heap per events broker, MiB"
}

variable "retention_ms" {
  default     = 604800000
  description = "Default retention of the events cluster (7 days)"
}
