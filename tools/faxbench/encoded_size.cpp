#include "encoded_size.h"

#include "fax/t30/spandsp/t4_codec.h"
#include "fax/t30/tiff_io.h"

namespace fax::faxbench {

std::string_view to_string(Coding c) {
    switch (c) {
    case Coding::MH: return "MH";
    case Coding::MR: return "MR";
    case Coding::MMR: return "MMR";
    }
    return "?";
}

Result<std::size_t> encoded_bytes(const std::string& tiff, int page, Coding coding) {
    auto pages = t30::read_tiff(tiff);
    if (!pages) return fail(pages.take_error());
    if (page < 0 || static_cast<std::size_t>(page) >= pages->size())
        return fail(Errc::InvalidInput, tiff + ": no page " + std::to_string(page + 1));
    const t30::spandsp::T4Coding c = coding == Coding::MH   ? t30::spandsp::T4Coding::MH
                                     : coding == Coding::MR ? t30::spandsp::T4Coding::MR
                                                            : t30::spandsp::T4Coding::MMR;
    auto data = t30::spandsp::encode_t4((*pages)[static_cast<std::size_t>(page)], c);
    if (!data) return fail(data.take_error());
    return data->size();
}

}  // namespace fax::faxbench
