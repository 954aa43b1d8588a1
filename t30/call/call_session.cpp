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

std::string_view to_string(CallEnd e) {
    switch (e) {
    case CallEnd::None: return "none";
    case CallEnd::Ok: return "ok";
    case CallEnd::Busy: return "busy";
    case CallEnd::NoAnswer: return "no_answer";
    case CallEnd::NoDialtone: return "no_dialtone";
    case CallEnd::NoCarrier: return "no_carrier";
    case CallEnd::NoCall: return "no_call";
    case CallEnd::Timeout: return "timeout";
    case CallEnd::TrainingFailed: return "training_failed";
    case CallEnd::Incompatible: return "incompatible";
    case CallEnd::Protocol: return "protocol";
    case CallEnd::IdentMismatch: return "ident_mismatch";
    case CallEnd::Cancelled: return "cancelled";
    case CallEnd::Document: return "document";
    case CallEnd::Modem: return "modem";
    case CallEnd::Failed: return "failed";
    }
    return "failed";
}

CallEnd call_end_for(Errc code) {
    switch (code) {
    case Errc::LineBusy: return CallEnd::Busy;
    case Errc::NoAnswer: return CallEnd::NoAnswer;
    case Errc::NoDialtone: return CallEnd::NoDialtone;
    case Errc::NoCarrier: return CallEnd::NoCarrier;
    case Errc::Timeout: return CallEnd::Timeout;
    case Errc::Protocol: return CallEnd::Protocol;
    case Errc::Cancelled: return CallEnd::Cancelled;
    case Errc::ModemError:
    case Errc::Unsupported:
    case Errc::Io:
    case Errc::Disconnected:
    case Errc::DeviceBusy: return CallEnd::Modem;
    case Errc::NotFound:
    case Errc::InvalidInput: return CallEnd::Document;
    case Errc::InvalidArgument:
    case Errc::PolicyRefused:
    case Errc::Unavailable:
    case Errc::Conflict:
    case Errc::Internal: return CallEnd::Failed;
    }
    return CallEnd::Failed;
}

CallEnd settle_call_end(const CallEndFacts& f) {
    if (f.ident_mismatch) return CallEnd::IdentMismatch;
    // What goes wrong after a cancel (an abort the modem answers late, a DCN cut short)
    // is the cancel's doing.
    if (f.cancelled && f.protocol != CallEnd::Ok) return CallEnd::Cancelled;
    if (f.error) {
        if (f.waiting_for_call && f.error->code == Errc::Timeout) return CallEnd::NoCall;
        return call_end_for(f.error->code);
    }
    if (f.protocol) return *f.protocol;
    return CallEnd::Failed;
}

}  // namespace fax::t30
