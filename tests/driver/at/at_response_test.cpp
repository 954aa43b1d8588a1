// Table tests of raw modem output, in the manner of ModemManager's parser tests:
// each row is a line exactly as a modem sends it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "fax/driver/at_response.h"

namespace fax::driver {
namespace {

struct CodeCase {
    std::string_view line;
    std::optional<AtResult> want;
};

std::string show(std::optional<AtResult> r) { return r ? std::string(to_string(*r)) : std::string("nullopt"); }

const CodeCase kResultCodes[] = {
    // verbose (ATV1)
    {"OK", AtResult::Ok},
    {"CONNECT", AtResult::Connect},
    {"RING", AtResult::Ring},
    {"NO CARRIER", AtResult::NoCarrier},
    {"ERROR", AtResult::Error},
    {"NO DIALTONE", AtResult::NoDialtone},
    {"NO DIAL TONE", AtResult::NoDialtone},
    {"BUSY", AtResult::Busy},
    {"NO ANSWER", AtResult::NoAnswer},
    {"+FCERROR", AtResult::FcError},
    // CONNECT with a rate or protocol suffix
    {"CONNECT 14400", AtResult::Connect},
    {"CONNECT 9600", AtResult::Connect},
    {"CONNECT 2400/ARQ", AtResult::Connect},
    {"CONNECT14400", AtResult::Connect},
    // numeric (ATV0)
    {"0", AtResult::Ok},
    {"1", AtResult::Connect},
    {"2", AtResult::Ring},
    {"3", AtResult::NoCarrier},
    {"4", AtResult::Error},
    {"6", AtResult::NoDialtone},
    {"7", AtResult::Busy},
    {"8", AtResult::NoAnswer},
    {"+F4", AtResult::FcError},
    // whitespace and case as some modems send them
    {"  OK  ", AtResult::Ok},
    {"OK\r", AtResult::Ok},
    {"\r\nNO CARRIER\r\n", AtResult::NoCarrier},
    {"ok", AtResult::Ok},
    {"No Carrier", AtResult::NoCarrier},
    {"+fcerror", AtResult::FcError},
    // information text and echoes are not result codes
    {"", std::nullopt},
    {"   ", std::nullopt},
    {"+FTM: 24,48,72,73,74,96,97,98,121,122,145,146", std::nullopt},
    {"+FCLASS: 0,1,1.0,2.0", std::nullopt},
    {"24,48,72", std::nullopt},
    {"ATI3", std::nullopt},
    {"AT+FRM=146", std::nullopt},
    {"U.S. Robotics 56K FAX EXT", std::nullopt},
    {"OKAY", std::nullopt},
    {"OK OK", std::nullopt},
    {"ERRORS", std::nullopt},
    {"NO CARRIERS", std::nullopt},
    {"CONNECTED", std::nullopt},
    {"5", std::nullopt},  // vendor-specific (CONNECT 1200 on some modems): not guessed
    {"10", std::nullopt},
    {"00", std::nullopt},
    {"+F3", std::nullopt},
    {"+CME ERROR: 10", std::nullopt},
    {"RINGING", std::nullopt},
    {"BUSY LINE", std::nullopt},
    {"NO", std::nullopt},
};

TEST(AtParseResultCode, TableOfRawModemLines) {
    for (const auto& c : kResultCodes) {
        EXPECT_EQ(parse_result_code(c.line), c.want)
            << "line \"" << c.line << "\": got " << show(parse_result_code(c.line)) << ", want " << show(c.want);
    }
}

TEST(AtParseResultCode, VerboseNameRoundTrips) {
    for (const AtResult r : {AtResult::Ok, AtResult::Connect, AtResult::Ring, AtResult::NoCarrier, AtResult::Error,
                             AtResult::NoDialtone, AtResult::Busy, AtResult::NoAnswer, AtResult::FcError}) {
        EXPECT_EQ(parse_result_code(to_string(r)), r) << to_string(r);
    }
}

TEST(AtIsFinal, EverythingButRingIsFinal) {
    EXPECT_FALSE(is_final(AtResult::Ring));
    for (const AtResult r : {AtResult::Ok, AtResult::Connect, AtResult::NoCarrier, AtResult::Error,
                             AtResult::NoDialtone, AtResult::Busy, AtResult::NoAnswer, AtResult::FcError}) {
        EXPECT_TRUE(is_final(r)) << to_string(r);
    }
}

struct ErrorCase {
    AtResult result;
    std::string_view command;
    Errc code;
    std::string_view message;
};

const ErrorCase kErrorMapping[] = {
    {AtResult::NoCarrier, "AT+FRM=146", Errc::NoCarrier, "AT+FRM=146 answered NO CARRIER"},
    {AtResult::Busy, "ATD", Errc::LineBusy, "ATD answered BUSY"},
    {AtResult::NoDialtone, "ATD", Errc::NoDialtone, "ATD answered NO DIALTONE"},
    {AtResult::NoAnswer, "ATD", Errc::NoAnswer, "ATD answered NO ANSWER"},
    {AtResult::Error, "AT+FCLASS=1", Errc::ModemError, "AT+FCLASS=1 answered ERROR"},
    {AtResult::FcError, "AT+FRM=146", Errc::ModemError, "AT+FRM=146 answered +FCERROR"},
    {AtResult::FcError, "AT+FRM=146\r", Errc::ModemError, "AT+FRM=146 answered +FCERROR"},
    {AtResult::Ok, "AT+FRH=3", Errc::Protocol, "unexpected OK in answer to AT+FRH=3"},
    {AtResult::Connect, "ATH", Errc::Protocol, "unexpected CONNECT in answer to ATH"},
    {AtResult::Ring, "AT+FTS=8", Errc::Protocol, "unexpected RING in answer to AT+FTS=8"},
};

TEST(AtToError, EachResultMapsToItsErrc) {
    for (const auto& c : kErrorMapping) {
        const Error e = to_error(c.result, c.command);
        EXPECT_EQ(e.code, c.code) << to_string(c.result);
        EXPECT_EQ(e.message, c.message);
    }
}

struct EchoCase {
    std::string_view line;
    std::string_view command;
    bool want;
};

const EchoCase kEchoes[] = {
    {"AT+FRM=146", "AT+FRM=146", true},
    {"at+frm=146", "AT+FRM=146", true},
    {"AT+FRM=146 ", "AT+FRM=146", true},
    {"AT+FRM=146", "AT+FRM=146\r", true},
    {"ATI3", "ATI3", true},
    {"AT+FRM=145", "AT+FRM=146", false},
    {"AT+FRM=14", "AT+FRM=146", false},
    {"OK", "AT", false},
    {"U.S. Robotics", "ATI3", false},
    {"", "", false},
    {"AT", "", false},
};

TEST(AtIsEcho, TableOfEchoes) {
    for (const auto& c : kEchoes)
        EXPECT_EQ(is_echo(c.line, c.command), c.want) << "line \"" << c.line << "\" command \"" << c.command << "\"";
}

struct IntListCase {
    std::string_view reply;
    std::vector<int> want;
};

const IntListCase kIntLists[] = {
    {"+FTM: 24,48,72,73,74,96,97,98,121,122,145,146", {24, 48, 72, 73, 74, 96, 97, 98, 121, 122, 145, 146}},
    {"24,48,72", {24, 48, 72}},
    {"+FRM: 3", {3}},
    {"(0-2),(0,1)", {0, 1, 2, 0, 1}},
    {"+FCC: (0-1),(0-5),(0-4)", {0, 1, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4}},
    {"+FTH:3", {3}},
    {" 24 , 48 ,72 ", {24, 48, 72}},
    {"(24,48,72,96)", {24, 48, 72, 96}},
    {"(3)", {3}},
    {"(0,1),(),(2)", {0, 1, 2}},  // an empty group contributes nothing
    {"0-0", {0}},
    {"(0 - 3)", {0, 1, 2, 3}},
    {"+FTM: 24,48\r\n", {24, 48}},
};

TEST(AtParseIntList, CapabilityReplies) {
    for (const auto& c : kIntLists) {
        auto r = parse_int_list(c.reply);
        ASSERT_TRUE(r.ok()) << c.reply << ": " << r.error().to_string();
        EXPECT_EQ(*r, c.want) << c.reply;
    }
}

const std::string_view kGarbageLists[] = {
    "",
    "   ",
    "+FTM:",
    "()",
    "+FTM 24,48",  // prefix without ':'
    "ERROR",
    "OK",
    "24,,48",
    "24,48,",
    ",24",
    "24;48",
    "(0-2",
    "0-2)",
    "((1))",
    "(1),(",
    "2-0",
    "0-100000",
    "1.0",
    "24 48",
    "-5",
    "0x18",
    "99999999999999999999",
    "+FTM: 24,abc",
};

TEST(AtParseIntList, GarbageIsInvalidInput) {
    for (const auto reply : kGarbageLists) {
        auto r = parse_int_list(reply);
        ASSERT_FALSE(r.ok()) << "\"" << reply << "\" parsed";
        EXPECT_EQ(r.error().code, Errc::InvalidInput) << reply;
    }
}

struct ClassListCase {
    std::string_view reply;
    std::vector<std::string> want;
};

const ClassListCase kClassLists[] = {
    {"0,1,1.0,2.0", {"0", "1", "1.0", "2.0"}},
    {"(0,1,2.0)", {"0", "1", "2.0"}},
    {"+FCLASS: 0,1,2,2.0,8", {"0", "1", "2", "2.0", "8"}},
    {"0,1,1.0", {"0", "1", "1.0"}},
    {"0-2,2.0", {"0", "1", "2", "2.0"}},
    {" ( 0 , 1 ) ", {"0", "1"}},
};

TEST(AtParseClassList, FclassReplies) {
    for (const auto& c : kClassLists) {
        auto r = parse_class_list(c.reply);
        ASSERT_TRUE(r.ok()) << c.reply << ": " << r.error().to_string();
        EXPECT_EQ(*r, c.want) << c.reply;
    }
}

TEST(AtParseClassList, GarbageIsInvalidInput) {
    for (const std::string_view reply : {"", "ERROR", "0,1,", "1.", ".5", "1.0-2.0", "(0,1", "0 1", "Class 1"}) {
        auto r = parse_class_list(reply);
        ASSERT_FALSE(r.ok()) << "\"" << reply << "\" parsed";
        EXPECT_EQ(r.error().code, Errc::InvalidInput) << reply;
    }
}

}  // namespace
}  // namespace fax::driver

namespace fax::driver {
namespace {

// One form at a time: a line of digits is information text to a verbose engine (e.g. "1"
// answering +FCLASS?), words are not result codes to a numeric one.
TEST(AtResultForm, EachFormTakesOnlyItsOwnCodes) {
    struct Row {
        std::string_view line;
        std::optional<AtResult> verbose, numeric, either;
    };
    const Row rows[] = {
        {"OK", AtResult::Ok, std::nullopt, AtResult::Ok},
        {"0", std::nullopt, AtResult::Ok, AtResult::Ok},
        {"1", std::nullopt, AtResult::Connect, AtResult::Connect},
        {"CONNECT 14400", AtResult::Connect, std::nullopt, AtResult::Connect},
        {" 3 ", std::nullopt, AtResult::NoCarrier, AtResult::NoCarrier},
        {"NO CARRIER", AtResult::NoCarrier, std::nullopt, AtResult::NoCarrier},
        {"+F4", std::nullopt, AtResult::FcError, AtResult::FcError},
        {"+FCERROR", AtResult::FcError, std::nullopt, AtResult::FcError},
        {"5", std::nullopt, std::nullopt, std::nullopt},
        {"000", std::nullopt, std::nullopt, std::nullopt},
        {"+FTM: 24,48", std::nullopt, std::nullopt, std::nullopt},
    };
    for (const auto& r : rows) {
        EXPECT_EQ(show(parse_result_code(r.line, ResultForm::Verbose)), show(r.verbose)) << r.line;
        EXPECT_EQ(show(parse_result_code(r.line, ResultForm::Numeric)), show(r.numeric)) << r.line;
        EXPECT_EQ(show(parse_result_code(r.line, ResultForm::Either)), show(r.either)) << r.line;
    }
}

TEST(AtGarbled, ControlAndHighBytesMakeALineGarbled) {
    // (A regression: efax's receive through the project's Class 1 receiver produced a "DLE ETX"
    // line after an aborted +FRH=3, which must stay information text.)
    EXPECT_FALSE(is_garbled("OK"));
    EXPECT_FALSE(is_garbled("+FTM: 24,48,72"));
    EXPECT_FALSE(is_garbled("faxstack SimModem T31 [slow-atz] 0.1"));
    EXPECT_FALSE(is_garbled("Caf\xc3\xa9 modem"));  // a little Latin-1/UTF-8 in an ATI answer is text
    EXPECT_TRUE(is_garbled("\xc4\xa2\xf9\xe1\xdd"));
    EXPECT_TRUE(is_garbled("O\x01K"));
    EXPECT_TRUE(is_garbled(std::string_view("\x00\x00", 2)));
    // A stray end of a data block (after an aborted receive) or flow control is no garbage.
    EXPECT_FALSE(is_garbled("\x10\x03"));
    EXPECT_FALSE(is_garbled("\x11\x13OK"));
    EXPECT_FALSE(is_garbled(""));
}

TEST(AtGarbled, DescribeLineIsShortAndPrintable) {
    EXPECT_EQ(describe_line("OK"), "OK");
    EXPECT_EQ(describe_line("\xc4\xa2Z"), "\\xC4\\xA2Z");
    EXPECT_EQ(describe_line("a\\b"), "a\\x5Cb");
    const std::string longer(40, 'x');
    EXPECT_EQ(describe_line(longer), std::string(32, 'x') + "...");
}

}  // namespace
}  // namespace fax::driver
