// One gated release sent through the in-process simulation with line faults set on
// the exchange, and everything a fault test asserts on afterwards: the sender's
// SessionResult, what the reference terminal stored (page by page, compared with the
// cleared pages), the exchange's call events and the session's timeline.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fax/base/time.h"
#include "fax/sim/exchange.h"
#include "fax/sim/reference_terminal.h"
#include "fax/t30/fax_session.h"

namespace fax::faulttest {

enum class Driver { Class1, Class2 };

struct CallSetup {
    Driver driver = Driver::Class1;
    bool ecm = true;                   // SessionOptions::ecm / Class2Options::ecm
    sim::LineFaults modem_faults;      // on the sending modem's line (what it hears)
    sim::LineFaults terminal_faults;   // on the terminal's line (what it hears: the pages)
    bool terminal_present = true;      // false: nobody on the number (unobtainable)
    int answer_after_rings = 1;
    std::string terminal_ident = "REFERENCE TERMINAL";
    std::optional<std::string> expected_csi;  // the directory's verified station id
    Samples limit{300 * 8000};         // give up (the test fails) after this much simulated time
};

struct Stamp {
    Samples time{0};
    t30::CallPhase phase = t30::CallPhase::Init;
    std::string detail;
};

struct CallRecord {
    bool finished = false;  // the session and the terminal ended within the limit
    Samples elapsed{0};     // simulated time from the start to the end of both
    t30::SessionResult result;
    sim::TerminalResult terminal;
    std::vector<sim::CallEvent> events;
    std::vector<Stamp> timeline;  // the session's events, stamped with simulated time
    int pages_cleared = 0;        // pages of the cleared TIFF (the gate's cover + the charts)
    // What the terminal stored (its TIFF; empty if it wrote none), each page compared
    // pixel for pixel with the cleared page at the same position.
    std::vector<bool> stored_intact;
    std::vector<long long> stored_differing_pixels;
    std::string setup_error;      // non-empty: the test could not be set up

    int pages_stored() const { return static_cast<int>(stored_intact.size()); }
    std::optional<Samples> answered_at() const;
    // The time of the first timeline entry of `phase` whose detail contains `text`
    // (the n-th with n > 1).
    std::optional<Samples> when(t30::CallPhase phase, const std::string& text, int n = 1) const;
};

// The document every case sends: ITU charts 1 and 2 (the gate adds the cover: 3 pages).
inline const std::vector<int> kCharts{1, 2};

CallRecord run_release(const CallSetup& setup);

}  // namespace fax::faulttest
