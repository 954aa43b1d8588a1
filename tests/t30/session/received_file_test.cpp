// Received faxes are written privately: FaxSession and Class2Session receive into
// `<path>.part`, created 0600 before any page arrives, and rename it to `<path>` when the
// call ends with pages (nothing is left when it ends without). Run as a umask 022 process,
// where a file created the ordinary way would be readable by everyone.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "line_kind.h"
#include "fax/t30/session_driver.h"
#include "quirk_call.h"

namespace fax::quirktest {
namespace {

namespace fs = std::filesystem;

class Umask022 {
public:
    Umask022() : old_(::umask(022)) {}
    ~Umask022() { ::umask(old_); }

private:
    mode_t old_;
};

std::optional<mode_t> mode_of(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
    return st.st_mode & 07777;
}

// What the files looked like at every event while the call ran.
struct Watch {
    std::string final_path;
    int checked = 0;
    std::vector<std::string> problems;

    std::function<void(const t30::SessionEvent&)> handler() {
        return [this](const t30::SessionEvent& e) {
            if (e.phase != t30::CallPhase::Transfer && e.phase != t30::CallPhase::PostPage) return;
            ++checked;
            const auto part = mode_of(final_path + ".part");
            if (!part) problems.push_back("no .part during " + std::string(t30::to_string(e.phase)));
            else if (*part != 0600) problems.push_back(".part has mode " + std::to_string(*part));
            if (fs::exists(final_path)) problems.push_back("the final file exists during the call");
        };
    }
};

template <class Receive, class Options>
void receives_privately(Receive receive, Options opts, bool class2) {
    Umask022 umask;
    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    sim::ModemOptions mo;
    mo.offer_class2 = class2;
    auto& modem = sim.add_modem("5551001", mo);
    testing::TempDir dir;
    CallSpec spec;
    spec.charts = {1, 2};
    Watch watch;
    watch.final_path = dir.file("rx.tif");
    spec.on_event = watch.handler();
    const CallOutcome out = receive(sim, modem, dir, spec, opts);
    ASSERT_TRUE(out.finished);
    ASSERT_TRUE(out.result.status.ok()) << out.result.status.error().to_string();
    EXPECT_EQ(out.result.pages_received, 2);
    EXPECT_EQ(out.result.end, t30::CallEnd::Ok);
    EXPECT_GE(watch.checked, 2);
    for (const auto& p : watch.problems) ADD_FAILURE() << p;
    EXPECT_EQ(mode_of(out.received_tiff), std::optional<mode_t>(0600));
    EXPECT_FALSE(fs::exists(out.received_tiff + ".part"));
    EXPECT_EQ(page_differences(out.sent_tiff, out.received_tiff), "");
}

TEST(ReceivedFile, Class1WritesPartPrivatelyAndRenamesItAtTheEnd) {
    receives_privately(&receive_class1, t30::SessionOptions{}, false);
}

TEST(ReceivedFile, Class2WritesPartPrivatelyAndRenamesItAtTheEnd) {
    t30::Class2Options o;
    o.data_format = 1;
    receives_privately(&receive_class2, o, true);
}

TEST(ReceivedFile, NoCallLeavesNoFileBehind) {
    Umask022 umask;
    testing::TempDir dir;
    const std::string rx = dir.file("rx.tif");
    t30::SessionOptions so;
    so.ring_timeout = Samples{8000 * 5};
    sim::Simulation sim(fax::testing::kTestTick, fax::testing::test_exchange_options());
    auto& modem = sim.add_modem("5551001", {});
    ASSERT_TRUE(modem.link().host().open().ok());
    auto session = t30::FaxSession::receive(rx, so);
    ASSERT_TRUE(session.ok()) << session.error().to_string();
    EXPECT_EQ(mode_of(rx + ".part"), std::optional<mode_t>(0600)) << "created before the call";
    t30::SessionStepper stepper(**session, modem.link().host());
    sim.attach(stepper);
    ASSERT_TRUE(sim.run_until([&] { return (*session)->finished(); }, Samples{8000 * 120}));
    sim.detach(stepper);
    EXPECT_EQ((*session)->result().end, t30::CallEnd::NoCall);
    EXPECT_FALSE(fs::exists(rx));
    EXPECT_FALSE(fs::exists(rx + ".part"));
}

TEST(ReceivedFile, ASessionDestroyedBeforeTheEndRemovesItsPart) {
    testing::TempDir dir;
    const std::string rx = dir.file("rx.tif");
    {
        auto session = t30::Class2Session::receive(rx, {});
        ASSERT_TRUE(session.ok()) << session.error().to_string();
        EXPECT_TRUE(fs::exists(rx + ".part"));
    }
    EXPECT_FALSE(fs::exists(rx + ".part"));
    EXPECT_FALSE(fs::exists(rx));
}

TEST(ReceivedFile, AnUnwritableFolderIsRefusedBeforeTheCall) {
    testing::TempDir dir;
    auto s1 = t30::FaxSession::receive(dir.file("missing/rx.tif"), {});
    ASSERT_FALSE(s1.ok());
    EXPECT_EQ(s1.error().code, Errc::Io);
    auto s2 = t30::Class2Session::receive(dir.file("missing/rx.tif"), {});
    ASSERT_FALSE(s2.ok());
    EXPECT_EQ(s2.error().code, Errc::Io);
}

}  // namespace
}  // namespace fax::quirktest
