// DLE transparency and the HDLC FCS: decoding arbitrary modem data must not crash, and
// stuffing then decoding must give back the data exactly, however the bytes are split.
#include <vector>

#include "fax/driver/dle.h"
#include "fuzz_target.h"

FAX_FUZZ_TARGET(dle) {
    using namespace fax::driver;

    // Arbitrary bytes from the modem, fed byte by byte and in one go: same data, same ends.
    {
        DleDecoder one, bytewise;
        std::vector<uint8_t> a, b;
        std::size_t pos = 0, ends_a = 0, ends_b = 0;
        while (pos < input.size()) {
            auto f = one.feed(input.subspan(pos), a);
            FAX_FUZZ_CHECK(f.consumed <= input.size() - pos);
            FAX_FUZZ_CHECK(f.consumed > 0 || f.ended);
            pos += f.consumed;
            if (f.ended) ++ends_a;
            if (f.consumed == 0) break;
        }
        for (std::size_t i = 0; i < input.size(); ++i) {
            auto f = bytewise.feed(input.subspan(i, 1), b);
            FAX_FUZZ_CHECK(f.consumed == 1);
            if (f.ended) ++ends_b;
        }
        FAX_FUZZ_CHECK(a == b);
        FAX_FUZZ_CHECK(ends_a == ends_b);
    }

    // Round trip: DTE-side stuffing, then DLE ETX, decodes to the input and ends once.
    {
        std::vector<uint8_t> wire;
        dle_stuff(input, wire);
        dle_terminate(wire);
        DleDecoder d;
        std::vector<uint8_t> out;
        auto f = d.feed(wire, out);
        FAX_FUZZ_CHECK(f.ended);
        FAX_FUZZ_CHECK(f.consumed == wire.size());
        FAX_FUZZ_CHECK(out == std::vector<uint8_t>(input.begin(), input.end()));
        FAX_FUZZ_CHECK(d.unknown_escapes() == 0);
    }

    // FCS: a frame with its own FCS appended checks good; flipping any bit makes it bad.
    {
        std::vector<uint8_t> frame(input.begin(), input.end());
        const uint16_t fcs = hdlc_fcs(frame);
        frame.push_back(static_cast<uint8_t>(fcs & 0xFF));
        frame.push_back(static_cast<uint8_t>(fcs >> 8));
        FAX_FUZZ_CHECK(hdlc_fcs_ok(frame));
        if (!input.empty()) {
            const std::size_t at = input[0] % frame.size();
            frame[at] ^= static_cast<uint8_t>(1u << (input.size() % 8));
            FAX_FUZZ_CHECK(!hdlc_fcs_ok(frame));
        }
    }
    for (uint8_t b : input) FAX_FUZZ_CHECK(bit_reverse(bit_reverse(b)) == b);
}
