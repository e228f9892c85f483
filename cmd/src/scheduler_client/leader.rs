//! Which of several named schedulers to talk to: the one whose health says
//! it leads, asked with a short timeout so that a frozen or dead scheduler
//! is passed over, and asked again for a while when none leads (a standby
//! is taking over).

use std::time::{Duration, Instant};

use super::{ClientError, SchedulerClient};
use scheduler::wire::ErrorBody;

/// How long one scheduler may take to answer its health.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to look for a leader before giving up (an election takes a
/// session timeout, 6 s by default).
const LOOK_FOR: Duration = Duration::from_secs(45);

impl SchedulerClient {
    /// The scheduler calls go to: the one named, or the leader among them.
    pub(super) async fn target(&self) -> Result<String, ClientError> {
        if let Some(current) = self.current() {
            return Ok(current);
        }
        let deadline = Instant::now() + LOOK_FOR;
        loop {
            for base in &self.named {
                if self.leads(base).await {
                    self.switch_to(Some(base.clone()));
                    return Ok(base.clone());
                }
            }
            if Instant::now() >= deadline {
                return Err(ClientError::Refused {
                    status: 503,
                    body: ErrorBody::new(format!(
                        "none of the schedulers {} leads now (is an election under way?)",
                        self.named.join(", ")
                    )),
                });
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Whether the scheduler at `base` answers that it leads.
    async fn leads(&self, base: &str) -> bool {
        let health = self
            .http
            .get(format!("{base}/v1/health"))
            .timeout(HEALTH_TIMEOUT)
            .send()
            .await;
        let Ok(health) = health else { return false };
        let Ok(body) = health.json::<serde_json::Value>().await else {
            return false;
        };
        body.get("role").and_then(|r| r.as_str()) == Some("leader")
    }
}
