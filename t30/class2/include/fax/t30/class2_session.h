// Class2Session: one fax call through a Class 2.0 (ITU-T T.32) modem. The modem runs
// T.30; the host dials or answers, checks the remote station id, hands over each page
// as T.4/T.6 data (+FDT) or takes it (+FDR), and reads the modem's reports.
//
// The same shape as the Class 1 FaxSession (fax/t30/fax_session.h): the same SessionResult,
// CallPhase and SessionEvent; the transmit entry point consumes a gate::ClearedRelease,
// re-checks the document's SHA-256 and dials only release.dial_number(); the remote
// station id the modem reports (+FCI) is checked against release.expected_csi() before
// the first page, and a mismatch ends the call (AT+FKS, then ATH) with nothing sent.
//
// Protocol engine: no I/O, no clock. A runner hands it the modem's bytes (on_bytes) and
// the time (advance_to) and writes take_output() to the transport; SessionStepper
// is that runner inside the lock-stepped simulation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/base/time.h"
#include "fax/driver/cleared_release.h"
#include "fax/driver/profile.h"
#include "fax/t30/call_session.h"

namespace fax::t30 {

struct Class2Options {
    std::string local_ident = "FAXSTACK";  // +FLI: our TSI (sending) or CSI (receiving), <= 20 chars
    // Data format the host exchanges with the modem (+FIS/+FCC df): 0 MH, 1 MR, 3 MMR (needs ecm).
    int data_format = 1;
    bool ecm = false;                       // ask the modem for ECM on the line
    int max_bit_rate_code = 5;              // +FIS br: 0..5 = 2400..14400 bit/s
    Samples dial_timeout{8000 * 90};        // ATD until the far end's DIS has been reported
    Samples ring_timeout{0};                // receive: how long to wait for RING (0 = forever)
    std::string dial_prefix = "ATDT";
    // The modem model's quirks (its profile, data/profiles/): ATZ and command time-outs,
    // numeric result codes, the DLE bug in +FDR data. (Those of Class 1 data modes do not
    // apply: the modem runs T.30 itself.)
    driver::ModemQuirks quirks;
};

class Class2Session final : public CallSession {
public:
    ~Class2Session() override;
    Class2Session(const Class2Session&) = delete;
    Class2Session& operator=(const Class2Session&) = delete;

    // Consumes the release; fails (and dials nothing) if it was already spent or its
    // document no longer matches what the gate cleared.
    static Result<std::unique_ptr<Class2Session>> transmit(gate::ClearedRelease&& release, Class2Options opts = {});
    // Waits for RING, answers, and writes the received pages to rx_tiff.
    static Result<std::unique_ptr<Class2Session>> receive(const std::string& rx_tiff, Class2Options opts = {});

    // CallSession (call_session.h). cancel() ends the call with +FKS, then ATH;
    // transmitting_data() is true while page data go to the modem; the trace has
    // command and response lines, never page data.
    void on_bytes(std::span<const uint8_t> bytes) override;
    void advance_to(Samples now) override;
    std::vector<uint8_t> take_output() override;
    void cancel() override;
    void transport_failed(Error error) override;
    bool finished() const override;
    bool transmitting_data() const override;
    CallPhase phase() const override;
    const SessionResult& result() const override;
    const std::string& job_id() const override;
    void set_event_handler(std::function<void(const SessionEvent&)> fn) override;
    void set_trace(std::function<void(bool to_modem, const std::string& line)> fn) override;

    class Impl;

private:
    explicit Class2Session(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};


// Over a real terminal with the wall clock: RealtimeRunner / run_realtime in
// fax/t30/realtime_runner.h, as for a FaxSession.

}  // namespace fax::t30
