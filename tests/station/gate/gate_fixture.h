// Shared test scaffolding for the gate: a temporary directory, a fixed clock, a
// directory populated through the real verification workflow, request builders and
// a log capture.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "fax/base/log.h"
#include "fax/gate/directory.h"
#include "fax/gate/request.h"

namespace fax::gate::test {

using namespace std::chrono_literals;

// A member reference distinctive enough to grep for.
inline const std::string kMember = "MRN-7731-0042-QZX";

// 2025-03-01 14:00:00 UTC: the tests' "now".
inline TimePoint fixed_now() {
    return TimePoint(std::chrono::sys_days(std::chrono::year{2025} / 3 / 1).time_since_epoch() + 14h);
}

class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "fax-gate-test-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

// Captures every fax::log line (all levels) while alive.
class LogCapture {
public:
    LogCapture() {
        previous_ = fax::log::level();
        fax::log::set_level(fax::log::Level::Trace);
        fax::log::set_sink([this](fax::log::Level, std::string_view component, std::string_view msg) {
            std::lock_guard lock(m_);
            lines_.push_back(std::string(component) + ": " + std::string(msg));
        });
    }
    ~LogCapture() {
        fax::log::set_sink(nullptr);
        fax::log::set_level(previous_);
    }
    std::vector<std::string> lines() const {
        std::lock_guard lock(m_);
        return lines_;
    }

private:
    mutable std::mutex m_;
    std::vector<std::string> lines_;
    fax::log::Level previous_;
};

struct EntrySpec {
    std::string id;
    RecipientCategory category;
    std::string fax;
};

// Every category, verified through the two-step workflow 30 days before fixed_now().
inline std::vector<EntrySpec> verified_entries() {
    std::vector<EntrySpec> v;
    int n = 10;
    for (RecipientCategory c : all_categories()) {
        v.push_back({"e-" + std::string(to_string(c)), c, "206-555-01" + std::to_string(n)});
        ++n;
    }
    return v;
}

inline NewEntry new_entry(const std::string& id, RecipientCategory c, const std::string& fax) {
    NewEntry e;
    e.id = id;
    e.organisation = "Org of " + id;
    e.person = "Person at " + id;
    e.category = c;
    e.fax = fax;
    e.voice = "425-555-0199";
    return e;
}

inline void verify_entry(Directory& dir, const std::string& id, TimePoint at) {
    ASSERT_TRUE(dir.record_test_fax(id, TestFaxRecord{"JTEST-" + id, at, true, "E1"}).ok());
    auto c = dir.confirm_by_phone(id, PhoneConfirmation{"E1", "Test Clerk", "Front desk", at + 1h});
    ASSERT_TRUE(c.ok()) << c.error().to_string();
}

// Adds every category (verified), plus: "unverified" (never), "awaiting" (test fax
// only), "expired" (verified 400 days ago). All KP providers unless named otherwise.
inline void populate(Directory& dir) {
    const TimePoint added = fixed_now() - std::chrono::days(500);
    for (const auto& s : verified_entries()) {
        ASSERT_TRUE(dir.add(new_entry(s.id, s.category, s.fax), added).ok());
        verify_entry(dir, s.id, fixed_now() - std::chrono::days(30));
    }
    ASSERT_TRUE(dir.add(new_entry("unverified", RecipientCategory::KpProvider, "206-555-0201"), added).ok());
    ASSERT_TRUE(dir.add(new_entry("awaiting", RecipientCategory::KpProvider, "206-555-0202"), added).ok());
    ASSERT_TRUE(dir.record_test_fax("awaiting", TestFaxRecord{"JT-A", fixed_now() - std::chrono::days(1), true, "E1"}).ok());
    ASSERT_TRUE(dir.add(new_entry("expired", RecipientCategory::KpProvider, "206-555-0203"), added).ok());
    verify_entry(dir, "expired", fixed_now() - std::chrono::days(400));
}

inline std::string entry_id(RecipientCategory c) { return "e-" + std::string(to_string(c)); }

// A request for 2 pages of one document tagged with `section`.
inline ReleaseRequest make_request(const std::string& recipient, Purpose purpose, const std::string& section,
                                   const std::string& doc_path = "doc.tif") {
    ReleaseRequest r;
    r.requester = {"E104233", "Dana Whitfield"};
    r.member_reference = kMember;
    r.recipient.directory_id = recipient;
    r.purpose = purpose;
    r.sections = {section};
    r.justification = "Follow-up visit needs the listed sections.";
    DocumentSelection d;
    d.path = doc_path;
    d.pages = {1, 2};
    d.sections = {SectionTag{section, {1, 2}}};
    r.documents.push_back(d);
    r.sender = {"Dana Whitfield", "Release of Information", "206-555-0100", "206-555-0199"};
    return r;
}

}  // namespace fax::gate::test
