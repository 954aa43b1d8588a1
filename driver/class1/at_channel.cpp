#include "fax/driver/at_channel.h"

#include <utility>

#include "fax/driver/at_command.h"

namespace fax::driver {

namespace {
const std::string kNone;
}

AtStepRunner::Send step_sender(AtChannel& channel) {
    return [&channel](const AtStep& step, AtStepRunner::ReplyFn on_reply) {
        channel.send(AtCommand{step.command, step.timeout, DataMode::None}, std::move(on_reply));
    };
}

const std::string& AtChannel::current_command() const { return pending_ ? pending_->cmd.text : kNone; }

void AtChannel::configure(const AtChannelOptions& options) {
    opts_ = options;
    dle_.set_lone_dle_is_data(options.lone_dle_is_data);
    if (!opts_.inband_flow) xoff_since_.reset();
}

// A dial command names only its prefix: the number stays out of errors and logs.
std::string AtChannel::command_for_messages() const {
    if (!pending_) return {};
    const std::string& t = pending_->cmd.text;
    return dials(t) ? std::string("ATD") : t;
}

void AtChannel::send(const AtCommand& cmd, ReplyFn on_reply, DataSink sink) {
    if (dials(cmd.text)) {
        // Never echoes the command: it may carry a number typed by someone.
        on_reply(fail(Errc::PolicyRefused, "a dial command needs the permit of a cleared release"));
        return;
    }
    start(cmd, std::move(on_reply), std::move(sink));
}

void AtChannel::dial(gate::DialPermit&& permit, std::string_view prefix, Samples timeout, DataMode on_connect,
                     ReplyFn on_reply, DataSink sink) {
    auto cmd = dial_command(std::move(permit), prefix);
    if (!cmd) {
        on_reply(fail(cmd.take_error()));
        return;
    }
    start(AtCommand{std::move(*cmd), timeout, on_connect}, std::move(on_reply), std::move(sink));
}

void AtChannel::start(const AtCommand& cmd, ReplyFn on_reply, DataSink sink) {
    Pending p;
    p.cmd = cmd;
    p.on_reply = std::move(on_reply);
    p.sink = std::move(sink);
    p.deadline = now_ + cmd.timeout;
    pending_ = std::move(p);
    mode_ = DataMode::None;
    rx_in_data_ = false;
    if (trace_) trace_(true, cmd.text);
    out_.insert(out_.end(), cmd.text.begin(), cmd.text.end());
    out_.push_back('\r');
}

void AtChannel::write_data(std::span<const uint8_t> raw) {
    if (mode_ != DataMode::Transmit) return;
    dle_stuff(raw, out_);
}

void AtChannel::finish_data(Samples timeout, ReplyFn on_reply) {
    if (mode_ != DataMode::Transmit || !pending_) return;
    dle_terminate(out_);
    pending_->on_reply = std::move(on_reply);
    pending_->deadline = now_ + timeout;
    pending_->awaiting = true;
    pending_->info.clear();
}

void AtChannel::abort_receive() {
    if (!pending_ || pending_->cmd.on_connect != DataMode::Receive) return;
    if (trace_) trace_(true, "<CAN: abort receive>");
    out_.push_back(kCan);
    pending_->deadline = now_ + Samples{8000 * 3};
}

Status AtChannel::write_raw(std::span<const uint8_t> raw) {
    // Checked line by line, as the modem would read them.
    std::string_view all(reinterpret_cast<const char*>(raw.data()), raw.size());
    while (!all.empty()) {
        const auto end = all.find_first_of("\r\n");
        if (dials(all.substr(0, end)))
            return fail(Errc::PolicyRefused, "a dial command needs the permit of a cleared release");
        all.remove_prefix(end == std::string_view::npos ? all.size() : end + 1);
    }
    out_.insert(out_.end(), raw.begin(), raw.end());
    return {};
}

void AtChannel::on_bytes(std::span<const uint8_t> bytes) {
    while (!bytes.empty()) {
        if (rx_in_data_) {
            // The line reader ends a line at CR; the LF of "CONNECT\r\n" is not data.
            if (skip_lf_) {
                skip_lf_ = false;
                if (bytes.front() == '\n') {
                    bytes = bytes.subspan(1);
                    continue;
                }
            }
            rx_scratch_.clear();
            const auto fed = dle_.feed(bytes, rx_scratch_);
            if (!rx_scratch_.empty() && pending_ && pending_->sink.data) pending_->sink.data(rx_scratch_);
            bytes = bytes.subspan(fed.consumed);
            if (fed.ended) {
                rx_in_data_ = false;
                mode_ = DataMode::None;
                if (pending_) {
                    pending_->awaiting = true;
                    pending_->deadline = now_ + Samples{8000 * 5};
                    if (pending_->sink.end) pending_->sink.end();
                }
            }
            continue;
        }
        // Line mode: feed one byte at a time so that data following CONNECT in the
        // same read is not swallowed by the line reader.
        std::size_t i = 0;
        for (; i < bytes.size(); ++i) {
            // XON/XOFF are never text; with in-band flow control they hold our output.
            if (bytes[i] == kXon || bytes[i] == kXoff) {
                if (opts_.inband_flow) {
                    if (bytes[i] == kXoff) {
                        if (!xoff_since_) xoff_since_ = now_;
                    } else {
                        xoff_since_.reset();
                    }
                }
                continue;
            }
            lines_.feed(bytes.subspan(i, 1));
            bool switched = false;
            while (auto line = lines_.next()) {
                handle_line(*line);
                if (rx_in_data_) {
                    switched = true;
                    break;
                }
            }
            if (switched) {
                ++i;
                break;
            }
        }
        bytes = bytes.subspan(i);
    }
}

void AtChannel::handle_line(const std::string& line) {
    if (trace_) trace_(false, is_garbled(line) ? describe_line(line) : line);
    if (pending_ && is_echo(line, pending_->cmd.text)) return;
    const auto code = parse_result_code(line, opts_.result_form);
    if (!code) {
        if (pending_ && pending_->awaiting && is_garbled(line)) {
            deliver(fail(Errc::Protocol,
                         "garbled answer from the modem to " + command_for_messages() + ": \"" + describe_line(line) + "\""));
            return;
        }
        if (pending_ && pending_->awaiting) pending_->info.push_back(line);
        return;
    }
    // A result code while transmitting data ends the data (e.g. ERROR on underrun).
    const bool tx_data = pending_ && mode_ == DataMode::Transmit;
    if (*code == AtResult::Ring || !pending_ || (!pending_->awaiting && !tx_data)) {
        if (unsolicited_) unsolicited_(*code, line);
        return;
    }
    AtReply reply{*code, line, std::move(pending_->info)};
    pending_->info.clear();
    if (*code == AtResult::Connect && pending_->cmd.on_connect != DataMode::None) {
        mode_ = pending_->cmd.on_connect;
        pending_->awaiting = false;
        if (mode_ == DataMode::Receive) {
            rx_in_data_ = true;
            // Verbose results end with CR LF; numeric ones with CR alone, and the byte after
            // it is already data.
            skip_lf_ = opts_.result_form != ResultForm::Numeric;
            dle_.reset();
        }
        auto fn = pending_->on_reply;  // the handler stays for the final result
        fn(std::move(reply));
        return;
    }
    if (*code == AtResult::Connect && mode_ == DataMode::Transmit) {
        // CONNECT after a non-final HDLC frame (T.31 §8.3.5): still transmitting.
        pending_->awaiting = false;
        auto fn = pending_->on_reply;
        fn(std::move(reply));
        return;
    }
    mode_ = DataMode::None;
    deliver(std::move(reply));
}

void AtChannel::deliver(Result<AtReply> r) {
    auto fn = std::move(pending_->on_reply);
    pending_.reset();
    mode_ = DataMode::None;
    rx_in_data_ = false;
    if (fn) fn(std::move(r));
}

void AtChannel::set_time(Samples now) {
    now_ = now;
    if (xoff_since_ && now_ - *xoff_since_ > opts_.xoff_limit) {
        xoff_since_.reset();
        if (pending_) {
            const auto secs = std::to_string(opts_.xoff_limit.count() / 8000);
            out_.clear();  // what was held back belongs to the command that ends here
            deliver(fail(Errc::Timeout, "no XON from the modem within " + secs + " s of its XOFF (during " +
                                            command_for_messages() + ")"));
            return;
        }
    }
    if (pending_ && pending_->awaiting && now_ > pending_->deadline) {
        const std::string what = command_for_messages();
        const std::string partial = lines_.partial();
        lines_.clear();
        if (!partial.empty()) {
            deliver(fail(Errc::Protocol,
                         "incomplete answer from the modem to " + what + ": \"" + describe_line(partial) + "\" and no line end"));
            return;
        }
        deliver(fail(Errc::Timeout, "no answer from the modem to " + what));
    }
}

std::vector<uint8_t> AtChannel::take_output() {
    std::vector<uint8_t> o;
    if (xoff_since_) return o;  // the modem said XOFF: hold everything
    if (opts_.inband_flow && mode_ == DataMode::Transmit && out_.size() > opts_.flow_window) {
        const auto n = static_cast<std::ptrdiff_t>(opts_.flow_window);
        o.assign(out_.begin(), out_.begin() + n);
        out_.erase(out_.begin(), out_.begin() + n);
        return o;
    }
    o.swap(out_);
    return o;
}

}  // namespace fax::driver
