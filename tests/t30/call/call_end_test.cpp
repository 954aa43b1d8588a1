// CallEnd: how both session types settle a call's end from what they know.
#include <gtest/gtest.h>

#include "fax/t30/call_session.h"

namespace fax::t30 {
namespace {

TEST(CallEnd, ModemResultErrorsKeepTheirMeaning) {
    EXPECT_EQ(call_end_for(Errc::LineBusy), CallEnd::Busy);
    EXPECT_EQ(call_end_for(Errc::NoAnswer), CallEnd::NoAnswer);
    EXPECT_EQ(call_end_for(Errc::NoDialtone), CallEnd::NoDialtone);
    EXPECT_EQ(call_end_for(Errc::NoCarrier), CallEnd::NoCarrier);
    EXPECT_EQ(call_end_for(Errc::Timeout), CallEnd::Timeout);
    EXPECT_EQ(call_end_for(Errc::Protocol), CallEnd::Protocol);
    EXPECT_EQ(call_end_for(Errc::Cancelled), CallEnd::Cancelled);
    EXPECT_EQ(call_end_for(Errc::ModemError), CallEnd::Modem);
    EXPECT_EQ(call_end_for(Errc::Disconnected), CallEnd::Modem);
    EXPECT_EQ(call_end_for(Errc::Unsupported), CallEnd::Modem);
    EXPECT_EQ(call_end_for(Errc::InvalidInput), CallEnd::Document);
    EXPECT_EQ(call_end_for(Errc::Internal), CallEnd::Failed);
}

TEST(CallEnd, TheIdentityCheckCountsFirst) {
    const Error e{Errc::Protocol, "x"};
    EXPECT_EQ(settle_call_end({true, &e, false, true, CallEnd::Protocol}), CallEnd::IdentMismatch);
}

TEST(CallEnd, AnErrorCountsBeforeWhatT30Said) {
    const Error e{Errc::Disconnected, "unplugged"};
    EXPECT_EQ(settle_call_end({false, &e, false, false, CallEnd::NoCarrier}), CallEnd::Modem);
}

TEST(CallEnd, NoRingWithinTheTimeOutIsNoCall) {
    const Error e{Errc::Timeout, "no incoming call"};
    EXPECT_EQ(settle_call_end({false, &e, true, false, std::nullopt}), CallEnd::NoCall);
    EXPECT_EQ(settle_call_end({false, &e, false, false, std::nullopt}), CallEnd::Timeout);
}

TEST(CallEnd, ACancelCountsBeforeTheErrorItCaused) {
    const Error e{Errc::Timeout, "no answer from the modem to AT+FDT"};
    EXPECT_EQ(settle_call_end({false, &e, false, true, std::nullopt}), CallEnd::Cancelled);
}

TEST(CallEnd, ACancelBeatsTheDroppedCallButNotANormalEnd) {
    EXPECT_EQ(settle_call_end({false, nullptr, false, true, CallEnd::NoCarrier}), CallEnd::Cancelled);
    EXPECT_EQ(settle_call_end({false, nullptr, false, true, std::nullopt}), CallEnd::Cancelled);
    EXPECT_EQ(settle_call_end({false, nullptr, false, true, CallEnd::Ok}), CallEnd::Ok);
}

TEST(CallEnd, OtherwiseT30Decides) {
    EXPECT_EQ(settle_call_end({false, nullptr, false, false, CallEnd::TrainingFailed}), CallEnd::TrainingFailed);
    EXPECT_EQ(settle_call_end({false, nullptr, false, false, std::nullopt}), CallEnd::Failed);
}

TEST(CallEnd, NamesAreStable) {
    EXPECT_EQ(to_string(CallEnd::TrainingFailed), "training_failed");
    EXPECT_EQ(to_string(CallEnd::IdentMismatch), "ident_mismatch");
    EXPECT_EQ(to_string(CallEnd::None), "none");
}

}  // namespace
}  // namespace fax::t30
