mod support;
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn scratch_cluster() {
    let cluster = support::TestCluster::start(2).await;
    println!(
        "BOOTSTRAP {} brokers {:?}",
        cluster.bootstrap(),
        cluster.brokers.iter().map(|b| b.port).collect::<Vec<_>>()
    );
    std::fs::write("/tmp/scratch_bootstrap", cluster.bootstrap()).unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(900)).await;
}
