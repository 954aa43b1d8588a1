// faxsim's argument specs, as a table.
#include <gtest/gtest.h>

#include "faxsim_options.h"

namespace fax::faxsim {
namespace {

TEST(FaxsimOptions, ModemSpecs) {
    auto m = parse_modem("/tmp/faxA=5551001");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->link_path, "/tmp/faxA");
    EXPECT_EQ(m->number, "5551001");
    auto odd = parse_modem("/tmp/a=b=5551001");  // the number is after the last '='
    ASSERT_TRUE(odd);
    EXPECT_EQ(odd->link_path, "/tmp/a=b");
    for (const char* bad : {"/tmp/faxA", "=5551001", "/tmp/faxA=", "/tmp/faxA=555-1001", "/tmp/faxA=123456789012345678901"}) {
        auto r = parse_modem(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, Errc::InvalidArgument);
        EXPECT_NE(r.error().message.find("--modem"), std::string::npos) << r.error().message;
        EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
    }
}

TEST(FaxsimOptions, ReceiverSpecs) {
    auto r = parse_receiver("5551009=/tmp/rx");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->number, "5551009");
    EXPECT_EQ(r->dir, "/tmp/rx");
    for (const char* bad : {"5551009", "5551009=", "x=/tmp/rx", "=/tmp/rx"}) EXPECT_FALSE(parse_receiver(bad)) << bad;
}

TEST(FaxsimOptions, SenderSpecs) {
    struct Case {
        const char* arg;
        bool ok;
        const char* number;
        const char* tiff;
        const char* dial;
        double delay;
    };
    const Case cases[] = {
        {"5551010=/tmp/p.tif@5551001", true, "5551010", "/tmp/p.tif", "5551001", 0.0},
        {"5551010=/tmp/p.tif@5551001,delay=2.5", true, "5551010", "/tmp/p.tif", "5551001", 2.5},
        {"5551010=/tmp/a@b.tif@5551001", true, "5551010", "/tmp/a@b.tif", "5551001", 0.0},
        {"5551010=/tmp/p.tif", false, "", "", "", 0},
        {"5551010=@5551001", false, "", "", "", 0},
        {"5551010=/tmp/p.tif@", false, "", "", "", 0},
        {"5551010=/tmp/p.tif@5551001,delay=-1", false, "", "", "", 0},
        {"5551010=/tmp/p.tif@5551001,delay=x", false, "", "", "", 0},
        {"5551010=/tmp/p.tif@5551001,speed=2", false, "", "", "", 0},
        {"abc=/tmp/p.tif@5551001", false, "", "", "", 0},
    };
    for (const auto& c : cases) {
        auto s = parse_sender(c.arg);
        ASSERT_EQ(s.ok(), c.ok) << c.arg;
        if (!c.ok) {
            EXPECT_NE(s.error().message.find("--sender"), std::string::npos);
            continue;
        }
        EXPECT_EQ(s->number, c.number);
        EXPECT_EQ(s->tiff, c.tiff);
        EXPECT_EQ(s->dial, c.dial);
        EXPECT_DOUBLE_EQ(s->delay_s, c.delay);
    }
}

TEST(FaxsimOptions, Validation) {
    Options o;
    EXPECT_FALSE(validate(o)) << "nothing to simulate";
    o.modems = {{"/tmp/a", "5551001"}, {"/tmp/b", "5551002"}};
    o.receivers = {{"5551009", "/tmp/rx"}};
    EXPECT_TRUE(validate(o));
    o.receivers.push_back({"5551001", "/tmp/rx2"});
    auto dup = validate(o);
    ASSERT_FALSE(dup);
    EXPECT_NE(dup.error().message.find("5551001"), std::string::npos);
    o.receivers.pop_back();
    o.modems.push_back({"/tmp/a", "5551003"});
    EXPECT_FALSE(validate(o)) << "same path twice";
    o.modems.pop_back();
    o.busy = {"55x"};
    EXPECT_FALSE(validate(o));
    o.busy = {"5550000"};
    o.noise = {{"5559999", -40.0}};
    EXPECT_FALSE(validate(o)) << "noise on a number that is not a device";
    o.noise = {{"5551001", -40.0}};
    EXPECT_TRUE(validate(o));
}

TEST(FaxsimOptions, T38LineAndGateways) {
    Options o;
    o.modems = {{"/tmp/a", "5551001"}};
    o.receivers = {{"5551009", "/tmp/rx"}};
    o.line = "t38";
    EXPECT_TRUE(validate(o));
    o.t38_gateway = {"5551009"};
    EXPECT_TRUE(validate(o));
    o.t38_gateway = {"5550000"};
    auto unknown = validate(o);
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("--t38-gateway"), std::string::npos) << unknown.error().message;
    o.t38_gateway = {"5551009"};
    o.line = "audio";
    auto not_t38 = validate(o);
    ASSERT_FALSE(not_t38) << "a gateway needs a T.38 line";
    EXPECT_NE(not_t38.error().message.find("--line t38"), std::string::npos) << not_t38.error().message;
    o.t38_gateway.clear();
    o.line = "isdn";
    auto bad_line = validate(o);
    ASSERT_FALSE(bad_line);
    EXPECT_NE(bad_line.error().message.find("--line"), std::string::npos);
    o.line = "t38";
    o.t38_version = 4;
    EXPECT_FALSE(validate(o)) << "T.38 versions are 0..3";
    o.t38_version = 3;
    EXPECT_TRUE(validate(o));
}

}  // namespace
}  // namespace fax::faxsim

namespace fax::faxsim {
namespace {

TEST(FaxsimOptions, QuirksSpecs) {
    auto q = parse_quirks("5551001=slow-atz,numeric-results");
    ASSERT_TRUE(q) << q.error().to_string();
    EXPECT_EQ(q->number, "5551001");
    EXPECT_EQ(q->quirks.slow_atz, Samples{8000 * 8});
    EXPECT_TRUE(q->quirks.numeric_results);
    EXPECT_FALSE(q->quirks.dle_bug);
    auto v = parse_quirks("5551002=late-ok=2500,mute=12");
    ASSERT_TRUE(v) << v.error().to_string();
    EXPECT_EQ(v->quirks.late_ok, Samples{8 * 2500});
    EXPECT_EQ(v->quirks.mute_after, 12);
    for (const char* bad : {"5551001", "5551001=", "x=slow-atz", "5551001=slow-atx", "5551001=dle-bug=2"}) {
        auto r = parse_quirks(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, Errc::InvalidArgument);
        EXPECT_NE(r.error().message.find("--quirks"), std::string::npos) << r.error().message;
    }
}

TEST(FaxsimOptions, QuirksNameAModemOnce) {
    Options o;
    o.modems.push_back({"/tmp/faxA", "5551001"});
    o.quirks.push_back(*parse_quirks("5551001=dle-bug"));
    EXPECT_TRUE(validate(o).ok());
    o.quirks.push_back(*parse_quirks("5551001=carrier-drop"));
    EXPECT_FALSE(validate(o).ok());
    o.quirks.pop_back();
    o.quirks.push_back(*parse_quirks("5551009=carrier-drop"));
    auto s = validate(o);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("not a --modem"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace fax::faxsim
