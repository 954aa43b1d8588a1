// Class2Channel: the command/response engine for a Class 2.0 (T.32) modem.
//
// Like AtChannel it does no I/O and reads no clock: modem bytes go to on_bytes(), time to
// set_time(), and take_output() returns what to write. One command is in flight at a
// time with its own deadline. Class 2.0 differs from Class 1 in ways that need their own
// engine rather than AtChannel:
//   - the modem's reports (+FCO, +FCI, +FIS, +FCS, +FPS, +FET, +FHS) arrive as
//     information text before the final result, also after page data;
//   - page data sent after +FDT's CONNECT ends with DLE and a post-page character
//     (T.32 §8.3.3: DLE ',' MPS / DLE ';' EOM / DLE '.' EOP), not only DLE ETX;
//   - after +FDR's CONNECT the DTE releases the data with DC2 (T.32 §8.3.4).
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
#include "fax/driver/class2_reports.h"
#include "fax/driver/dle.h"

namespace fax::driver {

enum class Class2Data { None, SendPage, ReceivePage };

struct Class2Command {
    std::string text;                    // e.g. "AT+FDT" (no CR)
    Samples timeout{Samples{8000 * 5}};  // until CONNECT or the final result
    Class2Data data = Class2Data::None;  // what CONNECT starts
};

// The final result and the information text (the +F reports) before it: the same shape as
// a Class 1 reply, so one AT step runner serves both engines.
using Class2Reply = AtReply;

// How the engine reads this modem (from its profile's quirks): result codes in words or
// digits, and whether a lone DLE in +FDR data is data (quirk dle_bug). See AtChannelOptions.
struct Class2ChannelOptions {
    ResultForm result_form = ResultForm::Verbose;
    bool lone_dle_is_data = false;
};

class Class2Channel {
public:
    Class2Channel() = default;
    explicit Class2Channel(const Class2ChannelOptions& options) { configure(options); }
    void configure(const Class2ChannelOptions& options) {
        opts_ = options;
        dle_.set_lone_dle_is_data(options.lone_dle_is_data);
    }

    // Runs with CONNECT (data commands) and again with the final result; Errc::Timeout
    // when the deadline passes.
    using ReplyFn = std::function<void(Result<Class2Reply>)>;
    using DataFn = std::function<void(std::span<const uint8_t>)>;

    // `sink` receives the unstuffed page data of a ReceivePage command. A command line
    // that dials (at_command.h) is not sent: on_reply gets Errc::PolicyRefused at once.
    void send(const Class2Command& cmd, ReplyFn on_reply, DataFn sink = {});
    // Dials the permit's number (`prefix` one of ATD, ATDT, ATDP); the permit is used up.
    // The only way this channel dials, as for AtChannel::dial().
    void dial(gate::DialPermit&& permit, std::string_view prefix, Samples timeout, ReplyFn on_reply);
    // SendPage, after CONNECT: stuff and queue page data.
    void write_page_data(std::span<const uint8_t> raw);
    // SendPage: DLE + the post-page character, then await the final result (with +FPS).
    void end_page(PostPage ppm, Samples timeout);
    // Cancels whatever is waiting with CAN (T.32 §8.3.4 / V.250 abort).
    void abort();

    bool busy() const { return pending_.has_value(); }
    // Page data are being written, or are queued and not yet taken by take_output().
    bool sending_page() const { return state_ == State::SendData || page_queued_; }
    void on_bytes(std::span<const uint8_t> bytes);
    void set_time(Samples now);
    std::vector<uint8_t> take_output();
    std::size_t output_size() const { return out_.size(); }

    // Lines that arrive with no command in flight (RING, late reports).
    // A garbled line while a result is awaited, or an answer cut off before its line end at
    // the deadline, ends the command with Errc::Protocol naming it (as AtChannel does).
    void set_unsolicited(std::function<void(const std::string&)> fn) { unsolicited_ = std::move(fn); }
    // Command and response lines (never page data), for a protocol trace.
    void set_trace(std::function<void(bool to_modem, const std::string&)> fn) { trace_ = std::move(fn); }

private:
    void start(const Class2Command& cmd, ReplyFn on_reply, DataFn sink);

    enum class State { Idle, Awaiting, SendData, ReceiveData };
    struct Pending {
        Class2Command cmd;
        ReplyFn on_reply;
        DataFn sink;
        Samples deadline{0};
        std::vector<std::string> info;
    };
    void handle_line(const std::string& line);
    void deliver(Result<Class2Reply> r);
    std::string command_for_messages() const;

    std::optional<Pending> pending_;
    State state_ = State::Idle;
    bool skip_lf_ = false;
    bool page_queued_ = false;
    AtLineReader lines_;
    DleDecoder dle_;
    std::vector<uint8_t> out_;
    std::vector<uint8_t> scratch_;
    Samples now_{0};
    Class2ChannelOptions opts_;
    std::function<void(const std::string&)> unsolicited_;
    std::function<void(bool, const std::string&)> trace_;
};

// The AT step runner's Send over this engine (at_step_runner.h): each step's command with
// no data phase, its final reply (with the +F reports) to the runner.
AtStepRunner::Send step_sender(Class2Channel& channel);

}  // namespace fax::driver
