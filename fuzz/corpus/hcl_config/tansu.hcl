# One cluster of three tansu brokers (the light broker: no JVM, no
# replication) on the `kmesos dev` cluster
# (three agents, each offering cpus 4, mem 8192 MiB, disk 20480 MiB and a
# range of 1000 ports from 31000, 32000 and 33000, on hosts 127.0.0.2-127.0.0.4
# in racks r1-r3).
#
#   kmesos validate examples/tansu
#   kmesos plan examples/tansu --var broker_mem=1024

variable "broker_mem" {
  default     = 512
  description = "MiB per broker"
}

variable "kafka_endpoint" {
  default     = "127.0.0.1:9092"
  description = "the scheduler's Kafka bootstrap listener for this cluster"
}

scheduler {
  address = "http://127.0.0.1:7000"
}

cluster "tansu" {
  kafka {
    kind     = "tansu"
    endpoint = var.kafka_endpoint
  }

  broker "0..2" {
    cpus = 0.5
    mem  = var.broker_mem
    disk = 1024
    port = "31000..33999"
    constraints = {
      hostname = "unique" # one broker per agent
    }
  }

  topic "orders" {
    partitions         = 3
    replication_factor = 1
  }

  topic "events" {
    partitions         = 6
    replication_factor = 1
    config = {
      "retention.ms" = 3600000
    }
  }
}
