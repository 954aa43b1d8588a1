#include "fax/t30/call_session.h"

namespace fax::t30 {

std::string_view to_string(CallPhase p) {
    switch (p) {
    case CallPhase::Init: return "init";
    case CallPhase::Dialing: return "dialing";
    case CallPhase::WaitingForCall: return "waiting for call";
    case CallPhase::Answering: return "answering";
    case CallPhase::Negotiating: return "negotiating";
    case CallPhase::Transfer: return "page transfer";
    case CallPhase::PostPage: return "post-page";
    case CallPhase::HangingUp: return "hanging up";
    case CallPhase::Done: return "done";
    }
    return "?";
}

}  // namespace fax::t30
