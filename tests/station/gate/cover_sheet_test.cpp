// The cover sheet: rendering, validation of every required field, and the
// confidentiality statement against the policy text.
#include "fax/gate/cover_sheet.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "fax/base/sha256.h"
#include "fax/gate/policy.h"
#include "gate_fixture.h"

namespace fax::gate {
namespace {

using namespace std::chrono_literals;
using test::fixed_now;

CoverFields complete_fields() {
    CoverFields f;
    f.sender_name = "Dana Whitfield";
    f.sender_department = "Health Information Management - Release of Information";
    f.sender_phone = "206-555-0100";
    f.sender_fax = "206-555-0199";
    f.recipient_name = "Dr. Priya Raman";
    f.recipient_organisation = "Kaiser Permanente Capitol Hill Cardiology";
    f.recipient_fax = "+1 206-555-0142";
    f.recipient_phone = "+1 206-555-0140";
    f.date_time = format_cover_datetime(fixed_now(), -8h, "PST");
    f.total_pages = 4;
    f.purpose = "Treatment";
    f.confidentiality_statement = std::string(kPolicyConfidentialityStatement);
    return f;
}

std::string ids(const std::vector<Finding>& v) {
    std::string s;
    for (const auto& f : v) s += f.rule_id + "(" + f.field + ") ";
    return s;
}

int64_t black_pixels(const t30::Bitmap& b, int x0, int y0, int x1, int y1) {
    int64_t n = 0;
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) n += b.get(x, y) ? 1 : 0;
    return n;
}

TEST(CoverSheet, RendersAFineResolutionPageWithInk) {
    auto page = render_cover(complete_fields());
    ASSERT_TRUE(page.ok()) << page.error().to_string();
    EXPECT_EQ(page->width, 1728);
    EXPECT_EQ(page->height, 2156);
    EXPECT_DOUBLE_EQ(page->xres_dpi, 204.0);
    EXPECT_DOUBLE_EQ(page->yres_dpi, 196.0);
    EXPECT_TRUE(page->resolution_known);
    ASSERT_TRUE(page->well_formed());

    const int64_t ink = black_pixels(*page, 0, 0, page->width, page->height);
    // Text and two rules: clearly inked, far from a black page.
    EXPECT_GT(ink, 20000);
    EXPECT_LT(ink, static_cast<int64_t>(page->width) * page->height / 10);
    // Nothing in the 0.6 inch margins (122 columns at 204 dpi, 118 rows at 196 lpi).
    EXPECT_EQ(black_pixels(*page, 0, 0, 115, page->height), 0);
    EXPECT_EQ(black_pixels(*page, page->width - 115, 0, page->width, page->height), 0);
    EXPECT_EQ(black_pixels(*page, 0, 0, page->width, 110), 0);
    EXPECT_EQ(black_pixels(*page, 0, page->height - 110, page->width, page->height), 0);
    // The title band at the top is inked.
    EXPECT_GT(black_pixels(*page, 0, 110, page->width, 200), 500);

    // Deterministic, and it shows what it is given.
    auto again = render_cover(complete_fields());
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(*again == *page);
    CoverFields other = complete_fields();
    other.recipient_name = "Dr. Someone Else";
    auto different = render_cover(other);
    ASSERT_TRUE(different.ok());
    EXPECT_FALSE(*different == *page);
    // The statement is part of the page: without it there is less ink.
    CoverFields bare = complete_fields();
    bare.confidentiality_statement.clear();
    auto without = render_cover(bare);
    ASSERT_TRUE(without.ok());
    EXPECT_LT(black_pixels(*without, 0, 0, 1728, 2156) + 5000, ink);
}

TEST(CoverSheet, RenderErrors) {
    CoverStyle no_font;
    no_font.regular_font = "/nonexistent/font.ttf";
    auto r = render_cover(complete_fields(), no_font);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::Io);

    CoverFields long_note = complete_fields();
    for (int i = 0; i < 400; ++i) long_note.note += "This line makes the cover overflow its page. ";
    r = render_cover(long_note);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::InvalidInput);

    CoverStyle tiny;
    tiny.width = 10;
    r = render_cover(complete_fields(), tiny);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::InvalidArgument);
}

// Issue #14: a 100 MB recipient name (one word) overflowed an int in the typesetter's
// wrapping and the blit wrote at x0 = 2147483643 (SIGSEGV); wrapping was quadratic
// (10 MB took minutes). The typesetter is safe on its own, whatever the caller hands it:
// an oversized field is refused naming the field, before any glyph is drawn.
TEST(CoverSheet, HugeFieldIsRefusedNotACrash) {
    CoverFields f = complete_fields();
    f.recipient_name.assign(100u * 1024 * 1024, 'W');
    const auto t0 = std::chrono::steady_clock::now();
    auto r = render_cover(f);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::InvalidInput);
    EXPECT_NE(r.error().message.find("cover.recipient.name"), std::string::npos) << r.error().message;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
}

// Wrapping is linear: 10 MB of words or of one word is refused or laid out in well under
// the time the quadratic wrap needed (minutes); so is every field at its bound.
TEST(CoverSheet, LongTextIsTypesetInLinearTime) {
    for (const std::string_view unit : {std::string_view("W"), std::string_view("word ")}) {
        CoverFields f = complete_fields();
        while (f.note.size() < 10u * 1024 * 1024) f.note += unit;
        const auto t0 = std::chrono::steady_clock::now();
        auto r = render_cover(f);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, Errc::InvalidInput);
        EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s) << "unit '" << unit << "'";
    }
    // Just under the bound: typeset (and found not to fit), quickly, with either shape.
    for (const std::string_view unit : {std::string_view("W"), std::string_view("word ")}) {
        CoverFields f = complete_fields();
        while (f.note.size() + unit.size() <= kMaxCoverFieldBytes) f.note += unit;
        const auto t0 = std::chrono::steady_clock::now();
        auto r = render_cover(f);
        ASSERT_FALSE(r.ok());
        EXPECT_NE(r.error().message.find("does not fit"), std::string::npos) << r.error().message;
        EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s) << "unit '" << unit << "'";
    }
}

// ---------------------------------------------------------------------------------------
// CoverRenderer: the glyph cache keeps the pixels
// ---------------------------------------------------------------------------------------

std::string pixels_hash(const t30::Bitmap& b) { return sha256_hex(std::span<const uint8_t>(b.bits)); }

// Accents, a dash, a CJK character DejaVu does not have (its .notdef box), a note with
// two paragraphs and a word too long for a line (broken between characters).
CoverFields awkward_fields() {
    CoverFields f = complete_fields();
    f.recipient_name = "Dr. Zo\xc3\xab M\xc3\xbcller-\xc3\x85str\xc3\xb6m \xe2\x80\x94 \xe4\xb8\xad";
    f.note = "Continuation of an earlier transmission (job J20250301T140000-0a1b2c3d4e): this fax carries pages 3, 4 "
             "of 5 (cover included); the other pages were confirmed received.\nA second paragraph with a "
             "wordthatisfartoolongtofitononelineofthecoversheetandmustbebrokenbetweencharacterssomewherealongitslength"
             "becauseitneverends.";
    return f;
}

CoverStyle standard_resolution() {
    CoverStyle s;
    s.yres_dpi = 98;
    s.height = 1078;
    s.body_pt = 11;
    return s;
}

// The pages the renderer made before it had a glyph cache (FreeType loading every glyph
// of every cover), as SHA-256 of the bits: made at commit b406fc7 with FreeType 2.12.1
// and Debian's DejaVu Sans 2.37 (the font files' hashes below). Another FreeType or
// other font files may hint differently: the test then says so and skips.
TEST(CoverRenderer, PixelsAreThoseOfTheRendererBeforeTheCache) {
    const CoverStyle style;
    const auto regular = sha256_file_hex(style.regular_font);
    const auto bold = sha256_file_hex(style.bold_font);
    if (freetype_version() != "2.12.1" || !regular.ok() || !bold.ok() ||
        *regular != "abdc775b21b1bc470d50c97e790d276f2054b7504e56e5bd3e64f48d68582322" ||
        *bold != "0d977336a6d5fba34eab8e3199eb218327161b5143749f802982c2bc34df0c96")
        GTEST_SKIP() << "reference pages were made with FreeType 2.12.1 and other font files (this is FreeType "
                     << freetype_version() << ")";
    struct Case {
        const char* name;
        CoverFields fields;
        CoverStyle style;
        const char* sha256;
    };
    const Case cases[] = {
        {"complete", complete_fields(), CoverStyle{},
         "ab44e7a35b1aa7289236ae3a63245a5bbe820442eb3914f064b10e015fbe0add"},
        {"awkward", awkward_fields(), CoverStyle{}, "6a4944bda6fa183786749841c14824e469173f362e23ce12d4a4508f0ac26082"},
        {"98 lpi", complete_fields(), standard_resolution(),
         "985029b96764f827c6559cffef4f730f9d9b191c9283104a4fb72720e286fbec"},
    };
    CoverRenderer warm;
    for (int round = 0; round < 2; ++round) {  // cold the first time, from the cache the second
        for (const auto& c : cases) {
            auto cold = render_cover(c.fields, c.style);
            auto cached = warm.render(c.fields, c.style);
            ASSERT_TRUE(cold.ok() && cached.ok()) << c.name;
            EXPECT_EQ(pixels_hash(*cold), c.sha256) << c.name << ": render_cover() changed its pixels";
            EXPECT_EQ(pixels_hash(*cached), c.sha256) << c.name << " (round " << round << ")";
            EXPECT_TRUE(*cached == *cold) << c.name;
        }
    }
}

TEST(CoverRenderer, WarmCoverIsTheColdCoverPixelForPixel) {
    CoverRenderer r;
    auto first = r.render(complete_fields());
    ASSERT_TRUE(first.ok()) << first.error().to_string();
    const auto after_first = r.stats();
    EXPECT_EQ(after_first.faces_opened, 2u);
    EXPECT_GT(after_first.glyphs_loaded, 40u);

    auto second = r.render(complete_fields());
    ASSERT_TRUE(second.ok());
    const auto after_second = r.stats();
    // The second cover came from the cache: no face opened, no glyph rendered again.
    EXPECT_EQ(after_second.faces_opened, 2u);
    EXPECT_EQ(after_second.glyphs_loaded, after_first.glyphs_loaded);
    EXPECT_GT(after_second.glyph_hits, after_first.glyph_hits + 1000);

    auto cold = render_cover(complete_fields());
    ASSERT_TRUE(cold.ok());
    EXPECT_TRUE(*first == *cold);
    EXPECT_TRUE(*second == *cold);

    // Cleared, it starts cold and still draws the same page.
    r.clear();
    EXPECT_EQ(r.stats().glyphs_cached, 0u);
    auto again = r.render(complete_fields());
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(*again == *cold);
    EXPECT_EQ(r.stats().glyphs_loaded, after_first.glyphs_loaded);
}

// Covers that follow each other share the cache but nothing else: each is what a cold
// render of its own fields and style makes, whatever came before it.
TEST(CoverRenderer, CoversInARowDoNotBleedIntoEachOther) {
    CoverFields a = complete_fields();
    CoverFields b = awkward_fields();
    b.sender_name = "Quentin Xavier-Jones";
    b.total_pages = 17;
    CoverStyle bigger;
    bigger.body_pt = 13;  // same fonts, other strikes
    bigger.title_pt = 26;
    const std::pair<const CoverFields*, const CoverStyle*> sequence[] = {
        {&a, nullptr}, {&b, nullptr}, {&a, &bigger}, {&b, nullptr}, {&a, nullptr}, {&b, &bigger},
        {&a, nullptr},
    };
    CoverRenderer r;
    const CoverStyle plain;
    for (std::size_t i = 0; i < std::size(sequence); ++i) {
        const CoverStyle& style = sequence[i].second ? *sequence[i].second : plain;
        auto warm = r.render(*sequence[i].first, style);
        auto cold = render_cover(*sequence[i].first, style);
        ASSERT_TRUE(warm.ok() && cold.ok()) << i;
        EXPECT_TRUE(*warm == *cold) << "cover " << i << " differs from its cold render";
    }
    auto ca = render_cover(a), cb = render_cover(b), cbig = render_cover(a, bigger);
    ASSERT_TRUE(ca.ok() && cb.ok() && cbig.ok());
    EXPECT_FALSE(*ca == *cb);
    EXPECT_FALSE(*ca == *cbig);
    // Another resolution is another strike too (98 lpi glyphs are half as tall).
    auto fine = r.render(a);
    auto standard = r.render(a, standard_resolution());
    auto standard_cold = render_cover(a, standard_resolution());
    ASSERT_TRUE(fine.ok() && standard.ok() && standard_cold.ok());
    EXPECT_TRUE(*standard == *standard_cold);
    EXPECT_TRUE(*fine == *ca);
}

// A font that cannot be loaded is the same Io error, every time, from a cold renderer and
// from one whose cache holds the other fonts; the failure is not remembered.
TEST(CoverRenderer, MissingFontIsTheSameClearErrorEveryTime) {
    CoverStyle no_regular;
    no_regular.regular_font = "/nonexistent/font.ttf";
    CoverStyle no_bold;
    no_bold.bold_font = "/nonexistent/bold.ttf";
    const auto reference = render_cover(complete_fields(), no_regular);
    ASSERT_FALSE(reference.ok());
    EXPECT_EQ(reference.error().code, Errc::Io);
    EXPECT_EQ(reference.error().message, "cover: cannot load font /nonexistent/font.ttf");

    CoverRenderer r;
    for (int i = 0; i < 2; ++i) {
        auto e = r.render(complete_fields(), no_regular);
        ASSERT_FALSE(e.ok());
        EXPECT_EQ(e.error().code, Errc::Io);
        EXPECT_EQ(e.error().message, reference.error().message);
    }
    auto good = r.render(complete_fields());  // the default fonts, now cached
    ASSERT_TRUE(good.ok()) << good.error().to_string();
    for (int i = 0; i < 2; ++i) {
        auto e = r.render(complete_fields(), no_regular);
        ASSERT_FALSE(e.ok()) << "a cached face stood in for a missing font";
        EXPECT_EQ(e.error().message, reference.error().message);
        auto eb = r.render(complete_fields(), no_bold);
        ASSERT_FALSE(eb.ok()) << "a cached face stood in for a missing font";
        EXPECT_EQ(eb.error().code, Errc::Io);
        EXPECT_EQ(eb.error().message, "cover: cannot load font /nonexistent/bold.ttf");
    }
    EXPECT_EQ(r.stats().faces_opened, 2u);
    // And the cache is still good afterwards.
    auto after = r.render(complete_fields());
    ASSERT_TRUE(after.ok());
    EXPECT_TRUE(*after == *good);
}

// Past kMaxGlyphs the cache drops its glyphs and carries on: the pages do not change.
TEST(CoverRenderer, FullCacheIsDroppedWithoutChangingPixels) {
    CoverStyle small;
    small.statement_pt = 5;
    CoverRenderer r;
    std::size_t peak = 0;
    char32_t next = 0x4E00;  // CJK: not in DejaVu, each a distinct cache entry (.notdef)
    for (int cover = 0; cover < 4; ++cover) {
        CoverFields f = complete_fields();
        f.confidentiality_statement = std::string(kPolicyConfidentialityStatement) + "\n";
        for (int i = 0; i < 4500; ++i, ++next) {
            const char32_t cp = next;  // three UTF-8 bytes
            f.confidentiality_statement += static_cast<char>(0xE0 | (cp >> 12));
            f.confidentiality_statement += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            f.confidentiality_statement += static_cast<char>(0x80 | (cp & 0x3F));
            if (i % 40 == 39) f.confidentiality_statement += ' ';
        }
        auto warm = r.render(f, small);
        ASSERT_TRUE(warm.ok()) << warm.error().to_string();
        peak = std::max(peak, r.stats().glyphs_cached);
        if (cover == 3) {
            auto cold = render_cover(f, small);
            ASSERT_TRUE(cold.ok());
            EXPECT_TRUE(*warm == *cold);
        }
    }
    EXPECT_LE(peak, CoverRenderer::kMaxGlyphs);
    EXPECT_GT(r.stats().glyphs_loaded, CoverRenderer::kMaxGlyphs) << "the cache was never full";
    EXPECT_LT(r.stats().glyphs_cached, 4u * 4500u);
}

TEST(CoverSheet, CompleteFieldsValidate) {
    const auto f = validate_cover(complete_fields(), 4);
    EXPECT_TRUE(f.empty()) << ids(f);
}

TEST(CoverSheet, EveryMissingRequiredFieldIsRefusedWithItsRule) {
    struct Case {
        std::string_view rule;
        const char* field;
        std::function<void(CoverFields&, const std::string&)> set;
    };
    const Case cases[] = {
        {rule::kCoverSenderName, "cover.sender.name", [](CoverFields& f, const std::string& v) { f.sender_name = v; }},
        {rule::kCoverSenderDepartment, "cover.sender.department",
         [](CoverFields& f, const std::string& v) { f.sender_department = v; }},
        {rule::kCoverSenderPhone, "cover.sender.phone", [](CoverFields& f, const std::string& v) { f.sender_phone = v; }},
        {rule::kCoverSenderFax, "cover.sender.fax", [](CoverFields& f, const std::string& v) { f.sender_fax = v; }},
        {rule::kCoverRecipientName, "cover.recipient.name",
         [](CoverFields& f, const std::string& v) { f.recipient_name = v; }},
        {rule::kCoverRecipientOrganisation, "cover.recipient.organisation",
         [](CoverFields& f, const std::string& v) { f.recipient_organisation = v; }},
        {rule::kCoverRecipientFax, "cover.recipient.fax",
         [](CoverFields& f, const std::string& v) { f.recipient_fax = v; }},
        {rule::kCoverRecipientPhone, "cover.recipient.phone",
         [](CoverFields& f, const std::string& v) { f.recipient_phone = v; }},
        {rule::kCoverDate, "cover.date_time", [](CoverFields& f, const std::string& v) { f.date_time = v; }},
        {rule::kCoverPurpose, "cover.purpose", [](CoverFields& f, const std::string& v) { f.purpose = v; }},
        {rule::kCoverConfidentiality, "cover.confidentiality_statement",
         [](CoverFields& f, const std::string& v) { f.confidentiality_statement = v; }},
    };
    for (const auto& c : cases) {
        for (const std::string blank : {"", "   ", "\t\n"}) {
            CoverFields f = complete_fields();
            c.set(f, blank);
            const auto findings = validate_cover(f, 4);
            ASSERT_EQ(findings.size(), 1u) << c.rule << ": " << ids(findings);
            EXPECT_EQ(findings[0].rule_id, c.rule);
            EXPECT_EQ(findings[0].field, c.field);
            EXPECT_NE(findings[0].message.find("missing"), std::string::npos) << findings[0].message;
            EXPECT_FALSE(findings[0].next_step.empty());
        }
    }
    // Everything missing at once: every rule, each once.
    CoverFields empty;
    empty.title.clear();
    const auto all = validate_cover(empty, 1);
    std::vector<std::string> got;
    for (const auto& f : all) got.push_back(f.rule_id);
    const std::vector<std::string> expect = {
        "COVER-SENDER-NAME",   "COVER-SENDER-DEPARTMENT",      "COVER-SENDER-PHONE",  "COVER-SENDER-FAX",
        "COVER-RECIPIENT-NAME", "COVER-RECIPIENT-ORGANISATION", "COVER-RECIPIENT-FAX", "COVER-RECIPIENT-PHONE",
        "COVER-PURPOSE",       "COVER-DATE",                   "COVER-PAGE-COUNT",    "COVER-CONFIDENTIALITY"};
    EXPECT_EQ(got, expect);
}

TEST(CoverSheet, MalformedNumbersAreRefused) {
    struct Case {
        std::string_view rule;
        std::function<void(CoverFields&, const std::string&)> set;
    };
    const Case cases[] = {
        {rule::kCoverSenderPhone, [](CoverFields& f, const std::string& v) { f.sender_phone = v; }},
        {rule::kCoverSenderFax, [](CoverFields& f, const std::string& v) { f.sender_fax = v; }},
        {rule::kCoverRecipientFax, [](CoverFields& f, const std::string& v) { f.recipient_fax = v; }},
        {rule::kCoverRecipientPhone, [](CoverFields& f, const std::string& v) { f.recipient_phone = v; }},
    };
    for (const auto& c : cases) {
        for (const std::string bad : {"555-CALL", "4321", "106-555-0100", "+0 20 7946 0958", "206-555-01000"}) {
            CoverFields f = complete_fields();
            c.set(f, bad);
            const auto findings = validate_cover(f, 4);
            ASSERT_EQ(findings.size(), 1u) << c.rule << " '" << bad << "': " << ids(findings);
            EXPECT_EQ(findings[0].rule_id, c.rule);
            EXPECT_NE(findings[0].message.find("not a valid number"), std::string::npos);
            EXPECT_EQ(findings[0].message.find(bad), std::string::npos) << "the number is echoed";
        }
        for (const std::string good : {"(206) 555-0100", "+44 20 7946 0958", "1-509-555-0110"}) {
            CoverFields f = complete_fields();
            c.set(f, good);
            EXPECT_TRUE(validate_cover(f, 4).empty()) << c.rule << " '" << good << "'";
        }
    }
}

TEST(CoverSheet, PageCountMustMatchTheTransmission) {
    CoverFields f = complete_fields();
    auto findings = validate_cover(f, 5);
    ASSERT_EQ(findings.size(), 1u) << ids(findings);
    EXPECT_EQ(findings[0].rule_id, "COVER-PAGE-COUNT");
    EXPECT_NE(findings[0].message.find("states 4 pages but the transmission has 5"), std::string::npos)
        << findings[0].message;
    f.total_pages = 0;
    findings = validate_cover(f, 0);  // even when both agree, a fax has at least the cover
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].rule_id, "COVER-PAGE-COUNT");
    f.total_pages = 1;
    EXPECT_TRUE(validate_cover(f, 1).empty());
}

TEST(CoverSheet, DateWithoutDigitsIsMalformed) {
    CoverFields f = complete_fields();
    f.date_time = "tomorrow morning";
    const auto findings = validate_cover(f, 4);
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].rule_id, "COVER-DATE");
    EXPECT_NE(findings[0].message.find("malformed"), std::string::npos);
}

TEST(CoverSheet, StatementMustTellARecipientInErrorToTelephoneTheSender) {
    const std::string policy(kPolicyConfidentialityStatement);
    const std::string first_paragraph = policy.substr(0, policy.find('\n'));
    const std::pair<std::string, bool> cases[] = {
        {policy, true},
        {first_paragraph, false},  // the instruction is in the second paragraph
        {"Confidential. If received in error, phone us.", false},
        {"Confidential. Notify the sender immediately.", false},
        {"Confidential. Notify the sender by e-mail. Our phone number is above.", false},
        {"Confidential. Please call the front desk on the telephone.", false},
        {"CONFIDENTIAL. IF RECEIVED IN ERROR, NOTIFY THE SENDER\n BY   TELEPHONE AT ONCE.", true},
        {"Confidential. If you are not the addressee, notify the sender at once by phone.", true},
    };
    for (const auto& [text, ok] : cases) {
        CoverFields f = complete_fields();
        f.confidentiality_statement = text;
        const auto findings = validate_cover(f, 4);
        if (ok) {
            EXPECT_TRUE(findings.empty()) << text << ": " << ids(findings);
            continue;
        }
        ASSERT_EQ(findings.size(), 1u) << text;
        EXPECT_EQ(findings[0].rule_id, "COVER-CONFIDENTIALITY");
        EXPECT_NE(findings[0].message.find("notify the sender by telephone"), std::string::npos);
    }
}

// The two paragraphs of the statement, as they stand in the policy text.
std::vector<std::string> policy_statement_paragraphs() {
    std::ifstream in(FAX_POLICY_TEXT);
    std::vector<std::string> paragraphs;
    std::string line;
    bool in_section = false;
    bool started = false;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("Confidentiality language", 0) == 0) in_section = true;
        if (!in_section) continue;
        if (line.rfind("The documents accompanying", 0) == 0) started = true;
        if (!started) continue;
        if (line.rfind("Content on this page", 0) == 0) break;
        if (!line.empty()) paragraphs.push_back(line);
    }
    return paragraphs;
}

TEST(CoverSheet, DefaultStatementIsThePolicyTextVerbatim) {
    const auto paragraphs = policy_statement_paragraphs();
    ASSERT_EQ(paragraphs.size(), 2u) << "policy text at " << FAX_POLICY_TEXT;
    EXPECT_EQ(paragraphs[0].rfind("The documents accompanying this facsimile transmission", 0), 0u);
    EXPECT_EQ(paragraphs[1].rfind("If you are not the intended recipient", 0), 0u);
    const std::string expected = paragraphs[0] + "\n" + paragraphs[1];
    EXPECT_EQ(std::string(kPolicyConfidentialityStatement), expected);
    EXPECT_EQ(Policy::defaults().confidentiality_statement, expected);
    // And it passes the cover's own check.
    CoverFields f = complete_fields();
    f.confidentiality_statement = Policy::defaults().confidentiality_statement;
    EXPECT_TRUE(validate_cover(f, 4).empty());
}

TEST(CoverSheet, DateIsFormattedFromTheTimeHandedIn) {
    EXPECT_EQ(format_cover_datetime(fixed_now(), -8h, "PST"), "2025-03-01 06:00 PST");
    EXPECT_EQ(format_cover_datetime(fixed_now(), 0min, "UTC"), "2025-03-01 14:00 UTC");
    EXPECT_EQ(format_cover_datetime(fixed_now() + 10h + 30min, 0min, ""), "2025-03-02 00:30");
}

}  // namespace
}  // namespace fax::gate
