// ModemProber: identifies the modem on a port and what it can do, the way a station's
// `faxctl probe` does — a table of {command, timeout, what to keep} run one after the
// other over AtChannel by the AT step runner (ModemManager's style), then
// select_profile() on what it said.
//
// A protocol engine like the sessions: no I/O and no clock (bytes and time are handed
// in), so the same prober runs over a real tty, USB, or a simulated modem in process.
// A command the modem answers with ERROR is recorded and the probe goes on (plenty of
// fax modems know no +FMI?); no answer at all to the first command ends it as Timeout.
// The probe never dials and never takes the line off hook.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/base/time.h"
#include "fax/driver/at_channel.h"
#include "fax/driver/at_step_runner.h"
#include "fax/driver/class1_modulation.h"
#include "fax/driver/profile.h"
#include "fax/hal/transport.h"

namespace fax::driver {

struct ProbeStep {
    std::string command;  // as sent, e.g. "AT+FTM=?"
    std::string outcome;  // "OK", "ERROR", "timeout", ...
    std::vector<std::string> info;  // information text lines of the answer
};

struct ProbeResult {
    Status status;                      // Timeout if the modem never answered; else ok
    ModemIdentity identity;             // ATI / ATI3 text, +FMI/+FMM/+FMR, USB ids if given
    std::vector<std::string> classes;   // +FCLASS=? e.g. {"0","1","1.0","2.0"}
    std::vector<int> ftm, frm;          // Class 1 +FTM=? / +FRM=? codes
    ModulationSupport modulations;      // what both directions support
    bool class1 = false, class2_0 = false;
    std::string profile_id;             // the profile select_profile() chose
    std::string profile_name;
    std::vector<ProbeStep> steps;       // the whole dialogue, for `--verbose`
};

struct ProbeOptions {
    std::optional<UsbId> usb;                 // known from discovery, for profile matching
    Samples reset_timeout{8000 * 5};          // ATZ (slow firmware re-initialises its DSP)
    Samples command_timeout{8000 * 3};
    std::span<const ModemProfile> profiles;   // empty: the built-in profiles
};

class ModemProber {
public:
    explicit ModemProber(ProbeOptions options = {});

    void on_bytes(std::span<const uint8_t> bytes);
    void advance_to(Samples now);
    std::vector<uint8_t> take_output();
    bool finished() const { return finished_; }
    const ProbeResult& result() const { return result_; }

    // What a step's answer tells (modem_prober.cpp).
    enum class Keep;

private:
    std::vector<AtStep> steps();
    AtStepVerdict on_reply(const AtStep& step, Keep keep, const Result<AtReply>& r);
    void finish(Status status);

    ProbeOptions opts_;
    AtChannel channel_;
    AtStepRunner runner_;
    bool started_ = false;
    bool finished_ = false;
    bool any_answer_ = false;
    ProbeResult result_;
};

// Runs a probe over an open transport with the wall clock (faxctl probe). Io or
// Disconnected if the transport fails; a silent modem is ProbeResult::status Timeout.
Result<ProbeResult> run_probe(hal::Transport& transport, const ProbeOptions& options = {});

// The probe as JSON (for `faxctl probe --json`).
std::string probe_to_json(const ProbeResult& result);

}  // namespace fax::driver
