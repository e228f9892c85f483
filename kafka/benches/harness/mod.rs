//! What the benches share: one workload measured against two targets side
//! by side in one run (sequential latency on one connection, then
//! throughput over concurrent connections), printed as a markdown table with
//! the ratio of the second target to the first.

use std::time::{Duration, Instant};

use futures::future::join_all;

const WARMUP: usize = 200;
const SAMPLES: usize = 2_000;
pub const CONNECTIONS: usize = 8;
const THROUGHPUT_FOR: Duration = Duration::from_secs(5);

/// A client connection that repeats one request.
pub trait Workload: Sized {
    async fn open(addr: &str) -> Self;
    /// One request and its answer; `n` numbers the requests of a connection.
    async fn once(&mut self, n: u64);
}

pub struct Measured {
    pub p50: Duration,
    pub p99: Duration,
    pub per_second: f64,
}

async fn latency<W: Workload>(addr: &str) -> (Duration, Duration) {
    let mut connection = W::open(addr).await;
    for n in 0..WARMUP as u64 {
        connection.once(n).await;
    }
    let mut samples = Vec::with_capacity(SAMPLES);
    for n in 0..SAMPLES as u64 {
        let started = Instant::now();
        connection.once(n).await;
        samples.push(started.elapsed());
    }
    samples.sort();
    (samples[SAMPLES / 2], samples[SAMPLES * 99 / 100])
}

/// Requests per second over [`CONNECTIONS`] connections driven together.
async fn throughput<W: Workload>(addr: &str) -> f64 {
    let deadline = Instant::now() + THROUGHPUT_FOR;
    let started = Instant::now();
    let done = join_all((0..CONNECTIONS).map(|_| async {
        let mut connection = W::open(addr).await;
        let mut n = 0u64;
        while Instant::now() < deadline {
            connection.once(n).await;
            n += 1;
        }
        n
    }))
    .await;
    done.iter().sum::<u64>() as f64 / started.elapsed().as_secs_f64()
}

async fn measure<W: Workload>(addr: &str) -> Measured {
    let (p50, p99) = latency::<W>(addr).await;
    Measured {
        p50,
        p99,
        per_second: throughput::<W>(addr).await,
    }
}

/// Measures `W` at `base` and then at `other`, and prints the table titled
/// `title` and the ratio `other / base`.
pub async fn compare<W: Workload>(title: &str, base: (&str, &str), other: (&str, &str)) {
    let first = measure::<W>(base.1).await;
    let second = measure::<W>(other.1).await;
    println!("{title}, one run:\n");
    println!("| target | p50 latency | p99 latency | throughput ({CONNECTIONS} connections) |");
    println!("|---|---|---|---|");
    for (name, m) in [(base.0, &first), (other.0, &second)] {
        println!(
            "| {name} | {:?} | {:?} | {:.0} req/s |",
            m.p50, m.p99, m.per_second
        );
    }
    println!(
        "\n{} / {}: p50 latency x{:.2}, throughput x{:.2}",
        other.0,
        base.0,
        second.p50.as_secs_f64() / first.p50.as_secs_f64(),
        second.per_second / first.per_second
    );
}
