// T30Engine: SpanDSP's T.30 engine behind a typed surface. Its requests arrive as typed
// values from the first moment (t30_init restarts the engine), and its end as a CallEnd.
#include "fax/t30/spandsp/t30_engine.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace fax::t30::spandsp {
namespace {

struct Recorder final : T30Listener {
    std::vector<ModemRequest> rx, tx;
    std::vector<std::vector<uint8_t>> frames;
    std::optional<T30Completion> ended;
    void t30_rx_request(const ModemRequest& r) override { rx.push_back(r); }
    void t30_tx_request(const ModemRequest& r) override { tx.push_back(r); }
    void t30_send_hdlc(std::span<const uint8_t> f) override { frames.emplace_back(f.begin(), f.end()); }
    bool t30_remote_ident(const std::string&) override { return true; }
    void t30_page_done(const PostPageResponse&) override {}
    void t30_call_ended(const T30Completion& c) override { ended = c; }
};

T30Config answering() {
    T30Config c;
    c.calling_party = false;
    c.local_ident = "FAXSTACK";
    c.rx_file = "/nonexistent/never-written.tif";
    return c;
}

TEST(T30Engine, AnAnsweringEngineAsksForCedAndThenV21) {
    Recorder rec;
    auto e = T30Engine::create(answering(), rec);
    ASSERT_TRUE(e.ok()) << e.error().to_string();
    // T.30 §5.3.1 / Figure 5-2: the called terminal starts with CED, then DIS at V.21.
    ASSERT_FALSE(rec.tx.empty());
    EXPECT_EQ(rec.tx.front().modem, FrontEndModem::Ced);
    EXPECT_FALSE((*e)->ended());
}

TEST(T30Engine, TerminateEndsTheCallWithATypedEnd) {
    Recorder rec;
    auto e = T30Engine::create(answering(), rec);
    ASSERT_TRUE(e.ok());
    (*e)->terminate();
    ASSERT_TRUE(rec.ended.has_value());
    EXPECT_TRUE((*e)->ended());
    EXPECT_NE(rec.ended->end, CallEnd::None);
    EXPECT_NE(rec.ended->end, CallEnd::Ok) << "nothing was exchanged";
    EXPECT_FALSE(rec.ended->text.empty());
}

TEST(T30Engine, TimerT1EndsACallThatNeverStartedAsTimeout) {
    Recorder rec;
    auto e = T30Engine::create(answering(), rec);
    ASSERT_TRUE(e.ok());
    // T.30 §5.4.3.1: T1 is 35 s ± 5 s; nothing from the far end for a minute.
    for (int i = 0; i < 60 * 50 && !rec.ended; ++i) {
        (*e)->timer_update(Samples{160});
        (*e)->send_step_complete();
    }
    ASSERT_TRUE(rec.ended.has_value());
    EXPECT_EQ(rec.ended->end, CallEnd::Timeout) << rec.ended->text;
}

TEST(T30Engine, ModulationNamesAreTheRecommendations) {
    EXPECT_EQ(modulation_name(FrontEndModem::V17), "V.17");
    EXPECT_EQ(modulation_name(FrontEndModem::V29), "V.29");
    EXPECT_EQ(modulation_name(FrontEndModem::V27ter), "V.27ter");
    EXPECT_EQ(modulation_name(FrontEndModem::V21), "");
    EXPECT_TRUE(is_image_modem(FrontEndModem::V29));
    EXPECT_FALSE(is_image_modem(FrontEndModem::V21));
}

}  // namespace
}  // namespace fax::t30::spandsp
