// AtChannel: the AT engine dials only with a gate::DialPermit.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "fax/driver/at_channel.h"

namespace fax::driver {
namespace {

// Only ClearedRelease::consume() makes a permit: no public way to build one.
static_assert(!std::is_default_constructible_v<gate::DialPermit>);
static_assert(!std::is_constructible_v<gate::DialPermit, std::string>);
static_assert(!std::is_constructible_v<gate::DialPermit, const char*>);
static_assert(!std::is_copy_constructible_v<gate::DialPermit>);
static_assert(!std::is_copy_assignable_v<gate::DialPermit>);
static_assert(std::is_nothrow_move_constructible_v<gate::DialPermit>);

std::string output_of(AtChannel& ch) {
    auto out = ch.take_output();
    return std::string(out.begin(), out.end());
}

TEST(AtChannelDial, SendRefusesEveryDialingCommandLine) {
    for (const char* cmd : {"ATD5551234", "ATDT5551234", "ATX3D5551234", "AT+FCLASS=1;D5551234", "A/"}) {
        AtChannel ch;
        bool called = false;
        ch.send(AtCommand{cmd}, [&](Result<AtReply> r) {
            called = true;
            ASSERT_FALSE(r.ok());
            EXPECT_EQ(r.error().code, Errc::PolicyRefused);
            EXPECT_EQ(r.error().message.find("555"), std::string::npos) << "the refusal must not echo the number";
        });
        EXPECT_TRUE(called) << cmd;
        EXPECT_EQ(output_of(ch), "") << cmd << " reached the modem";
        EXPECT_FALSE(ch.awaiting_reply());
    }
}

TEST(AtChannelDial, SendPassesCommandsThatDoNotDial) {
    AtChannel ch;
    int replies = 0;
    ch.send(AtCommand{"AT&D2"}, [&](Result<AtReply> r) {
        ++replies;
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        EXPECT_EQ(r->result, AtResult::Ok);
    });
    EXPECT_EQ(output_of(ch), "AT&D2\r");
    const std::string ok = "\r\nOK\r\n";
    ch.on_bytes(std::span(reinterpret_cast<const uint8_t*>(ok.data()), ok.size()));
    EXPECT_EQ(replies, 1);
}

TEST(AtChannelDial, WriteRawRefusesADialOnAnyLine) {
    AtChannel ch;
    const std::string sneaky = "ATZ\rATDT5551234\r";
    auto s = ch.write_raw(std::span(reinterpret_cast<const uint8_t*>(sneaky.data()), sneaky.size()));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::PolicyRefused);
    EXPECT_EQ(output_of(ch), "");

    const std::string harmless = "+++";
    EXPECT_TRUE(ch.write_raw(std::span(reinterpret_cast<const uint8_t*>(harmless.data()), harmless.size())).ok());
    EXPECT_EQ(output_of(ch), "+++");
}

}  // namespace
}  // namespace fax::driver

namespace fax::driver {
namespace {

void feed(AtChannel& ch, std::string_view s) {
    ch.on_bytes(std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

// Profile quirk numeric_result_codes: digits are the result codes, words are not; after
// "1\r" (CONNECT) the very next byte is data, even a LF.
TEST(AtChannelQuirks, NumericResultCodes) {
    AtChannel ch(AtChannelOptions{ResultForm::Numeric});
    std::vector<AtResult> results;
    std::vector<uint8_t> data;
    AtChannel::DataSink sink;
    sink.data = [&](std::span<const uint8_t> d) { data.insert(data.end(), d.begin(), d.end()); };
    ch.send(AtCommand{"AT+FRM=146", Samples{8000}, DataMode::Receive}, [&](Result<AtReply> r) {
        ASSERT_TRUE(r.ok()) << r.error().to_string();
        results.push_back(r->result);
    }, sink);
    feed(ch, "1\r\n\x41\x10\x03");
    feed(ch, "3\r");
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0], AtResult::Connect);
    EXPECT_EQ(results[1], AtResult::NoCarrier);
    EXPECT_EQ(data, (std::vector<uint8_t>{'\n', 0x41}));

    // The same words to a numeric engine are information text: no result, then a deadline.
    AtChannel v(AtChannelOptions{ResultForm::Numeric});
    std::optional<Result<AtReply>> got;
    v.send(AtCommand{"ATE0", Samples{800}}, [&](Result<AtReply> r) { got = std::move(r); });
    feed(v, "\r\nOK\r\n");
    EXPECT_FALSE(got.has_value());
    v.set_time(Samples{900});
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->error().code, Errc::Timeout);

    // And a verbose engine (the default) takes "0" as text.
    AtChannel d;
    got.reset();
    d.send(AtCommand{"AT+FCLASS?", Samples{800}}, [&](Result<AtReply> r) { got = std::move(r); });
    feed(d, "\r\n0\r\n\r\nOK\r\n");
    ASSERT_TRUE(got.has_value() && got->ok());
    EXPECT_EQ((*got)->result, AtResult::Ok);
    EXPECT_EQ((*got)->info, (std::vector<std::string>{"0"}));
}

// XON/XOFF are never text; with in-band flow control XOFF holds the output until XON, data
// go out flow_window bytes at a time, and an XOFF with no XON ends the command.
TEST(AtChannelQuirks, InBandFlowControl) {
    AtChannelOptions o;
    o.inband_flow = true;
    o.flow_window = 100;
    o.xoff_limit = Samples{8000 * 2};
    AtChannel ch(o);
    std::vector<Result<AtReply>> replies;
    ch.send(AtCommand{"AT+FTM=146", Samples{8000}, DataMode::Transmit},
            [&](Result<AtReply> r) { replies.push_back(std::move(r)); });
    EXPECT_EQ(output_of(ch), "AT+FTM=146\r");
    feed(ch, "\r\nCONNECT\r\n");
    ASSERT_EQ(replies.size(), 1u);
    const std::vector<uint8_t> page(250, 0x55);
    ch.write_data(page);
    EXPECT_EQ(ch.take_output().size(), 100u);
    feed(ch, "\x13");
    EXPECT_TRUE(ch.held_by_xoff());
    EXPECT_TRUE(ch.take_output().empty());
    EXPECT_EQ(ch.output_size(), 150u);
    ch.set_time(Samples{8000});
    feed(ch, "\x11");
    EXPECT_FALSE(ch.held_by_xoff());
    EXPECT_EQ(ch.take_output().size(), 100u);
    EXPECT_EQ(ch.take_output().size(), 50u);
    // XOFF, then silence past the limit.
    feed(ch, "\x13");
    ch.set_time(Samples{8000 * 4});
    ASSERT_EQ(replies.size(), 2u);
    ASSERT_FALSE(replies[1].ok());
    EXPECT_EQ(replies[1].error().code, Errc::Timeout);
    EXPECT_EQ(replies[1].error().message, "no XON from the modem within 2 s of its XOFF (during AT+FTM=146)");

    // Without the quirk the characters are dropped from the text but do not hold anything.
    AtChannel plain;
    std::optional<Result<AtReply>> got;
    plain.send(AtCommand{"AT"}, [&](Result<AtReply> r) { got = std::move(r); });
    (void)plain.take_output();
    feed(plain, "\x13\r\nO\x11K\r\n");
    ASSERT_TRUE(got.has_value() && got->ok());
    EXPECT_EQ((*got)->result, AtResult::Ok);
    EXPECT_FALSE(plain.held_by_xoff());
}

// A garbled answer or one cut off before its line end ends the command as Protocol,
// naming what came; only silence is a Timeout.
TEST(AtChannelFaults, GarbledAndTruncatedAnswersAreProtocolErrors) {
    AtChannel ch;
    std::optional<Result<AtReply>> got;
    ch.send(AtCommand{"AT+FCLASS=?", Samples{8000 * 3}}, [&](Result<AtReply> r) { got = std::move(r); });
    feed(ch, "\r\n\xc4\xa2\xf9\xe1\r\n");
    ASSERT_TRUE(got.has_value());
    ASSERT_FALSE(got->ok());
    EXPECT_EQ(got->error().code, Errc::Protocol);
    EXPECT_EQ(got->error().message, "garbled answer from the modem to AT+FCLASS=?: \"\\xC4\\xA2\\xF9\\xE1\"");

    got.reset();
    ch.send(AtCommand{"AT+FTM=?", Samples{8000 * 3}}, [&](Result<AtReply> r) { got = std::move(r); });
    feed(ch, "\r\n24,4");
    ch.set_time(Samples{8000 * 2});
    EXPECT_FALSE(got.has_value());
    ch.set_time(Samples{8000 * 4});
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->error().code, Errc::Protocol);
    EXPECT_EQ(got->error().message, "incomplete answer from the modem to AT+FTM=?: \"24,4\" and no line end");

    got.reset();
    ch.send(AtCommand{"ATZ", Samples{8000 * 5}}, [&](Result<AtReply> r) { got = std::move(r); });
    ch.set_time(Samples{8000 * 10});
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->error().code, Errc::Timeout);
    EXPECT_EQ(got->error().message, "no answer from the modem to ATZ");
}

// The AT step runner over this engine: one command line at a time, each when the
// previous one's final result has come, the information text to the handler.
TEST(AtChannelSteps, StepSenderRunsATableOverTheChannel) {
    AtChannel ch;
    AtStepRunner runner;
    std::vector<std::string> classes;
    std::optional<Status> done;
    runner.run({{"ATE0V1Q0", Samples{800}, require_ok(), {}},
                {"AT+FCLASS=?", Samples{800}, require_ok([&](const AtReply& r) -> Status {
                     classes = r.info;
                     return {};
                 }), {}}},
               step_sender(ch), [&](Status s) { done = std::move(s); });
    EXPECT_EQ(output_of(ch), "ATE0V1Q0\r");
    feed(ch, "\r\nOK\r\n");
    EXPECT_EQ(output_of(ch), "AT+FCLASS=?\r");
    EXPECT_FALSE(done.has_value());
    feed(ch, "\r\n0,1,1.0\r\nOK\r\n");
    ASSERT_TRUE(done.has_value());
    EXPECT_TRUE(done->ok());
    EXPECT_EQ(classes, (std::vector<std::string>{"0,1,1.0"}));
}

TEST(AtChannelSteps, TheChannelsDeadlineEndsTheTable) {
    AtChannel ch;
    AtStepRunner runner;
    std::optional<Status> done;
    runner.run({{"ATZ", Samples{8000 * 5}, tolerate_error(), {}}, {"ATE0", Samples{800}, {}, {}}}, step_sender(ch),
               [&](Status s) { done = std::move(s); });
    ch.set_time(Samples{8000 * 6});
    ASSERT_TRUE(done.has_value());
    ASSERT_FALSE(done->ok());
    EXPECT_EQ(done->error().code, Errc::Timeout);
    EXPECT_EQ(output_of(ch), "ATZ\r") << "nothing after the step that got no answer";
}

}  // namespace
}  // namespace fax::driver
