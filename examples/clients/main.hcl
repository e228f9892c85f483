# Clients: a producer and a consumer group running on Mesos next to a
# three-broker Apache Kafka cluster, on the `kmesos dev` cluster. Both are
# Apache Kafka's own performance tools (ProducerPerformance and
# ConsumerPerformance) from the distribution the brokers run; they start once
# the brokers run and the topic exists, and bootstrap from the running brokers.
#
#   kmesos dev --apply examples/clients
#   kmesos plan examples/clients --var readers=3

variable "readers" {
  default     = 1
  description = "consumer instances in the readers group"
}

variable "kafka_endpoint" {
  default     = "127.0.0.1:9092"
  description = "the scheduler's Kafka bootstrap listener for this cluster"
}

scheduler {
  address = "http://127.0.0.1:7000"
}

cluster "clients" {
  kafka {
    kind     = "apache"
    endpoint = var.kafka_endpoint
  }

  broker "0..2" {
    cpus = 1
    mem  = 640
    heap = 320
    disk = 1024
    port = "31000..33999"
    constraints = {
      hostname = "unique"
    }
  }

  topic "orders" {
    partitions         = 3
    replication_factor = 3
  }

  # 200 messages of 100 bytes a second, acknowledged by every in-sync replica.
  client "load" {
    kind         = "producer"
    topic        = "orders"
    rate         = 200
    message_size = 100
    properties = {
      "acks" = "all"
    }
  }

  # Reads orders in the consumer group "readers", one member per instance.
  client "readers" {
    kind      = "consumer"
    topic     = "orders"
    instances = var.readers
  }
}
