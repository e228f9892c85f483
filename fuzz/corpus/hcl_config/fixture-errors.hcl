variable "broker_mem" {
  default = 1024
}

scheduler {
  address = "127.0.0.1:7000"
}

cluster "events" {
  kafka {
    kind = "tansu"
  }
  config = {
    "listeners"                = "PLAINTEXT://:9092"
    "controller.quorum.voters" = "0@a:9093", "broker.rack" = "r1", "ssl.truststore.certificates" = "line one\nline two"
  }

  broker "0..2" {
    cpu  = 1
    mem  = "lots"
    disk = var.broker_memory
    config = {
      "node.id" = 7
    }
    constraints = {
      hostname = "near:agent-1"
      rack     = "like:("
    }
    stickiness = "forever"
  }

  broker "2,3" {}

  broker "5..x" {}

  topic "orders" {
    partitons = 3
  }

  clients "load" {}
}

cluster "events" {}
