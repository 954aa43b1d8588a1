#include "fax/driver/class2_channel.h"

#include <algorithm>
#include <utility>

#include "fax/driver/at_command.h"

namespace fax::driver {
namespace {

// How long +FDR page data may pause (T.30 §5.4.3 T5: 60 s ± 5).
constexpr Samples kPageDataSilence{8000 * 65};

}  // namespace

AtStepRunner::Send step_sender(Class2Channel& channel) {
    return [&channel](const AtStep& step, AtStepRunner::ReplyFn on_reply) {
        channel.send(Class2Command{step.command, step.timeout, Class2Data::None}, std::move(on_reply));
    };
}

void Class2Channel::send(const Class2Command& cmd, ReplyFn on_reply, DataFn sink) {
    if (dials(cmd.text)) {
        on_reply(fail(Errc::PolicyRefused, "a dial command needs the permit of a cleared release"));
        return;
    }
    start(cmd, std::move(on_reply), std::move(sink));
}

void Class2Channel::dial(gate::DialPermit&& permit, std::string_view prefix, Samples timeout, ReplyFn on_reply) {
    auto cmd = dial_command(std::move(permit), prefix);
    if (!cmd) {
        on_reply(fail(cmd.take_error()));
        return;
    }
    start(Class2Command{std::move(*cmd), timeout, Class2Data::None}, std::move(on_reply), {});
}

void Class2Channel::start(const Class2Command& cmd, ReplyFn on_reply, DataFn sink) {
    Pending p;
    p.cmd = cmd;
    p.on_reply = std::move(on_reply);
    p.sink = std::move(sink);
    p.deadline = now_ + cmd.timeout;
    pending_ = std::move(p);
    state_ = State::Awaiting;
    if (trace_) trace_(true, cmd.text);
    out_.insert(out_.end(), cmd.text.begin(), cmd.text.end());
    out_.push_back('\r');
}

void Class2Channel::write_page_data(std::span<const uint8_t> raw) {
    if (state_ != State::SendData) return;
    dle_stuff(raw, out_);
    page_queued_ = true;
}

void Class2Channel::end_page(PostPage ppm, Samples timeout) {
    if (state_ != State::SendData || !pending_) return;
    out_.push_back(kDle);
    out_.push_back(static_cast<uint8_t>(post_page_char(ppm)));
    page_queued_ = true;
    if (trace_) trace_(true, std::string("<DLE ") + post_page_char(ppm) + ">");
    state_ = State::Awaiting;
    pending_->deadline = now_ + timeout;
    pending_->info.clear();
}

void Class2Channel::abort() {
    if (!pending_) return;
    if (trace_) trace_(true, "<CAN>");
    out_.push_back(kCan);
    pending_->deadline = now_ + Samples{8000 * 5};
}

void Class2Channel::on_bytes(std::span<const uint8_t> bytes) {
    while (!bytes.empty()) {
        if (state_ == State::ReceiveData) {
            if (skip_lf_) {
                skip_lf_ = false;
                if (bytes.front() == '\n') {
                    bytes = bytes.subspan(1);
                    continue;
                }
            }
            scratch_.clear();
            const auto fed = dle_.feed(bytes, scratch_);
            // A page arriving is progress: its deadline is how long the modem may go
            // silent (T.30 T5, the longest a receiver may hold the sender off with RNR),
            // not how long the whole page may take — a multi-block ECM page at 9600 bit/s
            // takes minutes.
            if (fed.consumed > 0 && pending_) pending_->deadline = std::max(pending_->deadline, now_ + kPageDataSilence);
            if (!scratch_.empty() && pending_ && pending_->sink) pending_->sink(scratch_);
            bytes = bytes.subspan(fed.consumed);
            if (fed.ended) {
                // The page is complete; +FPS, +FET and OK follow (T.32 §8.3.4).
                state_ = State::Awaiting;
                if (pending_) pending_->deadline = now_ + Samples{8000 * 10};
            }
            continue;
        }
        // Line mode, one byte at a time so that data right after CONNECT is not lost.
        std::size_t i = 0;
        for (; i < bytes.size(); ++i) {
            // Flow control characters the modem sends in band are not text.
            if (bytes[i] == kXon || bytes[i] == kXoff) continue;
            lines_.feed(bytes.subspan(i, 1));
            bool switched = false;
            while (auto line = lines_.next()) {
                handle_line(*line);
                if (state_ == State::ReceiveData) {
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

std::string Class2Channel::command_for_messages() const {
    if (!pending_) return {};
    return dials(pending_->cmd.text) ? std::string("ATD") : pending_->cmd.text;
}

void Class2Channel::handle_line(const std::string& line) {
    if (trace_) trace_(false, is_garbled(line) ? describe_line(line) : line);
    if (pending_ && state_ == State::Awaiting && is_echo(line, pending_->cmd.text)) return;
    const auto code = parse_result_code(line, opts_.result_form);
    if (!code && pending_ && state_ == State::Awaiting && is_garbled(line)) {
        deliver(fail(Errc::Protocol,
                     "garbled answer from the modem to " + command_for_messages() + ": \"" + describe_line(line) + "\""));
        return;
    }
    if (!pending_ || state_ == State::SendData) {
        // While page data is going out the modem has nothing to say but a failure.
        if (pending_ && code && *code != AtResult::Ring && *code != AtResult::Connect) {
            Class2Reply reply{*code, line, std::move(pending_->info)};
            deliver(std::move(reply));
            return;
        }
        if (pending_ && !code) {
            pending_->info.push_back(line);
            return;
        }
        if (unsolicited_) unsolicited_(line);
        return;
    }
    if (!code) {
        pending_->info.push_back(line);
        return;
    }
    if (*code == AtResult::Ring) {
        if (unsolicited_) unsolicited_(line);
        return;
    }
    Class2Reply reply{*code, line, std::move(pending_->info)};
    pending_->info.clear();
    if (*code == AtResult::Connect && pending_->cmd.data != Class2Data::None) {
        if (pending_->cmd.data == Class2Data::SendPage) {
            state_ = State::SendData;
        } else {
            // T.32 §8.3.4: DC2 tells the modem we are ready for the page.
            state_ = State::ReceiveData;
            skip_lf_ = opts_.result_form != ResultForm::Numeric;
            dle_.reset();
            out_.push_back(kDc2);
        }
        auto fn = pending_->on_reply;  // kept for the final result
        fn(std::move(reply));
        return;
    }
    deliver(std::move(reply));
}

void Class2Channel::deliver(Result<Class2Reply> r) {
    auto fn = std::move(pending_->on_reply);
    pending_.reset();
    state_ = State::Idle;
    if (fn) fn(std::move(r));
}

void Class2Channel::set_time(Samples now) {
    now_ = now;
    if (pending_ && state_ != State::SendData && now_ > pending_->deadline) {
        const std::string what = command_for_messages();
        const std::string partial = lines_.partial();
        lines_.clear();
        if (!partial.empty() && state_ != State::ReceiveData) {
            deliver(fail(Errc::Protocol,
                         "incomplete answer from the modem to " + what + ": \"" + describe_line(partial) + "\" and no line end"));
            return;
        }
        deliver(fail(Errc::Timeout, "no answer from the modem to " + what));
    }
}

std::vector<uint8_t> Class2Channel::take_output() {
    page_queued_ = false;
    std::vector<uint8_t> o;
    o.swap(out_);
    return o;
}

}  // namespace fax::driver
