// Class 1 modulation codes (T.31 Table 3, the values of +FTM/+FRM) and what they
// mean to a T.30 engine. The modem's +FTM=? / +FRM=? replies decide which the
// driver offers: a table, not model checks.
#pragma once

#include <optional>
#include <span>
#include <vector>

namespace fax::driver {

enum class Modulation { V27ter, V29, V17 };

struct Class1Mode {
    int code;          // the +FTM/+FRM parameter
    Modulation modulation;
    int bit_rate;
    bool short_train;  // V.17 only
};

// All modes T.31 defines for fax image transfer.
std::span<const Class1Mode> class1_modes();
// The +FTM/+FRM code for a modulation, rate and training, if one exists.
std::optional<int> class1_code(Modulation m, int bit_rate, bool short_train);

// Which modulations a modem supports in both directions, from its +FTM=? and +FRM=? lists.
struct ModulationSupport {
    bool v27ter = false, v29 = false, v17 = false;
};
ModulationSupport support_from_codes(std::span<const int> ftm, std::span<const int> frm);

}  // namespace fax::driver
