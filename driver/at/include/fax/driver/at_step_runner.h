// AtStepRunner: runs an AT command sequence written as a table of steps — {command,
// timeout, what to do with the answer} — one command after the other, the way
// ModemManager runs its AT sequences (a response processor per command decides: go on,
// done, or failed). The Class 1 session's modem set-up, the Class 2.0 session's and the
// modem prober's identification are such tables.
//
// The runner does no I/O and reads no clock: it hands each command to a Send function
// bound to a command/response engine (step_sender() in at_channel.h and class2_channel.h)
// and moves on when that engine calls back with the modem's reply — the engine is fed
// the bytes and the time, and owns each command's deadline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fax/base/result.h"
#include "fax/base/time.h"
#include "fax/driver/at_reply.h"

namespace fax::driver {

struct AtStep;

// What a step's handler decides about its reply.
class AtStepVerdict {
public:
    enum class Kind { Next, Finish, Fail };
    // Go on with the following step.
    static AtStepVerdict next() { return AtStepVerdict(Kind::Next, std::nullopt); }
    // The sequence has what it needs: skip the remaining steps and end successfully.
    static AtStepVerdict finish() { return AtStepVerdict(Kind::Finish, std::nullopt); }
    // End the sequence with this error.
    static AtStepVerdict fail(Error error) { return AtStepVerdict(Kind::Fail, std::move(error)); }

    Kind kind() const { return kind_; }
    // Fail only.
    const std::optional<Error>& error() const { return error_; }

private:
    AtStepVerdict(Kind kind, std::optional<Error> error) : kind_(kind), error_(std::move(error)) {}
    Kind kind_;
    std::optional<Error> error_;
};

// A step's handler: the modem's reply to the step's command, or the engine's error
// (Errc::Timeout with no answer, Errc::Protocol for a garbled one, ...).
using AtStepHandler = std::function<AtStepVerdict(const AtStep& step, const Result<AtReply>& reply)>;
// Keeps what an answer says (capabilities, identity); an error ends the sequence with it.
using AtStepKeep = std::function<Status(const AtReply& reply)>;

struct AtStep {
    std::string command;                // the command line, without CR (never one that dials)
    Samples timeout{Samples{8000 * 5}};  // until the final result code
    AtStepHandler on_reply;             // empty: require_ok()
    // Asked when the step comes up: false skips it (e.g. Class 1 queries of a modem that
    // turned out to have no Class 1). Empty: always run.
    std::function<bool()> when;
};

// OK → keep(reply), then the next step. Any other result code ends the sequence with the
// typed error of to_error() naming the command; the engine's error ends it as it is.
AtStepHandler require_ok(AtStepKeep keep = {});
// For commands some modems do not know: OK → keep(reply), then the next step; another
// result code (ERROR) → the next step as well. The engine's error (no answer at all)
// still ends the sequence.
AtStepHandler tolerate_error(AtStepKeep keep = {});

class AtStepRunner {
public:
    using ReplyFn = std::function<void(Result<AtReply>)>;
    // Sends the step's command (command mode, no data phase) and calls back once with its
    // final reply. See step_sender() in at_channel.h and class2_channel.h.
    using Send = std::function<void(const AtStep& step, ReplyFn on_reply)>;
    // The sequence ended: ok after the last step or a handler's finish(), else the error
    // of the step that failed it.
    using Done = std::function<void(Status)>;

    // Starts the table; the first command goes to `send` at once. A sequence still
    // running is abandoned first.
    void run(std::vector<AtStep> steps, Send send, Done done);
    // Stops without calling done; a reply still on its way is ignored.
    void abandon();

    bool running() const { return running_; }

private:
    void send_current();
    void on_reply(std::uint64_t run, Result<AtReply> reply);
    void end(Status status);

    std::vector<AtStep> steps_;
    Send send_;
    Done done_;
    std::size_t at_ = 0;
    bool running_ = false;
    std::uint64_t run_ = 0;  // tells a late reply of an abandoned run from the current one
};

}  // namespace fax::driver
