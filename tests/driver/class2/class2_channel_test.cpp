// Class2Channel fed raw modem bytes: commands, reports, page data out and in, deadlines.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "fax/driver/class2_channel.h"
#include "release_fixture.h"

namespace fax::driver {
namespace {

std::span<const uint8_t> bytes(const std::string& s) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
std::string text(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

// The only way to a dial: a release cleared by the gate for `number`, consumed.
gate::DialPermit permit_for(const testing::TempDir& dir, const std::string& number) {
    const std::string doc = dir.file("doc.tif");
    EXPECT_TRUE(testing::write_charts_at(doc, {1}).ok());
    auto release = testing::clear_for_fax(dir, doc, number, std::nullopt);
    EXPECT_TRUE(release.ok()) << (release.ok() ? "" : release.error().to_string());
    return release->consume();
}

TEST(Class2Channel, CollectsReportsBeforeTheFinalResult) {
    testing::TempDir dir;
    Class2Channel ch;
    std::optional<Class2Reply> got;
    ch.dial(permit_for(dir, "12065551009"), "ATD", Samples{8000 * 60}, [&](Result<Class2Reply> r) {
        ASSERT_TRUE(r.ok());
        got = *r;
    });
    EXPECT_EQ(text(ch.take_output()), "ATD12065551009\r");
    ch.on_bytes(bytes("\r\n+FCO\r\n\r\n+FCI:\"NORTH CLINIC\"\r\n"));
    EXPECT_FALSE(got);
    ch.on_bytes(bytes("\r\n+FIS:1,5,0,2,3,1,0,0\r\n\r\nOK\r\n"));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->result, AtResult::Ok);
    EXPECT_EQ(got->info, (std::vector<std::string>{"+FCO", "+FCI:\"NORTH CLINIC\"", "+FIS:1,5,0,2,3,1,0,0"}));
    EXPECT_FALSE(ch.busy());
}

TEST(Class2Channel, SendsAPageEndedByThePostPageCharacter) {
    Class2Channel ch;
    std::vector<Class2Reply> replies;
    ch.send(Class2Command{"AT+FDT", Samples{8000 * 5}, Class2Data::SendPage},
            [&](Result<Class2Reply> r) { replies.push_back(*r); });
    (void)ch.take_output();
    ch.on_bytes(bytes("\r\n+FCS:1,5,0,2,0,0,0,0\r\n\r\nCONNECT\r\n"));
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].result, AtResult::Connect);
    EXPECT_TRUE(ch.sending_page());
    const uint8_t page[] = {0x00, 0x10, 0x80, 0x10};
    ch.write_page_data(page);
    ch.end_page(PostPage::Eop, Samples{8000 * 60});
    EXPECT_EQ(text(ch.take_output()), std::string("\x00\x10\x10\x80\x10\x10\x10.", 8));
    // Time passes while the modem sends the page: no deadline until it is due.
    ch.set_time(Samples{8000 * 30});
    EXPECT_TRUE(ch.busy());
    ch.on_bytes(bytes("\r\n+FPS:1,300,0,0,0\r\n\r\n+FHS:00\r\n\r\nOK\r\n"));
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(replies[1].result, AtResult::Ok);
    EXPECT_EQ(replies[1].info, (std::vector<std::string>{"+FPS:1,300,0,0,0", "+FHS:00"}));
}

TEST(Class2Channel, ReceivesAPageAfterDc2) {
    Class2Channel ch;
    std::vector<Class2Reply> replies;
    std::string data;
    ch.send(
        Class2Command{"AT+FDR", Samples{8000 * 60}, Class2Data::ReceivePage},
        [&](Result<Class2Reply> r) { replies.push_back(*r); },
        [&](std::span<const uint8_t> d) { data.append(d.begin(), d.end()); });
    (void)ch.take_output();
    // CONNECT and the first data bytes in one read; a DLE pair split across reads.
    ch.on_bytes(bytes("\r\n+FCS:1,5,0,2,1,0,0,0\r\n\r\nCONNECT\r\nAB\x10"));
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(text(ch.take_output()), "\x12");  // DC2: ready for the data
    ch.on_bytes(bytes(std::string("\x10" "C\x10\x03\r\n+FPS:1,10,0,0,0\r\n\r\n+FET:2\r\n\r\nOK\r\n")));
    EXPECT_EQ(data, "AB\x10" "C");
    ASSERT_EQ(replies.size(), 2u);
    EXPECT_EQ(replies[1].info, (std::vector<std::string>{"+FPS:1,10,0,0,0", "+FET:2"}));
}

// +FDR's deadline bounds the modem's silence, not the page: a long page whose data keeps
// coming is taken whole; a modem that stops sending for longer than T5 is a Timeout.
TEST(Class2Channel, PageDataThatKeepsComingOutlastsTheCommandDeadline) {
    Class2Channel ch;
    std::vector<Result<Class2Reply>> replies;
    std::size_t received = 0;
    ch.send(
        Class2Command{"AT+FDR", Samples{8000 * 120}, Class2Data::ReceivePage},
        [&](Result<Class2Reply> r) { replies.push_back(std::move(r)); },
        [&](std::span<const uint8_t> d) { received += d.size(); });
    (void)ch.take_output();
    ch.on_bytes(bytes("\r\nCONNECT\r\n"));
    ASSERT_EQ(replies.size(), 1u);
    const std::string chunk(1000, 'x');
    for (int s = 5; s <= 300; s += 5) {  // five minutes of page, a chunk every 5 s
        ch.set_time(Samples{8000 * s});
        ch.on_bytes(bytes(chunk));
    }
    EXPECT_EQ(replies.size(), 1u) << "the page was cut off by the command's 120 s";
    EXPECT_EQ(received, 60u * chunk.size());
    ch.set_time(Samples{8000 * (300 + 66)});  // then silence beyond T5
    ASSERT_EQ(replies.size(), 2u);
    ASSERT_FALSE(replies[1].ok());
    EXPECT_EQ(replies[1].error().code, Errc::Timeout);
}

TEST(Class2Channel, DeadlinesAndUnsolicitedLines) {
    Class2Channel ch;
    std::vector<std::string> unsolicited;
    ch.set_unsolicited([&](const std::string& l) { unsolicited.push_back(l); });
    ch.on_bytes(bytes("\r\nRING\r\n"));
    EXPECT_EQ(unsolicited, (std::vector<std::string>{"RING"}));
    std::optional<Errc> err;
    testing::TempDir dir;
    ch.dial(permit_for(dir, "12065551234"), "ATD", Samples{8000}, [&](Result<Class2Reply> r) {
        ASSERT_FALSE(r.ok());
        err = r.error().code;
        // The dial string is not repeated in the message.
        EXPECT_EQ(r.error().message.find("5551234"), std::string::npos);
    });
    ch.set_time(Samples{4000});
    EXPECT_FALSE(err);
    ch.set_time(Samples{8001});
    EXPECT_EQ(err, Errc::Timeout);
    // Echo of our own command is not a report.
    std::optional<Class2Reply> got;
    ch.send(Class2Command{"AT+FCLASS=2.0", Samples{8000 * 10}}, [&](Result<Class2Reply> r) { got = *r; });
    ch.on_bytes(bytes("AT+FCLASS=2.0\r\r\nOK\r\n"));
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->info.empty());
}

// The AT step runner over this engine: the +F reports before OK reach the step's handler.
TEST(Class2Channel, StepSenderRunsATableOverTheChannel) {
    Class2Channel ch;
    AtStepRunner runner;
    std::vector<std::string> info;
    std::optional<Status> done;
    runner.run({{"AT+FCLASS=2.0", Samples{800}, require_ok(), {}},
                {"AT+FNR=1,1,1,0", Samples{800}, tolerate_error(), {}},
                {"AT+FCC?", Samples{800}, require_ok([&](const Class2Reply& r) -> Status {
                     info = r.info;
                     return {};
                 }), {}}},
               step_sender(ch), [&](Status s) { done = std::move(s); });
    EXPECT_EQ(text(ch.take_output()), "AT+FCLASS=2.0\r");
    ch.on_bytes(bytes("\r\nOK\r\n"));
    EXPECT_EQ(text(ch.take_output()), "AT+FNR=1,1,1,0\r");
    ch.on_bytes(bytes("\r\nERROR\r\n"));
    EXPECT_EQ(text(ch.take_output()), "AT+FCC?\r");
    ch.on_bytes(bytes("\r\n+FCC: 1,5,0,2,0,0,0,0\r\nOK\r\n"));
    ASSERT_TRUE(done.has_value());
    EXPECT_TRUE(done->ok());
    EXPECT_EQ(info, (std::vector<std::string>{"+FCC: 1,5,0,2,0,0,0,0"}));
}

}  // namespace
}  // namespace fax::driver

namespace fax::driver {
namespace {

// Class 2.0 dials only with the gate's permit, exactly like the Class 1 engine.
TEST(Class2Channel, SendRefusesDialingCommandLinesAndAPermitDialsOnce) {
    {
        testing::TempDir dir;
        gate::DialPermit p = permit_for(dir, "12065551009");
        Class2Channel ch;
        ch.dial(std::move(p), "ATDT", Samples{8000}, [](Result<Class2Reply>) {});
        EXPECT_EQ(text(ch.take_output()), "ATDT12065551009\r");
        bool refused = false;
        Class2Channel again;
        again.dial(std::move(p), "ATDT", Samples{8000}, [&](Result<Class2Reply> r) {  // NOLINT(bugprone-use-after-move)
            refused = !r.ok() && r.error().code == Errc::PolicyRefused;
        });
        EXPECT_TRUE(refused) << "a used permit dials nothing";
        EXPECT_TRUE(again.take_output().empty());
    }
    for (const char* cmd : {"ATD5551234", "ATDT5551234", "AT+FCLASS=2.0;D5551234", "A/"}) {
        Class2Channel ch;
        bool refused = false;
        ch.send(Class2Command{cmd}, [&](Result<Class2Reply> r) {
            refused = !r.ok() && r.error().code == Errc::PolicyRefused;
        });
        EXPECT_TRUE(refused) << cmd;
        EXPECT_TRUE(ch.take_output().empty()) << cmd << " reached the modem";
        EXPECT_FALSE(ch.busy());
    }
}

}  // namespace
}  // namespace fax::driver
