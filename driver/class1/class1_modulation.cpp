#include "fax/driver/class1_modulation.h"

#include <algorithm>
#include <array>

namespace fax::driver {

namespace {
constexpr std::array<Class1Mode, 12> kModes{{
    {24, Modulation::V27ter, 2400, false},
    {48, Modulation::V27ter, 4800, false},
    {72, Modulation::V29, 7200, false},
    {96, Modulation::V29, 9600, false},
    {73, Modulation::V17, 7200, false},
    {74, Modulation::V17, 7200, true},
    {97, Modulation::V17, 9600, false},
    {98, Modulation::V17, 9600, true},
    {121, Modulation::V17, 12000, false},
    {122, Modulation::V17, 12000, true},
    {145, Modulation::V17, 14400, false},
    {146, Modulation::V17, 14400, true},
}};

bool has_all(std::span<const int> list, std::initializer_list<int> codes) {
    return std::all_of(codes.begin(), codes.end(),
                       [&](int c) { return std::find(list.begin(), list.end(), c) != list.end(); });
}
}  // namespace

std::span<const Class1Mode> class1_modes() { return kModes; }

std::optional<int> class1_code(Modulation m, int bit_rate, bool short_train) {
    for (const auto& mode : kModes) {
        if (mode.modulation != m || mode.bit_rate != bit_rate) continue;
        if (m == Modulation::V17 && mode.short_train != short_train) continue;
        return mode.code;
    }
    return std::nullopt;
}

ModulationSupport support_from_codes(std::span<const int> ftm, std::span<const int> frm) {
    // A modulation is offered only if every rate T.30 may fall back to exists both ways.
    ModulationSupport s;
    s.v27ter = has_all(ftm, {24, 48}) && has_all(frm, {24, 48});
    s.v29 = has_all(ftm, {72, 96}) && has_all(frm, {72, 96});
    s.v17 = has_all(ftm, {73, 74, 97, 98, 121, 122, 145, 146}) && has_all(frm, {73, 74, 97, 98, 121, 122, 145, 146});
    return s;
}

}  // namespace fax::driver
