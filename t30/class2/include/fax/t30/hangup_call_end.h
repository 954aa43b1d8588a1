// The CallEnd of a Class 2.0 call from the modem's hang-up status (+FHS, T.32 Table 24),
// the one map for Class2Session as call_end_map.h is for SpanDSP's codes.
#pragma once

#include "fax/t30/call_session.h"

namespace fax::t30 {

// 00 → Ok; 02 (+FKS or CAN) → Cancelled; 01, 03 (no fax handshake, loop current lost) →
// NoCarrier; 11, 73, 74 (T1, T2) → Timeout; 21 → Incompatible; 27 → TrainingFailed;
// 41-42, 44-47 (the page image) → Document; 43, 93 (data under- or overflow between the
// host and the modem) → Modem; every other transmit or receive phase error → Protocol;
// an undefined code → Failed.
CallEnd call_end_for_hangup_status(int fhs);

}  // namespace fax::t30
