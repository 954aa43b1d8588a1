#include "fax/driver/at_step_runner.h"

#include <utility>

namespace fax::driver {

namespace {

AtStepVerdict engine_failed(const Result<AtReply>& reply) { return AtStepVerdict::fail(reply.error()); }

}  // namespace

AtStepHandler require_ok(AtStepKeep keep) {
    return [keep = std::move(keep)](const AtStep& step, const Result<AtReply>& reply) {
        if (!reply.ok()) return engine_failed(reply);
        if (reply->result != AtResult::Ok) return AtStepVerdict::fail(to_error(reply->result, step.command));
        if (keep) {
            if (Status s = keep(*reply); !s.ok()) return AtStepVerdict::fail(s.error());
        }
        return AtStepVerdict::next();
    };
}

AtStepHandler tolerate_error(AtStepKeep keep) {
    return [keep = std::move(keep)](const AtStep&, const Result<AtReply>& reply) {
        if (!reply.ok()) return engine_failed(reply);
        if (reply->result == AtResult::Ok && keep) {
            if (Status s = keep(*reply); !s.ok()) return AtStepVerdict::fail(s.error());
        }
        return AtStepVerdict::next();
    };
}

void AtStepRunner::run(std::vector<AtStep> steps, Send send, Done done) {
    abandon();
    steps_ = std::move(steps);
    send_ = std::move(send);
    done_ = std::move(done);
    at_ = 0;
    running_ = true;
    send_current();
}

void AtStepRunner::abandon() {
    ++run_;
    running_ = false;
}

void AtStepRunner::send_current() {
    while (at_ < steps_.size() && steps_[at_].when && !steps_[at_].when()) ++at_;
    if (at_ >= steps_.size()) {
        end({});
        return;
    }
    // The engine may answer at once (a refused command): the callback then runs inside send_.
    send_(steps_[at_], [this, run = run_](Result<AtReply> reply) { on_reply(run, std::move(reply)); });
}

void AtStepRunner::on_reply(std::uint64_t run, Result<AtReply> reply) {
    if (run != run_ || !running_) return;
    const AtStep& step = steps_[at_];
    const AtStepVerdict verdict = step.on_reply ? step.on_reply(step, reply) : require_ok()(step, reply);
    if (run != run_) return;  // the handler abandoned or restarted the sequence
    switch (verdict.kind()) {
    case AtStepVerdict::Kind::Next:
        ++at_;
        send_current();
        return;
    case AtStepVerdict::Kind::Finish: end({}); return;
    case AtStepVerdict::Kind::Fail: end(fail(*verdict.error())); return;
    }
}

void AtStepRunner::end(Status status) {
    running_ = false;
    ++run_;
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(status));
}

}  // namespace fax::driver
