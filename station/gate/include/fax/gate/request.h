// A release request: who asks, for which member, which pages of which documents,
// to which directory entry, for what purpose, and how the minimum-necessary standard
// is met. One model for the C++ API and the JSON request file (docs/policy.md).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fax/base/result.h"
#include "fax/gate/vocabulary.h"

namespace fax::gate {

// Bounds of a request (docs/policy.md, "Request format"). Text fields count characters
// (UTF-8 code points) and must be valid UTF-8 without control characters (tab and line
// breaks are allowed in justification and page_ceiling_override only). The name and
// contact bounds are what a cover sheet line holds; a longer value is a format error
// naming the field and the bound, never a truncated cover.
namespace request_limits {
inline constexpr std::size_t kMaxFileBytes = 1024 * 1024;  // the request file (and text handed to the parser)
inline constexpr std::size_t kMaxIdChars = 64;             // requester.staff_id, member.record_reference, recipient.directory_id
inline constexpr std::size_t kMaxNameChars = 80;           // requester.name, sender.name, recipient.attention
inline constexpr std::size_t kMaxDepartmentChars = 120;    // sender.department
inline constexpr std::size_t kMaxPhoneChars = 32;          // sender.phone, sender.fax, recipient.typed_fax.*
inline constexpr std::size_t kMaxPurposeChars = 32;        // purpose
inline constexpr std::size_t kMaxSectionChars = 64;        // sections[], documents[].section(s)
inline constexpr std::size_t kMaxPathChars = 1024;         // documents[].path
inline constexpr std::size_t kMaxPageSelectionChars = 256; // documents[].pages, documents[].sections[].pages
inline constexpr std::size_t kMaxJustificationChars = 2000;  // justification
inline constexpr std::size_t kMaxOverrideChars = 500;        // page_ceiling_override
inline constexpr std::size_t kMaxDocuments = 50;             // documents[]
inline constexpr std::size_t kMaxSections = 32;              // sections[], and tags per document
}  // namespace request_limits

struct StaffMember {
    std::string staff_id;
    std::string name;
};

// The sender block of the cover sheet. Left empty here if the file omits it; the
// cover validation then refuses with the COVER-* rule of the missing field.
struct SenderContact {
    std::string name;
    std::string department;
    std::string phone;
    std::string fax;
};

// Which pages of a document belong to which record section. Every selected page
// must be tagged with a section the request declares (minimum necessary).
struct SectionTag {
    std::string section;
    std::vector<int> pages;  // 1-based page numbers within the document
};

struct DocumentSelection {
    std::string path;                 // TIFF or PBM; relative paths resolved by the loader
    std::vector<int> pages;           // selected pages, 1-based, sorted, unique
    std::vector<SectionTag> sections;
};

// A number typed by hand at the station: it must be entered twice, and both
// entries must match each other and the directory entry.
struct TypedFaxNumber {
    std::string first;
    std::string second;
};

struct RecipientRef {
    std::string directory_id;
    std::string attention;  // optional: person to address; defaults to the entry's person
    std::optional<TypedFaxNumber> typed_fax;
};

struct ReleaseRequest {
    StaffMember requester;
    // The member (patient) record reference. Stored in the audit trail (the
    // accounting of disclosures) and nowhere else: never logged, never in a message.
    std::string member_reference;
    std::vector<DocumentSelection> documents;
    RecipientRef recipient;
    Purpose purpose = Purpose::Treatment;
    std::vector<std::string> sections;  // record sections declared as included
    std::string justification;          // minimum-necessary justification
    std::optional<std::string> page_ceiling_override;  // reason to exceed the purpose's ceiling
    SenderContact sender;

    int selected_page_count() const;
};

// Parses the JSON request format (docs/policy.md). Errors are InvalidInput and read
// "<source_name>: <field path>: <problem>", e.g.
// "req.json: documents[1].pages: not a page range (expected e.g. 1-3,5)". They never
// quote a value of the request (the member reference or any free text). A key given
// twice, a field over its bound (request_limits) or with a control character, and a
// text over kMaxFileBytes are errors too.
Result<ReleaseRequest> parse_request_json(std::string_view text, std::string_view source_name);

// Reads and parses a request file; document paths that are relative are resolved
// against the request file's directory. A path that is not a regular file (a FIFO, a
// device, a directory) is refused before it is opened for reading (InvalidInput), and
// so is a file over request_limits::kMaxFileBytes.
Result<ReleaseRequest> load_request_file(const std::filesystem::path& path);

// The request as JSON in the same format (round-trips through parse_request_json).
std::string request_to_json(const ReleaseRequest& request);

}  // namespace fax::gate
