// The one map from SpanDSP's completion codes to a typed CallEnd: every code SpanDSP 0.0.6
// defines has a deliberate CallEnd, the timers are Timeout and the rest as documented.
#include "fax/t30/spandsp/call_end_map.h"

#include <gtest/gtest.h>

#include "fax/t30/spandsp/spandsp.h"

namespace fax::t30::spandsp {
namespace {

TEST(CallEndMap, NormalEndIsOk) { EXPECT_EQ(call_end_from_completion(T30_ERR_OK), CallEnd::Ok); }

TEST(CallEndMap, TheT30TimersAreTimeout) {
    for (int c : {T30_ERR_T0_EXPIRED, T30_ERR_T1_EXPIRED, T30_ERR_T3_EXPIRED, T30_ERR_TX_T5EXP, T30_ERR_RX_T2EXPDCN,
                  T30_ERR_RX_T2EXPD, T30_ERR_RX_T2EXPFAX, T30_ERR_RX_T2EXPMPS, T30_ERR_RX_T2EXPRR, T30_ERR_RX_T2EXP})
        EXPECT_EQ(call_end_from_completion(c), CallEnd::Timeout) << completion_text(c);
}

TEST(CallEndMap, WhatARetryCanChangeIsToldApart) {
    EXPECT_EQ(call_end_from_completion(T30_ERR_CANNOT_TRAIN), CallEnd::TrainingFailed);
    EXPECT_EQ(call_end_from_completion(T30_ERR_RX_NOCARRIER), CallEnd::NoCarrier);
    EXPECT_EQ(call_end_from_completion(T30_ERR_CALLDROPPED), CallEnd::NoCarrier);
    for (int c : {T30_ERR_INCOMPATIBLE, T30_ERR_RX_INCAPABLE, T30_ERR_TX_INCAPABLE, T30_ERR_NORESSUPPORT,
                  T30_ERR_NOSIZESUPPORT})
        EXPECT_EQ(call_end_from_completion(c), CallEnd::Incompatible) << completion_text(c);
    EXPECT_EQ(call_end_from_completion(T30_ERR_IDENT_UNACCEPTABLE), CallEnd::IdentMismatch);
    for (int c : {T30_ERR_FILEERROR, T30_ERR_NOPAGE, T30_ERR_BADTIFF, T30_ERR_BADPAGE, T30_ERR_BADTAG,
                  T30_ERR_BADTIFFHDR})
        EXPECT_EQ(call_end_from_completion(c), CallEnd::Document) << completion_text(c);
}

TEST(CallEndMap, ProcedureFailuresAreProtocol) {
    for (int c : {T30_ERR_UNEXPECTED, T30_ERR_TX_BADDCS, T30_ERR_TX_GOTDCN, T30_ERR_TX_PHBDEAD, T30_ERR_TX_PHDDEAD,
                  T30_ERR_RX_DCNDATA, T30_ERR_RX_INVALCMD, T30_ERR_RETRYDCN})
        EXPECT_EQ(call_end_from_completion(c), CallEnd::Protocol) << completion_text(c);
}

TEST(CallEndMap, EveryDefinedCodeIsMappedDeliberately) {
    // Only NOMEM (a local failure) and codes SpanDSP does not define fall through to Failed.
    for (int c = T30_ERR_OK; c <= T30_ERR_CSA_UNACCEPTABLE; ++c) {
        if (c == T30_ERR_NOMEM) continue;
        EXPECT_NE(call_end_from_completion(c), CallEnd::Failed) << c << " " << completion_text(c);
        EXPECT_NE(call_end_from_completion(c), CallEnd::None) << c;
    }
    EXPECT_EQ(call_end_from_completion(T30_ERR_NOMEM), CallEnd::Failed);
    EXPECT_EQ(call_end_from_completion(-7), CallEnd::Failed);
    EXPECT_EQ(call_end_from_completion(10000), CallEnd::Failed);
}

TEST(CallEndMap, TextIsSpanDspsForLogs) {
    EXPECT_FALSE(completion_text(T30_ERR_T1_EXPIRED).empty());
    EXPECT_FALSE(completion_text(12345).empty());
}

}  // namespace
}  // namespace fax::t30::spandsp
