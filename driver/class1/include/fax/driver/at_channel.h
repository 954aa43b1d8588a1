// AtChannel: the command/response engine between a modem driver and the bytes.
//
// It does no I/O and reads no clock (STYLE.md §4): bytes from the modem are handed
// to on_bytes(), time to set_time(), and the bytes to send are collected from
// take_output(). One command is in flight at a time; each carries its own deadline.
//
// Data modes (T.31 §8.3): a command may enter a data mode on CONNECT. In Receive
// mode the modem's DLE-framed data is unstuffed and handed to a sink until DLE ETX,
// after which the command's final result code follows. In Transmit mode the driver
// writes DLE-stuffed data and ends it with finish_data(), which awaits the modem's
// next result code (CONNECT, OK, ERROR, NO CARRIER).
//
// Dialling: send() and write_raw() refuse any command line that dials (at_command.h);
// dial() is the only way, and it takes the gate::DialPermit that only consuming a
// gate::ClearedRelease yields.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/base/time.h"
#include "fax/driver/at_reply.h"
#include "fax/driver/at_response.h"
#include "fax/driver/at_step_runner.h"
#include "fax/driver/cleared_release.h"
#include "fax/driver/dle.h"

namespace fax::driver {

enum class DataMode { None, Receive, Transmit };

struct AtCommand {
    std::string text;                     // e.g. "AT+FRH=3" (no CR)
    Samples timeout{Samples{8000 * 5}};  // until the first result code
    DataMode on_connect = DataMode::None; // what CONNECT starts
};

// How the engine reads this modem (from its profile's quirks, profile.h).
struct AtChannelOptions {
    // Result codes in words (after ATV1), digits (a modem whose V1 does not stick), or either
    // (a probe of an unknown modem).
    ResultForm result_form = ResultForm::Verbose;
    // A DLE in received data that is not doubled is data (quirk dle_bug).
    bool lone_dle_is_data = false;
    // In-band flow control (quirk flow_control = "software"): XOFF from the modem holds our
    // output until XON — outside receive data, where 0x11/0x13 are data — and while data are
    // being sent, take_output() releases at most flow_window bytes at a time, so that what is
    // already on its way when XOFF comes fits in the modem's buffer. No XON within xoff_limit
    // ends the command with Errc::Timeout.
    bool inband_flow = false;
    std::size_t flow_window = 512;
    Samples xoff_limit{Samples{8000 * 10}};
};

class AtChannel {
public:
    AtChannel() = default;
    explicit AtChannel(const AtChannelOptions& options) { configure(options); }
    void configure(const AtChannelOptions& options);
    const AtChannelOptions& options() const { return opts_; }
    // XOFF from the modem is holding our output back.
    bool held_by_xoff() const { return xoff_since_.has_value(); }

    // Runs with CONNECT (for data-mode commands) and again with the final result;
    // with Errc::Timeout when the deadline passes.
    using ReplyFn = std::function<void(Result<AtReply>)>;
    struct DataSink {
        std::function<void(std::span<const uint8_t>)> data;
        std::function<void()> end;  // DLE ETX seen (or the data was cut by a result code)
    };

    // A command line that dials is not sent: on_reply gets Errc::PolicyRefused at once.
    void send(const AtCommand& cmd, ReplyFn on_reply, DataSink sink = {});
    // Dials the permit's number: `prefix` + digits, with `prefix` one of ATD, ATDT, ATDP.
    // The permit is used up. An empty (used) permit or another prefix: on_reply gets
    // Errc::PolicyRefused / Errc::InvalidArgument at once and nothing is sent.
    void dial(gate::DialPermit&& permit, std::string_view prefix, Samples timeout, DataMode on_connect,
              ReplyFn on_reply, DataSink sink = {});
    // Transmit data mode only: stuff and queue raw data bytes.
    void write_data(std::span<const uint8_t> raw);
    // Transmit data mode only: DLE ETX, then wait for the modem's next result code.
    void finish_data(Samples timeout, ReplyFn on_reply);
    // Receive data mode or waiting for its CONNECT: T.31 §8.3.4 lets any character abort
    // the wait; the modem answers OK, delivered to the pending handler.
    void abort_receive();
    // Raw bytes outside any protocol (profile quirks, escape sequences). PolicyRefused,
    // and nothing queued, if any line in them would dial.
    Status write_raw(std::span<const uint8_t> raw);

    bool awaiting_reply() const { return pending_.has_value() && pending_->awaiting; }
    DataMode data_mode() const { return mode_; }
    const std::string& current_command() const;

    void on_bytes(std::span<const uint8_t> bytes);
    void set_time(Samples now);
    Samples now() const { return now_; }

    std::vector<uint8_t> take_output();
    std::size_t output_size() const { return out_.size(); }

    // Result codes with no command waiting (RING, a late NO CARRIER).
    //
    // Answers that cannot be right end the command at once with Errc::Protocol naming them: a
    // garbled line (is_garbled()) while a result is awaited, and, at the deadline, an answer cut
    // off before its line end ("incomplete answer ..."). Only a deadline with nothing at all
    // received is Errc::Timeout.
    void set_unsolicited(std::function<void(AtResult, const std::string&)> fn) { unsolicited_ = std::move(fn); }
    // Every line in both directions, for a protocol trace (never includes data-mode bytes).
    void set_trace(std::function<void(bool to_modem, const std::string&)> fn) { trace_ = std::move(fn); }

private:
    struct Pending {
        AtCommand cmd;
        ReplyFn on_reply;
        DataSink sink;
        Samples deadline{0};
        bool awaiting = true;  // a result code is expected
        std::vector<std::string> info;
    };
    void start(const AtCommand& cmd, ReplyFn on_reply, DataSink sink);
    void handle_line(const std::string& line);
    void deliver(Result<AtReply> r);
    void process_line_bytes();
    std::string command_for_messages() const;

    std::optional<Pending> pending_;
    DataMode mode_ = DataMode::None;
    bool rx_in_data_ = false;  // Receive mode, between CONNECT and DLE ETX
    bool skip_lf_ = false;     // drop the LF that follows CONNECT's CR
    AtLineReader lines_;
    DleDecoder dle_;
    std::vector<uint8_t> out_;
    std::vector<uint8_t> rx_scratch_;
    std::vector<uint8_t> carry_;
    Samples now_{0};
    AtChannelOptions opts_;
    std::optional<Samples> xoff_since_;
    std::function<void(AtResult, const std::string&)> unsolicited_;
    std::function<void(bool, const std::string&)> trace_;
};

// The AT step runner's Send over this engine (at_step_runner.h): each step's command in
// command mode, its final reply to the runner.
AtStepRunner::Send step_sender(AtChannel& channel);

}  // namespace fax::driver
