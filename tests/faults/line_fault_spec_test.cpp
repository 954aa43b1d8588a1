// The textual form of line faults (faxsim --line-fault NUMBER=SPEC): a table of specs
// and what they configure, a table of bad specs and the part each error must name,
// and the round trip through to_spec().
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "fax/sim/line_fault_spec.h"

namespace fax::sim {
namespace {

constexpr Samples ms(int n) { return Samples{n * 8}; }

LineFaults noise(double dbm0) {
    LineFaults f;
    f.noise_dbm0 = dbm0;
    return f;
}

struct Good {
    const char* name;
    const char* spec;
    LineFaults want;
    const char* canonical;  // to_spec(want)
};

void PrintTo(const Good& g, std::ostream* os) { *os << g.spec; }

LineFaults make(void (*fill)(LineFaults&)) {
    LineFaults f;
    fill(f);
    return f;
}

const Good kGood[] = {
    {"noise", "noise=-35", noise(-35), "noise=-35"},
    {"noise_fraction_plus_seed", "noise=-42.5,noise-seed=9",
     make([](LineFaults& f) { f.noise_dbm0 = -42.5; f.noise_seed = 9u; }), "noise=-42.5,noise-seed=9"},
    {"gain", "gain=-12", make([](LineFaults& f) { f.gain_db = -12; }), "gain=-12"},
    {"gain_plus_sign", "gain=+3", make([](LineFaults& f) { f.gain_db = 3; }), "gain=3"},
    {"echo", "echo=-20/30ms", make([](LineFaults& f) { f.echo = LineFaults::Echo{ms(30), -20}; }), "echo=-20/30ms"},
    {"dropout", "dropout=50ms/2s",
     make([](LineFaults& f) { f.dropouts = LineFaults::Dropouts{ms(50), Samples{16000}}; }), "dropout=50ms/2s"},
    {"drop_at_seconds", "drop-at=12.5", make([](LineFaults& f) { f.drop_after_answer = Samples{100000}; }),
     "drop-at=12.5s"},
    {"drop_at_ms", "drop-at=800ms", make([](LineFaults& f) { f.drop_after_answer = ms(800); }), "drop-at=800ms"},
    {"drop_at_samples", "drop-at=100001samples", make([](LineFaults& f) { f.drop_after_answer = Samples{100001}; }),
     "drop-at=12.500125s"},
    {"drop_after_dial", "drop-after-dial=3s", make([](LineFaults& f) { f.drop_after_dial = Samples{24000}; }),
     "drop-after-dial=3s"},
    {"drop_random", "drop-random=7", make([](LineFaults& f) { f.drop_random = LineFaults::RandomDrop{7, Samples{0}, Samples{60 * 8000}}; }),
     "drop-random=7"},
    {"drop_random_window", "drop-random=7/5-40",
     make([](LineFaults& f) { f.drop_random = LineFaults::RandomDrop{7, Samples{40000}, Samples{320000}}; }),
     "drop-random=7/5s-40s"},
    {"flags", "busy,no-answer,no-dialtone",
     make([](LineFaults& f) { f.busy = f.no_answer = f.no_dialtone = true; }), "busy,no-answer,no-dialtone"},
    {"combined", "noise=-35,drop-at=12.5",
     make([](LineFaults& f) { f.noise_dbm0 = -35; f.drop_after_answer = Samples{100000}; }),
     "noise=-35,drop-at=12.5s"},
};

class ParseGood : public ::testing::TestWithParam<Good> {};

TEST_P(ParseGood, ConfiguresWhatItSaysAndRoundTrips) {
    const Good& g = GetParam();
    auto f = parse_line_faults(g.spec);
    ASSERT_TRUE(f.ok()) << f.error().to_string();
    EXPECT_TRUE(*f == g.want) << "parsed " << to_spec(*f);
    EXPECT_EQ(to_spec(*f), g.canonical);
    auto again = parse_line_faults(to_spec(*f));
    ASSERT_TRUE(again.ok()) << again.error().to_string();
    EXPECT_TRUE(*again == *f);
}

INSTANTIATE_TEST_SUITE_P(Specs, ParseGood, ::testing::ValuesIn(kGood),
                         [](const ::testing::TestParamInfo<Good>& p) { return std::string(p.param.name); });

struct Bad {
    const char* name;
    const char* spec;
    const char* names;  // the error message must quote this part
};

void PrintTo(const Bad& b, std::ostream* os) { *os << b.spec; }

const Bad kBad[] = {
    {"empty", "", "empty"},
    {"empty_item", "noise=-35,,busy", "empty item"},
    {"unknown", "noise=-35,crackle=3", "'crackle=3'"},
    {"noise_word", "noise=loud", "'noise=loud'"},
    {"noise_positive", "noise=5", "'noise=5'"},
    {"noise_no_value", "noise", "'noise'"},
    {"noise_trailing", "noise=-35dB", "'noise=-35dB'"},
    {"noise_nan", "noise=nan", "'noise=nan'"},
    {"gain_too_much", "gain=40", "'gain=40'"},
    {"echo_no_delay", "echo=-20", "'echo=-20'"},
    {"echo_zero_delay", "echo=-20/0", "'echo=-20/0'"},
    {"dropout_longer_than_period", "dropout=3s/2s", "'dropout=3s/2s'"},
    {"drop_negative", "drop-at=-1", "'drop-at=-1'"},
    {"drop_bad_unit", "drop-at=5min", "'drop-at=5min'"},
    {"drop_fractional_samples", "drop-at=1.5samples", "'drop-at=1.5samples'"},
    {"drop_too_late", "drop-at=100000", "'drop-at=100000'"},
    {"drop_random_window_backwards", "drop-random=1/40-5", "'drop-random=1/40-5'"},
    {"drop_random_seed_word", "drop-random=x", "'drop-random=x'"},
    {"flag_with_value", "busy=1", "'busy=1'"},
    {"twice", "noise=-35,noise=-40", "'noise=-40'"},
    {"seed_too_big", "noise=-35,noise-seed=4294967296", "'noise-seed=4294967296'"},
};

class ParseBad : public ::testing::TestWithParam<Bad> {};

TEST_P(ParseBad, FailsNamingTheBadPart) {
    const Bad& b = GetParam();
    auto f = parse_line_faults(b.spec);
    ASSERT_FALSE(f.ok()) << b.spec << " parsed as " << to_spec(*f);
    EXPECT_EQ(f.error().code, Errc::InvalidArgument);
    EXPECT_NE(f.error().message.find(b.names), std::string::npos) << f.error().message;
}

INSTANTIATE_TEST_SUITE_P(Specs, ParseBad, ::testing::ValuesIn(kBad),
                         [](const ::testing::TestParamInfo<Bad>& p) { return std::string(p.param.name); });

TEST(LineFaultOption, SplitsNumberAndSpec) {
    auto o = parse_line_fault_option("12065551009=noise=-35,drop-at=12.5");
    ASSERT_TRUE(o.ok()) << o.error().to_string();
    EXPECT_EQ(o->number, "12065551009");
    EXPECT_EQ(to_spec(o->faults), "noise=-35,drop-at=12.5s");

    for (const char* bad : {"noise=-35", "=busy", "555-1009=busy", "5551009=", "5551009=fizz"}) {
        auto b = parse_line_fault_option(bad);
        ASSERT_FALSE(b.ok()) << bad;
        EXPECT_EQ(b.error().code, Errc::InvalidArgument);
        EXPECT_NE(b.error().message.find("line fault"), std::string::npos) << b.error().message;
    }
}

TEST(LineFaultSpec, NoFaultsIsTheEmptySpec) { EXPECT_EQ(to_spec(LineFaults{}), ""); }

}  // namespace
}  // namespace fax::sim
