//! Dispatch of scheduler calls other than SUBSCRIBE, after the checks the
//! real master makes in this order: the framework exists (else 400), is
//! subscribed (else 403), and the call carries its current `Mesos-Stream-Id`
//! (else 400). Calls the embedded cluster does not serve get 501.

use axum::http::StatusCode;

use mesos::proto::scheduler::{call, Call};

use super::Master;
use crate::messages::Refusal;

impl Master {
    pub(super) fn call(&mut self, call: Call, stream_id: Option<String>) -> Result<(), Refusal> {
        let framework_id = call
            .framework_id
            .as_ref()
            .map(|f| f.value.clone())
            .unwrap_or_default();
        let Some(framework) = self.frameworks.get(&framework_id) else {
            return Err((StatusCode::BAD_REQUEST, "Framework cannot be found".into()));
        };
        let Some(subscription) = &framework.subscription else {
            return Err((StatusCode::FORBIDDEN, "Framework is not subscribed".into()));
        };
        let Some(stream_id) = stream_id else {
            return Err((
                StatusCode::BAD_REQUEST,
                "All non-subscribe calls should include the 'Mesos-Stream-Id' header".into(),
            ));
        };
        if stream_id != subscription.stream_id {
            return Err((
                StatusCode::BAD_REQUEST,
                format!(
                    "The stream ID '{stream_id}' included in this request didn't match the stream ID \
                     currently associated with framework ID {framework_id}"
                ),
            ));
        }
        let fw = framework_id.as_str();
        match call.r#type() {
            call::Type::Teardown => self.remove_framework(fw),
            call::Type::Accept => self.accept(fw, call.accept.unwrap_or_default()),
            call::Type::Decline => self.decline(fw, call.decline.unwrap_or_default()),
            call::Type::Revive => self.revive(fw, call.revive.unwrap_or_default().roles),
            call::Type::Suppress => self.suppress(fw, call.suppress.unwrap_or_default().roles),
            call::Type::Kill => self.kill(fw, call.kill.unwrap_or_default()),
            call::Type::Shutdown => self.shutdown_executor(fw, call.shutdown.unwrap_or_default()),
            call::Type::Acknowledge => self.acknowledge(fw, call.acknowledge.unwrap_or_default()),
            call::Type::Reconcile => self.reconcile(fw, call.reconcile.unwrap_or_default()),
            call::Type::Message => self.framework_message(fw, call.message.unwrap_or_default()),
            // The stock allocator ignores REQUEST too.
            call::Type::Request => {}
            other => {
                return Err((
                    StatusCode::NOT_IMPLEMENTED,
                    format!(
                        "{} is not supported by the embedded cluster",
                        other.as_str_name()
                    ),
                ))
            }
        }
        Ok(())
    }
}
