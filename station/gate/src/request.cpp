#include "fax/gate/request.h"

#include "fax/base/bounded_read.h"
#include "fax/gate/page_selection.h"
#include "json_fields.h"

namespace fax::gate {

using detail::Fields;
using detail::json;
namespace lim = request_limits;

int ReleaseRequest::selected_page_count() const {
    int n = 0;
    for (const auto& d : documents) n += static_cast<int>(d.pages.size());
    return n;
}

namespace {

// A page selection field; the error keeps the parser's explanation.
Result<std::vector<int>> pages_field(const Fields& f, std::string_view key) {
    auto text = f.required_text(key, lim::kMaxPageSelectionChars);
    if (!text) return fail(text.take_error());
    auto pages = parse_page_selection(*text);
    if (!pages) return f.error(key, pages.error().message);
    return pages;
}

std::string known_purposes() {
    std::string s;
    for (Purpose p : all_purposes()) {
        if (!s.empty()) s += ", ";
        s += to_string(p);
    }
    return s;
}

Result<DocumentSelection> parse_document(const Fields& f) {
    FAX_TRY(f.expect_object());
    FAX_TRY(f.only_keys({"path", "pages", "section", "sections"}));
    DocumentSelection d;
    auto path = f.required_text("path", lim::kMaxPathChars);
    if (!path) return fail(path.take_error());
    d.path = *path;
    auto pages = pages_field(f, "pages");
    if (!pages) return fail(pages.take_error());
    d.pages = std::move(*pages);

    if (f.has("section") && f.has("sections")) return f.error("section", "give either 'section' or 'sections', not both");
    if (f.has("section")) {
        // Shorthand: every selected page belongs to one section.
        auto s = f.required_text("section", lim::kMaxSectionChars);
        if (!s) return fail(s.take_error());
        d.sections.push_back(SectionTag{*s, d.pages});
    }
    auto tags = f.array("sections", false);
    if (!tags) return fail(tags.take_error());
    if (tags->size() > lim::kMaxSections)
        return f.error("sections", "lists more than " + std::to_string(lim::kMaxSections) + " sections");
    for (const Fields& t : *tags) {
        FAX_TRY(t.expect_object());
        FAX_TRY(t.only_keys({"section", "pages"}));
        SectionTag tag;
        auto s = t.required_text("section", lim::kMaxSectionChars);
        if (!s) return fail(s.take_error());
        tag.section = *s;
        auto p = pages_field(t, "pages");
        if (!p) return fail(p.take_error());
        tag.pages = std::move(*p);
        d.sections.push_back(std::move(tag));
    }
    return d;
}

Result<ReleaseRequest> parse_request(const Fields& root) {
    FAX_TRY(root.expect_object());
    FAX_TRY(root.only_keys({"format", "requester", "member", "documents", "recipient", "purpose", "sections",
                            "justification", "page_ceiling_override", "sender"}));
    ReleaseRequest r;

    if (root.has("format")) {
        auto fmt = root.required_text("format", lim::kMaxIdChars);
        if (!fmt) return fail(fmt.take_error());
        if (*fmt != "fax-release-request/1") return root.error("format", "must be \"fax-release-request/1\"");
    }

    auto requester = root.object("requester");
    if (!requester) return fail(requester.take_error());
    FAX_TRY(requester->only_keys({"staff_id", "name"}));
    auto staff_id = requester->required_text("staff_id", lim::kMaxIdChars);
    if (!staff_id) return fail(staff_id.take_error());
    auto staff_name = requester->required_text("name", lim::kMaxNameChars);
    if (!staff_name) return fail(staff_name.take_error());
    r.requester = {*staff_id, *staff_name};

    auto member = root.object("member");
    if (!member) return fail(member.take_error());
    FAX_TRY(member->only_keys({"record_reference"}));
    auto ref = member->required_text("record_reference", lim::kMaxIdChars);
    if (!ref) return fail(ref.take_error());
    r.member_reference = *ref;

    auto docs = root.array("documents", true);
    if (!docs) return fail(docs.take_error());
    if (docs->empty()) return root.error("documents", "must list at least one document");
    if (docs->size() > lim::kMaxDocuments)
        return root.error("documents", "lists more than " + std::to_string(lim::kMaxDocuments) + " documents");
    for (const Fields& d : *docs) {
        auto doc = parse_document(d);
        if (!doc) return fail(doc.take_error());
        r.documents.push_back(std::move(*doc));
    }

    auto recipient = root.object("recipient");
    if (!recipient) return fail(recipient.take_error());
    FAX_TRY(recipient->only_keys({"directory_id", "attention", "typed_fax"}));
    auto dir_id = recipient->required_text("directory_id", lim::kMaxIdChars);
    if (!dir_id) return fail(dir_id.take_error());
    r.recipient.directory_id = *dir_id;
    auto attention = recipient->optional_text("attention", lim::kMaxNameChars);
    if (!attention) return fail(attention.take_error());
    r.recipient.attention = *attention;
    if (recipient->has("typed_fax")) {
        // Both entries are read as given; a missing or different second entry is a
        // refusal (NUM-REENTRY / NUM-MISMATCH), not a format error.
        auto typed = recipient->object("typed_fax");
        if (!typed) return fail(typed.take_error());
        FAX_TRY(typed->only_keys({"first", "second"}));
        auto first = typed->optional_text("first", lim::kMaxPhoneChars);
        if (!first) return fail(first.take_error());
        auto second = typed->optional_text("second", lim::kMaxPhoneChars);
        if (!second) return fail(second.take_error());
        r.recipient.typed_fax = TypedFaxNumber{*first, *second};
    }

    auto purpose = root.required_text("purpose", lim::kMaxPurposeChars);
    if (!purpose) return fail(purpose.take_error());
    const auto p = parse_purpose(*purpose);
    if (!p) return root.error("purpose", "is not a known purpose (one of: " + known_purposes() + ")");
    r.purpose = *p;

    // Sections and justification may be empty here: the gate refuses that with the
    // minimum-necessary rule id, which is more useful to the person than a format error.
    auto sections = root.string_list("sections");
    if (!sections) return fail(sections.take_error());
    if (sections->size() > lim::kMaxSections)
        return root.error("sections", "lists more than " + std::to_string(lim::kMaxSections) + " sections");
    for (std::size_t i = 0; i < sections->size(); ++i)
        if (auto problem = detail::text_problem((*sections)[i], lim::kMaxSectionChars, false))
            return root.error("sections[" + std::to_string(i) + "]", *problem);
    r.sections = std::move(*sections);
    auto justification = root.optional_text("justification", lim::kMaxJustificationChars, true);
    if (!justification) return fail(justification.take_error());
    r.justification = *justification;
    auto override_reason = root.maybe_string("page_ceiling_override");
    if (!override_reason) return fail(override_reason.take_error());
    if (*override_reason)
        if (auto problem = detail::text_problem(**override_reason, lim::kMaxOverrideChars, true))
            return root.error("page_ceiling_override", *problem);
    r.page_ceiling_override = *override_reason;

    // Sender contact: missing fields are refused by the cover validation (COVER-SENDER-*).
    if (root.has("sender")) {
        auto sender = root.object("sender");
        if (!sender) return fail(sender.take_error());
        FAX_TRY(sender->only_keys({"name", "department", "phone", "fax"}));
        for (auto [key, dest, max] : {std::tuple{"name", &r.sender.name, lim::kMaxNameChars},
                                      std::tuple{"department", &r.sender.department, lim::kMaxDepartmentChars},
                                      std::tuple{"phone", &r.sender.phone, lim::kMaxPhoneChars},
                                      std::tuple{"fax", &r.sender.fax, lim::kMaxPhoneChars}}) {
            auto v = sender->optional_text(key, max);
            if (!v) return fail(v.take_error());
            *dest = *v;
        }
    }
    return r;
}

}  // namespace

Result<ReleaseRequest> parse_request_json(std::string_view text, std::string_view source_name) {
    if (text.size() > lim::kMaxFileBytes)
        return fail(Errc::InvalidInput, std::string(source_name) + ": the request is larger than " +
                                            std::to_string(lim::kMaxFileBytes) + " bytes");
    auto doc = detail::parse_json_text(text, source_name);
    if (!doc) return fail(doc.take_error());
    try {
        return parse_request(Fields(*doc, std::string(source_name), ""));
    } catch (const std::exception&) {
        // Every access above is type-checked first; this is a safety net at the boundary.
        return fail(Errc::InvalidInput, std::string(source_name) + ": malformed request");
    }
}


Result<ReleaseRequest> load_request_file(const std::filesystem::path& path) {
    auto text = read_bounded_regular_file(path, lim::kMaxFileBytes, "request");
    if (!text) return fail(text.take_error());
    auto r = parse_request_json(*text, path.filename().string());
    if (!r) return r;
    const auto base = path.parent_path();
    for (auto& d : r->documents) {
        std::filesystem::path p(d.path);
        if (p.is_relative() && !base.empty()) d.path = (base / p).lexically_normal().string();
    }
    return r;
}

std::string request_to_json(const ReleaseRequest& r) {
    json j;
    j["format"] = "fax-release-request/1";
    j["requester"] = {{"staff_id", r.requester.staff_id}, {"name", r.requester.name}};
    j["member"] = {{"record_reference", r.member_reference}};
    json docs = json::array();
    for (const auto& d : r.documents) {
        json tags = json::array();
        for (const auto& t : d.sections)
            tags.push_back({{"section", t.section}, {"pages", format_page_selection(t.pages)}});
        docs.push_back({{"path", d.path}, {"pages", format_page_selection(d.pages)}, {"sections", tags}});
    }
    j["documents"] = docs;
    json rec = {{"directory_id", r.recipient.directory_id}};
    if (!r.recipient.attention.empty()) rec["attention"] = r.recipient.attention;
    if (r.recipient.typed_fax)
        rec["typed_fax"] = {{"first", r.recipient.typed_fax->first}, {"second", r.recipient.typed_fax->second}};
    j["recipient"] = rec;
    j["purpose"] = std::string(to_string(r.purpose));
    j["sections"] = r.sections;
    j["justification"] = r.justification;
    if (r.page_ceiling_override) j["page_ceiling_override"] = *r.page_ceiling_override;
    j["sender"] = {{"name", r.sender.name},
                   {"department", r.sender.department},
                   {"phone", r.sender.phone},
                   {"fax", r.sender.fax}};
    return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace fax::gate
