// The Class 2.0 map from the modem's +FHS hang-up status (T.32 Table 24) to CallEnd.
#include "fax/t30/hangup_call_end.h"

#include <gtest/gtest.h>

namespace fax::t30 {
namespace {

TEST(HangupCallEnd, TheCodesAStationActsOn) {
    EXPECT_EQ(call_end_for_hangup_status(0x00), CallEnd::Ok);
    EXPECT_EQ(call_end_for_hangup_status(0x02), CallEnd::Cancelled);
    EXPECT_EQ(call_end_for_hangup_status(0x03), CallEnd::NoCarrier);
    EXPECT_EQ(call_end_for_hangup_status(0x11), CallEnd::Timeout);
    EXPECT_EQ(call_end_for_hangup_status(0x73), CallEnd::Timeout);
    EXPECT_EQ(call_end_for_hangup_status(0x21), CallEnd::Incompatible);
    EXPECT_EQ(call_end_for_hangup_status(0x27), CallEnd::TrainingFailed);
    EXPECT_EQ(call_end_for_hangup_status(0x46), CallEnd::Document);
    EXPECT_EQ(call_end_for_hangup_status(0x43), CallEnd::Modem);
}

// +FHS values are not SpanDSP's T30_ERR_* codes: 02 (+FKS) is not T0 expired, 11 (T1) is
// not "cannot train".
TEST(HangupCallEnd, PhaseErrorsAreProtocolAndTheRestFailed) {
    for (int c : {0x10, 0x20, 0x25, 0x40, 0x50, 0x52, 0x58, 0x70, 0x90, 0x94, 0xA0, 0xA3})
        EXPECT_EQ(call_end_for_hangup_status(c), CallEnd::Protocol) << std::hex << c;
    EXPECT_EQ(call_end_for_hangup_status(0xF0), CallEnd::Failed);
    EXPECT_EQ(call_end_for_hangup_status(-1), CallEnd::Failed);
}

}  // namespace
}  // namespace fax::t30
