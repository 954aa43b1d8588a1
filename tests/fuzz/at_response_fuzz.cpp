// The AT response side of the driver: whatever a modem (or a noisy serial line) sends.
#include <string>
#include <string_view>

#include "fax/driver/at_response.h"
#include "fuzz_target.h"

FAX_FUZZ_TARGET(at_response) {
    using namespace fax::driver;
    const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());

    // Line splitting: fed in two uneven pieces, the reader yields the same lines as in one.
    AtLineReader whole, split;
    whole.feed(input);
    const std::size_t cut = input.empty() ? 0 : input[0] % (input.size() + 1);
    split.feed(input.subspan(0, cut));
    split.feed(input.subspan(cut));
    while (true) {
        auto a = whole.next();
        auto b = split.next();
        FAX_FUZZ_CHECK(a.has_value() == b.has_value());
        if (!a) break;
        FAX_FUZZ_CHECK(*a == *b);
        FAX_FUZZ_CHECK(!a->empty());
        FAX_FUZZ_CHECK(a->size() <= AtLineReader::kMaxLine);
        FAX_FUZZ_CHECK(a->find('\r') == std::string::npos && a->find('\n') == std::string::npos);

        // Every line goes through the classifiers the driver applies to it.
        if (auto r = parse_result_code(*a)) {
            FAX_FUZZ_CHECK(parse_result_code(to_string(*r)) == r);
            const auto e = to_error(*r, "AT");
            FAX_FUZZ_CHECK(!e.message.empty());
        }
        (void)is_echo(*a, "AT+FRM=?");
        if (auto l = parse_int_list(*a); l.ok()) FAX_FUZZ_CHECK(!l->empty());
        if (auto c = parse_class_list(*a); c.ok()) FAX_FUZZ_CHECK(!c->empty());
    }
    FAX_FUZZ_CHECK(whole.buffered_partial() == split.buffered_partial());

    // The whole input as one reply, as the capability parsers also see it.
    (void)parse_result_code(text);
    (void)parse_int_list(text);
    (void)parse_class_list(text);
}
