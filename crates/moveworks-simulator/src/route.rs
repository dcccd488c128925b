//! The route table of both generations: `/rest/v1beta1` and `/rest/v1` parse into one
//! [`Route`] and the [`Generation`] it was asked in, so both share every handler.

use crate::api::{error, method_not_allowed};
use crate::codec;
use crate::server::{error_code_for_status, HttpResponse, ROOT_UUID_HEADER};

/// Path prefix of every rest/v1beta1 API route.
pub(crate) const API_PREFIX: &str = "/rest/v1beta1";
/// Path prefix of every rest/v1 API route (the current generation, served beside the beta).
pub(crate) const V1_PREFIX: &str = "/rest/v1";
/// The rest/v1 trace header (`x-trace-id`, API-V1-NOTES §1); the beta sends `x-moveworks-root-uuid`.
pub(crate) const TRACE_ID_HEADER: &str = "x-trace-id";

/// Which generation of the API a request speaks: a property of the parsed route,
/// so both share one route table and one set of handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Generation {
    /// `/rest/v1beta1`: exactly the published beta.
    V1Beta1,
    /// `/rest/v1`: per-user bearers, input variants, actions, modals, live agents.
    V1,
}

impl Generation {
    /// The generation a path belongs to, by its prefix (`None` outside both).
    pub(crate) fn of_path(path: &str) -> Option<(Generation, &str)> {
        if let Some(rest) = path.strip_prefix(API_PREFIX) {
            return rest.strip_prefix('/').map(|rest| (Generation::V1Beta1, rest));
        }
        path.strip_prefix(V1_PREFIX).and_then(|rest| rest.strip_prefix('/')).map(|rest| (Generation::V1, rest))
    }

    /// The header its answers carry a fresh trace id in.
    pub(crate) fn trace_header(self) -> &'static str {
        match self {
            Generation::V1Beta1 => ROOT_UUID_HEADER,
            Generation::V1 => TRACE_ID_HEADER,
        }
    }
}

/// The API endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    ListConversations,
    CreateConversation,
    GetConversation(String),
    UpdateConversation(String),
    CreateResponse(String),
    StreamResponse(String),
    GetResponse(String, String),
    ListEvents(String),
    ListMessages(String),
    ListResponseMessages(String, String),
    SubmitFeedback(String, String, String),
    /// rest/v1 only: `GET /conversations/{cid}/events/{event_id}`.
    GetEvent(String, String),
    /// rest/v1 only: the three modal calls on `…/messages/{mid}/modals/{modal_id}`.
    GetModal(ModalPath),
    RefreshModal(ModalPath),
    SubmitModal(ModalPath),
}

/// The ids in a modal route's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ModalPath {
    pub conversation_id: String,
    pub response_id: String,
    pub message_id: String,
    pub modal_id: String,
}

impl Route {
    /// Matches an API path; unknown paths are 404, known paths with another method 405.
    /// The generation is part of the answer: one table serves both prefixes, and the
    /// rest/v1-only operations are unknown paths (404) on the beta.
    pub(crate) fn parse(method: &str, path: &str) -> Result<(Generation, Route), HttpResponse> {
        let not_found = || error(404, "NOT_FOUND", format!("no route for {method} {path}"));
        let (generation, rest) = Generation::of_path(path).ok_or_else(not_found)?;
        let v1 = generation == Generation::V1;
        let segments: Vec<String> = rest.split('/').map(|s| codec::percent_decode(s, false)).collect();
        if segments.iter().any(String::is_empty) {
            return Err(not_found());
        }
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let (route, allowed) = match (segments.as_slice(), method) {
            (["conversations"], "GET") => (Some(Route::ListConversations), ""),
            (["conversations"], "POST") => (Some(Route::CreateConversation), ""),
            (["conversations"], _) => (None, "GET, POST"),
            (["conversations", id], "GET") => (Some(Route::GetConversation((*id).into())), ""),
            (["conversations", id], "PATCH") => (Some(Route::UpdateConversation((*id).into())), ""),
            (["conversations", _], _) => (None, "GET, PATCH"),
            (["conversations", id, "responses"], "POST") => (Some(Route::CreateResponse((*id).into())), ""),
            (["conversations", _, "responses"], _) => (None, "POST"),
            (["conversations", id, "responses", "stream"], "POST") => (Some(Route::StreamResponse((*id).into())), ""),
            (["conversations", id, "responses", rid], "GET") => {
                (Some(Route::GetResponse((*id).into(), (*rid).into())), "")
            }
            (["conversations", _, "responses", _], _) => (None, "GET"),
            (["conversations", id, "events"], "GET") => (Some(Route::ListEvents((*id).into())), ""),
            (["conversations", _, "events"], _) => (None, "GET"),
            (["conversations", id, "messages"], "GET") => (Some(Route::ListMessages((*id).into())), ""),
            (["conversations", _, "messages"], _) => (None, "GET"),
            (["conversations", id, "responses", rid, "messages"], "GET") => {
                (Some(Route::ListResponseMessages((*id).into(), (*rid).into())), "")
            }
            (["conversations", _, "responses", _, "messages"], _) => (None, "GET"),
            (["conversations", id, "responses", rid, "messages", mid, "feedback"], "POST") => {
                (Some(Route::SubmitFeedback((*id).into(), (*rid).into(), (*mid).into())), "")
            }
            (["conversations", _, "responses", _, "messages", _, "feedback"], _) => (None, "POST"),
            (["conversations", id, "events", eid], "GET") if v1 => {
                (Some(Route::GetEvent((*id).into(), (*eid).into())), "")
            }
            (["conversations", _, "events", _], _) if v1 => (None, "GET"),
            (["conversations", cid, "responses", rid, "messages", mid, "modals", modal, action @ ..], _) if v1 => {
                let ids = ModalPath {
                    conversation_id: (*cid).into(),
                    response_id: (*rid).into(),
                    message_id: (*mid).into(),
                    modal_id: (*modal).into(),
                };
                match (action, method) {
                    ([], "GET") => (Some(Route::GetModal(ids)), ""),
                    ([], _) => (None, "GET"),
                    (["refresh"], "POST") => (Some(Route::RefreshModal(ids)), ""),
                    (["submit"], "POST") => (Some(Route::SubmitModal(ids)), ""),
                    (["refresh" | "submit"], _) => (None, "POST"),
                    _ => return Err(not_found()),
                }
            }
            _ => return Err(not_found()),
        };
        route.map(|route| (generation, route)).ok_or_else(|| method_not_allowed(method, path, allowed))
    }

    /// The conversation a route is about (`None` for the list and create routes;
    /// `-` for list events across conversations).
    pub(crate) fn conversation_id(&self) -> Option<&str> {
        match self {
            Route::ListConversations | Route::CreateConversation => None,
            Route::GetConversation(id)
            | Route::UpdateConversation(id)
            | Route::CreateResponse(id)
            | Route::StreamResponse(id)
            | Route::ListEvents(id)
            | Route::ListMessages(id)
            | Route::GetResponse(id, _)
            | Route::ListResponseMessages(id, _)
            | Route::SubmitFeedback(id, _, _)
            | Route::GetEvent(id, _) => Some(id),
            Route::GetModal(m) | Route::RefreshModal(m) | Route::SubmitModal(m) => Some(&m.conversation_id),
        }
    }

    /// The operation's path template in the published spec.
    pub(crate) fn template(&self) -> &'static str {
        match self {
            Route::ListConversations | Route::CreateConversation => "/conversations",
            Route::GetConversation(_) | Route::UpdateConversation(_) => "/conversations/{conversation_id}",
            Route::CreateResponse(_) => "/conversations/{conversation_id}/responses",
            Route::StreamResponse(_) => "/conversations/{conversation_id}/responses/stream",
            Route::GetResponse(..) => "/conversations/{conversation_id}/responses/{response_id}",
            Route::ListEvents(_) => "/conversations/{conversation_id}/events",
            Route::ListMessages(_) => "/conversations/{conversation_id}/messages",
            Route::ListResponseMessages(..) => "/conversations/{conversation_id}/responses/{response_id}/messages",
            Route::SubmitFeedback(..) => {
                "/conversations/{conversation_id}/responses/{response_id}/messages/{message_id}/feedback"
            }
            Route::GetEvent(..) => "/conversations/{conversation_id}/events/{event_id}",
            Route::GetModal(_) => {
                "/conversations/{conversation_id}/responses/{response_id}/messages/{message_id}/modals/{modal_id}"
            }
            Route::RefreshModal(_) => {
                "/conversations/{conversation_id}/responses/{response_id}/messages/{message_id}/modals/{modal_id}/refresh"
            }
            Route::SubmitModal(_) => {
                "/conversations/{conversation_id}/responses/{response_id}/messages/{message_id}/modals/{modal_id}/submit"
            }
        }
    }

    /// The error statuses the published spec documents for the operation.
    pub(crate) fn documented_errors(&self) -> &'static [u16] {
        match self {
            Route::ListConversations => &[400, 401, 403, 429, 500],
            Route::CreateConversation => &[400, 401, 403, 429, 500],
            Route::GetConversation(_) | Route::GetResponse(..) | Route::ListResponseMessages(..) => {
                &[401, 403, 404, 429, 500]
            }
            Route::UpdateConversation(_)
            | Route::CreateResponse(_)
            | Route::StreamResponse(_)
            | Route::ListMessages(_) => &[400, 401, 403, 404, 429, 500],
            Route::ListEvents(_) => &[401, 404, 429, 500],
            Route::SubmitFeedback(..) => &[400, 404, 429, 500],
            // Not readable on the pages (API-V1-NOTES "Still unknown" 7): the statuses of the
            // neighbouring operations, as spec/rest-v1-additions.schema.json documents them.
            Route::GetEvent(..) | Route::GetModal(_) | Route::RefreshModal(_) | Route::SubmitModal(_) => {
                &[400, 401, 403, 404, 429, 500]
            }
        }
    }

    /// Whether the published spec documents this status (success or error) for the operation.
    pub(crate) fn documents(&self, status: u16) -> bool {
        let success = match self {
            Route::CreateConversation => 201,
            Route::CreateResponse(_) => 202,
            _ => 200,
        };
        status == success || self.documented_errors().contains(&status)
    }

    /// The one `error.code` the published spec allows for a 400 of this operation
    /// (`InvalidCursorErrorResponse`, `InvalidTitleErrorResponse`,
    /// `InputRequiredErrorResponse`, `InvalidFeedbackErrorResponse`).
    /// `None` for list events, which documents no 400 (see [`Route::spec_gap`]).
    pub(crate) fn bad_request_code(&self) -> Option<&'static str> {
        match self {
            Route::ListConversations | Route::ListMessages(_) => Some("INVALID_CURSOR"),
            Route::SubmitFeedback(..) => Some("INVALID_REQUEST"),
            Route::ListEvents(_) => None,
            _ => Some("INVALID_INPUT"),
        }
    }

    /// The `error.code` for an error status of this operation.
    pub(crate) fn error_code(&self, status: u16) -> &'static str {
        match (status, self.bad_request_code()) {
            (400, Some(code)) => code,
            _ => error_code_for_status(status),
        }
    }

    /// Whether a missing or wrong Assistant-Name is 403: where the published spec
    /// documents 403 for the operation; elsewhere (list events, submit feedback) 401.
    pub(crate) fn lists_forbidden(&self) -> bool {
        self.documented_errors().contains(&403)
    }

    /// Answers the simulator gives where the published spec documents no status
    /// (a spec gap, not a fault): submit feedback without a valid token or
    /// Assistant-Name (401; the spec lists no 401 or 403 there) and list events
    /// with a bad `cursor` or `limit` (400 `INVALID_CURSOR`; the spec lists no 400
    /// there). They are recorded as exempt, never silently.
    pub(crate) fn spec_gap(&self, status: u16) -> Option<&'static str> {
        match (self, status) {
            (Route::SubmitFeedback(..), 401) => Some("spec_gap: submit feedback documents no 401"),
            (Route::ListEvents(_), 400) => Some("spec_gap: list events documents no 400"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(Route::parse("GET", "/rest/v1beta1/conversations").unwrap().1, Route::ListConversations);
        assert_eq!(
            Route::parse("GET", "/rest/v1beta1/conversations/c/responses/r").unwrap().1,
            Route::GetResponse("c".into(), "r".into())
        );
        assert_eq!(
            Route::parse("GET", "/rest/v1beta1/conversations/-/events").unwrap().1,
            Route::ListEvents("-".into())
        );
        assert_eq!(
            Route::parse("POST", "/rest/v1beta1/conversations/c/responses/stream").unwrap().1,
            Route::StreamResponse("c".into())
        );
        assert_eq!(
            Route::parse("GET", "/rest/v1beta1/conversations/c/messages").unwrap().1,
            Route::ListMessages("c".into())
        );
        assert_eq!(
            Route::parse("GET", "/rest/v1beta1/conversations/c/responses/r/messages").unwrap().1,
            Route::ListResponseMessages("c".into(), "r".into())
        );
        assert_eq!(
            Route::parse("POST", "/rest/v1beta1/conversations/c/responses/r/messages/m/feedback").unwrap().1,
            Route::SubmitFeedback("c".into(), "r".into(), "m".into())
        );
        assert_eq!(
            Route::parse("GET", "/rest/v1beta1/conversations/c/responses/r/messages/m/feedback").unwrap_err().status,
            405
        );
        assert_eq!(Route::parse("DELETE", "/rest/v1beta1/conversations/c").unwrap_err().status, 405);
        assert_eq!(Route::parse("GET", "/rest/v1beta1/conversations/").unwrap_err().status, 404);
        assert_eq!(Route::parse("GET", "/rest/v1beta1/nope").unwrap_err().status, 404);
        assert_eq!(Route::parse("GET", "/rest/v1beta1conversations").unwrap_err().status, 404);
    }

    #[test]
    fn one_table_serves_both_generations_and_v1_only_routes_are_unknown_on_the_beta() {
        let (generation, route) = Route::parse("GET", "/rest/v1/conversations").unwrap();
        assert_eq!((generation, route), (Generation::V1, Route::ListConversations));
        assert_eq!(Route::parse("GET", "/rest/v1beta1/conversations").unwrap().0, Generation::V1Beta1);
        assert_eq!(
            Route::parse("GET", "/rest/v1/conversations/c/events/e").unwrap().1,
            Route::GetEvent("c".into(), "e".into())
        );
        assert_eq!(Route::parse("GET", "/rest/v1beta1/conversations/c/events/e").unwrap_err().status, 404);
        let ids = ModalPath {
            conversation_id: "c".into(),
            response_id: "r".into(),
            message_id: "m".into(),
            modal_id: "x".into(),
        };
        let base = "/rest/v1/conversations/c/responses/r/messages/m/modals/x";
        assert_eq!(Route::parse("GET", base).unwrap().1, Route::GetModal(ids.clone()));
        assert_eq!(Route::parse("POST", &format!("{base}/refresh")).unwrap().1, Route::RefreshModal(ids.clone()));
        assert_eq!(Route::parse("POST", &format!("{base}/submit")).unwrap().1, Route::SubmitModal(ids));
        assert_eq!(Route::parse("GET", &format!("{base}/submit")).unwrap_err().status, 405);
        assert_eq!(Route::parse("POST", &base.replace("/rest/v1/", "/rest/v1beta1/")).unwrap_err().status, 404);
        assert_eq!(Route::parse("GET", "/rest/v1conversations").unwrap_err().status, 404);
        assert_eq!(Route::parse("GET", "/rest/v2/conversations").unwrap_err().status, 404);
    }
}
