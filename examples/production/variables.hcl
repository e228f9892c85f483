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
