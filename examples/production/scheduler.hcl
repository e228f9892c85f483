scheduler {
  address = "http://kmesos-scheduler.internal:7000"
}
