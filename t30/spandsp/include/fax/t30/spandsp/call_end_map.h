// The one map from SpanDSP's T.30 completion codes (T30_ERR_*, reported in phase E) to a
// typed CallEnd (call_session.h). Nothing above t30/ sees the integer: callers branch on
// the CallEnd, the code and its text only go to logs.
#pragma once

#include <string>

#include "fax/t30/call_session.h"

namespace fax::t30::spandsp {

// T30_ERR_OK → Ok; the T.30 timers (T0, T1, T3, T5, T2 in all its forms) → Timeout;
// CANNOT_TRAIN → TrainingFailed; the far end's incapabilities → Incompatible; carrier
// lost or the call dropped → NoCarrier; our refusal of the remote's identity →
// IdentMismatch; unreadable documents → Document; everything else the far end or the
// procedure got wrong → Protocol; an unknown code → Failed.
CallEnd call_end_from_completion(int t30_completion_code);

// SpanDSP's words for the code (t30_completion_code_to_str), for logs.
std::string completion_text(int t30_completion_code);

}  // namespace fax::t30::spandsp
