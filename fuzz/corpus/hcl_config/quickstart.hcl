# Quickstart: one Apache Kafka cluster of three brokers (KRaft; brokers 0-2
# are also the controller quorum) on the `kmesos dev` cluster (three agents,
# each offering cpus 4, mem 8192 MiB, disk 20480 MiB and a range of 1000
# ports from 31000, 32000 and 33000, on hosts 127.0.0.2-127.0.0.4 in racks
# r1-r3). Every partition has three replicas, one per rack, and a write with
# acks=all needs two of them in sync.
#
#   kmesos validate examples/quickstart
#   kmesos plan examples/quickstart --var broker_heap=512

variable "broker_heap" {
  default     = 384
  description = "MiB of Java heap per broker"
}

variable "kafka_endpoint" {
  default     = "127.0.0.1:9092"
  description = "the scheduler's Kafka bootstrap listener for this cluster"
}

scheduler {
  address = "http://127.0.0.1:7000"
}

cluster "quickstart" {
  kafka {
    kind     = "apache" # the distribution scripts/install-kafka.sh packs, served by kmesos dev
    endpoint = var.kafka_endpoint
  }

  config = {
    "min.insync.replicas"        = 2
    "default.replication.factor" = 3
  }

  broker "0..2" {
    cpus = 1
    mem  = var.broker_heap * 2
    heap = var.broker_heap
    disk = 2048
    port = "31000..33999"
    constraints = {
      hostname = "unique" # one broker per agent
    }
  }

  topic "orders" {
    partitions         = 3
    replication_factor = 3
  }

  topic "events" {
    partitions         = 6
    replication_factor = 3
    config = {
      "retention.ms" = 3600000
    }
  }
}
