// AtChannel: the AT engine dials only with a gate::DialPermit.
#include <gtest/gtest.h>

#include <string>
#include <type_traits>

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
