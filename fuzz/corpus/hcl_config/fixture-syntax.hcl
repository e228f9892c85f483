cluster "broken" {
  kafka {
    kind = "tansu"
  broker "0" {}
