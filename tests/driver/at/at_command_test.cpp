// Which AT command lines dial: AtChannel refuses those without a gate::DialPermit, so a
// miss here would be a way around the gate.
#include <gtest/gtest.h>

#include "fax/driver/at_command.h"

namespace fax::driver {
namespace {

TEST(AtCommandDials, TableOfCommandLines) {
    struct Case {
        const char* line;
        bool dials;
    } cases[] = {
        {"ATD5551234", true},
        {"ATDT5551234", true},
        {"atdt5551234", true},
        {"ATDP 555 1234", true},
        {"ATDL", true},                      // dial the last number
        {"  ATD5551234", true},
        {"ATX3DT5551234", true},             // D after another basic command
        {"ATE0V1Q0D5551234", true},
        {"ATS7=60D5551234", true},           // after an S-parameter assignment
        {"ATS0?D1", true},
        {"AT&F&C1D5551234", true},           // after & commands
        {"AT+FCLASS=1;D5551234", true},      // after an extended command
        {"AT+FLI=\"A;B\";DT555", true},      // ';' inside a string constant is not a separator
        {"A/", true},                        // repeats the previous line, which may have dialled
        {"a/", true},
        {"AT", false},
        {"ATZ", false},
        {"ATA", false},
        {"ATH0", false},
        {"ATI3", false},
        {"AT&D2", false},                    // DTR handling, not a dial
        {"AT&F&D2&C1", false},
        {"ATS0=2", false},
        {"ATS7?", false},
        {"AT+FTM=146", false},
        {"AT+FCLASS=?", false},
        {"AT+FLI=\"DIAL 555\"", false},      // D inside a string constant
        {"AT+FLI=\"X\";+FCLASS=1", false},
        {"AT\\Q3", false},                   // vendor backslash command
        {"", false},
        {"D5551234", false},                 // no AT prefix: the modem ignores the line
        {"hello ATD", false},
    };
    for (const auto& c : cases) EXPECT_EQ(dials(c.line), c.dials) << '"' << c.line << '"';
}

}  // namespace
}  // namespace fax::driver
